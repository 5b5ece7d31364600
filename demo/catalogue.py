"""The product catalogue: SKUs with a category, a shelf price and a popularity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from demo import formatting as fmt
from demo.timeline import bucket

CATEGORIES = ("clothing", "footwear", "accessories", "beauty", "home", "electronics", "toys", "sports")
CATEGORY_MIX = np.array([0.28, 0.12, 0.10, 0.10, 0.14, 0.08, 0.09, 0.09])
# Median shelf price (GBP) and spread of each category.
PRICE_MEDIAN = np.array([16.0, 33.0, 10.0, 8.0, 13.0, 45.0, 11.0, 19.0])
PRICE_SIGMA = np.array([0.5, 0.4, 0.5, 0.45, 0.6, 0.7, 0.55, 0.55])
# Base return propensity per line (online, delivered on time); clothing and footwear return most.
RETURN_BASE = np.array([0.16, 0.135, 0.055, 0.025, 0.055, 0.06, 0.035, 0.08])
FASHION = np.array([True, True, False, False, False, False, False, False])
N_SKUS = 2400
PREMIUM_PICK = 0.35  # share of premium-segment lines picked from the dearest third of the range


@dataclass
class Catalogue:
    category: np.ndarray  # per sku
    price_pence: np.ndarray
    popularity: np.ndarray  # probabilities summing to 1
    premium_popularity: np.ndarray  # the same restricted to the dearest third
    codes: pl.Series  # "SKU-100001", ...
    price_text: pl.Series  # "12.99", ...

    def pick(self, rng: np.random.Generator, premium: np.ndarray) -> np.ndarray:
        """One SKU per line; premium lines lean to the dearest third of the range."""
        sku = _choice(rng, self.popularity, len(premium))
        upmarket = premium & (rng.random(len(premium)) < PREMIUM_PICK)
        sku[upmarket] = _choice(rng, self.premium_popularity, int(upmarket.sum()))
        return sku


def _choice(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    cum = np.concatenate([[0.0], np.cumsum(p)])
    cum[-1] = 1.0
    return bucket(cum, rng.random(n))


def build_catalogue(rng: np.random.Generator) -> Catalogue:
    category = rng.choice(len(CATEGORIES), size=N_SKUS, p=CATEGORY_MIX)
    price = PRICE_MEDIAN[category] * np.exp(rng.normal(0, 1, N_SKUS) * PRICE_SIGMA[category])
    pounds = np.maximum(np.floor(price), 2)
    ending = rng.choice([99, 0, 50], size=N_SKUS, p=[0.7, 0.2, 0.1])  # £x.99, £x.00, £x.50
    price_pence = (pounds * 100 + ending).astype(np.int64)
    rank = rng.permutation(N_SKUS) + 1
    popularity = 1.0 / rank**0.8
    popularity /= popularity.sum()
    dear = price_pence >= np.quantile(price_pence, 2 / 3)
    premium = np.where(dear, popularity, 0.0)
    premium /= premium.sum()
    codes = fmt.ident("SKU-", 100001 + np.arange(N_SKUS), 6)
    return Catalogue(category, price_pence, popularity, premium, codes, fmt.money(price_pence))
