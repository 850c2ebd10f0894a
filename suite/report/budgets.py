"""Report of a budget-correlation run: one heatmap and Markdown matrix per view."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ..atomic import write_atomic
from .figures import budget_heatmap, save

__all__ = ["write_budget_report"]


def write_budget_report(run_dir: Path, meta: Mapping[str, Any]) -> list[str]:
    """Heatmap (png/pdf) and Markdown matrix per view of ``records.parquet``; returns paths."""
    out_dir = run_dir / "report"
    out_dir.mkdir(exist_ok=True)
    return _budget_report(pd.read_parquet(run_dir / "records.parquet"), out_dir)


def _budget_report(records: pd.DataFrame, out_dir: Path) -> list[str]:
    """Heatmap (png/pdf) and Markdown matrix per view of a budget-correlation run."""
    written: list[str] = []
    for view, group in records.groupby("view", sort=False):
        matrix = group.pivot(index="budget_a", columns="budget_b", values="spearman")
        written += save(budget_heatmap(matrix), out_dir / f"budget_correlation_{view}")
        n = int(group["n_archs"].min())
        cols = [str(c) for c in matrix.columns]
        lines = [f"Spearman ρ between budgets ({view}; >= {n:,} architectures per pair)", "",
                 "| budget | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
        lines += [f"| {a} | " + " | ".join(f"{v:.3f}" for v in row) + " |" for a, row in zip(matrix.index, matrix.to_numpy())]
        path = out_dir / f"budget_correlation_{view}.md"
        write_atomic(path, "\n".join(lines) + "\n")
        written.append(str(path))
    return written
