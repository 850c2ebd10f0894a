"""Early stopping on the budget axis: successive halving, Hyperband and Baker et al.'s SRM rule.

Everything here is pure computation over benchmark tables (no files, no training): a method
decides which architectures to train how far, a ledger prices each step in benchmark seconds,
and the result says what it found, what it cost, and how that compares with training every
architecture fully.

Entry point
-----------
``run_early_stopping(bench_or_table, method, *, seed, candidates=None, **params) -> EarlyStoppingRun``
    One seeded run of ``method`` in :data:`METHODS` — ``"full"`` (random search, full
    training), ``"sh"`` (successive halving), ``"hyperband"``, ``"srm-random"`` (random search +
    Baker's SRM rule), ``"srm-hyperband"`` (Hyperband ranking rungs by SRM predictions) —
    compared with full-training random search drawing from the same random order of the pool
    (without replacement, never re-drawn). Returns ``(summary, trajectory, rungs)``:
    ``summary`` is one row (method, seed, cost in seconds, epochs, n_full / n_stopped, best
    id/valid/test, regret and ``same_best`` against the reference, ``speedup`` = reference
    cost / method cost to reach the reference's final validation value, with the failure rule
    of :mod:`.speedup`, ``same_archs_cost_ratio`` = Baker's same-architectures cost ratio, and
    the leakage audit ``srm_predictions_on_training_cells``);
    ``trajectory`` is the anytime curve (one row per training step: cumulative ``cost``,
    ``budget``, observed ``value``, ``incumbent_valid`` / ``incumbent_test``; the incumbent is
    the best architecture trained to the maximum budget so far); ``rungs`` the rung history or
    the rule's decisions. Parameters and column definitions: :func:`.runner.run_early_stopping`.
``compare(bench_or_table, methods, seeds, **params) -> EarlyStoppingRun``
    The same for many methods and seeds, frames concatenated.
``speedup_statistics(summary_of_one_method) -> dict``
    The statistics over runs (:mod:`.speedup`): total-compute ratio and geometric mean of
    per-run ratios with bootstrap 95 % intervals, failure rate, test regret.
``budget_rank_correlation(table, budgets=None) -> DataFrame``
    Spearman/Kendall between the value at each budget and the final one (why stopping works);
    ``rung_budgets(table, eta=3)`` lists the budgets Hyperband uses.

Methods
-------
Each method is an :class:`EarlyStoppingMethod` class (``name``, ``citation``, ``description``,
``run(table, rng, *, n_archs, max_cost, srm_seed, settings)``) with one line in the registry
:data:`METHODS` (:mod:`.methods`, a :class:`suite.registry.Registry`); the runner calls
``METHODS.make(name).run(...)`` and never branches on names.

Building blocks
---------------
Imports run one way, each layer only from the ones before it: ``tables``, ``speedup``;
``accounting``; ``halving``, ``srm_rule``; ``hyperband``, ``sequential``; ``methods``; ``runner``.

* :mod:`.tables` — :class:`BudgetTable` (what is observed and paid), :func:`curve_table` (one
  run's learning curve: resumable), :func:`schedule_table` (separate runs per schedule, e.g.
  NB-101's 4/12/36/108 epochs), :func:`curve_ids`, :func:`epoch_cost` (``train_time * e / S``).
* :mod:`.speedup` — the speed-up statistic over runs and its failure rule.
* :mod:`.accounting` — pricing of steps (resuming pays only the extra epochs, ``resume=True``
  as in BOHB/HpBandSter), :class:`Ledger`, :class:`Stream` (one permutation of the pool per
  run, never re-drawn).
* :mod:`.halving` — :func:`successive_halving`, :func:`halving_schedule`.
* :mod:`.hyperband` — :func:`hyperband`, :func:`hyperband_schedule` (Li et al.'s brackets).
* :mod:`.srm_rule` — Baker et al.'s rule (:func:`should_stop`, :func:`prob_not_better`), its SRM,
  :class:`SRMRule` for random search and :class:`SRMRanker` for Hyperband.
* :mod:`.sequential` — :func:`random_search` on the budget axis (full training or the SRM
  rule); why it is not :class:`suite.search.random_search.RandomSearch` is said there.

Data caveat: per-epoch curves of NB-201 exist for cells 0-199 only in the embedded cache, and
they are seed means (no per-seed curve is recorded), so by default the candidate pool is those
200 cells (:func:`curve_ids`) and every run observes the same noise-free mean curve of a cell;
importing the official NATS archive gives every cell per-seed curves, and each run then
observes one drawn seed per cell (:meth:`BudgetTable.draw`).

    >>> import suite
    >>> from suite.search.early_stopping import curve_table, run_early_stopping
    >>> table = curve_table(suite.load("nb201", "cifar10"))          # the 200 cells with curves
    >>> run = run_early_stopping(table, "hyperband", seed=0)
    >>> run.summary[["cost", "speedup", "reached_target", "regret_test"]]  # doctest: +SKIP
"""

from __future__ import annotations

from .accounting import Ledger, Stream, step_cost
from .halving import HalvingResult, halving_schedule, successive_halving
from .hyperband import hyperband, hyperband_columns, hyperband_schedule
from .methods import METHODS, EarlyStoppingMethod, Settings
from .runner import EarlyStoppingRun, budget_rank_correlation, compare, rung_budgets, run_early_stopping
from .sequential import random_search
from .speedup import charged_cost, run_ratio, speedup_statistics
from .srm_rule import SRMRanker, SRMRule, prob_not_better, should_stop
from .tables import BudgetTable, curve_ids, curve_table, epoch_cost, schedule_table

__all__ = [
    "METHODS", "BudgetTable", "EarlyStoppingMethod", "EarlyStoppingRun", "HalvingResult", "Ledger", "SRMRanker",
    "SRMRule", "Settings", "Stream", "budget_rank_correlation", "charged_cost", "compare", "curve_ids", "curve_table",
    "epoch_cost", "halving_schedule", "hyperband", "hyperband_columns", "hyperband_schedule", "prob_not_better",
    "random_search", "run_ratio", "rung_budgets", "run_early_stopping", "schedule_table", "should_stop",
    "speedup_statistics", "step_cost", "successive_halving",
]
