"""Tables of search runs: sample-efficiency gain per method and target, final accuracy at budget.

Inputs are the ``records.parquet`` / ``trajectories.parquet`` of a ``kind = "search"`` run
(:mod:`suite.experiment.search_runs`); definitions in :mod:`suite.search.efficiency`.
"""

from __future__ import annotations

import pandas as pd

from ..metrics import mean_ci
from ..search.efficiency import sample_efficiency_gain

__all__ = ["seg_table", "final_table", "seg_markdown", "final_markdown"]


def _varied(records: pd.DataFrame) -> list[str]:
    fixed = {"benchmark", "dataset", "label", "method", "seed", "target", "quantile", "k", "n_pool", "expected_random",
             "queries_to_target", "n_queries", "cost", "final_true", "final_test", "best_test"}
    return [c for c in records.columns if c not in fixed]


def seg_table(records: pd.DataFrame) -> pd.DataFrame:
    """One row per (label, target): mean queries to target with 95% bootstrap CI, SEG with CI, censored share."""
    rows = []
    varied = _varied(records)
    for (label, quantile), g in records.groupby(["label", "quantile"], sort=False):
        out = sample_efficiency_gain(g["queries_to_target"].to_numpy(), g["n_queries"].to_numpy(),
                                     float(g["expected_random"].iloc[0]))
        rows.append({"label": label, "method": g["method"].iloc[0], **{c: g[c].iloc[0] for c in varied},
                     "target": g["target"].iloc[0], "quantile": quantile, "k": int(g["k"].iloc[0]),
                     "n_pool": int(g["n_pool"].iloc[0]), **out})
    return pd.DataFrame(rows)


def final_table(records: pd.DataFrame) -> pd.DataFrame:
    """One row per label: final incumbent test/true accuracy (mean, 95% t interval), queries and cost spent."""
    per_run = records.drop_duplicates(["label", "seed"])
    rows = []
    for label, g in per_run.groupby("label", sort=False):
        test, true = mean_ci(g["final_test"].to_numpy()), mean_ci(g["final_true"].to_numpy())
        rows.append({"label": label, "n_runs": len(g), "test_mean": test.estimate, "test_std": float(g["final_test"].std(ddof=1)),
                     "test_low": test.low, "test_high": test.high, "true_mean": true.estimate,
                     "true_std": float(g["final_true"].std(ddof=1)), "queries_mean": float(g["n_queries"].mean()),
                     "cost_mean": float(g["cost"].mean())})
    return pd.DataFrame(rows)


def seg_markdown(table: pd.DataFrame) -> str:
    """Wide Markdown: rows = method, one column per target with ``SEG [low, high]`` (``>=`` lower bound of queries if censored)."""
    targets = list(dict.fromkeys(table["target"]))
    lines = ["Sample-efficiency gain over random search (95% bootstrap interval; queries to target in brackets). "
             "'*' marks targets some runs never reached: their queries are a lower bound, the SEG an upper bound.", "",
             "| method | " + " | ".join(targets) + " |", "|---|" + "---:|" * len(targets)]
    for label, g in table.groupby("label", sort=False):
        cells = []
        for t in targets:
            r = g[g["target"] == t]
            if not len(r):
                cells.append("-")
                continue
            r = r.iloc[0]
            if r["censored"] >= 1:
                cells.append(f"not reached ({r['mean_queries']:.0f} q)")
                continue
            star = "*" if r["censored"] > 0 else ""
            cells.append(f"{r['seg']:.2f}{star} [{r['seg_low']:.2f}, {r['seg_high']:.2f}] ({r['mean_queries']:.0f} q)")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    rnd = table.drop_duplicates("target")
    lines += ["", "Random search, closed form (|S|+1)/(k+1): " + "; ".join(
        f"{t}: k={k}, {e:.1f} queries" for t, k, e in zip(rnd["target"], rnd["k"], rnd["expected_random"]))]
    return "\n".join(lines) + "\n"


def final_markdown(table: pd.DataFrame, test_label: str = "test accuracy", true_label: str = "true objective",
                   digits: int | None = 2) -> str:
    """The final-incumbent table. ``digits``: decimals (None: 4 significant digits, for metrics
    such as an MSE whose scale varies by orders of magnitude between datasets)."""
    def f(x: float) -> str:
        return f"{x:.{digits}f}" if digits is not None else f"{x:.4g}"

    lines = ["Incumbent at the end of the budget (mean ± std over runs; 95% t interval of the mean)", "",
             f"| method | runs | {test_label} | interval | {true_label} | queries | cost |", "|---|---:|---:|---:|---:|---:|---:|"]
    for r in table.itertuples():
        lines.append(f"| {r.label} | {r.n_runs} | {f(r.test_mean)} ± {f(r.test_std)} | [{f(r.test_low)}, {f(r.test_high)}] "
                     f"| {f(r.true_mean)} ± {f(r.true_std)} | {r.queries_mean:.1f} | {r.cost_mean:,.0f} |")
    return "\n".join(lines) + "\n"
