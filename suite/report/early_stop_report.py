"""Report of an early-stopping run: speed-up table, budget rank correlation, anytime curves.

The speed-up statistics are defined in :mod:`suite.search.early_stopping.speedup` (and in
docs/reproduction.md, section 7): per method, the total-compute ratio and the geometric mean of
per-run ratios with percentile-bootstrap 95 % intervals over runs, the failure rate (runs that
missed the reference's target, kept in both averages at the charge ``max(own spend, reference's
spend)``), the test regret beside every speed-up, and Baker et al.'s same-architectures cost
ratio for the methods that train the reference's architectures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ..atomic import write_atomic
from .figures import save
from .options import require_output, select_names

__all__ = ["speedup_table", "write_early_stop_report"]

#: bootstrap seed of the report's intervals (fixed: the report is a function of the records)
BOOTSTRAP_SEED = 0


def write_early_stop_report(run_dir: Path, meta: Mapping[str, Any]) -> list[str]:
    """Every table and figure of a finished early-stopping run; returns paths."""
    require_output(run_dir, "trajectories.parquet")  # before anything is written
    records = select_names(pd.read_parquet(run_dir / "records.parquet"), ["method"], "method")
    out_dir = run_dir / "report"
    out_dir.mkdir(exist_ok=True)
    return _early_stop_report(run_dir, records, out_dir)


def speedup_table(records: pd.DataFrame) -> pd.DataFrame:
    """One row per method (in record order): :data:`~suite.search.early_stopping.speedup.STAT_COLUMNS`
    plus ``same_best`` (share of runs selecting the reference's cell), ``pool_exhausted`` (share
    of runs that drew every candidate), ``cost_mean``, ``cost_full_mean`` (seconds),
    ``n_started_mean``, ``n_full_mean``, ``n_stopped_mean``, ``srm_predictions`` and
    ``srm_predictions_on_training_cells`` (sums over runs; the latter must be 0),
    ``srm_sigma_median`` (median over runs of each run's median SRM sigma; NaN where the
    method records none)."""
    import numpy as np

    from ..search.early_stopping.speedup import speedup_statistics

    rows = []
    for method, g in records.groupby("method", sort=False):
        same_archs = bool(g["same_archs_cost_ratio"].notna().all())
        stats = speedup_statistics(g, same_architectures=same_archs, seed=BOOTSTRAP_SEED)
        rows.append({"method": method, **stats, "same_best": float(g["same_best"].mean()),
                     "pool_exhausted": float(g["pool_exhausted"].mean()),
                     "cost_mean": float(g["cost"].mean()), "cost_full_mean": float(g["cost_full"].mean()),
                     "n_started_mean": float(g["n_started"].mean()), "n_full_mean": float(g["n_full"].mean()),
                     "n_stopped_mean": float(g["n_stopped"].mean()),
                     "srm_predictions": int(g["srm_predictions"].sum()),
                     "srm_predictions_on_training_cells": int(g["srm_predictions_on_training_cells"].sum()),
                     "srm_sigma_median": float(g["srm_sigma_median"].median()) if g["srm_sigma_median"].notna().any()
                     else np.nan})
    table = pd.DataFrame(rows)
    for col in ("runs", "failed"):
        table[col] = table[col].astype(np.int64)
    return table


def _early_stop_report(run_dir: Path, records: pd.DataFrame, out_dir: Path) -> list[str]:
    """Speed-up table (md/csv), budget rank correlation (md), anytime test accuracy vs compute (png/pdf)."""
    from ..search.efficiency import anytime
    from .search_figures import anytime_curves

    table = speedup_table(records)

    def ci(r: Any, name: str) -> str:
        est, low, high = getattr(r, name), getattr(r, f"{name}_low"), getattr(r, f"{name}_high")
        return "-" if pd.isna(est) else f"{est:.2f} [{low:.2f}, {high:.2f}]"

    lines = ["Speed-up over full-training random search. Per run, R = compute the reference (random search "
             "training its candidates fully) needs to reach its own final best validation accuracy (the target); "
             "M = the method's compute to reach it, or, for a run that misses it, max(its spend, the reference's "
             "spend). Total-compute ratio = sum R / sum M; geometric mean of R/M; percentile-bootstrap 95% intervals "
             "over runs; runs that missed the target are counted, never dropped. Test regret = reference's final "
             "cell minus the method's (test accuracy, mean [95% interval]). Same-architectures ratio = Baker et al.'s "
             "total cost of the same architectures without / with stopping.", "",
             "| method | runs | missed target | slower than reference | total-compute ratio | geometric mean | median | "
             "test regret | same cell | same-architectures ratio | pool exhausted |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in table.itertuples():
        lines.append(f"| {r.method} | {r.runs} | {r.failed} ({r.failure_rate:.0%}) | {r.slower_share:.0%} | "
                     f"{ci(r, 'speedup_total_compute')} | "
                     f"{ci(r, 'speedup_geomean')} | {r.speedup_median:.2f} | {r.regret_test_mean:.3f} "
                     f"[{r.regret_test_low:.3f}, {r.regret_test_high:.3f}] | {r.same_best:.0%} | "
                     f"{ci(r, 'same_archs_cost_ratio')} | {r.pool_exhausted:.0%} |")
    leaks = int(table["srm_predictions_on_training_cells"].sum())
    lines += ["", f"Learning-curve predictions: {int(table['srm_predictions'].sum())}, of which on a cell in the "
                  f"predicting model's training set: {leaks}."]
    corr = pd.read_parquet(run_dir / "budget_correlation.parquet")
    lines += ["", "Rank correlation of each rung budget with the final value (why stopping early works or not):", "",
              "| budget (epochs) | Spearman | Kendall | cells |", "|---:|---:|---:|---:|"]
    lines += [f"| {int(r.budget)} | {r.spearman:.3f} | {r.kendall:.3f} | {int(r.n_archs)} |" for r in corr.itertuples()]
    written = []
    for path, body in ((out_dir / "speedup.md", "\n".join(lines) + "\n"), (out_dir / "speedup.csv", table.to_csv(index=False))):
        write_atomic(path, body)
        written.append(str(path))
    traj = pd.read_parquet(require_output(run_dir, "trajectories.parquet"))
    traj = traj[traj["incumbent_test"].notna() & traj["method"].isin(set(records["method"]))].rename(columns={"seed": "run", "method": "label", "incumbent_valid": "incumbent_true"})
    curves = anytime(traj, ["label"], axis="cost")
    written += save(anytime_curves(curves, "incumbent_test", "cost"), out_dir / "anytime_test_vs_cost")
    return written
