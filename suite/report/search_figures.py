"""Figures of search runs: queries-to-target bars, anytime curves, SEG vs subset size.

Each function takes the DataFrame of :mod:`suite.report.search_tables` or
:func:`suite.search.efficiency.anytime`, draws on ``ax`` (a new figure when None) and returns
that ``Axes``; the contract of :mod:`suite.report.figures` holds (no backend change, rcParams
respected, one colour and marker per label: :mod:`suite.report.colours`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .colours import series_styles
from .figures import new_axes

__all__ = ["queries_to_target_bars", "anytime_curves", "seg_vs_subset_size"]


def queries_to_target_bars(seg: pd.DataFrame, ax: Any = None) -> Any:
    """Grouped bars (log y): mean queries to each target per method with 95% CIs; random search's
    closed-form expectation as a black tick per target. Hatched bars: some runs censored."""
    if ax is None:
        import matplotlib

        w, h = matplotlib.rcParams["figure.figsize"]
        ax = new_axes(max(w, 0.9 + 0.35 * seg["label"].nunique() * seg["target"].nunique() / 2), h)
    targets = list(dict.fromkeys(seg["target"]))
    labels = list(dict.fromkeys(seg["label"]))
    width = 0.8 / (len(labels) + 1)
    x = np.arange(len(targets))
    for i, (label, style) in enumerate(zip(labels, series_styles(labels))):
        g = seg[seg["label"] == label].set_index("target").reindex(targets)
        mean = g["mean_queries"].to_numpy(dtype=float)
        err = np.vstack([mean - g["ci_low"].to_numpy(dtype=float), g["ci_high"].to_numpy(dtype=float) - mean])
        bars = ax.bar(x + (i - len(labels) / 2) * width, mean, width, color=style.color, label=label,
                      yerr=err, error_kw={"linewidth": 0.6, "capsize": 1.5})
        for bar, cens in zip(bars, g["censored"].to_numpy(dtype=float)):
            if cens > 0:
                bar.set_hatch("///")
    rnd = seg.drop_duplicates("target").set_index("target").reindex(targets)["expected_random"].to_numpy(dtype=float)
    ax.bar(x + (len(labels) / 2) * width, rnd, width, color="#BBBBBB", label="random (closed form)")
    ax.set_yscale("log")
    ax.set_xticks(x, targets)
    ax.set_ylabel("queries to target")
    ax.grid(True, axis="y", which="major")
    ax.grid(False, axis="x")
    ax.legend(ncols=2 if len(labels) > 3 else 1)
    return ax


def anytime_curves(curves: pd.DataFrame, value: str = "incumbent_test", axis: str = "t", ax: Any = None,
                   ylabel: str | None = None) -> Any:
    """One line per label: mean ``value`` of the incumbent vs queries (or cost), shaded 95% interval.

    A label's curve starts where every one of its runs has an incumbent (``n_runs`` at its
    maximum): before that the mean is over a changing handful of runs, and its interval (from two
    or three runs) would dwarf the rest of the figure.
    """
    ax = ax if ax is not None else new_axes()
    groups = list(curves.groupby("label", sort=False))
    for (label, g), style in zip(groups, series_styles(str(label) for label, _ in groups)):
        if "n_runs" in g.columns:
            g = g[g["n_runs"] >= g["n_runs"].max()]
        g = g.sort_values(axis)
        colour = style.color
        ax.plot(g[axis], g[value], color=colour, linestyle=style.linestyle, label=label, drawstyle="steps-post")
        half = g[f"{value}_ci"].to_numpy(dtype=float)
        ok = np.isfinite(half)
        ax.fill_between(g[axis][ok], (g[value] - half)[ok], (g[value] + half)[ok], color=colour, alpha=0.18,
                        linewidth=0, step="post")
    ax.set_xscale("log")
    if value == "regret":
        ax.set_yscale("log")
    ax.set_xlabel({"t": "queries", "cost": "simulated training time (s)"}.get(axis, axis))
    ax.set_ylabel(ylabel or {"incumbent_test": "test accuracy of incumbent (%)", "incumbent_true": "validation accuracy of incumbent (%)",
                             "regret": "test regret (%)"}.get(value, value))
    ax.grid(True, which="major")
    ax.legend()
    return ax


def seg_vs_subset_size(seg: pd.DataFrame, target: str, group: str = "selector", ax: Any = None) -> Any:
    """SEG (log y) vs subset size (log x) for one target, one line per ``group`` value, 95% CIs.

    The reference lines are what a subset is judged against: SEG = 1 (random search, dashed) and
    each method that scores the whole space (rows without a subset size, e.g. ``full``: a solid
    grey line with its interval as a band). Hollow markers: some runs never reached the target,
    so the SEG is an upper bound.
    """
    from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

    ax = ax if ax is not None else new_axes()
    rows = seg[seg["target"] == target]
    whole = pd.to_numeric(rows["subset_size"], errors="coerce").isna()
    data = rows[~whole].copy()
    data["size"] = data["subset_size"].astype(float)
    groups = list(data.groupby(group, sort=False))
    for (name, g), style in zip(groups, series_styles(str(name) for name, _ in groups)):
        g = g.sort_values("size")
        colour, marker = style.color, style.marker
        ax.errorbar(g["size"], g["seg"], yerr=[g["seg"] - g["seg_low"], g["seg_high"] - g["seg"]], color=colour,
                    marker=marker, linestyle=style.linestyle, label=str(name), capsize=1.5, elinewidth=0.6)
        bound = g[g["censored"] > 0]
        if len(bound):
            ax.plot(bound["size"], bound["seg"], linestyle="none", marker=marker, color=colour, markerfacecolor="white",
                    zorder=4)
    for j, (_, ref) in enumerate(rows[whole & (rows["method"] != "random")].iterrows()):
        grey = str(0.35 + 0.2 * j)
        ax.axhline(ref["seg"], color=grey, linewidth=1.0, label=f"{ref['label']} (whole space)")
        ax.axhspan(ref["seg_low"], ref["seg_high"], color=grey, alpha=0.12, linewidth=0)
    ax.axhline(1.0, color="black", linestyle="--", linewidth=0.6, label="random search")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 3.0, 5.0)))
    ax.yaxis.set_major_formatter(ScalarFormatter())
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("candidate subset size")
    ax.set_ylabel(f"sample-efficiency gain ({target})")
    ax.grid(True, which="major")
    ax.legend()
    return ax
