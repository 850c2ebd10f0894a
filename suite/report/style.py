"""The suite's paper style: opt-in, never applied behind the user's back.

Figure functions draw with whatever ``rcParams`` are in force, so a notebook keeps its own fonts
and sizes. For paper figures (one-column size, 7–8 pt text, TrueType fonts embedded in PDF,
editable text in SVG) wrap the drawing *and* the saving in :func:`paper_style`::

    with suite.report.paper_style():
        ax = correlation_vs_train_size(summary)
        ax.figure.savefig("fig.pdf")

or install it for a whole session with ``matplotlib.pyplot.style.use(suite.report.PAPER_RC)``
(a style dict, accepted wherever matplotlib accepts a style sheet). ``nas-suite report`` uses it
unless given ``--style default``.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

__all__ = ["PAPER_RC", "STYLES", "paper_style", "style_context"]

#: rcParams of the paper style: a 3.5 x 2.6 in one-column figure, 8 pt labels, 7 pt ticks and
#: legend, no top/right spines, fonts embedded as TrueType (type 42) so PDFs pass publishers' checks.
PAPER_RC: dict[str, Any] = {
    "figure.figsize": (3.5, 2.6), "font.size": 8, "axes.titlesize": 8, "axes.labelsize": 8, "legend.fontsize": 7,
    "xtick.labelsize": 7, "ytick.labelsize": 7, "axes.spines.top": False, "axes.spines.right": False,
    "pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none", "lines.linewidth": 1.2, "lines.markersize": 3.5,
    "legend.frameon": False, "axes.grid": True, "grid.linewidth": 0.4, "grid.alpha": 0.5,
}

#: names accepted by :func:`style_context` and ``nas-suite report --style``
STYLES = ("paper", "default")


@contextlib.contextmanager
def paper_style() -> Iterator[None]:
    """Context manager: :data:`PAPER_RC` on top of the current rcParams, restored on exit."""
    import matplotlib

    with matplotlib.rc_context(PAPER_RC):
        yield


@contextlib.contextmanager
def style_context(name: str) -> Iterator[None]:
    """``"paper"``: :func:`paper_style`; ``"default"``: the rcParams in force, untouched."""
    from ..errors import InvalidArgument

    if name not in STYLES:
        raise InvalidArgument(f"unknown figure style {name!r}; choose one of: {', '.join(STYLES)}")
    if name == "paper":
        with paper_style():
            yield
    else:
        yield
