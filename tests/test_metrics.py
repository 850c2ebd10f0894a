"""Metrics: known values on hand-made inputs, agreement with scipy/sklearn, invariances."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.metrics import r2_score

from suite import metrics as M

finite = st.integers(-10**6, 10**6).map(lambda i: i / 1000)  # accuracies-like, no subnormal edge cases


def test_known_values_by_hand():
    t = np.array([1.0, 2.0, 3.0, 4.0])
    assert M.spearman(t, t[::-1]) == pytest.approx(-1.0)  # signed, not abs
    assert M.kendall(t, [1, 3, 2, 4]) == pytest.approx(4 / 6)  # 5 concordant, 1 discordant pair
    assert M.pearson(t, 2 * t + 1) == pytest.approx(1.0)
    assert M.r2(t, t.mean() * np.ones(4)) == pytest.approx(0.0)
    assert M.r2(t, t + 1) == pytest.approx(1 - 4 / 5)
    assert M.mae(t, t + [1, -1, 2, 0]) == pytest.approx(1.0)
    assert M.rmse(t, t + [1, -1, 2, 0]) == pytest.approx(np.sqrt(6 / 4))


def test_nan_pairs_are_dropped_and_counted():
    t = np.array([1.0, 2.0, np.nan, 4.0, 5.0])
    p = np.array([1.0, 2.0, 3.0, np.nan, 6.0])
    assert M.n_pairs(t, p) == 3
    assert M.spearman(t, p) == pytest.approx(1.0)
    assert np.isnan(M.spearman([1.0, np.nan], [np.nan, 2.0]))
    assert np.isnan(M.pearson([1, 1, 1], [1, 2, 3]))  # no spread: undefined, not 0
    with pytest.raises(ValueError, match="equal length"):
        M.spearman([1, 2, 3], [1, 2])


def test_precision_at_k_follows_naslib():
    true = np.arange(30, dtype=float)  # top 10: 20..29
    pred = true.copy()
    pred[[29, 28]] = [-1, -2]  # the two best are predicted worst: 8 of the true top 10 remain, 2 join
    assert M.precision_at_k(true, pred, 10) == pytest.approx(0.8)
    assert M.precision_at_k(true, true, 0.2) == 1.0  # k = 6 as a fraction
    ties = np.array([5, 5, 5, 1, 0, 0, 0, 0, 0, 0, 0, 0], dtype=float)  # top-2 by threshold: none strictly above the 3rd
    assert M.precision_at_k(ties, ties, 2) == 0.0
    with pytest.raises(ValueError, match="more than 10 complete pairs"):
        M.precision_at_k(true[:10], pred[:10], 10)
    with pytest.raises(ValueError, match="fraction"):
        M.precision_at_k(true, pred, 1.5)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(finite, finite), min_size=3, max_size=40))
def test_agreement_with_scipy_and_sklearn(pairs):
    t, p = map(np.array, zip(*pairs))
    for ours, theirs in [
        (M.spearman(t, p), stats.spearmanr(t, p).statistic),
        (M.kendall(t, p), stats.kendalltau(t, p).statistic),
        (M.pearson(t, p), stats.pearsonr(t, p).statistic if np.ptp(t) > 0 and np.ptp(p) > 0 else np.nan),
    ]:
        if np.isnan(theirs) or np.ptp(t) == 0 or np.ptp(p) == 0:
            assert np.isnan(ours)
        else:
            assert ours == pytest.approx(theirs, abs=1e-9)
    if np.ptp(t) > 0:
        assert M.r2(t, p) == pytest.approx(r2_score(t, p), rel=1e-9, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(finite, st.floats(-50, 50)), min_size=3, max_size=40, unique_by=lambda x: x[1]))
def test_rank_metrics_invariant_under_monotone_transforms(pairs):
    t, p = map(np.array, zip(*pairs))
    # strictly increasing and not affine; scaling by powers of two is exact, so no two values collapse
    # (a smooth transform such as sinh rounds subnormal gaps away: hypothesis found 0 vs 5e-324)
    q = np.where(p > 0, p * 8.0, p * 2.0)
    assert M.spearman(t, p) == pytest.approx(M.spearman(t, q), nan_ok=True)
    assert M.kendall(t, p) == pytest.approx(M.kendall(t, q), nan_ok=True)
    if len(t) > 2:
        assert M.precision_at_k(t, p, 1) == M.precision_at_k(t, q, 1)


def test_budget_correlation_matrix():
    rng = np.random.default_rng(0)
    final = rng.normal(size=200)
    frame = pd.DataFrame({12: final + rng.normal(scale=2.0, size=200), 200: final, 1: rng.normal(size=200)})
    frame.iloc[:50, 2] = np.nan  # budgets measured on different subsets: pairwise-complete
    mat = M.budget_correlation(frame)
    assert list(mat.index) == [12, 200, 1] and np.allclose(mat.to_numpy(), mat.to_numpy().T)
    assert np.allclose(np.diag(mat), 1.0)
    assert mat.loc[12, 200] == pytest.approx(stats.spearmanr(frame[12], frame[200]).statistic)
    assert mat.loc[1, 200] == pytest.approx(stats.spearmanr(frame[1][50:], frame[200][50:]).statistic)
    assert 0.2 < mat.loc[12, 200] < 0.6 and abs(mat.loc[1, 200]) < 0.2
    arr = M.budget_correlation(frame.to_numpy(), budgets=["a", "b", "c"])
    assert list(arr.columns) == ["a", "b", "c"]


def test_bootstrap_ci_covers_and_is_reproducible():
    rng = np.random.default_rng(1)
    t = rng.normal(size=300)
    p = t + rng.normal(size=300)
    ci = M.bootstrap_ci(M.pearson, t, p, rng=0)
    assert ci.low < ci.estimate < ci.high and ci.high - ci.low < 0.2
    assert ci.low < 1 / np.sqrt(2) < ci.high  # population correlation of this construction
    assert ci == M.bootstrap_ci(M.pearson, t, p, rng=0)


def test_mean_ci_matches_t_interval():
    v = [0.5, 0.7, 0.6, 0.8]
    ci = M.mean_ci(v)
    lo, hi = stats.t.interval(0.95, 3, loc=np.mean(v), scale=stats.sem(v))
    assert (ci.estimate, ci.low, ci.high) == pytest.approx((0.65, lo, hi))


def test_score_all_marks_undefined_top_k_as_nan_and_rejects_unknown_names():
    t = np.arange(15, dtype=float)
    out = M.score_all(t, t)
    assert out["precision@10"] == 1.0 and np.isnan(out["precision@20"]) and out["n_pairs"] == 15
    with pytest.raises(ValueError, match="unknown metric 'tau'"):
        M.score_all(t, t, ["tau"])


def test_constant_side_is_nan_even_when_centring_leaves_rounding_noise():
    t = np.array([0.0, 0.0, 0.001])
    p = np.full(3, 0.671)  # 0.671 - mean(0.671, 0.671, 0.671) is not exactly 0 in floating point
    assert np.isnan(M.pearson(t, p)) and np.isnan(M.r2(p, t))
