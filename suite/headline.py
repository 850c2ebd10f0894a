"""The headline table of a finished run: what the command line prints when a run ends.

A report writes dozens of files; a person wants one table first. :func:`headline` picks it by
the run's kind (``meta.json``):

* ``predictors``: the first rank metric the run recorded (Kendall tau unless the spec chose
  others) of each predictor at the largest train size, mean ± half-width of the 95% t interval
  over seeds, computed from ``records.parquet`` with :func:`suite.report.tables.summarise` (the
  numbers of ``report/summary_<metric>.md``'s last column);
* ``search``: the final-incumbent table (``report/final.md``), from ``records.parquet``;
* other kinds: the first Markdown table of the report's main file (``report/speedup.md``,
  ``report/summary.md``, ``report/budget_correlation_*.md``) once ``nas-suite report`` wrote it.

It reads files only; the caller prints.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = ["headline"]

#: kind -> glob of its report's main Markdown file (first match, sorted)
MAIN_TABLES: dict[str, str] = {
    "search": "final.md",
    "early_stopping": "speedup.md",
    "proxies": "summary.md",
    "budget_correlation": "budget_correlation_*.md",
}


def headline(run_dir: str | os.PathLike[str]) -> str | None:
    """The headline table of a finished run as Markdown, or None where the run has none (yet)."""
    from .experiment.kinds import read_meta

    run_dir = Path(run_dir)
    kind = read_meta(run_dir).get("kind")
    if kind == "predictors" and (run_dir / "records.parquet").exists():
        return _predictor_headline(run_dir)
    if kind == "search" and not (run_dir / "report" / "final.md").exists() and (run_dir / "records.parquet").exists():
        return _search_headline(run_dir)
    pattern = MAIN_TABLES.get(str(kind))
    found = sorted((run_dir / "report").glob(pattern)) if pattern else []
    return _first_table(found[0].read_text(encoding="utf-8")) if found else None


def _predictor_headline(run_dir: Path) -> str | None:
    import pandas as pd

    from .report.predictors import RANK_METRICS
    from .report.tables import summarise

    records = pd.read_parquet(run_dir / "records.parquet")
    metric = next((m for m in RANK_METRICS if m in set(records["metric"])), None)
    if metric is None:
        return None
    summary = summarise(records, metric)
    largest = int(summary["train_size"].max())
    order = {name: i for i, name in enumerate(dict.fromkeys(records["predictor"]))}  # the spec's order
    top = summary[summary["train_size"] == largest].sort_values(["predictor", "fidelity"], key=lambda c: c.map(order)
                                                                  if c.name == "predictor" else c, kind="stable")
    seeds = int(top["n_seeds"].max()) if len(top) else 0
    lines = [f"{metric} at the largest train size ({largest}), mean ± half-width of the 95% interval over {seeds} seeds",
             "", f"| predictor | {metric} |", "|---|---:|"]
    for row in top.itertuples():
        label = row.predictor if row.fidelity == 0 else f"{row.predictor} ({row.fidelity} ep)"
        half = (row.high - row.low) / 2
        cell = "-" if np.isnan(row.mean) else (f"{row.mean:.3f} ± {half:.3f}" if np.isfinite(half) else f"{row.mean:.3f}")
        lines.append(f"| {label} | {cell} |")
    return "\n".join(lines) + "\n"


def _search_headline(run_dir: Path) -> str:
    import tomllib

    import pandas as pd

    from .report.search_tables import final_markdown, final_table

    try:
        objective = tomllib.loads((run_dir / "config.toml").read_text(encoding="utf-8")).get("objective", {})
    except (OSError, tomllib.TOMLDecodeError):
        objective = {}
    test_metric = str(objective.get("test_metric", "test_acc"))
    accuracy = test_metric.endswith("_acc")
    return final_markdown(final_table(pd.read_parquet(run_dir / "records.parquet")), test_metric,
                          "true objective" if accuracy else str(objective.get("metric", "valid_acc")),
                          digits=2 if accuracy else None)


def _first_table(text: str) -> str | None:
    """The first Markdown table of ``text`` with the non-blank line before it (its caption), if any."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("|")), None)
    if start is None:
        return None
    end = start
    while end < len(lines) and lines[end].lstrip().startswith("|"):
        end += 1
    before = [line for line in lines[:start] if line.strip()]
    caption = [before[-1].lstrip("# "), ""] if before else []
    return "\n".join(caption + lines[start:end]) + "\n"
