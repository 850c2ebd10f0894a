"""The early-stopping methods, one class each, and the registry that lists them.

Every method implements :class:`EarlyStoppingMethod`: a ``name`` (the key a config names it
by), a ``citation``, a one-line ``description``, and ``run(table, rng, ...)`` returning a
:class:`~.halving.HalvingResult`. :data:`METHODS` is a :class:`suite.registry.Registry` built
from those class attributes (one source for name, citation and summary);
:func:`~.runner.run_early_stopping` calls ``METHODS.make(name).run(...)`` and never branches on
names. Adding a method is one class and one line in :data:`METHODS`.

Methods are stateless: whatever a run needs (an SRM rule, a ranker) is built inside ``run``
from :class:`Settings`, so an instance can serve any number of runs and pickles to workers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ...registry import Entry, Registry
from .halving import HalvingResult, successive_halving
from .hyperband import hyperband, hyperband_columns
from .sequential import random_search
from .srm_rule import SRMRanker, SRMRule
from .tables import BudgetTable

__all__ = ["METHODS", "REFERENCE", "EarlyStoppingMethod", "FullTraining", "Hyperband", "SRMHyperband",
           "SRMRandomSearch", "Settings", "SuccessiveHalving"]

LI17 = "Li, Jamieson, DeSalvo, Rostamizadeh & Talwalkar 2017, 'Hyperband', JMLR 18(185)"
BAKER17 = ("Baker, Gupta, Raskar & Naik 2017, 'Accelerating Neural Architecture Search using Performance "
           "Prediction', arXiv:1705.10823")


@dataclass(frozen=True)
class Settings:
    """The keyword settings of :func:`~.runner.run_early_stopping` that methods read.

    ``eta, min_budget, max_budget, resume``: successive halving / Hyperband
    (:func:`~.hyperband.hyperband`); ``max_iterations``: Hyperband's iteration limit;
    ``n_train`` (None: the method's own default), ``tau, delta, refit_every, sigma, model``: the
    SRM (:class:`~.srm_rule.SRMRule`, :class:`~.srm_rule.SRMRanker`).
    """

    eta: float = 3
    min_budget: float | None = None
    max_budget: float | None = None
    resume: bool = True
    max_iterations: int | None = None
    n_train: int | None = None
    tau: float = 0.25
    delta: float = 0.99
    refit_every: int | None = 10
    sigma: str = "model"
    model: Any = None


class EarlyStoppingMethod(ABC):
    """One early-stopping method: what it is called, where it comes from, and how it runs.

    Attributes
    ----------
    name : str
        Its name in :data:`METHODS` and in configs (``methods = [...]``).
    citation : str
        The paper the method follows.
    description : str
        One line for tables and ``--help``.
    same_architectures : bool
        True when the method trains exactly the reference's ``n_archs`` architectures, so
        Baker et al.'s same-architectures cost ratio (``same_archs_cost_ratio``) is defined;
        False for methods that draw as many as their budget (and the pool) allows (Hyperband).
    needs_curves : bool
        True when the method needs budgets that are points of one learning curve (the SRM).
    """

    name: ClassVar[str]
    citation: ClassVar[str]
    description: ClassVar[str]
    same_architectures: ClassVar[bool] = True
    needs_curves: ClassVar[bool] = False

    @abstractmethod
    def run(self, table: BudgetTable, rng: np.random.Generator, *, n_archs: int, max_cost: float, srm_seed: int,
            settings: Settings) -> HalvingResult:
        """One run over ``table`` drawing architectures from ``rng`` (a fresh generator in the
        run's stream state, so every method sees the same sequence; never re-drawn).

        ``n_archs`` is the reference's sequence length, ``max_cost`` the seconds a
        budget-limited method may spend (``inf``: unlimited), ``srm_seed`` the seed of any
        learning-curve model's folds.
        """
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class FullTraining(EarlyStoppingMethod):
    name = "full"
    citation = "Li & Talwalkar 2019, 'Random Search and Reproducibility for Neural Architecture Search'"
    description = "random search, every architecture trained to the maximum budget"

    def run(self, table: BudgetTable, rng: np.random.Generator, *, n_archs: int, max_cost: float, srm_seed: int,
            settings: Settings) -> HalvingResult:
        return random_search(table.up_to(settings.max_budget), rng, n=n_archs, resume=settings.resume)


class SuccessiveHalving(EarlyStoppingMethod):
    name = "sh"
    citation = ("Jamieson & Talwalkar 2016, 'Non-stochastic Best Arm Identification and Hyperparameter "
                f"Optimization', AISTATS; {LI17}")
    description = "successive halving over the same architectures (Jamieson & Talwalkar 2016; Li et al. 2017)"

    def run(self, table: BudgetTable, rng: np.random.Generator, *, n_archs: int, max_cost: float, srm_seed: int,
            settings: Settings) -> HalvingResult:
        s = settings
        return successive_halving(table, rng, n=n_archs, min_budget=s.min_budget, max_budget=s.max_budget, eta=s.eta,
                                  resume=s.resume)


class Hyperband(EarlyStoppingMethod):
    name = "hyperband"
    citation = LI17
    description = "Hyperband iterations until the cost budget (Li et al. 2017)"
    same_architectures = False

    def ranker(self, table: BudgetTable, settings: Settings, srm_seed: int) -> SRMRanker | None:
        """What ranks the rungs instead of the observed value (None: the observed value)."""
        return None

    def run(self, table: BudgetTable, rng: np.random.Generator, *, n_archs: int, max_cost: float, srm_seed: int,
            settings: Settings) -> HalvingResult:
        s = settings
        return hyperband(table, rng, max_cost=max_cost, max_iterations=s.max_iterations, min_budget=s.min_budget,
                         max_budget=s.max_budget, eta=s.eta, resume=s.resume, ranker=self.ranker(table, s, srm_seed))


class SRMRandomSearch(EarlyStoppingMethod):
    name = "srm-random"
    citation = BAKER17
    description = "random search with Baker et al.'s SRM early-stopping rule (arXiv:1705.10823)"
    needs_curves = True
    #: architectures trained fully before the rule is used (Baker et al. fit on 100 full curves)
    n_train = 100

    def run(self, table: BudgetTable, rng: np.random.Generator, *, n_archs: int, max_cost: float, srm_seed: int,
            settings: Settings) -> HalvingResult:
        s = settings
        rule = SRMRule(n_train=s.n_train or self.n_train, tau=s.tau, delta=s.delta, refit_every=s.refit_every,
                       sigma=s.sigma, model=s.model, random_state=srm_seed)
        return random_search(table.up_to(s.max_budget), rng, n=n_archs, rule=rule, resume=s.resume)


class SRMHyperband(Hyperband):
    name = "srm-hyperband"
    citation = f"{BAKER17}; {LI17}"
    description = "Hyperband ranking rungs by SRM-predicted final values, plus Baker's stop rule"
    needs_curves = True
    #: Hyperband trains 10 architectures fully per iteration for R=200, eta=3: 20 = 2 iterations.
    #: On a small pool (the 200 NB-201 cells with curves allow ~1.4 iterations) pass n_train=10.
    n_train = 20

    def ranker(self, table: BudgetTable, settings: Settings, srm_seed: int) -> SRMRanker:
        s = settings
        t = table.up_to(s.max_budget)
        return SRMRanker(t, hyperband_columns(t, s.eta, s.min_budget), n_train=s.n_train or self.n_train,
                         delta=s.delta, refit_every=s.refit_every, sigma=s.sigma, model=s.model,
                         random_state=srm_seed)


#: the reference every method is compared with (random search, full training)
REFERENCE: type[EarlyStoppingMethod] = FullTraining


def _entry(method: type[EarlyStoppingMethod]) -> Entry:
    return Entry(method.name, factory=f"{__name__}:{method.__name__}", citation=method.citation,
                 summary=method.description)


#: name -> :class:`~suite.registry.Entry` whose factory is the method's class (``METHODS.make(name)``
#: gives an instance); citation and summary are the class's ``citation`` and ``description``
METHODS: Registry[Entry] = Registry("early-stopping method", [
    _entry(m) for m in (FullTraining, SuccessiveHalving, Hyperband, SRMRandomSearch, SRMHyperband)
])
