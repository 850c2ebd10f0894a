"""What an early-stopping search can observe and what it pays: one :class:`BudgetTable`.

Every method in this package reads only a ``BudgetTable`` — per candidate architecture the
validation value at each training budget, the final test value, and the benchmark seconds it
takes to reach each budget from scratch — so the algorithms never touch a benchmark and the
tests can hand-make tables of three curves.

Two ways to build one from a benchmark:

* :func:`curve_table` — budgets are epochs of **one** training run (a learning curve, e.g.
  NB-201 ``valid_acc`` at schedule 200, epochs 1..200). A stopped run can be resumed, and the
  value at epoch ``e`` is that run's intermediate value, not a separate shorter run's.
* :func:`schedule_table` — budgets are **separate** training runs of different length (NB-101's
  4/12/36/108-epoch schedules, NB-201's 12- vs 200-epoch ones). Nothing can be resumed: a
  longer budget restarts from scratch (each schedule has its own learning-rate annealing).

Cost model (both): training for ``e`` epochs of a run of schedule ``S`` costs
``train_time_S * e / S`` seconds — the per-epoch time is taken as constant within a run (data
loading and evaluation overheads are spread evenly). Where the benchmark records the training
time of a schedule, that time is used for the full run; where it does not (NB-201 records it
for the 200-epoch schedule only), the run of ``S`` epochs costs ``train_time_200 * S / 200``
(same per-epoch time, as NB-201's own 12-epoch search baselines assume).

Per-epoch curves of NB-201 exist for cells 0-199 only in the embedded cache; all 15,625 cells
have them once the official NATS archive is imported. :func:`curve_ids` lists the cells that
have a complete curve — pass those (or a subset) as candidates; a candidate without one is
refused with a message that says so.

Per-seed values (one simulated training run per search run)
-----------------------------------------------------------
Where the benchmark records each training seed (repeat) separately, a table keeps them in
``seed_valid`` ``(n, n_seeds, m)`` and :meth:`BudgetTable.draw` turns it into what one search
run observes: one recorded seed per candidate, drawn at random, as NATS-Bench's
``simulate_train_eval`` picks a random seed per evaluation. On a learning-curve table the seed
is drawn once per candidate (all budgets are points of that one run); on a schedule table once
per (candidate, budget) (each budget is its own run). Where only seed means are recorded the
table has no ``seed_valid`` and every run observes the mean — this is the case for the embedded
NB-201 learning curves (cells 0-199: seed means only; the per-seed 777/888/999 values exist for
the 200-epoch end point only, not along the curve). NB-101's official file records three
repeats of every schedule, so an NB-101 schedule table draws a repeat per budget; the official
NATS archive records per-seed curves, which :func:`curve_table` then uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from ...errors import NasSuiteError, UnknownBenchmark

if TYPE_CHECKING:
    from ...data.benchmark import Benchmark

__all__ = ["BudgetTable", "curve_ids", "curve_table", "epoch_cost", "schedule_table"]


def epoch_cost(train_time: Any, epochs: Any, schedule: Any) -> np.ndarray:
    """Seconds to train ``epochs`` epochs of a run whose whole ``schedule`` takes ``train_time`` s.

    ``train_time * epochs / schedule``, broadcast: the per-epoch time is taken as constant
    within a run. NB-201's 12-epoch schedule therefore costs ``train_time_200 * 12 / 200``.
    """
    schedule = np.asarray(schedule, dtype=np.float64)
    if (schedule <= 0).any():
        raise NasSuiteError("a schedule must have at least one epoch")
    return np.asarray(train_time, dtype=np.float64) * np.asarray(epochs, dtype=np.float64) / schedule


@dataclass(frozen=True)
class BudgetTable:
    """Validation values per training budget, final test values and costs of ``n`` candidates.

    Attributes
    ----------
    ids : np.ndarray of int64, shape (n,)
        Benchmark ids of the candidates; row ``i`` of every array is ``ids[i]``.
    budgets : np.ndarray of int64, shape (m,)
        Training budgets in epochs, strictly ascending; ``budgets[-1]`` is the maximum budget
        (the "final" value of a candidate is its value there).
    valid : np.ndarray of float64, shape (n, m)
        Validation value (higher is better, e.g. accuracy in %) observed at each budget; finite.
    test : np.ndarray of float64, shape (n,)
        Test value after the maximum budget, for reporting only (NaN allowed: never observed by
        a search).
    cost : np.ndarray of float64, shape (n, m)
        Seconds to train each candidate from scratch to each budget; finite, >= 0 and
        non-decreasing along budgets.
    resumable : bool
        True when the budgets are points of one run (a learning curve): continuing from budget
        ``j`` to ``k`` then costs ``cost[:, k] - cost[:, j]`` (see :mod:`.accounting`).
    static : np.ndarray of float64, shape (n, k)
        Architecture features ("AP" in Baker et al. 2018) for the learning-curve model; ``k``
        may be 0.
    description : str
        Where the table came from (benchmark, metric, schedule), for reports.
    seed_valid : np.ndarray of float64, shape (n, n_seeds, m), or None
        The validation value of each recorded seed (repeat), NaN where a seed was not run;
        None when only seed means are recorded. ``valid`` is then what a search observes;
        otherwise a search observes one drawn seed (:meth:`draw`) and ``valid`` is the mean,
        used only by seed-free summaries (budget rank correlation).
    """

    ids: np.ndarray
    budgets: np.ndarray
    valid: np.ndarray
    test: np.ndarray
    cost: np.ndarray
    resumable: bool = True
    static: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    description: str = ""
    seed_valid: np.ndarray | None = None

    def __post_init__(self) -> None:
        ids = np.asarray(self.ids, dtype=np.int64).reshape(-1)
        budgets = np.asarray(self.budgets, dtype=np.int64).reshape(-1)
        valid = np.asarray(self.valid, dtype=np.float64)
        test = np.asarray(self.test, dtype=np.float64).reshape(-1)
        cost = np.asarray(self.cost, dtype=np.float64)
        static = np.asarray(self.static, dtype=np.float64)
        n, m = len(ids), len(budgets)
        if static.size == 0:
            static = np.empty((n, 0))
        if n == 0 or m == 0:
            raise NasSuiteError("a budget table needs at least one candidate and one budget")
        if valid.shape != (n, m) or cost.shape != (n, m) or test.shape != (n,) or static.shape[0] != n:
            raise NasSuiteError(
                f"budget table shapes disagree: ids {ids.shape}, budgets {budgets.shape}, valid {valid.shape}, "
                f"cost {cost.shape}, test {test.shape}, static {static.shape}; expected valid/cost ({n}, {m}), test ({n},)"
            )
        if budgets.min() < 1 or (np.diff(budgets) <= 0).any():
            raise NasSuiteError(f"budgets must be strictly ascending epochs >= 1, got {budgets.tolist()}")
        if not np.isfinite(valid).all():
            raise NasSuiteError(f"{int((~np.isfinite(valid)).any(axis=1).sum())} candidate(s) lack a validation value at some budget")
        if not np.isfinite(cost).all() or (cost < 0).any() or (np.diff(cost, axis=1) < 0).any():
            raise NasSuiteError("costs must be finite, >= 0 and non-decreasing along the budgets")
        arrays = {"ids": ids, "budgets": budgets, "valid": valid, "test": test, "cost": cost, "static": static}
        if self.seed_valid is not None:
            seeds = np.asarray(self.seed_valid, dtype=np.float64)
            if seeds.ndim != 3 or seeds.shape[0] != n or seeds.shape[2] != m or seeds.shape[1] < 1:
                raise NasSuiteError(f"seed_valid must have shape ({n}, n_seeds, {m}), got {seeds.shape}")
            usable = _usable_seeds(seeds, self.resumable)
            ok = usable.any(axis=1)  # (n,) for a curve, (n, m) for schedules
            ok = ok if ok.ndim == 1 else ok.all(axis=1)
            if not ok.all():
                bad = int(np.flatnonzero(~ok)[0])
                what = "seed recorded at every budget" if self.resumable else "recorded seed at some budget"
                raise NasSuiteError(f"candidate id {int(ids[bad])} has no {what}: cannot draw a training run for it")
            arrays["seed_valid"] = seeds
        for name, value in arrays.items():
            value.setflags(write=False)
            object.__setattr__(self, name, value)

    @property
    def n(self) -> int:
        """Number of candidates."""
        return len(self.ids)

    @property
    def per_seed(self) -> bool:
        """True when a search observes one drawn seed per run (:meth:`draw`), not the seed mean."""
        return self.seed_valid is not None

    def draw(self, rng: np.random.Generator) -> "BudgetTable":
        """What one search run observes: one recorded seed per candidate (per budget on a schedule table).

        Learning-curve tables (``resumable``): for every candidate one seed among those recorded
        at every budget, drawn uniformly, so the observed curve is one real training run.
        Schedule tables: for every (candidate, budget) one seed among those recorded there,
        drawn uniformly (separate runs). Returns ``self`` when only seed means are recorded.
        The returned table has ``seed_valid=None`` (it *is* one draw); ``test`` is unchanged
        (the published final test value, for reporting only).
        """
        if self.seed_valid is None:
            return self
        seeds = self.seed_valid
        n, s, m = seeds.shape
        usable = _usable_seeds(seeds, self.resumable)  # (n, s) or (n, s, m)
        if self.resumable:
            count = usable.sum(axis=1)
            pick = np.floor(rng.random(n) * count).astype(np.int64)  # k-th usable seed of each row
            hit = usable & ((np.cumsum(usable, axis=1) - 1) == pick[:, None])
            valid = seeds[np.arange(n), hit.argmax(axis=1)]
        else:
            count = usable.sum(axis=1)  # (n, m)
            pick = np.floor(rng.random((n, m)) * count).astype(np.int64)
            hit = usable & ((np.cumsum(usable, axis=1) - 1) == pick[:, None, :])
            valid = np.take_along_axis(seeds, hit.argmax(axis=1)[:, None, :], axis=1)[:, 0, :]
        return replace(self, valid=valid, seed_valid=None,
                       description=f"{self.description}; one recorded seed drawn per "
                                   f"{'candidate' if self.resumable else 'candidate and budget'}")

    @property
    def max_budget(self) -> int:
        """The largest budget (epochs)."""
        return int(self.budgets[-1])

    @property
    def final_valid(self) -> np.ndarray:
        """Validation value at the maximum budget, shape ``(n,)`` (the value a search ranks by)."""
        return self.valid[:, -1]

    def column(self, budget: float) -> int:
        """Index of the recorded budget nearest to ``budget`` epochs (ties: the larger one).

        Hyperband's budgets ``R eta^-s`` are rarely whole epochs; like HpBandSter's workers, a
        simulation trains to the nearest budget the table records.
        """
        if not np.isfinite(budget) or budget <= 0:
            raise NasSuiteError(f"a budget must be a positive number of epochs, got {budget}")
        dist = np.abs(self.budgets - float(budget))
        return int(np.flatnonzero(dist == dist.min())[-1])

    def up_to(self, max_budget: float | None) -> "BudgetTable":
        """This table with budgets up to the one nearest ``max_budget`` (None: unchanged).

        A search with a smaller maximum budget treats that budget as "final"; ``test`` stays the
        benchmark's published final test value (reporting only).
        """
        if max_budget is None:
            return self
        c = self.column(max_budget)
        if c == len(self.budgets) - 1:
            return self
        seeds = None if self.seed_valid is None else self.seed_valid[:, :, : c + 1]
        return BudgetTable(self.ids, self.budgets[: c + 1], self.valid[:, : c + 1], self.test, self.cost[:, : c + 1],
                           resumable=self.resumable, static=self.static,
                           description=f"{self.description}, up to {int(self.budgets[c])} epochs", seed_valid=seeds)

    @classmethod
    def from_curves(
        cls,
        curves: Any,
        test: Any,
        train_time: Any,
        *,
        budgets: Sequence[int] | None = None,
        schedule: int | None = None,
        ids: Sequence[int] | None = None,
        static: Any = None,
        description: str = "hand-made curves",
        seed_curves: Any = None,
    ) -> "BudgetTable":
        """A resumable table from learning curves ``(n, m)``, e.g. hand-made ones in tests.

        ``budgets`` default to epochs ``1..m``, ``schedule`` to the last budget and ``ids`` to
        ``0..n-1``; ``train_time`` ``(n,)`` is the seconds of the whole ``schedule``-epoch run,
        so reaching epoch ``e`` costs ``train_time * e / schedule``. ``seed_curves``
        ``(n, n_seeds, m)`` (NaN: seed not run) makes the table per-seed (:meth:`draw`).
        """
        curves = np.asarray(curves, dtype=np.float64)
        if curves.ndim != 2:
            raise NasSuiteError(f"curves must be 2-D (n_archs, n_budgets), got shape {curves.shape}")
        n, m = curves.shape
        b = np.arange(1, m + 1) if budgets is None else np.asarray(budgets, dtype=np.int64)
        total = int(b[-1]) if schedule is None else int(schedule)
        if total < int(b[-1]):
            raise NasSuiteError(f"schedule={total} is shorter than the last budget {int(b[-1])}")
        cost = epoch_cost(np.asarray(train_time, dtype=np.float64).reshape(-1, 1), b[None, :], total)
        return cls(np.arange(n) if ids is None else np.asarray(ids), b, curves, np.asarray(test), cost,
                   resumable=True, static=np.empty((n, 0)) if static is None else np.asarray(static),
                   description=description, seed_valid=seed_curves)


def _usable_seeds(seeds: np.ndarray, whole_curve: bool) -> np.ndarray:
    """Which seeds of ``seeds`` ``(n, s, m)`` can be drawn: recorded at every budget ``(n, s)`` for a
    learning curve (one run), recorded at that budget ``(n, s, m)`` for separate schedules."""
    finite = np.isfinite(seeds)
    return finite.all(axis=2) if whole_curve else finite


def _named_seeds(bench: Benchmark, metric: str, schedule: int, epochs: Sequence[int]) -> list[Any]:
    """Seeds (repeats) of ``metric`` recorded individually at *every* one of ``epochs`` of ``schedule``
    (seed means excluded), in block order; empty when only means are recorded somewhere."""
    common: list[Any] | None = None
    for e in epochs:
        here: list[Any] = []
        for block in bench.info(metric)["blocks"]:
            if block["schedule"] != schedule or int(e) not in (block["epochs"] or []):
                continue
            here += [s for s in block["seeds"] if s != "mean" and s not in here]
        common = here if common is None else [s for s in common if s in here]
        if not common:
            return []
    return common or []


def _seed_values(bench: Benchmark, metric: str, ids: np.ndarray, schedule: int,
                 epochs: Sequence[int]) -> np.ndarray | None:
    """``(len(ids), n_seeds, len(epochs))`` per-seed values of ``metric`` at ``epochs`` of ``schedule``,
    or None when some epoch has seed means only."""
    seeds = _named_seeds(bench, metric, schedule, epochs)
    if not seeds:
        return None
    out = np.empty((len(ids), len(seeds), len(epochs)))
    for j, seed in enumerate(seeds):
        for k, e in enumerate(epochs):
            out[:, j, k] = bench.metric(metric, epoch=int(e), seed=seed, schedule=schedule)[ids]
    return out


def curve_ids(bench: Benchmark, metric: str = "valid_acc", *, schedule: int | None = None) -> np.ndarray:
    """Ids whose per-epoch curve of ``metric`` is complete (NB-201 embedded cache: 0..199)."""
    frame = bench.curves(metric, schedule=schedule)
    return np.asarray(frame.index[np.isfinite(frame.to_numpy()).all(axis=1)], dtype=np.int64)


def _static(bench: Benchmark, ids: np.ndarray, wanted: bool) -> np.ndarray:
    if not wanted:
        return np.empty((len(ids), 0))
    from ...predictors.arch_features import arch_features

    try:
        return arch_features(bench, ids)
    except UnknownBenchmark:  # no AP features for this space: the SRM uses the curve alone
        return np.empty((len(ids), 0))


def _ids(bench: Benchmark, ids: Sequence[int] | np.ndarray | None, default: Any) -> np.ndarray:
    if ids is None:
        return np.asarray(default(), dtype=np.int64)
    arr = np.asarray(ids)
    if arr.dtype.kind not in "iu" or arr.ndim != 1 or len(arr) == 0:
        raise NasSuiteError("candidates must be a non-empty 1-D sequence of integer architecture ids")
    if len(np.unique(arr)) != len(arr):
        raise NasSuiteError("candidates contain duplicate ids")
    return arr.astype(np.int64)


def curve_table(
    bench: Benchmark,
    ids: Sequence[int] | np.ndarray | None = None,
    *,
    metric: str = "valid_acc",
    schedule: int | None = None,
    test_metric: str = "test_acc",
    time_metric: str = "train_time",
    arch_features: bool = True,
) -> BudgetTable:
    """A resumable table over the learning curves of ``metric`` (budgets = its recorded epochs).

    ``ids`` default to :func:`curve_ids`. The schedule length ``S`` is the curve's last recorded
    epoch; the cost to epoch ``e`` is ``train_time * e / S`` with ``train_time`` the final value
    of ``time_metric`` for that schedule (NB-201: the 200-epoch run's seconds). The test value is
    ``test_metric`` after the same schedule (NB-201: the published 200-epoch test accuracy).
    ``arch_features`` adds Baker's AP columns where :mod:`suite.predictors.arch_features` knows
    the space (NB-201), none elsewhere. Where every epoch of the curve is recorded per seed
    (official NATS archive), ``seed_valid`` holds the per-seed curves and a search observes one
    seed's curve per run (:meth:`BudgetTable.draw`); the embedded NB-201 curves are seed means
    only (``seed_valid`` None).

    Raises :class:`~suite.errors.NasSuiteError` naming the candidates without a complete curve.
    """
    ids_arr = _ids(bench, ids, lambda: curve_ids(bench, metric, schedule=schedule))
    frame = bench.curves(metric, ids_arr, schedule=schedule)
    curves = frame.to_numpy(dtype=np.float64)
    budgets = np.asarray(frame.columns, dtype=np.int64)
    missing = ~np.isfinite(curves).all(axis=1)
    if missing.any():
        have = len(curve_ids(bench, metric, schedule=schedule))
        raise NasSuiteError(
            f"{int(missing.sum())} of {len(ids_arr)} candidates (e.g. id {int(ids_arr[missing][0])}) have no complete "
            f"{metric} learning curve in {bench.name}/{bench.dataset} ({have} cells do: pass candidates=curve_ids(bench)); "
            "NB-201 curves for every cell come with the official NATS archive (import it first)"
        )
    sched = int(budgets[-1])
    times = _final(bench, time_metric, sched)[ids_arr]
    if not np.isfinite(times).all():
        raise NasSuiteError(f"{time_metric} is unknown for {int((~np.isfinite(times)).sum())} candidate(s); the cost needs it")
    test = _final(bench, test_metric, sched)[ids_arr]
    seeds = _seed_values(bench, metric, ids_arr, sched, budgets.tolist())
    return BudgetTable(
        ids_arr, budgets, curves, test, epoch_cost(times[:, None], budgets[None, :], sched), resumable=True,
        static=_static(bench, ids_arr, arch_features),
        description=f"{bench.name}/{bench.dataset} {metric} learning curves, epochs {budgets[0]}..{sched} of one run, "
                    + ("one seed per run" if seeds is not None else "seed means"),
        seed_valid=seeds,
    )


def _final(bench: Benchmark, name: str, schedule: int) -> np.ndarray:
    """Final value of ``name`` for ``schedule`` epochs; a time recorded only for a longer schedule
    is scaled by ``schedule / longer`` (constant per-epoch time)."""
    schedules = [s for s in bench.schedules(name) if s is not None]
    if schedule in schedules:
        return bench.metric(name, schedule=schedule)
    if name.endswith("time") and schedules:
        longer = max(schedules)
        return bench.metric(name, schedule=longer) * schedule / longer
    if not schedules:  # recorded without a schedule (one value per architecture)
        return bench.metric(name)
    raise NasSuiteError(f"{name} is not recorded for the {schedule}-epoch schedule (recorded: {schedules})")


def schedule_table(
    bench: Benchmark,
    ids: Sequence[int] | np.ndarray | None = None,
    *,
    schedules: Sequence[int] | None = None,
    metric: str = "valid_acc",
    test_metric: str = "test_acc",
    time_metric: str = "train_time",
    arch_features: bool = True,
) -> BudgetTable:
    """A non-resumable table: budget ``S`` is a separate ``S``-epoch run (final value of ``metric``).

    ``schedules`` default to every schedule ``metric`` was recorded for (NB-101 official file:
    4, 12, 36, 108; NB-201: 12, 200). Cost of budget ``S``: ``time_metric`` of that schedule, or
    the longest recorded schedule's time scaled by ``S / longest`` (NB-201's 12-epoch cost is
    ``train_time_200 * 12 / 200``). ``ids`` default to every architecture measured at all
    budgets. ``valid`` is the seed mean; where a schedule's final value is recorded per seed
    (repeat) — NB-101's official file: 3 repeats of every schedule; NB-201: seeds 777/888/999 of
    the 200-epoch run, the 12-epoch run as a mean only — ``seed_valid`` holds them (a budget with
    a mean only has it as its one "seed") and a search observes one drawn repeat per budget
    (:meth:`BudgetTable.draw`).
    """
    chosen = sorted(int(s) for s in (schedules or [s for s in bench.schedules(metric) if s is not None]))
    if not chosen:
        raise NasSuiteError(f"{metric} has no training schedules in {bench.name}/{bench.dataset}")
    valid_all = np.column_stack([bench.metric(metric, schedule=s) for s in chosen])
    cost_all = np.column_stack([_final(bench, time_metric, s) for s in chosen])
    ids_arr = _ids(bench, ids, lambda: np.flatnonzero(np.isfinite(valid_all).all(axis=1) & np.isfinite(cost_all).all(axis=1)))
    valid, cost = valid_all[ids_arr], cost_all[ids_arr]
    bad = ~(np.isfinite(valid).all(axis=1) & np.isfinite(cost).all(axis=1))
    if bad.any():
        raise NasSuiteError(
            f"{int(bad.sum())} candidate(s) (e.g. id {int(ids_arr[bad][0])}) lack {metric} or {time_metric} at some of "
            f"the schedules {chosen}"
        )
    per_budget = [_seed_values(bench, metric, ids_arr, s, [_last_epoch(bench, metric, s)]) for s in chosen]
    seeds = None
    if any(p is not None for p in per_budget):
        width = max(1 if p is None else p.shape[1] for p in per_budget)
        seeds = np.full((len(ids_arr), width, len(chosen)), np.nan)
        for k, p in enumerate(per_budget):
            if p is None:
                seeds[:, 0, k] = valid[:, k]
            else:
                seeds[:, : p.shape[1], k] = p[:, :, 0]
        # a candidate measured (as a mean) at a budget but with no individual repeat there keeps the mean
        empty = ~np.isfinite(seeds).any(axis=1)
        seeds[:, 0, :] = np.where(empty, valid, seeds[:, 0, :])
    return BudgetTable(
        ids_arr, np.asarray(chosen), valid, _final(bench, test_metric, chosen[-1])[ids_arr], cost, resumable=False,
        static=_static(bench, ids_arr, arch_features),
        description=f"{bench.name}/{bench.dataset} {metric} after separate runs of {chosen} epochs, "
                    + ("one repeat drawn per run and budget" if seeds is not None else "seed means"),
        seed_valid=seeds,
    )


def _last_epoch(bench: Benchmark, metric: str, schedule: int) -> int:
    """The last recorded epoch of ``metric``'s ``schedule`` run (its final value)."""
    epochs = [e for b in bench.info(metric)["blocks"] if b["schedule"] == schedule for e in (b["epochs"] or [])]
    return int(max(epochs)) if epochs else int(schedule)
