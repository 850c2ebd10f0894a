"""Figure of a zero-cost proxy run: proxy score vs trained accuracy, one panel per dataset.

Follows the contract of :mod:`suite.report.figures` (draws on ``ax``, returns the ``Axes``,
no backend change, rcParams respected, every point shown).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from .colours import colour_of
from .figures import new_axes
from .proxy_tables import PUBLISHED_TAU

__all__ = ["score_scatter", "low_tail_fence"]


def low_tail_fence(x: np.ndarray) -> float:
    """Tukey's far-out fence ``Q1 - 3 IQR`` of the finite values (``-inf`` when fewer than 4).

    On NAS-Bench-201 a few percent of cells do not train (about 10 % accuracy on CIFAR-10); on a
    linear axis they would squeeze the other 95 % into a sliver, so the axis starts at the fence
    and :func:`score_scatter` draws the cells below it at the left edge, counted in a note.
    """
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    if len(x) < 4:
        return -np.inf
    q1, q3 = np.percentile(x, [25, 75])
    return float(q1 - 3.0 * (q3 - q1))


def score_scatter(scores: pd.DataFrame, proxy: str, target: str, taus: Mapping[str, float] | None = None, *,
                  dataset: str | None = None, ax: Any = None) -> Any:
    """Proxy score (y) vs trained ``target`` accuracy (x) of one dataset, as the NASWOT paper's Figure 3.

    ``scores``: ``scores.parquet`` of a proxies run (columns ``dataset``, ``target``, ``proxy``);
    ``dataset`` may be left out when ``scores`` holds one. ``taus``: Kendall τ per dataset for the
    title (with the published τ beside NASWOT's). Every cell with both values is drawn: cells
    whose accuracy lies below :func:`low_tail_fence` are drawn at the left edge as ◂ (their score
    on the y axis kept) and a note gives their count and accuracy range.
    """
    datasets = list(dict.fromkeys(scores["dataset"]))
    if dataset is None:
        if len(datasets) != 1:
            raise ValueError(f"scores hold {len(datasets)} datasets ({', '.join(map(str, datasets))}); pass dataset=")
        dataset = datasets[0]
    ax = ax if ax is not None else new_axes()
    part = scores[scores["dataset"] == dataset]
    x, y = part[target].to_numpy(np.float64), part[proxy].to_numpy(np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    colour = colour_of(proxy)
    fence = low_tail_fence(x)
    low = x < fence
    ax.scatter(x[~low], y[~low], s=3, alpha=0.35, color=colour, linewidths=0, rasterized=True)
    if low.any():
        hi = float(x.max())
        left = fence - 0.04 * (hi - fence)
        edge = left + 0.012 * (hi - left)
        ax.set_xlim(left, hi + 0.02 * (hi - left))
        ax.scatter(np.full(low.sum(), edge), y[low], s=9, marker="<", color=colour, alpha=0.7, linewidths=0)
        ax.text(0.02, 0.98, f"◂ {low.sum()} cell{'s' if low.sum() != 1 else ''} with {target} "
                f"{x[low].min():.1f}–{x[low].max():.1f}% drawn at the left edge", transform=ax.transAxes,
                ha="left", va="top", fontsize="x-small")
    title = f"{dataset}: τ = {(taus or {}).get(dataset, float('nan')):.3f}"
    if proxy == "naswot" and dataset in PUBLISHED_TAU and target == "valid_acc":
        title += f" (paper {PUBLISHED_TAU[dataset]:.3f})"
    ax.set_title(title)
    ax.set_xlabel(f"{target} (%)")
    ax.set_ylabel(f"{proxy} score")
    return ax
