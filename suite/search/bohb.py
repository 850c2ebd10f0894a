"""BOHB and Hyperband on a table's training schedules (Falkner, Klein & Hutter 2018, ICML).

BOHB runs Hyperband's brackets (Li et al. 2018, JMLR), each a successive-halving run, but draws
each bracket's new configurations from a TPE density model (:mod:`suite.search.tpe`) instead of
uniformly. Everything follows HpBandSter 0.7.4, the authors' implementation
(``hpbandster/optimizers/bohb.py``, ``.../config_generators/bohb.py``,
``.../iterations/successivehalving.py``), run with one sequential worker:

- **Budgets** are training schedules of the observed metric (``schedules``; default: every
  recorded schedule up to the objective's). Queries go through
  ``Oracle.query(ids, schedule=s)``, which observes and charges schedule ``s``.
- **Brackets.** With ``K`` rungs, iteration ``j`` runs bracket ``s = K-1 - (j mod K)`` on the top
  ``s+1`` schedules, starting ``n0 = ceil(floor(K/(s+1)) * eta^s)`` configurations and keeping
  ``n_i = max(int(n0 * eta^-i), 1)`` at rung ``i`` (HpBandSter's ``get_next_iteration``). For
  NB-101's 4/12/36/108 and eta = 3: ``[27, 9, 3, 1]``, ``[9, 3, 1]``, ``[6, 2]``, ``[4]``. Li et
  al.'s Hyperband writes ``n0 = ceil((s_max+1)/(s+1) * eta^s)`` without the floor (12 instead of 9
  in the second bracket); HpBandSter's formula is kept so that runs match the reference.
- **Rungs are the table's schedules, not a geometric ladder.** HpBandSter places budgets at
  ``max_budget * eta^-k``; NB-101's 4/12/36/108 is exactly that for eta = 3 (min 4, max 108), so
  there the two coincide. Where the recorded schedules are not geometric in eta — NB-201 records
  only 12 and 200 epochs — the rungs are still the K recorded schedules in increasing order and
  eta still sets the bracket sizes and the fraction promoted (the best ``n_{i+1}`` of the ``n_i``
  at rung ``i``), but the budget ratio between rungs is the table's (200/12 ~ 16.7), not eta:
  NB-201 gets K = 2, brackets ``[3, 1]`` on 12 -> 200 and ``[2]`` on 200 alone. The paper's
  budget ladder (12 -> 200 at eta = 3 would need 22, 67, 200 epochs) cannot be read from the
  table. NATS-Bench's own BOHB (``exps/NATS-algos/bohb.py``) instead uses epochs 1.33/4/12 of the
  12-epoch schedule (``min_budget=1, max_budget=12, eta=3``, budget -> epoch ``int(b) - 1``),
  which needs per-epoch 12-epoch curves the embedded cache does not hold.
- **Model.** Every observation is registered at its schedule, and that schedule's l/g model is
  refit after it; once a model exists at a higher schedule, observations at lower ones are no
  longer registered (HpBandSter's ``new_result``). A new configuration is random with
  probability ``random_fraction`` or while no model exists, else proposed by the model of the
  highest schedule that has one (:func:`~suite.search.tpe.propose`; fallback random).
- **Promotion**: by observed value, ties to the earlier query (HpBandSter ranks by loss).
- The run's incumbent is the best observation at the highest schedule queried so far
  (:class:`~suite.search.oracle.Oracle`).

Departures, all forced by the table: random configurations are uniform over architectures the
table has at every rung and that this run has not queried yet (the same as HpBandSter's uniform
configuration on NB-201; on NB-101 uniform over cells, not over adjacency bits), and a model
proposal is never an architecture already queried (HpBandSter may re-sample one). The run ends
when the budget is spent (a bracket may be cut short) or no new architecture is left.

Settings at the sources: HpBandSter defaults ``eta=3, num_samples=64, random_fraction=1/3,
bandwidth_factor=3, min_bandwidth=1e-3, top_n_percent=15, min_points_in_model=None (d+1)``;
NAS-Bench-101's BOHB (automl/nas_benchmarks ``experiment_scripts/run_bohb.py``): ``min_budget=4,
max_budget=108, eta=3, num_samples=64, random_fraction=0.33, bandwidth_factor=3,
min_bandwidth=0.3``, 100 iterations; NATS-Bench's (``exps/NATS-algos/run-all.sh``):
``num_samples=4, random_fraction=0.0, bandwidth_factor=3, min_bandwidth=0.3``, 20,000 s on
CIFAR-10.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from ..errors import NasSuiteError
from .base import Searcher
from .oracle import Oracle, SearchResult
from .tpe import TPEDensity, fit_tpe, propose, set_tpe_params

if TYPE_CHECKING:
    from ..encodings.genome import Genome

__all__ = ["BOHB", "Hyperband", "bracket_sizes", "hyperband_brackets"]


def bracket_sizes(n_rungs: int, s: int, eta: float = 3) -> list[int]:
    """Configurations per rung of bracket ``s`` (``s+1`` rungs) with ``n_rungs`` budgets in all,
    exactly as HpBandSter's ``BOHB.get_next_iteration`` computes them (module docstring)."""
    n0 = np.ceil(np.floor(n_rungs / (s + 1)) * eta**s)
    return [max(int(n0 * (eta ** (-i))), 1) for i in range(s + 1)]


def hyperband_brackets(n_rungs: int, eta: float = 3) -> list[list[int]]:
    """The brackets of one Hyperband round, largest first: ``bracket_sizes(n_rungs, s)`` for s = K-1 .. 0."""
    return [bracket_sizes(n_rungs, s, eta) for s in range(n_rungs - 1, -1, -1)]


class BOHB(Searcher):
    """BOHB over a table's training schedules (module docstring). ``info``: ``brackets`` (started),
    ``model_picks``, ``fallbacks`` (model steps with no usable draw)."""

    name = "bohb"
    citation = "Falkner, Klein & Hutter 2018, 'BOHB: Robust and Efficient Hyperparameter Optimization at Scale'"

    def __init__(self, schedules: Sequence[int] | None = None, eta: float = 3, top_n_percent: int = 15,
                 num_samples: int = 64, random_fraction: float = 1 / 3, bandwidth_factor: float = 3.0,
                 min_bandwidth: float = 1e-3, min_points_in_model: int | None = None) -> None:
        if schedules is not None:
            if isinstance(schedules, (str, bytes)) or not len(schedules) or not all(
                    isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0 for s in schedules):
                raise NasSuiteError(f"schedules must be a non-empty list of positive integers, got {schedules!r}")
            if len(set(schedules)) != len(schedules):
                raise NasSuiteError(f"schedules must be distinct, got {schedules!r}")
            schedules = sorted(int(s) for s in schedules)
        if not eta > 1:
            raise NasSuiteError(f"eta must be > 1, got {eta!r}")
        self.schedules = schedules
        self.eta = eta
        set_tpe_params(self, top_n_percent, num_samples, random_fraction, bandwidth_factor, min_bandwidth,
                       min_points_in_model)

    def ladder(self, oracle: Oracle) -> list[int]:
        """The rungs: ``schedules``, or every recorded schedule of the observed metric up to the objective's."""
        recorded = sorted(s for s in oracle.bench.schedules(oracle.objective.metric) if s is not None)
        if self.schedules is not None:
            missing = [s for s in self.schedules if s not in recorded]
            if missing:
                raise NasSuiteError(f"{oracle.bench.name}/{oracle.bench.dataset}: {oracle.objective.metric} is not "
                                    f"recorded for schedules {missing}; recorded: {recorded}")
            return list(self.schedules)
        if oracle.schedule is None:
            raise NasSuiteError(f"{oracle.objective.metric} has no training schedules to use as budgets")
        return [s for s in recorded if s <= oracle.schedule]

    def search(self, oracle: Oracle, rng: np.random.Generator) -> SearchResult:
        from ..encodings.genome import genome_for

        ladder = self.ladder(oracle)
        genome = genome_for(oracle.bench)
        allowed = np.zeros(len(oracle.bench), dtype=bool)  # in the table at every rung, not yet queried
        allowed[oracle.unqueried()] = True
        for s in ladder:
            at = np.zeros_like(allowed)
            at[oracle.pool_at(s)] = True
            allowed &= at
        data: dict[int, tuple[list[int], list[float]]] = {k: ([], []) for k in range(len(ladder))}
        models: dict[int, TPEDensity] = {}
        state = {"brackets": 0, "model_picks": 0, "fallbacks": 0}

        def observe(ids: list[int], rung: int) -> list[float]:
            """Query ``ids`` at ``ladder[rung]`` one by one, registering each result with the model."""
            values: list[float] = []
            for i in ids:
                if oracle.exhausted:
                    break
                value = float(oracle.query([i], schedule=ladder[rung])[0])
                values.append(value)
                self._register(data, models, genome, rung, i, value)
            return values

        iteration = 0
        while not oracle.exhausted:
            s = len(ladder) - 1 - iteration % len(ladder)
            sizes = bracket_sizes(len(ladder), s, self.eta)
            first = len(ladder) - 1 - s
            state["brackets"] += 1
            members: list[int] = []
            values: list[float] = []
            for _ in range(sizes[0]):  # one at a time: the model learns from each result (one worker)
                if oracle.exhausted:
                    break
                pick = self._new_config(models, genome, allowed, rng, state)
                if pick < 0:
                    return SearchResult(oracle.trajectory(), info=state)
                allowed[pick] = False
                got = observe([pick], first)
                members += [pick][: len(got)]
                values += got
            for i in range(1, s + 1):
                if oracle.exhausted:
                    break
                keep = np.argsort(-np.asarray(values), kind="stable")[: sizes[i]]
                members = [members[k] for k in sorted(keep)]
                values = observe(members, first + i)
                members = members[: len(values)]
            iteration += 1
        return SearchResult(oracle.trajectory(), info=state)

    def _new_config(self, models: dict[int, TPEDensity], genome: Genome, allowed: np.ndarray, rng: np.random.Generator,
                    state: dict[str, int]) -> int:
        """A new architecture: random, or the model of the highest rung that has one (HpBandSter's get_config)."""
        if not allowed.any():
            return -1
        if models and rng.random() >= self.random_fraction:
            pick = propose(models[max(models)], genome, allowed, rng, num_samples=self.num_samples,
                           bandwidth_factor=self.bandwidth_factor)
            if pick >= 0:
                state["model_picks"] += 1
                return pick
            state["fallbacks"] += 1
        return int(rng.choice(np.flatnonzero(allowed)))

    def _register(self, data: dict[int, tuple[list[int], list[float]]], models: dict[int, TPEDensity], genome: Genome,
                  rung: int, arch: int, value: float) -> None:
        """HpBandSter's ``new_result``: skip if a higher rung has a model, else add and refit this rung's."""
        if self.random_fraction >= 1 or (models and max(models) > rung):
            return
        ids, values = data[rung]
        ids.append(arch)
        values.append(value)
        density = fit_tpe(genome.encode(np.asarray(ids)), np.asarray(values), genome.cardinalities, genome.ordinal,
                          top_n_percent=self.top_n_percent, min_points_in_model=self.min_points_in_model,
                          min_bandwidth=self.min_bandwidth)
        if density is not None:
            models[rung] = density


class Hyperband(BOHB):
    """Hyperband (Li et al. 2018): BOHB's brackets with every configuration random
    (``random_fraction = 1``; HpBandSter's ``HyperBand`` optimizer uses the same bracket formula)."""

    name = "hyperband"
    citation = "Li et al. 2018, 'Hyperband: A Novel Bandit-Based Approach to Hyperparameter Optimization'"

    def __init__(self, schedules: Sequence[int] | None = None, eta: float = 3) -> None:
        super().__init__(schedules=schedules, eta=eta, random_fraction=1.0)

    def get_params(self) -> dict[str, Any]:
        return {"schedules": self.schedules, "eta": self.eta}
