"""Summary tables of a run's records: mean and 95% interval over seeds, as Markdown, LaTeX, CSV.

Data preparation only; nothing here draws or writes files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..metrics import mean_ci

__all__ = ["summarise", "to_markdown", "to_latex"]

KEYS = ["predictor", "fidelity", "train_size"]


def summarise(records: pd.DataFrame, metric: str = "kendall", level: float = 0.95) -> pd.DataFrame:
    """One row per (predictor, fidelity, train size): ``mean, low, high, n_seeds`` of ``metric``.

    The interval is Student-t over seeds (:func:`suite.metrics.mean_ci`); NaN cells (an
    undefined metric on one seed) are left out of the mean and counted out of ``n_seeds``.
    """
    sub = records[records["metric"] == metric]
    if sub.empty:
        have = sorted(records["metric"].unique())
        raise ValueError(f"records hold no metric {metric!r}; they hold: {', '.join(have)}")
    rows = []
    for key, group in sub.groupby(KEYS, sort=True):
        ci = mean_ci(group["value"].to_numpy(), level)
        rows.append((*key, ci.estimate, ci.low, ci.high, int(np.isfinite(group["value"]).sum())))
    return pd.DataFrame(rows, columns=[*KEYS, "mean", "low", "high", "n_seeds"])


def _wide(summary: pd.DataFrame, fmt: str) -> pd.DataFrame:
    """Predictors as rows, train sizes as columns, cells formatted by ``fmt(mean, half-width)``."""
    s = summary.copy()
    s["label"] = np.where(s["fidelity"] > 0, s["predictor"] + " (" + s["fidelity"].astype(str) + " ep)", s["predictor"])
    half = (s["high"] - s["low"]) / 2
    s["cell"] = [fmt(m, h) for m, h in zip(s["mean"], half)]
    order = list(dict.fromkeys(s["label"]))
    wide = s.pivot(index="label", columns="train_size", values="cell").reindex(order)
    wide.columns = [str(c) for c in wide.columns]
    wide.index.name = "predictor"
    return wide


def _best_mask(summary: pd.DataFrame) -> set[tuple[str, int]]:
    """(label, train size) of the best mean per train size (bold in tables)."""
    out = set()
    for n, group in summary.groupby("train_size"):
        if group["mean"].notna().any():
            row = group.loc[group["mean"].idxmax()]
            label = row["predictor"] if row["fidelity"] == 0 else f"{row['predictor']} ({row['fidelity']} ep)"
            out.add((label, n))
    return out


def to_markdown(summary: pd.DataFrame, metric: str) -> str:
    """Markdown table: mean ± half-width of the 95% interval, best per column in bold."""
    best = _best_mask(summary)
    wide = _wide(summary, lambda m, h: "-" if np.isnan(m) else (f"{m:.3f} ± {h:.3f}" if np.isfinite(h) else f"{m:.3f}"))
    lines = [f"| {metric} / train size | " + " | ".join(wide.columns) + " |", "|---|" + "---:|" * len(wide.columns)]
    for label, row in wide.iterrows():
        cells = [f"**{v}**" if (label, int(c)) in best else v for c, v in row.items()]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def to_latex(summary: pd.DataFrame, metric: str) -> str:
    """LaTeX booktabs tabular (needs ``\\usepackage{booktabs}``), best per column in bold."""
    best = _best_mask(summary)
    wide = _wide(summary, lambda m, h: "--" if np.isnan(m) else (f"{m:.3f} $\\pm$ {h:.3f}" if np.isfinite(h) else f"{m:.3f}"))
    cols = list(wide.columns)
    title = metric.replace("_", " ").replace("%", "\\%")
    out = ["\\begin{tabular}{l" + "r" * len(cols) + "}", "\\toprule", title + " & " + " & ".join(cols) + " \\\\", "\\midrule"]
    for label, row in wide.iterrows():
        cells = [f"\\textbf{{{v}}}" if (label, int(c)) in best else v for c, v in row.items()]
        out.append(label.replace("_", "\\_") + " & " + " & ".join(cells) + " \\\\")
    out += ["\\bottomrule", "\\end{tabular}"]
    return "\n".join(out) + "\n"
