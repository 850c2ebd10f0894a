"""Experiments: a TOML spec -> a grid of (predictor, fidelity, train size, seed) cells -> tidy records.

    >>> from suite.experiment import load_spec, run
    >>> result = run(load_spec("configs/quickstart.toml"), jobs=2)   # doctest: +SKIP
    >>> result.records.head()                                          # doctest: +SKIP
"""

from .runner import Cell, CellFailed, RunResult, plan, run
from .spec import ExperimentSpec, InvalidSpec, apply_overrides, load_spec, parse_spec

__all__ = ["Cell", "CellFailed", "ExperimentSpec", "InvalidSpec", "RunResult", "apply_overrides", "load_spec",
           "parse_spec", "plan", "run"]
