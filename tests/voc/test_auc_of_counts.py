"""The voice page's AUC from counts per sentiment value (warehouse.queries.voice.auc_of_counts)
against the one computed from one row per answer with scipy's ranks (voc.models.auc, the fit's)."""

from __future__ import annotations

import numpy as np
import pytest

from voc.models import DECIMALS, auc
from warehouse.queries.voice import auc_of_counts


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_auc_of_counts_equals_the_auc_of_the_answers(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, 5_000)
    # rounded as the VoC step rounds them, so many answers tie
    sentiment = np.round(np.clip(rng.normal(labels - 0.5, 0.6), -1, 1), DECIMALS)
    values, inverse = np.unique(np.column_stack([sentiment, labels]), axis=0, return_inverse=True)
    counts = np.bincount(inverse.ravel())
    positives = np.where(values[:, 1] == 1, counts, 0)
    negatives = np.where(values[:, 1] == 0, counts, 0)
    expected = auc(sentiment, labels)
    assert auc_of_counts(values[:, 0], positives, negatives) == pytest.approx(expected, abs=1e-12)


def test_auc_of_counts_of_ties_and_of_one_class():
    # every positive ties with every negative: a coin toss
    assert auc_of_counts(np.array([0.2, 0.2]), np.array([3, 0]), np.array([0, 5])) == 0.5
    # positives above negatives, one value repeated across rows
    assert auc_of_counts(np.array([0.9, -0.5, 0.9]), np.array([1, 0, 2]), np.array([0, 4, 0])) == 1.0
    assert auc_of_counts(np.array([0.1]), np.array([4]), np.array([0])) is None
