"""The store estate: 24 physical stores in four regions plus one virtual online store per region."""

from __future__ import annotations

import numpy as np
import polars as pl

REGIONS = ("North", "Midlands", "South", "London")
REGION_WEIGHTS = np.array([0.28, 0.22, 0.24, 0.26])  # share of customers (and anonymous trade)

# (store_id, name, region, format, opened_at)
PHYSICAL_STORES = (
    ("ST001", "Manchester Arndale", "North", "flagship", "2006-04-12"),
    ("ST002", "Leeds Briggate", "North", "high_street", "2009-09-03"),
    ("ST003", "Liverpool One", "North", "high_street", "2008-05-29"),
    ("ST004", "Newcastle Eldon Square", "North", "high_street", "2011-02-24"),
    ("ST005", "Sheffield Meadowhall", "North", "retail_park", "2004-10-14"),
    ("ST006", "York Monks Cross", "North", "retail_park", "2014-03-20"),
    ("ST007", "Cheshire Oaks", "North", "outlet", "2016-07-07"),
    ("ST008", "Birmingham Bullring", "Midlands", "flagship", "2005-09-08"),
    ("ST009", "Nottingham Victoria", "Midlands", "high_street", "2010-11-18"),
    ("ST010", "Leicester Highcross", "Midlands", "high_street", "2012-09-04"),
    ("ST011", "Coventry Cathedral Lanes", "Midlands", "high_street", "2013-05-16"),
    ("ST012", "Leicester Fosse Park", "Midlands", "retail_park", "2007-03-22"),
    ("ST013", "East Midlands Designer Outlet", "Midlands", "outlet", "2017-08-31"),
    ("ST014", "Bristol Cabot Circus", "South", "flagship", "2008-09-25"),
    ("ST015", "Southampton WestQuay", "South", "high_street", "2006-06-15"),
    ("ST016", "Brighton Churchill Square", "South", "high_street", "2011-10-06"),
    ("ST017", "Reading Oracle", "South", "high_street", "2009-04-02"),
    ("ST018", "Exeter Marsh Barton", "South", "retail_park", "2015-11-12"),
    ("ST019", "Swindon Designer Outlet", "South", "outlet", "2018-05-24"),
    ("ST020", "London Oxford Street", "London", "flagship", "2003-11-20"),
    ("ST021", "Westfield Stratford City", "London", "high_street", "2011-09-13"),
    ("ST022", "Westfield White City", "London", "high_street", "2008-10-30"),
    ("ST023", "Brent Cross", "London", "retail_park", "2012-04-26"),
    ("ST024", "Bromley The Glades", "London", "high_street", "2019-03-14"),
)
FORMAT_SIZE = {"flagship": 2.2, "high_street": 1.0, "retail_park": 1.2, "outlet": 0.8}
ONLINE_OPENED = "2012-03-01"


def online_store_id(region: str) -> str:
    return f"ONL-{region.upper()}"


def store_ids() -> list[str]:
    """Physical stores first (index 0..23), then the online store of each region (24..27)."""
    return [s[0] for s in PHYSICAL_STORES] + [online_store_id(r) for r in REGIONS]


def physical_by_region() -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per region: the indices of its physical stores and their trade weights (summing to 1)."""
    idx, weights = [], []
    for region in REGIONS:
        members = [i for i, s in enumerate(PHYSICAL_STORES) if s[2] == region]
        w = np.array([FORMAT_SIZE[PHYSICAL_STORES[i][3]] for i in members])
        idx.append(np.array(members))
        weights.append(w / w.sum())
    return idx, weights


def online_store_index(region_code: np.ndarray) -> np.ndarray:
    return len(PHYSICAL_STORES) + np.asarray(region_code)


def pick_physical_store(rng: np.random.Generator, region_code: np.ndarray) -> np.ndarray:
    """A physical store in each row's region, weighted by store size."""
    idx, weights = physical_by_region()
    out = np.empty(len(region_code), dtype=np.int64)
    for r in range(len(REGIONS)):
        mask = region_code == r
        out[mask] = rng.choice(idx[r], size=int(mask.sum()), p=weights[r])
    return out


def stores_frame() -> pl.DataFrame:
    rows = list(PHYSICAL_STORES) + [
        (online_store_id(r), f"Online {r}", r, "online", ONLINE_OPENED) for r in REGIONS
    ]
    return pl.DataFrame(
        rows, schema=["store_id", "name", "region", "format", "opened_at"], orient="row"
    ).cast(pl.Utf8)
