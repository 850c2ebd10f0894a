"""Tables and figures of a finished run (``nas-suite report results/<name>``).

:mod:`tables` and :mod:`compare` prepare DataFrames; :mod:`figures` draws them. Each run kind
has its report module (:mod:`predictors`, :mod:`budgets`, :mod:`search_report`,
:mod:`early_stop_report`, :mod:`proxy_report`), named by the kind in
:data:`suite.experiment.kinds.KINDS`; :func:`write_report` picks it from the run's ``meta.json``.
Only the report modules write files, into ``results/<name>/report/``.
"""

from __future__ import annotations

import os

from .compare import mean_ranks, pairwise_wilcoxon
from .tables import summarise, to_latex, to_markdown

__all__ = ["write_report", "summarise", "to_markdown", "to_latex", "pairwise_wilcoxon", "mean_ranks"]


def write_report(run_dir: str | os.PathLike[str]) -> list[str]:
    """Every table and figure of a finished run of any kind; returns the paths written."""
    from ..experiment.kinds import report_run

    return report_run(run_dir)
