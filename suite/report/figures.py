"""Figures: each function takes a DataFrame (from :mod:`suite.report.tables` or the metrics) and
returns the matplotlib ``Axes`` it drew on. Style: Okabe–Ito colour-blind-safe palette, one
marker per series, vector-clean output (no rasterised lines), sizes for a one-column figure.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["PALETTE", "predicted_vs_true", "correlation_vs_train_size", "budget_heatmap", "metric_vs_fidelity", "new_axes", "finish", "save"]

#: Okabe & Ito (2008), readable with every common colour-vision deficiency
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def new_axes(width: float = 3.5, height: float = 2.6) -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    return ax


_STYLE = {"font.size": 8, "axes.titlesize": 8, "axes.labelsize": 8, "legend.fontsize": 7, "xtick.labelsize": 7,
          "ytick.labelsize": 7, "axes.spines.top": False, "axes.spines.right": False, "pdf.fonttype": 42,
          "ps.fonttype": 42, "svg.fonttype": "none", "lines.linewidth": 1.2, "lines.markersize": 3.5}


def correlation_vs_train_size(summary: pd.DataFrame, metric: str = "kendall", ax: Any = None) -> Any:
    """One line per predictor: mean ``metric`` vs train size (log x), shaded 95% interval."""
    ax = ax if ax is not None else new_axes()
    series = summary.assign(label=np.where(summary["fidelity"] > 0,
                                           summary["predictor"] + " (" + summary["fidelity"].astype(str) + " ep)",
                                           summary["predictor"]))
    for i, (label, g) in enumerate(series.groupby("label", sort=False)):
        g = g.sort_values("train_size")
        colour, marker = PALETTE[i % len(PALETTE)], MARKERS[i % len(MARKERS)]
        ax.plot(g["train_size"], g["mean"], color=colour, marker=marker, label=label)
        ok = np.isfinite(g["low"]) & np.isfinite(g["high"])
        ax.fill_between(g["train_size"][ok], g["low"][ok], g["high"][ok], color=colour, alpha=0.18, linewidth=0)
    ax.set_xscale("log")
    sizes = sorted(series["train_size"].unique())
    from matplotlib.ticker import NullFormatter

    ax.set_xticks(sizes, [str(int(n)) for n in sizes])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("training architectures")
    ax.set_ylabel({"kendall": "Kendall τ", "spearman": "Spearman ρ", "pearson": "Pearson r", "r2": "R²"}.get(metric, metric))
    ax.grid(True, which="major", linewidth=0.4, alpha=0.5)
    ax.legend(frameon=False, ncols=2 if series["label"].nunique() > 4 else 1, fontsize=_STYLE["legend.fontsize"])
    return finish(ax)


def metric_vs_fidelity(summary: pd.DataFrame, metric: str = "r2", total_epochs: int | None = None, ax: Any = None) -> Any:
    """One line per (predictor, train size): ``metric`` vs how much of the learning curve was observed.

    The x axis is the observed share of a ``total_epochs`` curve, or observed epochs when the
    curve length is unknown (the largest observed prefix is not the curve's end). A predictor
    whose values are the same at every train size (a baseline that fits nothing) is drawn once.
    """
    ax = ax if ax is not None else new_axes()
    curves = summary[summary["fidelity"] > 0]
    if curves.empty:
        raise ValueError("no learning-curve cells (fidelity > 0) in this summary")
    series: list[tuple[str, pd.DataFrame]] = []
    for name, by_predictor in curves.groupby("predictor", sort=False):
        groups = [(n, g.sort_values("fidelity")) for n, g in by_predictor.groupby("train_size", sort=True)]
        means = [g["mean"].to_numpy() for _, g in groups]
        if len(groups) > 1 and all(m.shape == means[0].shape and np.allclose(m, means[0], equal_nan=True) for m in means):
            series.append((f"{name} (any train size)", groups[0][1]))
        else:
            series += [(f"{name}, {n} train", g) for n, g in groups]
    for i, (label, g) in enumerate(series):
        x = g["fidelity"] / float(total_epochs) if total_epochs else g["fidelity"]
        colour = PALETTE[i % len(PALETTE)]
        ax.plot(x, g["mean"], color=colour, marker=MARKERS[i % len(MARKERS)], label=label)
        ok = np.isfinite(g["low"]) & np.isfinite(g["high"])
        ax.fill_between(x[ok], g["low"][ok], g["high"][ok], color=colour, alpha=0.18, linewidth=0)
    ax.set_xlabel(f"fraction of the {total_epochs}-epoch learning curve observed" if total_epochs
                  else "epochs of the learning curve observed")
    ax.set_ylabel({"r2": "R²"}.get(metric, metric))
    ax.grid(True, linewidth=0.4, alpha=0.5)
    ax.legend(frameon=False, fontsize=_STYLE["legend.fontsize"])
    return finish(ax)


def predicted_vs_true(predictions: pd.DataFrame, ax: Any = None, title: str | None = None) -> Any:
    """Scatter of ``y_pred`` against ``y_true`` (columns of ``predictions.parquet``) with the identity line."""
    ax = ax if ax is not None else new_axes(2.8, 2.8)
    t, p = predictions["y_true"].to_numpy(), predictions["y_pred"].to_numpy()
    ax.scatter(t, p, s=6, color=PALETTE[0], alpha=0.6, linewidths=0)
    ok = np.isfinite(t) & np.isfinite(p)
    if ok.any():
        lo, hi = float(min(t[ok].min(), p[ok].min())), float(max(t[ok].max(), p[ok].max()))
        ax.plot([lo, hi], [lo, hi], color="0.4", linewidth=0.8, linestyle="--")
    ax.set_xlabel("true")
    ax.set_ylabel("predicted")
    if title:
        ax.set_title(title, fontsize=_STYLE["axes.titlesize"])
    ax.grid(True, linewidth=0.4, alpha=0.5)
    return finish(ax)


def budget_heatmap(matrix: pd.DataFrame, ax: Any = None, annotate: bool | None = None) -> Any:
    """Budget x budget rank-correlation matrix (:func:`suite.metrics.budget_correlation`)."""
    ax = ax if ax is not None else new_axes(3.2, 2.8)
    values = matrix.to_numpy(dtype=np.float64)
    image = ax.imshow(values, cmap="cividis", vmin=min(0.0, np.nanmin(values)), vmax=1.0)
    labels = [str(c) for c in matrix.columns]
    step = max(1, len(labels) // 12)
    ticks = np.arange(0, len(labels), step)
    ax.set_xticks(ticks, [labels[t] for t in ticks], rotation=90 if len(labels) > 6 else 0)
    ax.set_yticks(ticks, [labels[t] for t in ticks])
    ax.set_xlabel("budget (epochs)")
    ax.set_ylabel("budget (epochs)")
    if annotate if annotate is not None else len(labels) <= 8:
        for (i, j), v in np.ndenumerate(values):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6, color="white" if v < 0.6 else "black")
    bar = ax.figure.colorbar(image, ax=ax, shrink=0.85)
    bar.set_label("Spearman ρ", fontsize=_STYLE["axes.labelsize"])
    bar.ax.tick_params(labelsize=_STYLE["ytick.labelsize"])
    return finish(ax)


def finish(ax: Any) -> Any:
    """Apply the text sizes of the house style (rc_context only covers figure creation)."""
    ax.tick_params(labelsize=_STYLE["xtick.labelsize"])
    ax.xaxis.label.set_size(_STYLE["axes.labelsize"])
    ax.yaxis.label.set_size(_STYLE["axes.labelsize"])
    return ax


def save(ax: Any, stem: str | Any) -> list[str]:
    """Write ``<stem>.png`` (300 dpi) and ``<stem>.pdf`` atomically; returns the paths; closes the figure."""
    from pathlib import Path

    import matplotlib.pyplot as plt

    from ..experiment.files import atomic_output

    stem = Path(stem)
    out = []
    for ext, kwargs in ((".png", {"dpi": 300}), (".pdf", {})):
        path = stem.with_suffix(ext)
        with atomic_output(path) as tmp:
            ax.figure.savefig(tmp, **kwargs, metadata={"CreationDate": None} if ext == ".pdf" else None)
        out.append(str(path))
    plt.close(ax.figure)
    return out
