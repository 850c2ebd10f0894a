"""Paired comparison of predictors on identical splits: Wilcoxon signed-rank + Holm, and mean ranks.

Every predictor of a run is scored on the same test set per seed (see
:mod:`suite.experiment.runner`), so differences are paired by seed; this is what makes a
signed-rank test valid, and it is why the runner shares splits.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

__all__ = ["pairwise_wilcoxon", "holm", "mean_ranks"]


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


def pairwise_wilcoxon(records: pd.DataFrame, metric: str = "kendall") -> pd.DataFrame:
    """Every predictor pair at every train size: median paired difference, Wilcoxon p, Holm p.

    Pairs are matched on seed (and fidelity); seeds where either side is NaN are dropped.
    Holm's correction runs over all comparisons of the table. ``p`` is NaN when fewer than 2
    paired seeds remain or every difference is 0.
    """
    from scipy.stats import wilcoxon

    sub = records[records["metric"] == metric]
    rows = []
    for n, group in sub.groupby("train_size", sort=True):
        wide = group.pivot_table(index=["fidelity", "seed"], columns="predictor", values="value", aggfunc="first")
        for a, b in itertools.combinations(list(wide.columns), 2):
            pair = wide[[a, b]].dropna()
            diff = (pair[a] - pair[b]).to_numpy()
            p = float("nan")
            if len(diff) >= 2 and np.any(diff != 0):
                p = float(wilcoxon(pair[a], pair[b], zero_method="wilcox").pvalue)
            rows.append((int(n), a, b, len(diff), float(np.median(diff)) if len(diff) else float("nan"), p))
    out = pd.DataFrame(rows, columns=["train_size", "a", "b", "n_pairs", "median_diff", "p"])
    out["p_holm"] = holm(out["p"].to_numpy()) if len(out) else []
    return out


def mean_ranks(records: pd.DataFrame, metric: str = "kendall") -> pd.DataFrame:
    """Critical-difference style ranking: each predictor's rank per (train size, seed), averaged.

    Rank 1 = best (highest metric); ties share the average rank. Blocks where any predictor
    is NaN are dropped, so every predictor is ranked on the same blocks. Also returns the
    Friedman test p-value over those blocks and Nemenyi's critical difference at alpha = 0.05
    (Demšar 2006): two predictors whose mean ranks differ by less are not distinguishable.
    """
    from scipy.stats import friedmanchisquare, studentized_range

    sub = records[records["metric"] == metric]
    wide = sub.pivot_table(index=["train_size", "fidelity", "seed"], columns="predictor", values="value", aggfunc="first").dropna()
    k, n = wide.shape[1], wide.shape[0]
    if k < 2 or n < 2:
        raise ValueError(f"mean ranks need >= 2 predictors and >= 2 complete blocks, got {k} and {n}")
    ranks = wide.rank(axis=1, ascending=False, method="average")
    friedman_p = float(friedmanchisquare(*[wide[c] for c in wide.columns]).pvalue) if k >= 3 else float("nan")
    q = float(studentized_range.ppf(0.95, k, np.inf)) / np.sqrt(2)
    cd = q * np.sqrt(k * (k + 1) / (6.0 * n))
    out = ranks.mean().sort_values().rename("mean_rank").to_frame()
    out["blocks"] = n
    out.attrs.update({"friedman_p": friedman_p, "critical_difference": float(cd)})
    return out
