"""Optuna's samplers as searchers, through its ask/tell interface (Akiba et al. 2019, KDD).

Each genome position is an Optuna parameter: ``CategoricalDistribution`` over the choice
indices, or ``IntDistribution(0, cardinality - 1)`` where the position is ordinal. A run is an
in-memory ``optuna.create_study(direction="maximize")`` driven by ``study.ask(distributions)``
and ``study.tell(trial, value)``; a configuration that is not a searchable cell is told
``state=TrialState.FAIL`` (Optuna's convention for a trial that could not be evaluated; its
samplers learn from completed trials only) and is not charged. Optuna's per-trial INFO logging is
silenced for the run.

Samplers (``sampler=``), each seeded from the run's generator and taking ``sampler_params``:

* ``"tpe"`` (default): ``TPESampler``, tree-structured Parzen estimator (Bergstra et al. 2011;
  Watanabe 2023 for Optuna's defaults: 10 random startup trials, 24 EI candidates);
* ``"random"``: ``RandomSampler``, independent uniform draws (with replacement);
* ``"gp"``: ``GPSampler``, Gaussian-process BO (Optuna >= 3.6; needs torch as well); about
  0.3 s per ask on two CPU cores;
* ``"nsga2"``: ``NSGAIISampler``, a genetic algorithm (Deb et al. 2002; population 50).

CMA-ES is not offered: Optuna's ``CmaEsSampler`` does not support categorical distributions
and falls back to its independent sampler for them (its docstring says so), which on a cell
space would be random search under another name.
"""

from __future__ import annotations

import contextlib
import inspect
import warnings
from collections.abc import Iterator
from typing import Any

from ..errors import NasSuiteError
from ..extras import check_installed, require
from .ask_tell import AskTellLoop, AskTellOptimizer, ParameterSpace, check_max_invalid, quiet_loggers
from .oracle import Oracle

__all__ = ["SAMPLERS", "OptunaAskTell", "OptunaSearch"]

#: sampler name -> Optuna sampler class (in ``optuna.samplers``)
SAMPLERS: dict[str, str] = {"tpe": "TPESampler", "random": "RandomSampler", "gp": "GPSampler",
                            "nsga2": "NSGAIISampler"}


class OptunaAskTell:
    """One Optuna study as an :class:`~suite.search.ask_tell.AskTellOptimizer` (asks are ``{name: index}``)."""

    def __init__(self, space: ParameterSpace, seed: int, sampler: str = "tpe",
                 sampler_params: dict[str, Any] | None = None) -> None:
        optuna = require("optuna", "the optuna searcher")
        from optuna.distributions import CategoricalDistribution, IntDistribution

        cls = getattr(optuna.samplers, SAMPLERS[sampler])
        self._study = optuna.create_study(direction="maximize", sampler=cls(seed=seed, **(sampler_params or {})))
        self._fail = optuna.trial.TrialState.FAIL
        self._distributions = {
            name: IntDistribution(0, card - 1) if ordinal else CategoricalDistribution(tuple(range(card)))
            for name, card, ordinal in zip(space.names, space.cardinalities, space.ordinal)
        }
        self._trial: Any = None

    def ask(self) -> dict[str, int]:
        self._trial = self._study.ask(self._distributions)
        return dict(self._trial.params)

    def tell(self, config: dict[str, int], value: float | None) -> None:
        if value is None:
            self._study.tell(self._trial, state=self._fail)
        else:
            self._study.tell(self._trial, value)
        self._trial = None


class OptunaSearch(AskTellLoop):
    """An Optuna sampler over the genome. ``sampler``: a key of :data:`SAMPLERS`; ``sampler_params``:
    keyword arguments of that sampler class (``seed`` comes from the run)."""

    name = "optuna"
    citation = "Akiba et al. 2019, 'Optuna: A Next-generation Hyperparameter Optimization Framework' (KDD)"

    def __init__(self, sampler: str = "tpe", sampler_params: dict[str, Any] | None = None,
                 max_invalid: int = 1000) -> None:
        self.sampler = sampler
        self.sampler_params = sampler_params
        self.max_invalid = max_invalid
        if sampler not in SAMPLERS:
            raise NasSuiteError(f"optuna: unknown sampler {sampler!r}; available: {', '.join(SAMPLERS)}")
        check_max_invalid(self.name, max_invalid)
        if sampler == "gp":
            check_installed("torch", "optuna's GPSampler")
        optuna = require("optuna", "the optuna searcher")  # imported now: the sampler's signature is checked
        accepted = inspect.signature(getattr(optuna.samplers, SAMPLERS[sampler]).__init__).parameters
        bad = sorted(set(sampler_params or {}) - set(accepted) | ({"seed"} & set(sampler_params or {})))
        if bad:
            raise NasSuiteError(f"optuna: sampler {sampler!r} does not take {', '.join(bad)} "
                                f"(seed comes from the run)")

    @contextlib.contextmanager
    def quiet(self) -> Iterator[None]:
        """Optuna's INFO lines (one per study and trial) and its ExperimentalWarning (GPSampler and
        some sampler options, depending on the version) off for the run."""
        from optuna.exceptions import ExperimentalWarning

        with quiet_loggers("optuna"), warnings.catch_warnings():
            warnings.simplefilter("ignore", ExperimentalWarning)
            yield

    def build(self, space: ParameterSpace, seed: int, oracle: Oracle) -> AskTellOptimizer:
        return OptunaAskTell(space, seed, self.sampler, self.sampler_params)
