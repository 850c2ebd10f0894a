"""Sample efficiency of a search: queries to reach a target, the gain over random search, anytime curves.

Definitions (following Mauch et al. 2020, "Efficient Sampling for Predictor-Based NAS"):

- **Target.** For a quantile ``q`` (``0`` = the global optimum, ``0.0001`` = top 0.01%, ...) of
  the searched pool ``S`` ranked by the *true* objective (the seed-mean of the metric the search
  observes), the qualifying set is the ``k = max(1, ceil(q |S|))`` best architectures, widened to
  every architecture tied with the k-th value.
- **Queries to target** ``Q`` of one run: the number of oracle queries (re-queries included:
  they were paid for) up to and including the first query of a qualifying architecture.
  A run that never queries one is *censored* at its budget.
- **Random search** needs, in expectation, ``(|S|+1)/(k+1)`` queries: the expected position of
  the first of ``k`` marked items in a uniformly random order of ``|S|`` items
  (:func:`random_search_expected_queries`).
- **Sample-efficiency gain** ``SEG = E[Q_random] / E[Q_algorithm]``, with ``E[Q_algorithm]`` the
  mean over independent runs (>= 100 for the shipped configs); its 95% interval comes from a
  percentile bootstrap over runs. SEG > 1: the algorithm needs fewer queries than random search.
  Why ``scipy.stats.bootstrap`` (``method="percentile"``, ``rng`` seeded as before): one tested
  bootstrap for the package (as :mod:`suite.search.early_stopping.speedup`); it draws the same
  resamples as the loop it replaced (``rng.integers(0, n, (n_boot, n))``), so intervals agree with
  the committed ``seg.csv`` to ~1e-15 relative (interpolation round-off) and ``seg.md`` exactly.
  If some runs are censored the mean is a lower bound on ``E[Q]`` and the SEG an upper bound;
  the tables then carry ``censored > 0`` and the value is not reported as a point estimate.

Anytime curves: at query ``t``, the incumbent is the architecture with the best *observed*
value so far (what the search would return if stopped); its true and test values give the
best-found validation/test accuracy, and the **regret** is ``max test over S - incumbent test``.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = ["TARGETS", "target_sets", "random_search_expected_queries", "queries_to_target",
           "sample_efficiency_gain", "anytime", "target_label"]

#: default target quantiles: global optimum, top 0.01%, 0.1%, 1%
TARGETS: tuple[float, ...] = (0.0, 0.0001, 0.001, 0.01)


def target_label(q: float) -> str:
    """``"optimum"`` or ``"top 0.1%"``-style label of a target quantile."""
    return "optimum" if q == 0 else f"top {q * 100:g}%"


def target_sets(values: np.ndarray, pool: np.ndarray, quantiles: Iterable[float] = TARGETS) -> dict[float, np.ndarray]:
    """Qualifying ids per quantile: the ``max(1, ceil(q |S|))`` best of ``pool`` by ``values``, ties included."""
    v = np.asarray(values, dtype=np.float64)[pool]
    order = np.sort(v)[::-1]
    out = {}
    for q in quantiles:
        if not 0 <= q < 1:
            raise ValueError(f"target quantile must be in [0, 1), got {q}")
        k = max(1, math.ceil(q * len(pool)))
        threshold = order[k - 1]
        out[float(q)] = pool[v >= threshold]
    return out


def random_search_expected_queries(n_pool: int, k: int) -> float:
    """``(|S|+1)/(k+1)``: expected draws without replacement until the first of ``k`` marked items."""
    if not 1 <= k <= n_pool:
        raise ValueError(f"need 1 <= k <= |S|, got k={k}, |S|={n_pool}")
    return (n_pool + 1) / (k + 1)


def queries_to_target(queried: np.ndarray, qualifying: np.ndarray) -> float:
    """1-based position of the first qualifying query, NaN if none (censored)."""
    hit = np.isin(np.asarray(queried), qualifying)
    return float(np.argmax(hit) + 1) if hit.any() else float("nan")


def sample_efficiency_gain(queries: Sequence[float], budgets: Sequence[float], expected_random: float, *,
                           n_boot: int = 2000, rng: np.random.Generator | int = 0) -> dict[str, float]:
    """SEG and its 95% bootstrap interval from per-run queries-to-target (NaN = censored at ``budgets``).

    Returns ``mean_queries`` (censored runs counted at their budget), ``ci_low``/``ci_high`` of
    it, ``seg`` = ``expected_random / mean_queries`` with ``seg_low``/``seg_high``, ``n_runs``
    and ``censored`` (fraction of runs that never reached the target).
    """
    from scipy.stats import bootstrap

    q = np.asarray(queries, dtype=np.float64)
    b = np.asarray(budgets, dtype=np.float64)
    if len(q) == 0:
        raise ValueError("no runs")
    censored = ~np.isfinite(q)
    filled = np.where(censored, b, q)
    mean = float(filled.mean())
    lo = hi = mean  # one run: scipy needs two; every resample of one run is that run
    if len(filled) > 1:
        ci = bootstrap((filled,), np.mean, n_resamples=n_boot, method="percentile", vectorized=True,
                       rng=np.random.default_rng(rng)).confidence_interval
        lo, hi = float(ci.low), float(ci.high)
    return {"n_runs": int(len(q)), "censored": float(censored.mean()), "mean_queries": mean, "ci_low": lo, "ci_high": hi,
            "expected_random": float(expected_random), "seg": expected_random / mean,
            "seg_low": expected_random / hi, "seg_high": expected_random / lo}


def anytime(trajectories: pd.DataFrame, by: Sequence[str], *, axis: str = "t", grid: Sequence[float] | None = None,
            best_test: float | None = None) -> pd.DataFrame:
    """Mean best-found curves over runs on a common grid of queries (``axis="t"``) or cost (``"cost"``).

    ``trajectories``: :meth:`Oracle.trajectory` frames stacked with the ``by`` columns and a
    ``run`` column. Per run the curve is a step function (the incumbent after the last query
    at or before each grid point); grid points before a run's first query, or after its budget
    ended, are left out of that run's contribution. Returns one row per group and grid point
    with ``n_runs``, mean and 95% t-interval half-width of ``incumbent_true`` and
    ``incumbent_test``, and ``regret`` (``best_test - incumbent_test``) when ``best_test`` is given.
    """
    from scipy import stats

    if grid is None:
        top = float(trajectories[axis].max())
        grid = np.unique(np.round(np.geomspace(1, max(top, 1), 60)))
    grid = np.asarray(grid, dtype=np.float64)
    rows = []
    for key, group in trajectories.groupby(list(by) + ["run"], sort=True):
        x = group[axis].to_numpy(dtype=np.float64)
        pos = np.searchsorted(x, grid, side="right") - 1
        ok = (pos >= 0) & (grid <= x[-1])
        rows.append(pd.DataFrame({**{c: [v] * int(ok.sum()) for c, v in zip(list(by) + ["run"], key)},
                                  axis: grid[ok],
                                  "incumbent_true": group["incumbent_true"].to_numpy()[pos[ok]],
                                  "incumbent_test": group["incumbent_test"].to_numpy()[pos[ok]]}))
    long = pd.concat(rows, ignore_index=True)
    if best_test is not None:
        long["regret"] = best_test - long["incumbent_test"]
    values = [c for c in ("incumbent_true", "incumbent_test", "regret") if c in long]
    out = long.groupby(list(by) + [axis], sort=True)[values].agg(["mean", "std", "count"])
    flat = pd.DataFrame(index=out.index)
    for c in values:
        n = out[(c, "count")].to_numpy()
        sd = out[(c, "std")].to_numpy()
        t = stats.t.ppf(0.975, np.maximum(n - 1, 1))
        flat[c] = out[(c, "mean")]
        flat[f"{c}_ci"] = np.where(n > 1, t * sd / np.sqrt(np.maximum(n, 1)), np.nan)
    flat["n_runs"] = out[(values[0], "count")].astype(np.int64)
    return flat.reset_index()
