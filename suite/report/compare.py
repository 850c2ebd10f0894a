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

Why no post-hoc package (scikit-posthocs): the tests (Wilcoxon, Friedman) and the studentized
range for Nemenyi's critical difference already come from scipy; what is ours is :func:`holm`
(a dozen lines; scipy's ``false_discovery_control`` has no Holm) and the one-block-per-seed
design, which no package encodes. scikit-posthocs would add statsmodels and seaborn to the core
dependencies to replace those dozen lines.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd

__all__ = ["pairwise_wilcoxon", "holm", "mean_ranks", "wilcoxon_floor", "TooFewPairs", "best_entries", "entry_label",
           "BEST_RULE"]

#: how tables mark entries (the caption of :func:`suite.report.tables.to_markdown` / ``to_latex``)
BEST_RULE = ("Bold: significantly better than every other entry of its column; italics: the best mean and the "
             "entries not significantly different from it (marked only when some entry is significantly worse). "
             "Two-sided Wilcoxon signed-rank tests of the column's best mean against each other entry, one pair "
             "per seed (same test set), Holm's correction over all {n_tests} tests of the table, alpha = {alpha:g}.")


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


def _floor_warning(max_pairs: int, n_tests: int, alpha: float) -> tuple[float, str | None]:
    """(Holm floor, warning sentence or None) of ``n_tests`` Wilcoxon tests on at most ``max_pairs`` pairs."""
    if not n_tests:
        return 1.0, None
    floor = min(1.0, n_tests * wilcoxon_floor(max_pairs))
    if floor < alpha:
        return floor, None
    return floor, (f"with at most {max_pairs} paired seeds per test the smallest two-sided Wilcoxon p is "
                   f"2/2^{max_pairs} = {wilcoxon_floor(max_pairs):.3g}, and Holm over {n_tests} tests raises it "
                   f"to at least {floor:.3g} >= alpha = {alpha:g}: no pair can be declared different; "
                   f"more seeds are needed")


def _signed_rank_p(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p of paired ``a - b``; NaN when < 2 pairs or every difference is 0."""
    from scipy.stats import wilcoxon

    diff = a - b
    if len(diff) < 2 or not np.any(diff != 0):
        return float("nan")
    return float(wilcoxon(a, b, zero_method="wilcox").pvalue)


def entry_label(predictor: str, fidelity: float) -> str:
    """A table row's name: ``predictor``, or ``predictor (F ep)`` for a learning-curve fidelity F > 0."""
    return str(predictor) if not fidelity > 0 else f"{predictor} ({fidelity} ep)"


def best_entries(records: pd.DataFrame, metric: str = "kendall", *, alpha: float = 0.05) -> pd.DataFrame:
    """Which entry of each train-size column a table may mark as best, by paired tests.

    A column holds one entry per (predictor, fidelity), all scored on each seed's one test set,
    so entries are paired by seed. The entry with the highest mean is tested against every other
    entry of its column (two-sided Wilcoxon signed-rank, seeds where either is NaN dropped);
    Holm's correction runs over all tests of the table (every column). ``mark``: ``"best"`` for
    the top entry when it is significantly better (Holm p < ``alpha`` and a positive mean paired
    difference) than every other entry; else ``"tied"`` for the top entry and those not
    significantly below it, provided some entry is significantly below (else no mark: the data
    cannot single out a group); ``""`` otherwise. Higher values are better.

    Returns one row per (train_size, label): ``top`` (the column's best mean), ``mean``,
    ``n_pairs`` and ``mean_diff`` (best minus this entry, over the paired seeds; 0 for the best
    itself), ``p, p_holm, mark``. ``attrs`` as :func:`pairwise_wilcoxon`'s (``alpha, n_tests, max_pairs,
    holm_floor, warning``); the warning is also raised as :class:`TooFewPairs`.
    """
    sub = records[records["metric"] == metric]
    rows = []
    for n, group in sub.groupby("train_size", sort=True):
        labels = [entry_label(p, f) for p, f in zip(group["predictor"], group["fidelity"])]
        wide = group.assign(label=labels).pivot_table(index="seed", columns="label", values="value", aggfunc="first",
                                                      dropna=False)
        wide = wide[list(dict.fromkeys(labels))]
        means = wide.mean(skipna=True)
        if means.notna().sum() == 0:
            continue
        top = str(means.idxmax())
        for label in wide.columns:
            if label == top:
                rows.append((int(n), label, True, float(means[label]), 0, np.nan, 0.0))
                continue
            pair = wide[[top, label]].dropna()
            a, b = pair[top].to_numpy(np.float64), pair[label].to_numpy(np.float64)
            diff = float(np.mean(a - b)) if len(a) else np.nan
            rows.append((int(n), label, False, float(means[label]), len(a), _signed_rank_p(a, b), diff))
    out = pd.DataFrame(rows, columns=["train_size", "label", "top", "mean", "n_pairs", "p", "mean_diff"])
    out["p_holm"] = holm(out["p"].to_numpy()) if len(out) else []
    out["mark"] = ""
    for n, col in out.groupby("train_size", sort=False):
        others = col[~col["top"]]
        top = col.index[col["top"]][0]
        if others.empty:
            continue
        worse = (others["p_holm"] < alpha) & (others["mean_diff"] > 0)
        if worse.all():
            out.loc[top, "mark"] = "best"
        elif worse.any():
            out.loc[[top, *others.index[~worse]], "mark"] = "tied"
    tested = out[np.isfinite(out["p"])]
    max_pairs = int(tested["n_pairs"].max()) if len(tested) else 0
    floor, warning = _floor_warning(max_pairs, len(tested), alpha)
    if warning:
        warnings.warn(warning, TooFewPairs, stacklevel=2)
    out.attrs.update({"alpha": alpha, "n_tests": len(tested), "max_pairs": max_pairs, "holm_floor": floor,
                      "warning": warning})
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
    sub = records[records["metric"] == metric]
    rows = []
    for (n, fidelity), group in sub.groupby(["train_size", "fidelity"], sort=True):
        wide = group.pivot_table(index="seed", columns="predictor", values="value", aggfunc="first")
        for a, b in itertools.combinations(list(wide.columns), 2):
            pair = wide[[a, b]].dropna()
            diff = (pair[a] - pair[b]).to_numpy()
            p = _signed_rank_p(pair[a].to_numpy(np.float64), pair[b].to_numpy(np.float64))
            rows.append((int(n), fidelity, a, b, len(diff), float(np.median(diff)) if len(diff) else float("nan"), p))
    out = pd.DataFrame(rows, columns=["train_size", "fidelity", "a", "b", "n_pairs", "median_diff", "p"])
    if out["fidelity"].nunique() <= 1:  # the usual single-fidelity table keeps its columns
        out = out.drop(columns="fidelity")
    out["p_holm"] = holm(out["p"].to_numpy()) if len(out) else []
    tested = out[np.isfinite(out["p"])]
    max_pairs = int(tested["n_pairs"].max()) if len(tested) else 0
    floor, warning = _floor_warning(max_pairs, len(tested), alpha)
    if warning:
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
