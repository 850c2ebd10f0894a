"""Report of an early-stopping run: speed-up table, budget rank correlation, anytime curves."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ..atomic import write_atomic
from .figures import save

__all__ = ["write_early_stop_report"]


def write_early_stop_report(run_dir: Path, meta: Mapping[str, Any]) -> list[str]:
    """Every table and figure of a finished early-stopping run; returns paths."""
    out_dir = run_dir / "report"
    out_dir.mkdir(exist_ok=True)
    return _early_stop_report(run_dir, pd.read_parquet(run_dir / "records.parquet"), out_dir)


def _early_stop_report(run_dir: Path, records: pd.DataFrame, out_dir: Path) -> list[str]:
    """Speed-up table (md/csv), budget rank correlation (md), anytime test accuracy vs compute (png/pdf)."""
    import numpy as np

    from ..metrics import mean_ci
    from ..search.efficiency import anytime
    from .search_figures import anytime_curves

    rows = []
    for method, g in records.groupby("method", sort=False):
        speed = g["speedup"].to_numpy(dtype=float)
        reached = np.isfinite(speed)
        ci = mean_ci(speed[reached]) if reached.any() else None
        rows.append({"method": method, "runs": len(g), "reached_target": int(reached.sum()),
                     "speedup_mean": ci.estimate if ci else np.nan, "speedup_low": ci.low if ci else np.nan,
                     "speedup_high": ci.high if ci else np.nan,
                     "speedup_median": float(np.median(speed[reached])) if reached.any() else np.nan,
                     "speedup_total_mean": float(np.nanmean(g["speedup_total"])) if g["speedup_total"].notna().any() else np.nan,
                     "regret_test_mean": float(g["regret_test"].mean()), "same_best": float(g["same_best"].mean()),
                     "cost_mean": float(g["cost"].mean()), "cost_full_mean": float(g["cost_full"].mean())})
    table = pd.DataFrame(rows)
    lines = ["Speed-up over full-training random search on the same architecture sequence: compute to reach its final "
             "best validation accuracy (mean [95% t interval] over runs that reached it; median), Baker's total-cost "
             "ratio, test regret of the found cell vs the reference's.", "",
             "| method | runs | reached | speed-up | median | total-cost ratio | test regret | same cell |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in table.itertuples():
        lines.append(f"| {r.method} | {r.runs} | {r.reached_target} | {r.speedup_mean:.2f} [{r.speedup_low:.2f}, "
                     f"{r.speedup_high:.2f}] | {r.speedup_median:.2f} | {r.speedup_total_mean:.2f} | "
                     f"{r.regret_test_mean:.3f} | {r.same_best:.0%} |")
    corr = pd.read_parquet(run_dir / "budget_correlation.parquet")
    lines += ["", "Rank correlation of each rung budget with the final value (why stopping early works or not):", "",
              "| budget (epochs) | Spearman | Kendall | cells |", "|---:|---:|---:|---:|"]
    lines += [f"| {int(r.budget)} | {r.spearman:.3f} | {r.kendall:.3f} | {int(r.n_archs)} |" for r in corr.itertuples()]
    written = []
    for path, body in ((out_dir / "speedup.md", "\n".join(lines) + "\n"), (out_dir / "speedup.csv", table.to_csv(index=False))):
        write_atomic(path, body)
        written.append(str(path))
    traj = pd.read_parquet(run_dir / "trajectories.parquet")
    traj = traj[traj["incumbent_test"].notna()].rename(columns={"seed": "run", "method": "label", "incumbent_valid": "incumbent_true"})
    curves = anytime(traj, ["label"], axis="cost")
    written += save(anytime_curves(curves, "incumbent_test", "cost"), out_dir / "anytime_test_vs_cost")
    return written
