"""What ``nas-suite report --predictors/--metrics/--formats/--style`` asks of a report.

The kinds' report writers keep the signature ``(run_dir, meta)`` that
:func:`suite.experiment.kinds.report_run` calls them with; :func:`suite.report.write_report`
puts the options in a context variable for the duration of one report (scoped and thread-safe,
unlike a module global) and each writer reads them with :func:`current`.
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import pandas as pd

from ..errors import InvalidArgument, NasSuiteError

__all__ = ["FORMATS", "SUPPORTED", "ReportOptions", "check_supported", "current", "using", "select_names", "require_output"]

#: figure file formats a report can write (``savefig`` infers the format from the suffix)
FORMATS = ("png", "pdf", "svg")


@dataclass(frozen=True)
class ReportOptions:
    """``names``: predictors / methods / proxies to keep (None: all); ``metrics``: metrics to
    tabulate and draw (None: all the run recorded); ``formats``: figure files per figure;
    ``style``: :data:`suite.report.style.STYLES` name."""

    names: tuple[str, ...] | None = None
    metrics: tuple[str, ...] | None = None
    formats: tuple[str, ...] = ("png", "pdf")
    style: str = "paper"

    def __post_init__(self) -> None:
        from .style import STYLES

        if not self.formats or any(f not in FORMATS for f in self.formats):
            raise InvalidArgument(f"figure formats must be some of {', '.join(FORMATS)}; got {', '.join(self.formats) or 'none'}")
        if self.style not in STYLES:
            raise InvalidArgument(f"unknown figure style {self.style!r}; choose one of: {', '.join(STYLES)}")
        for field, values in (("names", self.names), ("metrics", self.metrics)):
            if values is not None and not values:
                raise InvalidArgument(f"an empty list of {field} selects nothing; leave the option out to keep all")


#: which of ``names`` / ``metrics`` each run kind's report honours (formats and style: every kind)
SUPPORTED: dict[str, tuple[str, ...]] = {
    "predictors": ("names", "metrics"),
    "search": ("names",),
    "early_stopping": ("names",),
    "proxies": ("names",),
    "budget_correlation": (),
}

#: how the CLI spells each option, for messages
_FLAGS = {"names": "--predictors/--methods", "metrics": "--metrics"}


def check_supported(options: ReportOptions, kind: str) -> None:
    """Refuse options that a ``kind`` run's report would ignore (one line, before any work)."""
    for field in ("names", "metrics"):
        if getattr(options, field) is not None and field not in SUPPORTED.get(kind, ()):
            takes = [k for k, v in SUPPORTED.items() if field in v]
            raise InvalidArgument(f"{_FLAGS[field]} does not apply to a {kind} run (it applies to: {', '.join(takes)})")


_CURRENT: contextvars.ContextVar[ReportOptions] = contextvars.ContextVar("report_options", default=ReportOptions())


def current() -> ReportOptions:
    """The options of the report being written (defaults outside :func:`using`)."""
    return _CURRENT.get()


@contextlib.contextmanager
def using(options: ReportOptions) -> Iterator[ReportOptions]:
    """Make ``options`` :func:`current` inside the ``with`` block."""
    token = _CURRENT.set(options)
    try:
        yield options
    finally:
        _CURRENT.reset(token)


def select_names(frame: pd.DataFrame, columns: Sequence[str], what: str,
                 names: Iterable[str] | None = None) -> pd.DataFrame:
    """Rows of ``frame`` whose value in any of ``columns`` is a requested name (all rows if none).

    Raises :class:`~suite.errors.InvalidArgument` naming the available values when a requested
    name matches no row, before the caller writes anything.
    """
    names = current().names if names is None else tuple(names)
    if names is None:
        return frame
    present = [c for c in columns if c in frame.columns]
    available = list(dict.fromkeys(str(v) for c in present for v in frame[c].dropna().unique()))
    missing = [n for n in names if n not in available]
    if missing:
        raise InvalidArgument(f"no {what} named {', '.join(map(repr, missing))} in this run; it has: {', '.join(available)}")
    keep = pd.Series(False, index=frame.index)
    for c in present:
        keep |= frame[c].astype(str).isin(names)
    return frame[keep]


def require_output(run_dir: Path, name: str) -> Path:
    """``run_dir / name``, or a one-line error saying how to get it back.

    A report redraws from a run's outputs; one that is missing (deleted, or a run directory
    copied without it) is rebuilt by re-running the config, which replays its journal when the
    journal is there and re-runs the experiment otherwise.
    """
    path = Path(run_dir) / name
    if not path.is_file():
        raise NasSuiteError(f"{run_dir}: no {name} to draw the report from; `nas-suite reproduce {Path(run_dir).name}` "
                            f"rebuilds it (from runs.jsonl if present, else by re-running the experiment)")
    return path
