"""Experiments: a TOML spec -> a grid of (predictor, fidelity, train size, seed) cells -> tidy records.

    >>> from suite.experiment import load_spec, run
    >>> result = run(load_spec("configs/quickstart.toml"), jobs=2)   # doctest: +SKIP
    >>> result.records.head()                                          # doctest: +SKIP
"""

from .execution import RunResult
from .kinds import KINDS, RunOptions, kind, load_spec, report_run, run_spec
from .runner import Cell, CellFailed, plan, run
from .spec import ExperimentSpec, InvalidSpec, apply_overrides, parse_spec

__all__ = ["Cell", "CellFailed", "ExperimentSpec", "InvalidSpec", "KINDS", "RunOptions", "RunResult", "apply_overrides",
           "kind", "load_spec", "parse_spec", "plan", "report_run", "run", "run_spec"]
