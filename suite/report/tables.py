"""Summary tables of a run's records: mean and 95% interval over seeds, as Markdown, LaTeX, CSV.

Data preparation only; nothing here draws or writes files. A table marks a best entry (bold)
only when paired tests say it is better than every other entry of its column
(:func:`suite.report.compare.best_entries`; the caption says which test and correction), and
says so when too few seeds let no test reach significance. See docs/statistics.md.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..metrics import mean_ci
from .compare import BEST_RULE, TooFewPairs, best_entries, entry_label

__all__ = ["summarise", "to_markdown", "to_latex"]

KEYS = ["predictor", "fidelity", "train_size"]


def summarise(records: pd.DataFrame, metric: str = "kendall", level: float = 0.95, *, alpha: float = 0.05) -> pd.DataFrame:
    """One row per (predictor, fidelity, train size): ``mean, low, high, n_seeds`` of ``metric``.

    The interval is Student-t over seeds (:func:`suite.metrics.mean_ci`); NaN cells (an
    undefined metric on one seed) are left out of the mean and counted out of ``n_seeds``.

    ``attrs["significance"]``: what :func:`to_markdown` / :func:`to_latex` may mark, from
    :func:`~suite.report.compare.best_entries` at ``alpha`` on the per-seed records (plain
    values: ``marks`` {(label, train size): "best" | "tied"}, ``n_tests``, ``alpha``,
    ``warning``). The too-few-seeds warning is raised when a table is rendered, not here.
    """
    sub = records[records["metric"] == metric]
    if sub.empty:
        have = sorted(records["metric"].unique())
        raise ValueError(f"records hold no metric {metric!r}; they hold: {', '.join(have)}")
    rows = []
    for key, group in sub.groupby(KEYS, sort=True):
        ci = mean_ci(group["value"].to_numpy(), level)
        rows.append((*key, ci.estimate, ci.low, ci.high, int(np.isfinite(group["value"]).sum())))
    out = pd.DataFrame(rows, columns=[*KEYS, "mean", "low", "high", "n_seeds"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TooFewPairs)
        best = best_entries(sub, metric, alpha=alpha)
    out.attrs["significance"] = {
        "marks": {(str(r.label), int(r.train_size)): str(r.mark) for r in best.itertuples() if r.mark},
        "n_tests": int(best.attrs["n_tests"]), "alpha": float(alpha), "warning": best.attrs["warning"]}
    return out


def _wide(summary: pd.DataFrame, fmt: str) -> pd.DataFrame:
    """Predictors as rows, train sizes as columns, cells formatted by ``fmt(mean, half-width)``."""
    s = summary.copy()
    s["label"] = [entry_label(p, f) for p, f in zip(s["predictor"], s["fidelity"])]
    half = (s["high"] - s["low"]) / 2
    s["cell"] = [fmt(m, h) for m, h in zip(s["mean"], half)]
    order = list(dict.fromkeys(s["label"]))
    wide = s.pivot(index="label", columns="train_size", values="cell").reindex(order)
    wide.columns = [str(c) for c in wide.columns]
    wide.index.name = "predictor"
    return wide


def _marks(summary: pd.DataFrame, mark: bool) -> tuple[dict[tuple[str, int], str], list[str]]:
    """(label, train size) -> "best" | "tied", and the caption lines (rule, or why nothing is marked).

    Emits the too-few-seeds :class:`~suite.report.compare.TooFewPairs` warning when the table would
    otherwise claim more than its seeds can support.
    """
    if not mark:
        return {}, []
    sig = summary.attrs.get("significance")
    if sig is None:
        return {}, ["No entry is marked: significance needs the per-seed records (build the summary with summarise)."]
    caption = [BEST_RULE.format(n_tests=sig["n_tests"], alpha=sig["alpha"])]
    if sig["warning"]:
        warnings.warn(sig["warning"], TooFewPairs, stacklevel=3)
        caption.append(f"Warning: {sig['warning']}; no entry is marked.")
    return dict(sig["marks"]), caption


def _cell_mark(marks: dict[tuple[str, int], str], label: str, column: str) -> str:
    return marks.get((label, int(column)), "")


def to_markdown(summary: pd.DataFrame, metric: str, *, mark: bool = True) -> str:
    """Markdown table: mean ± half-width of the 95% interval; the best per column in bold only
    when significantly better than the rest, else the tied-best group in italics (rule and test in
    the caption above the table, with a **Warning:** line when too few seeds). ``mark=False``: no
    marks (for counts such as ``n_diverged``, where higher is not better)."""
    marks, caption = _marks(summary, mark)
    wide = _wide(summary, lambda m, h: "-" if np.isnan(m) else (f"{m:.3f} ± {h:.3f}" if np.isfinite(h) else f"{m:.3f}"))
    style = {"best": "**{}**", "tied": "*{}*", "": "{}"}
    lines = [c.replace("Warning:", "**Warning:**", 1) + "\n" for c in caption]
    lines += [f"| {metric} / train size | " + " | ".join(wide.columns) + " |", "|---|" + "---:|" * len(wide.columns)]
    for label, row in wide.iterrows():
        cells = [style[_cell_mark(marks, label, c)].format(v) if v != "-" else v for c, v in row.items()]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _latex_escape(text: str) -> str:
    """Plain text for LaTeX: specials escaped, ``>=`` and ``alpha`` as math."""
    for old, new in (("\\", "\\textbackslash{}"), ("_", "\\_"), ("%", "\\%"), ("&", "\\&"), ("#", "\\#"),
                     ("^", "\\textasciicircum{}"), (">=", "$\\geq$"), ("alpha =", "$\\alpha$ =")):
        text = text.replace(old, new)
    return text


def to_latex(summary: pd.DataFrame, metric: str, *, mark: bool = True) -> str:
    """LaTeX ``table`` float (needs ``\\usepackage{booktabs}``) holding a booktabs tabular; marks as
    :func:`to_markdown` (``\\textbf`` best, ``\\textit`` tied-best), rule and test in the ``\\caption``."""
    marks, caption = _marks(summary, mark)
    wide = _wide(summary, lambda m, h: "--" if np.isnan(m) else (f"{m:.3f} $\\pm$ {h:.3f}" if np.isfinite(h) else f"{m:.3f}"))
    cols = list(wide.columns)
    title = _latex_escape(metric.replace("_", " "))
    style = {"best": "\\textbf{{{}}}", "tied": "\\textit{{{}}}", "": "{}"}
    text = " ".join([f"{title}: mean $\\pm$ half-width of the 95\\% Student-t interval over seeds.",
                     *map(_latex_escape, caption)])
    out = ["\\begin{table}[t]", "\\centering", f"\\caption{{{text}}}",
           "\\begin{tabular}{l" + "r" * len(cols) + "}", "\\toprule",
           title + " & " + " & ".join(cols) + " \\\\", "\\midrule"]
    for label, row in wide.iterrows():
        cells = [style[_cell_mark(marks, label, c)].format(v) if v != "--" else v for c, v in row.items()]
        out.append(_latex_escape(label) + " & " + " & ".join(cells) + " \\\\")
    out += ["\\bottomrule", "\\end{tabular}", "\\end{table}"]
    return "\n".join(out) + "\n"
