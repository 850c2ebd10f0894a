"""SMAC3 as a searcher, through its ask/tell interface (Lindauer et al. 2022, JMLR 23(54)).

Each genome position is a ConfigSpace hyperparameter over the choice indices:
``Categorical(name, range(cardinality))``, with ``ordered=True`` (an ``OrdinalHyperparameter``)
where the position is ordinal. A run builds one facade over a ``Scenario`` seeded from the
run's generator and drives it with ``smac.ask() -> TrialInfo`` and
``smac.tell(TrialInfo, TrialValue)``; there is no target function (optional in the facade for
ask-and-tell use since SMAC 2.4.0, automl/SMAC3 PR #1263). SMAC minimises, so the
cost told is minus the observation. A configuration that is not a searchable cell is told
``StatusType.CRASHED`` with a finite crash cost (SMAC's convention for a trial that could not
run; its surrogate trains on crashed trials too, so the cost is the worst cost told so far, or
``crash_cost`` before any success) and is not charged.

``facade=``:

* ``"hpo"`` (default): ``HyperparameterOptimizationFacade``, random forest + log-scaled EI,
  Sobol initial design (10 configurations per hyperparameter, at most 25 % of the trials),
  20 % interleaved random configurations;
* ``"blackbox"``: ``BlackBoxFacade``, Gaussian process with a Hamming kernel on categorical
  hyperparameters (slower per ask).

``n_trials`` of the scenario (which sizes the initial design) is the number of queries the budget
buys (:func:`~suite.search.ask_tell.expected_queries`). The scenario is deterministic (one seed
per configuration, so the intensifier does not re-run configurations). SMAC writes its run
history to an output directory: a temporary one, removed when the run ends. Its logging is
left to the caller (``logging_level=False``) and the ``smac`` logger is raised to ERROR for the
run (late in a run SMAC warns on most asks that its acquisition maximiser found no new
configuration and samples a random one). The forest is fitted sequentially (see
:meth:`SmacSearch.quiet`). About 0.15-0.4 s per ask (``hpo``, growing with the history) and
2.5 s (``blackbox``) on two CPU cores.

Installs from wheels (``pip install smac``): since SMAC 2.4.0 the random forest is
scikit-learn's instead of pyrfr (automl/SMAC3 PR #1246), so no swig or C++ build is needed;
2.4.1 or later imports with scikit-learn 1.9 (PR #1313 drops a private sklearn import).
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import NasSuiteError
from ..extras import check_installed, require
from .ask_tell import (
    AskTellLoop,
    AskTellOptimizer,
    ParameterSpace,
    check_max_invalid,
    expected_queries,
    quiet_loggers,
)
from .oracle import Oracle

__all__ = ["FACADES", "SmacAskTell", "SmacSearch"]

#: facade name -> SMAC facade class (in ``smac``)
FACADES: dict[str, str] = {"hpo": "HyperparameterOptimizationFacade", "blackbox": "BlackBoxFacade"}


class SmacAskTell:
    """One SMAC3 facade as an :class:`~suite.search.ask_tell.AskTellOptimizer` (asks are ``{name: index}``;
    the pending ``TrialInfo`` is kept for the tell)."""

    def __init__(self, space: ParameterSpace, seed: int, facade: str = "hpo", n_trials: int = 100,
                 crash_cost: float = 0.0) -> None:
        smac = require("smac", "the smac searcher")
        cs = require("smac", "the smac searcher", "ConfigSpace")
        from smac.runhistory.dataclasses import TrialValue
        from smac.runhistory.enumerations import StatusType

        self._value, self._crashed = TrialValue, StatusType.CRASHED
        self._tmp = tempfile.TemporaryDirectory(prefix="nas-suite-smac-")
        configspace = cs.ConfigurationSpace(seed=seed)
        configspace.add([cs.Categorical(name, list(range(card)), ordered=ordinal)
                         for name, card, ordinal in zip(space.names, space.cardinalities, space.ordinal)])
        scenario = smac.Scenario(configspace, output_directory=Path(self._tmp.name), deterministic=True,
                                 n_trials=max(int(n_trials), 1), seed=seed)
        self._smac = getattr(smac, FACADES[facade])(scenario, None, logging_level=False, overwrite=True)
        self._worst = float(crash_cost)
        self._any = False
        self._info: Any = None

    def ask(self) -> dict[str, int]:
        self._info = self._smac.ask()
        return dict(self._info.config)

    def tell(self, config: Any, value: float | None) -> None:
        if value is None:
            result = self._value(cost=self._worst, status=self._crashed)
        else:
            cost = -float(value)
            self._worst = cost if not self._any else max(self._worst, cost)
            self._any = True
            result = self._value(cost=cost)
        self._smac.tell(self._info, result, save=False)
        self._info = None

    def close(self) -> None:
        self._tmp.cleanup()


class SmacSearch(AskTellLoop):
    """SMAC3 over the genome. ``facade``: a key of :data:`FACADES`; ``crash_cost``: the cost of a
    failed ask before any success (minus an observation; 0.0 = an accuracy of 0)."""

    name = "smac"
    citation = "Lindauer et al. 2022, 'SMAC3: A Versatile Bayesian Optimization Package for Hyperparameter Optimization' (JMLR)"

    def __init__(self, facade: str = "hpo", crash_cost: float = 0.0, max_invalid: int = 1000) -> None:
        self.facade = facade
        self.crash_cost = crash_cost
        self.max_invalid = max_invalid
        if facade not in FACADES:
            raise NasSuiteError(f"smac: unknown facade {facade!r}; available: {', '.join(FACADES)}")
        check_max_invalid(self.name, max_invalid)
        check_installed("smac", "the smac searcher")

    @contextlib.contextmanager
    def quiet(self) -> Iterator[None]:
        """The ``smac`` logger at ERROR, and joblib sequential: SMAC's forest asks for all cores
        (``n_jobs=-1``) for 10 trees on a few hundred rows, where thread hand-offs cost more than
        the trees (twice the wall time on two cores, same trajectory). Experiments parallelise
        over runs instead."""
        import joblib

        with quiet_loggers("smac", level=logging.ERROR), joblib.parallel_config(backend="sequential"):
            yield

    def build(self, space: ParameterSpace, seed: int, oracle: Oracle) -> AskTellOptimizer:
        return SmacAskTell(space, seed, self.facade, expected_queries(oracle), self.crash_cost)
