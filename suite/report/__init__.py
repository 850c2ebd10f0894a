"""Tables and figures of a finished run (``nas-suite report results/<name>``).

:mod:`tables` and :mod:`compare` prepare DataFrames; :mod:`figures` draws them. Each run kind
has its report module (:mod:`predictors`, :mod:`budgets`, :mod:`search_report`,
:mod:`early_stop_report`, :mod:`proxy_report`), named by the kind in
:data:`suite.experiment.kinds.KINDS`; :func:`write_report` picks it from the run's ``meta.json``.
Only the report modules write files, into ``results/<name>/report/``.

Figures never change the matplotlib backend and respect the rcParams in force; the paper look is
opt-in with :func:`paper_style` (see :mod:`suite.report.figures` and :mod:`suite.report.style`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from .compare import best_entries, mean_ranks, pairwise_wilcoxon
from .style import PAPER_RC, paper_style
from .tables import summarise, to_latex, to_markdown

__all__ = ["write_report", "summarise", "to_markdown", "to_latex", "pairwise_wilcoxon", "mean_ranks", "best_entries",
           "paper_style", "PAPER_RC"]


def write_report(run_dir: str | os.PathLike[str], *, names: Sequence[str] | None = None,
                 metrics: Sequence[str] | None = None, formats: Sequence[str] = ("png", "pdf"),
                 style: str = "paper") -> list[str]:
    """Every table and figure of a finished run of any kind; returns the paths written.

    ``names``: predictors (or search / early-stopping methods, proxies) to keep; ``metrics``:
    metrics of a predictor run to report; ``formats``: figure files (png, pdf, svg); ``style``:
    ``"paper"`` (:func:`paper_style`) or ``"default"`` (the rcParams in force). Figures are drawn
    on bare ``Figure`` objects (:func:`suite.report.figures.offscreen`): the backend of the
    calling process, e.g. a notebook's, is left alone. Bad options fail before anything is written.
    """
    from ..experiment.kinds import read_meta, report_run
    from .figures import offscreen
    from .options import ReportOptions, check_supported, using
    from .style import style_context

    options = ReportOptions(names=tuple(names) if names is not None else None,
                            metrics=tuple(metrics) if metrics is not None else None,
                            formats=tuple(formats), style=style)
    if options.names is not None or options.metrics is not None:
        check_supported(options, str(read_meta(Path(run_dir)).get("kind")))
    with using(options), offscreen(), style_context(style):
        return report_run(run_dir)
