"""One colour and marker per predictor / method NAME, the same in every figure.

Why: a reader compares figures side by side; if ``xgb`` is blue in one figure and orange in the
next because another predictor was added or left out, the figures mislead. So the style of a
series is a function of its name alone, never of its position in a plot:

* every registered name (predictors, searchers, selectors, zero-cost proxies, early-stopping
  methods) has a fixed entry in :data:`FIXED`; a new name is a new line at the end, so adding one
  never recolours the others. Names that are usually drawn together (the model-based predictors,
  the learning-curve predictors, the proxies, the searchers, the selectors, the early-stopping
  methods) have distinct colours within their group, and no two registered names share both
  colour and marker;
* any other name (a user's predictor or a search label such as ``xgb/uniform``) gets a colour and
  marker from a SHA-256 hash of its lower-cased name: stable across runs, processes and machines
  (Python's ``hash`` of a str is salted per process, so it is not used).

Two series of one figure can still resolve to the same colour and marker (the same predictor at
two train sizes, or a hash collision); :func:`series_styles` then gives the later ones dashed or
dotted lines, so they stay apart without changing anyone's colour.

Palette: Okabe & Ito (2008), readable with the common colour-vision deficiencies (yellow left
out: too pale on white), extended with Paul Tol's "muted" scheme (Tol 2021, SRON/EPS/TN/09-002)
to the 16 colours the 49 registered names need; markers double-code the series for greyscale
print.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Iterable

__all__ = ["PALETTE", "MARKERS", "FIXED", "SeriesStyle", "style_of", "colour_of", "marker_of", "series_styles"]

#: Okabe–Ito (first six; black at 11) and Tol's muted colours. Indices are part of :data:`FIXED`:
#: append, never reorder.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#332288", "#999933",
           "#882255", "#44AA99", "#DDCC77", "#000000", "#CC6677", "#117733", "#AA4499", "#88CCEE"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p"]
#: line styles for series that share a colour and marker within one figure, in order of appearance
LINESTYLES = ["-", "--", ":", "-."]

#: name -> (PALETTE index, MARKERS index). Grouped by what is plotted together; append new names.
FIXED: dict[str, tuple[int, int]] = {
    # model-based predictors (the first six keep the Okabe–Ito order of the NASLib comparison)
    "ols": (0, 0), "ridge": (1, 1), "rf": (2, 2), "nusvr": (3, 3), "xgb": (4, 4), "lgb": (5, 5),
    "gp": (6, 6), "mlp": (7, 7), "bananas": (8, 8), "gnn": (9, 9), "hybrid": (10, 10),
    # learning-curve predictors
    "srm": (0, 11), "last_seen": (12, 0), "pow3": (13, 1),
    # zero-cost proxies (as predictors and as proxies)
    "params": (14, 2), "flops": (15, 3), "synflow": (0, 5), "snip": (1, 6), "grasp": (2, 7),
    "fisher": (3, 8), "grad_norm": (4, 9), "jacov": (5, 10), "nwot": (6, 11), "epe_nas": (7, 0),
    "l2_norm": (8, 1), "plain": (9, 2), "naswot": (13, 3),
    # searchers
    "random": (11, 4), "rea": (12, 5), "local": (13, 6), "predictor": (14, 7), "reinforce": (15, 8),
    "tpe": (0, 10), "bohb": (1, 11), "hyperband": (2, 0), "gp-bo": (3, 1), "ask-tell": (4, 2),
    "optuna": (5, 3), "smac": (6, 4),
    # subset selectors
    "full": (7, 5), "uniform": (8, 6), "mutation": (9, 7), "evolution": (10, 8), "diverse": (11, 9),
    "cluster": (12, 10), "guided": (13, 11),
    # early-stopping methods (full and hyperband above)
    "sh": (14, 0), "srm-random": (15, 1), "srm-hyperband": (0, 3),
}


@dataclass(frozen=True)
class SeriesStyle:
    """Matplotlib keyword values of one series: ``color`` (hex), ``marker``, ``linestyle``."""

    color: str
    marker: str
    linestyle: str = "-"

    def kwargs(self) -> dict[str, str]:
        """``dict(color=..., marker=..., linestyle=...)`` for ``Axes.plot`` / ``errorbar``."""
        return {"color": self.color, "marker": self.marker, "linestyle": self.linestyle}


def _indices(name: str) -> tuple[int, int]:
    key = str(name).strip().lower()
    if key in FIXED:
        return FIXED[key]
    digest = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")
    return digest % len(PALETTE), (digest // len(PALETTE)) % len(MARKERS)


def style_of(name: str) -> SeriesStyle:
    """The colour and marker of ``name`` (case-insensitive); the same in every figure and process."""
    colour, marker = _indices(name)
    return SeriesStyle(PALETTE[colour], MARKERS[marker])


def colour_of(name: str) -> str:
    """Hex colour of ``name``; see :func:`style_of`."""
    return style_of(name).color


def marker_of(name: str) -> str:
    """Marker of ``name``; see :func:`style_of`."""
    return style_of(name).marker


def series_styles(names: Iterable[str]) -> list[SeriesStyle]:
    """One style per entry of ``names`` (names may repeat: one predictor at several train sizes).

    Colour and marker come from :func:`style_of`; the k-th series of a figure that shares both
    with an earlier one gets ``LINESTYLES[k]`` (cycling), so repeated names stay distinguishable.
    """
    seen: dict[tuple[str, str], int] = {}
    out = []
    for name in names:
        base = style_of(name)
        k = seen.get((base.color, base.marker), 0)
        seen[(base.color, base.marker)] = k + 1
        out.append(SeriesStyle(base.color, base.marker, LINESTYLES[k % len(LINESTYLES)]))
    return out
