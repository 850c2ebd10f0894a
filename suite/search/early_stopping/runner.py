"""One seeded run of an early-stopping method, compared with full-training random search.

Protocol (what :func:`run_early_stopping` computes for one method and seed):

1. ``SeedSequence(seed)`` spawns three streams: the candidate order, the SRM's folds, and the
   run's training noise. Where the table holds per-seed values (:meth:`.BudgetTable.draw`: one
   recorded seed per candidate, as NATS-Bench's ``simulate_train_eval``), the run observes one
   drawn seed per candidate (per budget on schedule tables), shared by the reference and the
   method of that run; where only seed means exist (the embedded NB-201 curves) every run
   observes the means.
2. The run's candidate order is one random permutation of the whole pool (every candidate of
   the table, e.g. the 200 NB-201 cells with curves), drawn from the first stream: uniform
   without replacement, never re-drawn (:class:`.accounting.Stream`). Every method of the run
   draws from this same order.
3. **Reference** ("full"): random search trains the first ``n_archs`` candidates of the order
   fully (``n_archs`` <= the pool). Its *target* is its own final incumbent's validation value
   — defined per run from that run's candidates — reached at ``cost_full_to_target`` seconds
   (cumulative cost up to and including training that architecture); its total is ``cost_full``.
4. The method (``METHODS.make(method).run``, :mod:`.methods`) runs on the same order: those with
   ``same_architectures`` (``full``/``srm-random``/``sh``) over the same first ``n_archs``
   candidates; Hyperband (``hyperband``/``srm-hyperband``) draws as many as its brackets ask
   for, first the reference's and then further ones, until ``max_cost`` seconds (default:
   ``cost_full``, the same compute) or until the pool is exhausted.
5. ``cost_to_target``: the method's cost when its incumbent (best among architectures trained
   to the maximum budget) first reaches the target; NaN, and ``reached_target`` False, if it
   never does. ``cost_charged`` and ``speedup`` = ``cost_full_to_target / cost_charged`` follow
   the failure rule of :mod:`.speedup` (a run that misses the target is charged
   ``max(cost, cost_full)``, so its ratio is <= 1); the statistics over runs are
   :func:`.speedup.speedup_statistics`. ``same_archs_cost_ratio = cost_full / cost`` is Baker
   et al.'s ratio for the same set of architectures (NaN for methods without
   ``same_architectures``).
6. ``regret_valid``/``regret_test``: the reference's final incumbent minus the method's, in
   (observed) validation and (published, seed-mean) test value; signed: Hyperband may find a
   better one by drawing more. ``same_best``: both select the same architecture.
7. Leakage audit: ``srm_predictions`` counts the cells scored by a learning-curve model and
   ``srm_predictions_on_training_cells`` those that were in the scoring model's own training
   set (always 0: :class:`.srm_rule.FittedSRM` refuses them).
"""

from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import numpy as np
import pandas as pd

from ...errors import NasSuiteError
from ...metrics import kendall, spearman
from .halving import HalvingResult
from .hyperband import hyperband_columns
from .methods import METHODS, REFERENCE, Settings
from .speedup import charged_cost
from .tables import BudgetTable, curve_table

__all__ = ["EarlyStoppingRun", "budget_rank_correlation", "compare", "rung_budgets", "run_early_stopping"]


class EarlyStoppingRun(NamedTuple):
    """What :func:`run_early_stopping` returns.

    summary : one row (columns: see :func:`run_early_stopping`).
    trajectory : every training step with the incumbent after it (:meth:`.Ledger.trajectory`
        columns, plus ``method`` and ``seed``).
    rungs : the rung history / rule decisions (:func:`.halving.rungs_frame` columns, plus
        ``method`` and ``seed``); empty for ``full``.
    """

    summary: pd.DataFrame
    trajectory: pd.DataFrame
    rungs: pd.DataFrame


def _cost_to_target(result: HalvingResult, target: float) -> float:
    traj = result.trajectory
    hit = np.flatnonzero(traj["incumbent_valid"].to_numpy() >= target - 1e-9)
    return float(traj["cost"].iloc[hit[0]]) if len(hit) else np.nan


def run_early_stopping(
    data: Any,
    method: str,
    *,
    seed: int,
    candidates: Sequence[int] | np.ndarray | None = None,
    n_archs: int | None = None,
    max_cost: float | None = None,
    max_iterations: int | None = None,
    eta: float = 3,
    min_budget: float | None = None,
    max_budget: float | None = None,
    resume: bool = True,
    n_train: int | None = None,
    tau: float = 0.25,
    delta: float = 0.99,
    refit_every: int | None = 10,
    sigma: str = "model",
    model: Any = None,
) -> EarlyStoppingRun:
    """One run of ``method`` (a name in :data:`~.methods.METHODS`) with ``seed``, against full-training random search.

    Parameters
    ----------
    data
        A benchmark (its learning curves become a :func:`~.tables.curve_table` over
        ``candidates``, default: every cell with a complete curve — NB-201's embedded cache has
        200) or a ready :class:`~.tables.BudgetTable` (faster for many seeds; ``candidates``
        must then be None).
    n_archs
        Candidates the reference trains (default: the whole pool; at most the pool).
    max_cost, max_iterations
        Hyperband stop rules (default: ``max_cost = cost_full``, the reference's compute).
    eta, min_budget, max_budget, resume
        Successive halving / Hyperband settings (see :func:`~.hyperband.hyperband`).
    n_train, tau, delta, refit_every, sigma, model
        SRM settings (:class:`~.srm_rule.SRMRule`, :class:`~.srm_rule.SRMRanker`; ``n_train``
        defaults to the method's own ``n_train``; ``tau`` is used by ``srm-random`` only).

    Returns
    -------
    EarlyStoppingRun
        ``summary`` has one row with columns ``method, seed, n_candidates`` (pool size),
        ``n_archs`` (the reference's candidates), ``per_seed`` (a seed drawn per candidate),
        ``n_started`` (training runs started = distinct candidates drawn), ``n_full`` (runs
        trained to the maximum budget), ``n_stopped`` (``n_started - n_full``), ``stopped_by``
        (``done``/``budget``/``pool``/``iterations``), ``pool_exhausted``, ``epochs``, ``cost``
        (seconds), ``best_id, best_valid, best_test`` (the method's final incumbent), ``ref_id,
        ref_valid, ref_test`` (the reference's), ``regret_valid, regret_test, same_best``,
        ``cost_full, cost_full_to_target, cost_to_target, reached_target, cost_charged,
        speedup, same_archs_cost_ratio, srm_predictions, srm_predictions_on_training_cells``
        (definitions in the module docstring) and ``srm_sigma_median`` (median over the rule's
        decisions of the SRM's sigma, in validation-accuracy points; random search + SRM only).
    """
    chosen = METHODS.make(method)  # an unknown name raises, listing the registered ones
    if isinstance(data, BudgetTable):
        if candidates is not None:
            raise NasSuiteError("candidates selects rows of a benchmark; pass a BudgetTable built over them instead")
        table = data
    else:
        table = curve_table(data, candidates)
    n_archs = table.n if n_archs is None else int(n_archs)
    if not 1 <= n_archs <= table.n:
        raise NasSuiteError(f"n_archs must lie in 1..{table.n} (the candidate pool; drawn without replacement), "
                            f"got {n_archs}")
    stream_seq, srm_seq, noise_seq = np.random.SeedSequence(seed).spawn(3)
    srm_seed = int(srm_seq.generate_state(1)[0] % (2**31 - 1))
    per_seed = table.per_seed
    table = table.draw(np.random.default_rng(noise_seq))  # this run's training noise (identity for seed means)

    def rng() -> np.random.Generator:
        return np.random.default_rng(stream_seq)

    settings = Settings(eta=eta, min_budget=min_budget, max_budget=max_budget, resume=resume, n_train=n_train, tau=tau,
                        delta=delta, refit_every=refit_every, sigma=sigma, model=model, max_iterations=max_iterations)
    ref = REFERENCE().run(table, rng(), n_archs=n_archs, max_cost=np.inf, srm_seed=srm_seed, settings=settings)
    budget = ref.cost if max_cost is None and max_iterations is None else (np.inf if max_cost is None else max_cost)
    if type(chosen) is REFERENCE:  # the reference itself: its run is the one above
        res = ref
    else:
        res = chosen.run(table, rng(), n_archs=n_archs, max_cost=budget, srm_seed=srm_seed, settings=settings)

    cost_full_to_target = _cost_to_target(ref, ref.best_valid)
    cost_to_target = _cost_to_target(res, ref.best_valid)
    charged = float(charged_cost(cost_to_target, res.cost, ref.cost))
    n_full = int(res.trajectory["final"].sum())
    rungs = res.rungs
    predicted = rungs["predicted"].to_numpy(dtype=bool) if "predicted" in rungs else np.zeros(len(rungs), bool)
    leaked = rungs["in_model_train"].to_numpy(dtype=bool) if "in_model_train" in rungs else np.zeros(len(rungs), bool)
    sigmas = rungs["sigma"].to_numpy(dtype=float) if "sigma" in rungs else np.empty(0)
    summary = pd.DataFrame([{
        "method": method, "seed": seed, "n_candidates": table.n, "n_archs": n_archs, "per_seed": per_seed,
        "n_started": res.n_started, "n_full": n_full, "n_stopped": res.n_started - n_full,
        "stopped_by": res.stopped_by, "pool_exhausted": res.stopped_by == "pool",
        "epochs": res.epochs, "cost": res.cost,
        "best_id": res.best_id, "best_valid": res.best_valid, "best_test": res.best_test,
        "ref_id": ref.best_id, "ref_valid": ref.best_valid, "ref_test": ref.best_test,
        "regret_valid": ref.best_valid - res.best_valid, "regret_test": ref.best_test - res.best_test,
        "same_best": res.best_id == ref.best_id,
        "cost_full": ref.cost, "cost_full_to_target": cost_full_to_target, "cost_to_target": cost_to_target,
        "reached_target": bool(np.isfinite(cost_to_target)), "cost_charged": charged,
        "speedup": cost_full_to_target / charged,
        "same_archs_cost_ratio": ref.cost / res.cost if chosen.same_architectures and res.cost > 0 else np.nan,
        "srm_predictions": int(predicted.sum()), "srm_predictions_on_training_cells": int((predicted & leaked).sum()),
        "srm_sigma_median": float(np.median(sigmas)) if len(sigmas) else np.nan,
    }])
    label = {"method": method, "seed": seed}
    return EarlyStoppingRun(summary, res.trajectory.assign(**label), res.rungs.assign(**label))


def compare(data: Any, methods: Sequence[str], seeds: Sequence[int], **params: Any) -> EarlyStoppingRun:
    """:func:`run_early_stopping` for every method and seed, frames concatenated (table built once).

    ``summary`` has one row per (method, seed); summarise it per method with
    :func:`.speedup.speedup_statistics`."""
    table = data if isinstance(data, BudgetTable) else curve_table(data, params.pop("candidates", None))
    runs = [run_early_stopping(table, m, seed=s, **params) for m in methods for s in seeds]
    return EarlyStoppingRun(*(pd.concat([r[i] for r in runs], ignore_index=True) for i in range(3)))


def budget_rank_correlation(table: BudgetTable, budgets: Sequence[float] | None = None) -> pd.DataFrame:
    """How well the value at each budget ranks the candidates for the final one — why early stopping works.

    One row per budget (default: every recorded budget; given budgets are snapped to recorded
    ones): ``budget`` (epochs), ``spearman`` and ``kendall`` between the validation value there
    and the final validation value over all candidates (:mod:`suite.metrics`), ``n_archs``.
    """
    cols = sorted({table.column(b) for b in budgets}) if budgets is not None else range(len(table.budgets))
    final = table.final_valid
    return pd.DataFrame([{"budget": int(table.budgets[c]), "spearman": spearman(table.valid[:, c], final),
                          "kendall": kendall(table.valid[:, c], final), "n_archs": table.n} for c in cols])


def rung_budgets(table: BudgetTable, *, eta: float = 3, min_budget: float | None = None,
                 max_budget: float | None = None) -> list[int]:
    """The distinct budgets (epochs) Hyperband's brackets use on ``table`` (snapped), ascending."""
    t = table.up_to(max_budget)
    return [int(t.budgets[c]) for c in hyperband_columns(t, eta, min_budget)]

