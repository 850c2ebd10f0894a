"""Paired comparison of predictors on identical splits: Wilcoxon signed-rank + Holm, and mean ranks.

Every predictor of a run is scored on the same test set per seed (see
:mod:`suite.experiment.runner`), so differences are paired by seed; this is what makes a
signed-rank test valid, and it is why the runner shares splits.

The independent unit is the seed. Within one seed the train sizes (and fidelities) are not
independent replicates: the training sets of a seed are nested and all of them are scored on
the seed's one test set, so a (train size, seed) cell is not a block of its own. Hence:

- :func:`mean_ranks` (Friedman, Nemenyi) uses **one block per seed**: each predictor's metric is
  averaged over the seed's train sizes and fidelities, then ranked within the seed.
- :func:`pairwise_wilcoxon` tests **each (train size, fidelity) separately**, one pair per seed,
  with Holm's correction over every test of the table.

A Wilcoxon signed-rank test on n pairs cannot give a two-sided p below 2/2^n (exact null
distribution: every difference of one sign), and Holm multiplies the smallest p by the number
of tests; when that floor is not below ``alpha`` no pair can be declared different, whatever the
data, and :func:`pairwise_wilcoxon` says so (:class:`TooFewPairs`).
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd

__all__ = ["pairwise_wilcoxon", "holm", "mean_ranks", "wilcoxon_floor", "TooFewPairs"]


class TooFewPairs(UserWarning):
    """Too few paired seeds for any Holm-corrected Wilcoxon test of the table to reach ``alpha``."""


def wilcoxon_floor(n_pairs: int) -> float:
    """Smallest two-sided p of an exact Wilcoxon signed-rank test on ``n_pairs`` pairs: 2 / 2**n (capped at 1)."""
    return min(1.0, 2.0 / 2.0 ** int(n_pairs)) if n_pairs > 0 else 1.0


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm–Bonferroni adjusted p-values (step-down, monotone, capped at 1); NaN stays NaN."""
    p = np.asarray(p_values, dtype=np.float64)
    out = np.full_like(p, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    order = ok[np.argsort(p[ok], kind="stable")]
    m = len(order)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


def pairwise_wilcoxon(records: pd.DataFrame, metric: str = "kendall", *, alpha: float = 0.05) -> pd.DataFrame:
    """Every predictor pair at every (train size, fidelity): median paired difference, Wilcoxon p, Holm p.

    One pair per seed (seeds where either side is NaN are dropped); train sizes and fidelities
    are tested separately, never pooled, since one seed's cells share a test set. Holm's
    correction runs over all comparisons of the table. ``p`` is NaN when fewer than 2 paired
    seeds remain or every difference is 0.

    ``attrs``: ``alpha``, ``n_tests``, ``max_pairs`` and ``holm_floor`` = n_tests x 2/2^max_pairs
    (capped at 1), the smallest Holm-adjusted p any row could reach; ``warning`` is a sentence
    when ``holm_floor >= alpha`` (also raised as a :class:`TooFewPairs` warning), else None.
    """
    from scipy.stats import wilcoxon

    sub = records[records["metric"] == metric]
    rows = []
    for (n, fidelity), group in sub.groupby(["train_size", "fidelity"], sort=True):
        wide = group.pivot_table(index="seed", columns="predictor", values="value", aggfunc="first")
        for a, b in itertools.combinations(list(wide.columns), 2):
            pair = wide[[a, b]].dropna()
            diff = (pair[a] - pair[b]).to_numpy()
            p = float("nan")
            if len(diff) >= 2 and np.any(diff != 0):
                p = float(wilcoxon(pair[a], pair[b], zero_method="wilcox").pvalue)
            rows.append((int(n), fidelity, a, b, len(diff), float(np.median(diff)) if len(diff) else float("nan"), p))
    out = pd.DataFrame(rows, columns=["train_size", "fidelity", "a", "b", "n_pairs", "median_diff", "p"])
    if out["fidelity"].nunique() <= 1:  # the usual single-fidelity table keeps its columns
        out = out.drop(columns="fidelity")
    out["p_holm"] = holm(out["p"].to_numpy()) if len(out) else []
    tested = out[np.isfinite(out["p"])]
    max_pairs = int(tested["n_pairs"].max()) if len(tested) else 0
    floor = min(1.0, len(tested) * wilcoxon_floor(max_pairs)) if len(tested) else 1.0
    warning = None
    if len(tested) and floor >= alpha:
        warning = (f"with at most {max_pairs} paired seeds per test the smallest two-sided Wilcoxon p is "
                   f"2/2^{max_pairs} = {wilcoxon_floor(max_pairs):.3g}, and Holm over {len(tested)} tests raises it "
                   f"to at least {floor:.3g} >= alpha = {alpha:g}: no pair can be declared different; "
                   f"more seeds are needed")
        warnings.warn(warning, TooFewPairs, stacklevel=2)
    out.attrs.update({"alpha": alpha, "n_tests": len(tested), "max_pairs": max_pairs, "holm_floor": floor,
                      "warning": warning})
    return out


def mean_ranks(records: pd.DataFrame, metric: str = "kendall") -> pd.DataFrame:
    """Critical-difference style ranking with one block per seed.

    Each predictor's metric is averaged over the seed's train sizes and fidelities (cells where
    any predictor is NaN are dropped first, so every predictor of a seed is averaged over the
    same cells), then ranked within the seed: rank 1 = best (highest), ties share the average
    rank. A seed is one block because its cells are not independent (nested training sets, one
    test set). Also returns the Friedman test p-value over the seeds and Nemenyi's critical
    difference at alpha = 0.05 (Demšar 2006): two predictors whose mean ranks differ by less are
    not distinguishable. ``attrs["cells_per_block"]``: (train size, fidelity) cells averaged per
    seed (the most any seed has).
    """
    from scipy.stats import friedmanchisquare, studentized_range

    sub = records[records["metric"] == metric]
    cells = sub.pivot_table(index=["train_size", "fidelity", "seed"], columns="predictor", values="value",
                            aggfunc="first").dropna()
    wide = cells.groupby(level="seed").mean()
    k, n = wide.shape[1], wide.shape[0]
    if k < 2 or n < 2:
        raise ValueError(f"mean ranks need >= 2 predictors and >= 2 seeds with complete results, got {k} and {n}")
    ranks = wide.rank(axis=1, ascending=False, method="average")
    friedman_p = float(friedmanchisquare(*[wide[c] for c in wide.columns]).pvalue) if k >= 3 else float("nan")
    q = float(studentized_range.ppf(0.95, k, np.inf)) / np.sqrt(2)
    cd = q * np.sqrt(k * (k + 1) / (6.0 * n))
    out = ranks.mean().sort_values().rename("mean_rank").to_frame()
    out["blocks"] = n
    per_seed = cells.groupby(level="seed").size()
    out.attrs.update({"friedman_p": friedman_p, "critical_difference": float(cd), "block": "seed",
                      "cells_per_block": int(per_seed.max())})
    return out
