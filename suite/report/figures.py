"""Figures: each function takes a DataFrame (from :mod:`suite.report.tables` or the metrics),
draws on ``ax`` (a new figure when None) and returns that matplotlib ``Axes``.

Contract of every figure function of :mod:`suite.report` (tested in ``tests/test_figures_api.py``):

* it never selects a matplotlib backend: a notebook keeps its inline backend. Inside
  :func:`offscreen` (what the report writer uses) a new figure is a bare
  :class:`matplotlib.figure.Figure`, never registered with pyplot, so saving needs no backend;
  outside it ``pyplot.figure`` creates it under whatever backend is in force (shown inline in Jupyter);
* text sizes, fonts and figure sizes come from the rcParams in force: nothing is forced on an
  ``Axes`` passed in. The suite's paper look is opt-in (:func:`suite.report.style.paper_style`);
* each predictor / method keeps its colour and marker across figures (:mod:`suite.report.colours`);
* no data point is hidden silently: values outside the chosen axis range are drawn at its edge
  with a distinct marker and a note that says how many and where.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from typing import Any, Iterator, Sequence

import numpy as np
import pandas as pd
from matplotlib.ticker import Locator

from .colours import MARKERS, PALETTE, series_styles, style_of

__all__ = ["PALETTE", "MARKERS", "predicted_vs_true", "correlation_vs_train_size", "budget_heatmap", "metric_vs_fidelity",
           "new_axes", "new_axes_row", "offscreen", "save", "value_ticks", "mark_below", "FittingLocator"]

_OFFSCREEN: contextvars.ContextVar[bool] = contextvars.ContextVar("offscreen_figures", default=False)

METRIC_LABELS = {"kendall": "Kendall τ", "spearman": "Spearman ρ", "pearson": "Pearson r", "r2": "R²"}


@contextlib.contextmanager
def offscreen() -> Iterator[None]:
    """New figures inside the block are bare ``Figure`` objects (no pyplot, no backend, no GUI).

    For code that only saves files: nothing is left in pyplot's figure list and the backend the
    process uses (e.g. a notebook's inline backend) is never touched.
    """
    token = _OFFSCREEN.set(True)
    try:
        yield
    finally:
        _OFFSCREEN.reset(token)


def _figure(width: float | None, height: float | None, ncols: int = 1) -> Any:
    import matplotlib

    w0, h0 = matplotlib.rcParams["figure.figsize"]
    size = (float(width) if width is not None else w0 * ncols, float(height) if height is not None else h0)
    if _OFFSCREEN.get():
        from matplotlib.figure import Figure

        return Figure(figsize=size, layout="constrained")
    import matplotlib.pyplot as plt

    return plt.figure(figsize=size, layout="constrained")


def new_axes(width: float | None = None, height: float | None = None) -> Any:
    """Axes of a new constrained-layout figure, ``width`` x ``height`` inches (None: rcParams'
    ``figure.figsize``). Never changes the backend; see :func:`offscreen`."""
    return _figure(width, height).add_subplot()


def new_axes_row(n: int, width: float | None = None, height: float | None = None) -> np.ndarray:
    """``n`` side-by-side Axes of one new figure (width None: ``n`` x the rcParams width); shape ``(n,)``."""
    return np.atleast_1d(_figure(width, height, ncols=n).subplots(1, n))


def save(ax: Any, stem: Any, formats: Sequence[str] | None = None) -> list[str]:
    """Write ``<stem>.<format>`` atomically for each format (default: the report's
    ``--formats``, else png and pdf); PNG at 300 dpi, PDF without a creation date (byte-stable).

    ``ax``: an Axes or a Figure. A pyplot-managed figure is closed afterwards (an offscreen one
    is simply dropped). Returns the paths.
    """
    from pathlib import Path

    from ..atomic import atomic_output
    from .options import current

    fig = ax if hasattr(ax, "savefig") else ax.figure
    stem = Path(stem)
    out = []
    for fmt in formats or current().formats:
        path = stem.with_suffix(f".{fmt}")
        kwargs: dict[str, Any] = {"dpi": 300} if fmt == "png" else {}
        if fmt in ("pdf", "svg"):
            kwargs["metadata"] = {"CreationDate": None} if fmt == "pdf" else {"Date": None}
        with atomic_output(path) as tmp:
            fig.savefig(tmp, format=fmt, **kwargs)
        out.append(str(path))
    if getattr(fig.canvas, "manager", None) is not None:  # registered with pyplot
        import matplotlib.pyplot as plt

        plt.close(fig)
    return out


def _tick_fontsize(axis: Any) -> float:
    return float(axis.get_major_ticks()[0].label1.get_fontsize())


class FittingLocator(Locator):
    """Ticks at given values, thinned at draw time to as many as the axis length fits.

    Why: explicit ticks at every train size (11 of them on a log axis) collide once the axes is
    half a page wide. The count that fits is recomputed on every draw (after constrained layout
    has sized the axes) from the widest label and the tick label font size; every k-th value is
    kept (even spacing for log-spaced sizes), the first and the last always.
    """

    def __init__(self, values: Sequence[float], fontsize: float) -> None:
        self.values = np.unique(np.asarray(values, dtype=np.float64))
        self.fontsize = float(fontsize)

    def __call__(self) -> Any:
        lo, hi = sorted(self.axis.get_view_interval())
        v = self.values[(self.values >= lo - 1e-9 * abs(lo)) & (self.values <= hi + 1e-9 * abs(hi))]
        if len(v) <= 2:
            return v
        axes = self.axis.axes
        length = axes.bbox.width * 72.0 / axes.figure.dpi  # points
        chars = max(len(f"{x:g}") for x in v)
        fits = max(2, int(length // ((0.62 * chars + 1.6) * self.fontsize)))
        if len(v) <= fits:
            return v
        step = -(-(len(v) - 1) // (fits - 1))  # ceil: every step-th value, the last one kept
        keep = list(range(0, len(v), step))
        keep[-1] = len(v) - 1
        return v[keep]


def value_ticks(ax: Any, values: Sequence[float]) -> None:
    """x ticks at ``values`` (e.g. train sizes) labelled as plain numbers, thinned to what fits."""
    from matplotlib.ticker import FuncFormatter, NullFormatter, NullLocator

    ax.xaxis.set_major_locator(FittingLocator(values, _tick_fontsize(ax.xaxis)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, pos: f"{x:g}"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())


def mark_below(ax: Any, x: np.ndarray, y: np.ndarray, floor: float, color: str) -> int:
    """Draw the points with ``y < floor`` as ▼ at the bottom edge with their value printed; returns how many.

    The axis bottom must be ``floor``. Markers are a scatter (not a ``Line2D``) so that
    ``ax.get_lines()`` stays one line per series.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    below = np.isfinite(y) & (y < floor)
    if below.any():
        ax.scatter(x[below], np.full(below.sum(), floor), marker="v", color=color, clip_on=False, zorder=5)
        for xi, yi in zip(x[below], y[below]):
            ax.annotate(f"{yi:.2f}", (xi, floor), xytext=(0, 5), textcoords="offset points", ha="center",
                        va="bottom", rotation=90, color=color, fontsize="x-small")
    return int(below.sum())


def correlation_vs_train_size(summary: pd.DataFrame, metric: str = "kendall", ax: Any = None) -> Any:
    """One line per predictor (and fidelity): mean ``metric`` vs train size (log x), shaded 95% interval.

    ``summary``: :func:`suite.report.tables.summarise` (columns predictor, fidelity, train_size,
    mean, low, high). Colour and marker follow the predictor's name; several fidelities of one
    predictor differ by line style.
    """
    ax = ax if ax is not None else new_axes()
    series = summary.assign(label=np.where(summary["fidelity"] > 0,
                                           summary["predictor"] + " (" + summary["fidelity"].astype(str) + " ep)",
                                           summary["predictor"]))
    groups = list(series.groupby("label", sort=False))
    styles = series_styles(g["predictor"].iloc[0] for _, g in groups)
    for (label, g), style in zip(groups, styles):
        g = g.sort_values("train_size")
        ax.plot(g["train_size"], g["mean"], label=label, **style.kwargs())
        ok = np.isfinite(g["low"]) & np.isfinite(g["high"])
        ax.fill_between(g["train_size"][ok], g["low"][ok], g["high"][ok], color=style.color, alpha=0.18, linewidth=0)
    ax.set_xscale("log")
    value_ticks(ax, sorted(series["train_size"].unique()))
    ax.set_xlabel("training architectures")
    ax.set_ylabel(METRIC_LABELS.get(metric, metric))
    ax.grid(True, which="major")
    ax.legend(ncols=2 if len(groups) > 4 else 1)
    return ax


def metric_vs_fidelity(summary: pd.DataFrame, metric: str = "r2", total_epochs: int | None = None, ax: Any = None,
                       y_floor: float | None = None) -> Any:
    """One line per (predictor, train size): ``metric`` vs how much of the learning curve was observed.

    The x axis is the observed share of a ``total_epochs`` curve, or observed epochs when the
    curve length is unknown (the largest observed prefix is not the curve's end). A predictor
    whose values are the same at every train size (a baseline that fits nothing) is drawn once.

    ``y_floor``: bottom of the y axis when some mean lies below it (None: -1 for R², the level at
    which a prediction errs more than twice as much, in squared error, as the mean of the
    targets, else no floor; ``-inf``: never). Baker et al.'s ``last_seen`` baseline reaches R² =
    -2.8 after 10 of 200 epochs and would squash every other curve into the top of the axis; a
    mean below the floor is drawn as ▼ on the bottom edge with its value printed, and the legend
    says so.
    """
    ax = ax if ax is not None else new_axes()
    curves = summary[summary["fidelity"] > 0]
    if curves.empty:
        raise ValueError("no learning-curve cells (fidelity > 0) in this summary")
    series: list[tuple[str, str, pd.DataFrame]] = []
    for name, by_predictor in curves.groupby("predictor", sort=False):
        groups = [(n, g.sort_values("fidelity")) for n, g in by_predictor.groupby("train_size", sort=True)]
        means = [g["mean"].to_numpy() for _, g in groups]
        if len(groups) > 1 and all(m.shape == means[0].shape and np.allclose(m, means[0], equal_nan=True) for m in means):
            series.append((str(name), f"{name} (any train size)", groups[0][1]))
        else:
            series += [(str(name), f"{name}, {n} train", g) for n, g in groups]
    floor = y_floor if y_floor is not None else (-1.0 if metric.split("_")[0] == "r2" else -math.inf)
    all_means = np.concatenate([g["mean"].to_numpy(dtype=np.float64) for _, _, g in series])
    clipped = bool(np.any(np.isfinite(all_means) & (all_means < floor)))
    below = 0
    for (name, label, g), style in zip(series, series_styles(n for n, _, _ in series)):
        x = g["fidelity"] / float(total_epochs) if total_epochs else g["fidelity"]
        ax.plot(x, g["mean"], label=label, **style.kwargs())
        ok = np.isfinite(g["low"]) & np.isfinite(g["high"])
        ax.fill_between(x[ok], g["low"][ok], g["high"][ok], color=style.color, alpha=0.18, linewidth=0)
        if clipped:
            below += mark_below(ax, x.to_numpy(), g["mean"].to_numpy(), floor, style.color)
    if clipped:
        shown = np.concatenate([g[c].to_numpy(dtype=np.float64) for _, _, g in series for c in ("mean", "high")])
        top = float(np.nanmax(shown[np.isfinite(shown)]))
        ax.set_ylim(floor, top + 0.05 * (top - floor))
        ax.scatter([], [], marker="v", color="0.3", label=f"{below} mean{'s' if below != 1 else ''} below {floor:g} (value printed)")
    ax.set_xlabel(f"fraction of the {total_epochs}-epoch learning curve observed" if total_epochs
                  else "epochs of the learning curve observed")
    ax.set_ylabel(METRIC_LABELS.get(metric.split("_")[0], metric) + (" (trained cells)" if metric.endswith("_trained") else ""))
    ax.grid(True)
    ax.legend()
    return ax


def predicted_vs_true(predictions: pd.DataFrame, ax: Any = None, title: str | None = None) -> Any:
    """Scatter of ``y_pred`` against ``y_true`` (columns of ``predictions.parquet``) with the identity line.

    The points take the colour of the predictor when ``predictions`` holds one ``predictor``.
    """
    if ax is None:
        import matplotlib

        side = min(matplotlib.rcParams["figure.figsize"])
        ax = new_axes(side, side)
    names = predictions["predictor"].unique() if "predictor" in predictions.columns else []
    colour = style_of(str(names[0])).color if len(names) == 1 else PALETTE[0]
    t, p = predictions["y_true"].to_numpy(), predictions["y_pred"].to_numpy()
    ax.scatter(t, p, s=6, color=colour, alpha=0.6, linewidths=0)
    ok = np.isfinite(t) & np.isfinite(p)
    if ok.any():
        lo, hi = float(min(t[ok].min(), p[ok].min())), float(max(t[ok].max(), p[ok].max()))
        ax.plot([lo, hi], [lo, hi], color="0.4", linewidth=0.8, linestyle="--")
    ax.set_xlabel("true")
    ax.set_ylabel("predicted")
    if title:
        ax.set_title(title)
    ax.grid(True)
    return ax


def budget_heatmap(matrix: pd.DataFrame, ax: Any = None, annotate: bool | None = None) -> Any:
    """Budget x budget rank-correlation matrix (:func:`suite.metrics.budget_correlation`)."""
    if ax is None:
        import matplotlib

        w, h = matplotlib.rcParams["figure.figsize"]
        ax = new_axes(w * 0.92, h * 1.08)
    values = matrix.to_numpy(dtype=np.float64)
    image = ax.imshow(values, cmap="cividis", vmin=min(0.0, np.nanmin(values)), vmax=1.0)
    labels = [str(c) for c in matrix.columns]
    step = max(1, len(labels) // 12)
    ticks = np.arange(0, len(labels), step)
    ax.set_xticks(ticks, [labels[t] for t in ticks], rotation=90 if len(labels) > 6 else 0)
    ax.set_yticks(ticks, [labels[t] for t in ticks])
    ax.set_xlabel("budget (epochs)")
    ax.set_ylabel("budget (epochs)")
    ax.grid(False)
    if annotate if annotate is not None else len(labels) <= 8:
        for (i, j), v in np.ndenumerate(values):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize="x-small", color="white" if v < 0.6 else "black")
    bar = ax.figure.colorbar(image, ax=ax, shrink=0.85)
    bar.set_label("Spearman ρ")
    return ax
