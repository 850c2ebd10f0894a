"""Search experiments: many independent search runs per method, resumable and parallel, tidy outputs.

TOML (``kind = "search"``)::

    name = "anytime-nb201"
    kind = "search"
    benchmark = "nb201"
    dataset = "cifar10"
    seeds = 100                      # independent runs per method (0..99), or a list

    [objective]                      # suite.search.Objective
    metric = "valid_acc"
    schedule = 12
    noise = "query"                  # default: a fresh recorded seed per query (NATS-Bench's
                                     # simulate_train_eval); "sample": one per architecture and
                                     # run; "mean": the seed mean
    cost_metric = "train_time"
    cost_scale = 0.06

    [budget]                         # queries and/or seconds
    seconds = 12000
    stop_at_target = false           # true: a run ends at its first query of the global optimum

    [efficiency]
    targets = [0, 0.0001, 0.001, 0.01]

    [[methods]]
    label = "REA"
    method = "rea"
    params = { population = 10, sample_size = 3 }

    [[methods]]                      # `vary` expands into one method per combination
    label = "xgb"
    method = "predictor"
    params = { predictor = "xgb", n_init = 10, batch = 10 }
    vary = { selector = ["full", "uniform"], subset_size = [100, 1000] }

Each (method variant, seed) is one task for the runner's backends; finished runs are
journalled (``runs.jsonl``, one fsynced line each) and never re-run. A run's journal entry
holds only the queried ids and timings: everything else is re-derived from the table with the
same seed, so outputs are byte-identical whatever the backend, job count or interruption.
A multi-fidelity run (``hyperband``, ``bohb``) also journals each query's schedule; its
trajectory rows carry a ``schedule`` column (rows of single-fidelity methods beside it get the
objective's schedule), and a target counts as reached only when queried at the objective's
schedule. Experiments without such a method write exactly what they wrote before.

Outputs in ``results/<name>/``: ``config.toml``, ``trajectories.parquet`` (one row per query),
``records.parquet`` (one row per run and target: queries to target, NaN if censored, plus the
final incumbent), ``timings.parquet`` and ``meta.json``; ``nas-suite report`` adds SEG tables
and figures.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

import numpy as np
import pandas as pd

from ..errors import NasSuiteError
from .execution import RunResult
from .runner import cached_load
from .spec import InvalidSpec, benchmark_of, check_keys, parse_seeds, required, to_toml

from .kinds import FunctionKind

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark

__all__ = ["SearchSpec", "MethodSpec", "KIND", "parse_search_spec", "run_searches", "JOURNAL"]

JOURNAL = "runs.jsonl"
_TOP = {"name", "description", "kind", "benchmark", "dataset", "seeds", "objective", "budget", "efficiency", "methods"}
_OBJECTIVE = {"metric", "schedule", "noise", "test_metric", "test_schedule", "cost_metric", "cost_scale"}
_BUDGET = {"queries", "seconds", "stop_at_target"}
_EFFICIENCY = {"targets"}
_METHOD = {"label", "method", "params", "vary"}


@dataclass(frozen=True)
class MethodSpec:
    """One searcher configuration; ``label`` names it in tables and figures."""

    label: str
    method: str
    params: Mapping[str, Any] = field(default_factory=dict)
    #: the values ``vary`` gave this variant (columns of the records)
    varied: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchSpec:
    kind: ClassVar[str] = "search"

    name: str
    benchmark: str
    dataset: str
    methods: tuple[MethodSpec, ...]
    seeds: tuple[int, ...]
    objective: Mapping[str, Any]
    budget_queries: int | None = None
    budget_seconds: float | None = None
    stop_at_target: bool = False
    targets: tuple[float, ...] = (0.0, 0.0001, 0.001, 0.01)
    description: str = ""
    raw_methods: tuple[Mapping[str, Any], ...] = ()

    def as_toml_dict(self) -> dict[str, Any]:
        budget: dict[str, Any] = {"stop_at_target": self.stop_at_target}
        if self.budget_queries is not None:
            budget["queries"] = self.budget_queries
        if self.budget_seconds is not None:
            budget["seconds"] = self.budget_seconds
        return {"name": self.name, "description": self.description, "kind": "search", "benchmark": self.benchmark,
                "dataset": self.dataset, "seeds": list(self.seeds), "objective": dict(self.objective),
                "budget": budget, "efficiency": {"targets": list(self.targets)},
                "methods": [dict(m) for m in self.raw_methods]}

    def objective_obj(self) -> Any:
        from ..search import Objective

        return Objective(**self.objective)

    def budget_obj(self) -> Any:
        from ..search import Budget

        return Budget(queries=self.budget_queries, seconds=self.budget_seconds)


def parse_search_spec(raw: Mapping[str, Any], source: str) -> SearchSpec:
    """Validate a ``kind = "search"`` spec key by key (one-line :class:`InvalidSpec` errors)."""
    from .. import search as S

    check_keys(raw, _TOP, source)
    name = required(raw, "name", str, source)
    benchmark, dataset = benchmark_of(raw, source)
    seeds = parse_seeds(raw, source)
    objective = raw.get("objective", {})
    if not isinstance(objective, Mapping):
        raise InvalidSpec(f"{source}: [objective] must be a table")
    check_keys(objective, _OBJECTIVE, source, "objective.")
    try:
        S.Objective(**objective)
    except (NasSuiteError, TypeError) as err:
        raise InvalidSpec(f"{source}: objective: {err}") from None
    budget = raw.get("budget")
    if not isinstance(budget, Mapping):
        raise InvalidSpec(f"{source}: a search spec needs a [budget] table (queries and/or seconds)")
    check_keys(budget, _BUDGET, source, "budget.")
    queries, seconds = budget.get("queries"), budget.get("seconds")
    if queries is not None and (not isinstance(queries, int) or isinstance(queries, bool) or queries < 1):
        raise InvalidSpec(f"{source}: budget.queries must be a positive integer, got {queries!r}")
    if seconds is not None and (not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds <= 0):
        raise InvalidSpec(f"{source}: budget.seconds must be a positive number, got {seconds!r}")
    if queries is None and seconds is None:
        raise InvalidSpec(f"{source}: budget needs queries and/or seconds")
    stop = budget.get("stop_at_target", False)
    if not isinstance(stop, bool):
        raise InvalidSpec(f"{source}: budget.stop_at_target must be true or false, got {stop!r}")
    efficiency = raw.get("efficiency", {})
    if not isinstance(efficiency, Mapping):
        raise InvalidSpec(f"{source}: [efficiency] must be a table")
    check_keys(efficiency, _EFFICIENCY, source, "efficiency.")
    targets = efficiency.get("targets", [0.0, 0.0001, 0.001, 0.01])
    if not isinstance(targets, list) or not targets or not all(
            isinstance(t, (int, float)) and not isinstance(t, bool) and 0 <= t < 1 for t in targets):
        raise InvalidSpec(f"{source}: efficiency.targets must be quantiles in [0, 1), got {targets!r}")
    raw_methods = raw.get("methods")
    if not isinstance(raw_methods, list) or not raw_methods:
        raise InvalidSpec(f"{source}: a search spec needs at least one [[methods]] entry")
    methods: list[MethodSpec] = []
    for i, entry in enumerate(raw_methods):
        methods += _expand_method(entry, f"{source}: methods[{i}]")
    labels = [m.label for m in methods]
    if len(set(labels)) != len(labels):
        dup = next(label for label in labels if labels.count(label) > 1)
        raise InvalidSpec(f"{source}: two methods are labelled {dup!r}; labels must be unique")
    return SearchSpec(name=name, benchmark=benchmark, dataset=dataset, methods=tuple(methods), seeds=seeds,
                      objective=dict(objective), budget_queries=queries,
                      budget_seconds=None if seconds is None else float(seconds), stop_at_target=stop,
                      targets=tuple(float(t) for t in targets), description=str(raw.get("description", "")),
                      raw_methods=tuple(dict(m) for m in raw_methods))


def _expand_method(entry: Any, where: str) -> list[MethodSpec]:
    from .. import search as S

    if not isinstance(entry, Mapping):
        raise InvalidSpec(f"{where} must be a table")
    check_keys(entry, _METHOD, where)
    method = required(entry, "method", str, where)
    if method not in S.available():
        raise InvalidSpec(f"{where}: unknown method {method!r}; available: {', '.join(S.available())}")
    label = entry.get("label", method)
    params = entry.get("params", {})
    vary = entry.get("vary", {})
    if not isinstance(label, str) or not isinstance(params, Mapping) or not isinstance(vary, Mapping):
        raise InvalidSpec(f"{where}: label must be a string, params and vary tables")
    if not all(isinstance(v, list) and v for v in vary.values()):
        raise InvalidSpec(f"{where}: every vary entry must be a non-empty list")
    out = []
    for combo in itertools.product(*vary.values()) if vary else [()]:
        varied = dict(zip(vary, combo))
        full = {**params, **varied}
        try:
            searcher = S.make(method, **full)
        except NasSuiteError as err:
            raise InvalidSpec(f"{where}: {err}") from None
        _check_plugins(searcher, where)
        suffix = "/".join(f"{v}" for v in combo)
        out.append(MethodSpec(label=f"{label}/{suffix}" if suffix else label, method=method, params=full, varied=varied))
    return out


def _check_plugins(searcher: Any, where: str) -> None:
    """Unknown predictor/selector names fail at spec time, not deep inside a worker."""
    from .. import predictors as P
    from .. import selection

    params = searcher.get_params()
    if "predictor" in params and params["predictor"] not in P.available():
        raise InvalidSpec(f"{where}: unknown predictor {params['predictor']!r}; registered: {', '.join(P.available())}")
    if "selector" in params and params["selector"] not in selection.available():
        raise InvalidSpec(f"{where}: unknown selector {params['selector']!r}; available: {', '.join(selection.available())}")


# -- one run ---------------------------------------------------------------------------------------
def run_key(method: MethodSpec, seed: int) -> str:
    return f"{method.label}|seed={seed}"


def run_one(spec: SearchSpec, method: MethodSpec, seed: int, data_root: str | None) -> dict[str, Any]:
    """One search run; returns its journal entry. Picklable, so any backend can run it.

    The run's generator is seeded with the spec seed alone, so for seed s every method sees the
    same seed noise and the same first draws: comparisons between methods are paired by seed.
    """
    from ..search import run_search
    from ..search.efficiency import target_sets
    from ..search.oracle import objective_tables

    bench = cached_load(spec.benchmark, spec.dataset, data_root)
    objective = spec.objective_obj()
    stop_on = None
    if spec.stop_at_target:
        tables = objective_tables(bench, objective, np.random.default_rng(seed))
        stop_on = target_sets(tables.true, tables.pool, [0.0])[0.0]
    t0 = time.perf_counter()
    result = run_search(bench, method.method, objective, spec.budget_obj(), seed=seed,
                        params=dict(method.params), stop_on=stop_on)
    seconds = time.perf_counter() - t0
    info = {k: (float(v) if isinstance(v, (int, float, np.floating, np.integer)) else v) for k, v in result.info.items()}
    entry = {"key": run_key(method, seed), "ids": result.trajectory["id"].astype(int).tolist(), "seconds": seconds,
             "info": info}
    if "schedule" in result.trajectory:  # a multi-fidelity run (BOHB, Hyperband): the replay needs each query's schedule
        entry["schedules"] = result.trajectory["schedule"].astype(int).tolist()
    return entry


# -- the experiment ----------------------------------------------------------------------------------
def run_searches(spec: SearchSpec, results_root: str | os.PathLike[str] = "results", *, backend: str = "local",
                 jobs: int = 1, address: str | None = None, data_root: str | os.PathLike[str] | None = None,
                 limit: int | None = None) -> RunResult:
    """Run (or resume) every (method, seed); ``limit`` stops after that many new runs."""
    from .execution import execute_resumable

    root = None if data_root is None else str(data_root)
    bench = cached_load(spec.benchmark, spec.dataset, root)
    directory = Path(results_root) / spec.name
    tasks = [(run_key(m, s), (spec, m, s, root)) for m in spec.methods for s in spec.seeds]
    done = execute_resumable(directory, to_toml(spec.as_toml_dict()), JOURNAL, tasks, run_one, backend=backend,
                             jobs=jobs, address=address, limit=limit, required=("ids", "seconds", "info"))
    if done.complete:
        write_outputs(directory, spec, bench, done.done, backend, jobs)
    return RunResult(directory, KIND.name, done.n_tasks, done.n_run, done.complete, unit="search runs")


def trajectories(spec: SearchSpec, bench: Benchmark, done: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """One row per query of every run, re-derived from the journalled ids and the table."""
    from ..search.oracle import Budget, Oracle, objective_schedule, objective_tables

    objective = spec.objective_obj()
    parts = []
    tables_by_seed: dict[int, Any] = {}
    for m in spec.methods:
        for s in spec.seeds:
            tables = tables_by_seed.get(s)
            if tables is None:  # the run's generator drew the seed noise first: the same draw here
                tables = tables_by_seed[s] = objective_tables(bench, objective, np.random.default_rng(s))
            entry = done[run_key(m, s)]
            ids = entry["ids"]
            # replaying exactly the journalled queries: a budget of that many, nothing else
            oracle = Oracle(bench, objective, Budget(queries=max(len(ids), 1)), np.random.default_rng(s), tables=tables)
            if "schedules" in entry:  # multi-fidelity: consecutive queries at one schedule replay together
                for sched, group in itertools.groupby(zip(ids, entry["schedules"]), key=lambda q: q[1]):
                    oracle.query([i for i, _ in group], schedule=sched)
            elif ids:
                oracle.query(ids)
            traj = oracle.trajectory()
            traj.insert(0, "run", s)
            traj.insert(0, "label", m.label)
            parts.append(traj)
    out = pd.concat(parts, ignore_index=True)
    if "schedule" in out:  # single-fidelity runs beside multi-fidelity ones observed the objective's schedule
        schedule = out.pop("schedule").fillna(objective_schedule(bench, objective)).astype(np.int64)
        out.insert(out.columns.get_loc("id") + 1, "schedule", schedule)  # where Oracle.trajectory puts it
    return out


def records(spec: SearchSpec, bench: Benchmark, traj: pd.DataFrame) -> pd.DataFrame:
    """One row per (run, target): queries to target (NaN = censored), k, |S|, the random-search expectation,
    and the run's final incumbent and spend."""
    from ..search.efficiency import random_search_expected_queries, target_label, target_sets
    from ..search.oracle import objective_schedule, objective_tables

    tables = objective_tables(bench, spec.objective_obj(), np.random.default_rng(0))
    sets = target_sets(tables.true, tables.pool, spec.targets)
    schedule = objective_schedule(bench, spec.objective_obj())
    varied_keys = sorted({k for m in spec.methods for k in m.varied})
    by_label = {m.label: m for m in spec.methods}
    rows = []
    for (label, run), group in traj.groupby(["label", "run"], sort=False):
        m = by_label[label]
        ids = group["id"].to_numpy()
        # a multi-fidelity run finds a target when it trains it on the objective's schedule, not on a shorter one
        full = group["schedule"].to_numpy() == schedule if "schedule" in group else np.ones(len(ids), dtype=bool)
        last = group.iloc[-1] if len(group) else None
        for q, qualifying in sets.items():
            hit = np.isin(ids, qualifying) & full
            rows.append({
                "benchmark": spec.benchmark, "dataset": spec.dataset, "label": label, "method": m.method,
                **{k: str(m.varied.get(k, "")) for k in varied_keys},
                "seed": int(run), "target": target_label(q), "quantile": q, "k": int(len(qualifying)),
                "n_pool": int(len(tables.pool)), "best_test": float(tables.test[tables.pool].max()),
                "expected_random": random_search_expected_queries(len(tables.pool), len(qualifying)),
                "queries_to_target": float(np.argmax(hit) + 1) if hit.any() else np.nan,
                "n_queries": int(len(ids)), "cost": float(group["cost"].iloc[-1]) if len(group) else 0.0,
                "final_true": float(last["incumbent_true"]) if last is not None else np.nan,
                "final_test": float(last["incumbent_test"]) if last is not None else np.nan,
            })
    return pd.DataFrame(rows)


def observed_noise(spec: SearchSpec, bench: Benchmark) -> dict[str, str]:
    """The noise the runs asked for and the noise they observed (the seed mean where the cache has no
    per-seed values of the observed metric), with the label tables print."""
    import warnings

    from ..search.oracle import NOISE_LABELS, NoiseUnavailable, objective_tables

    objective = spec.objective_obj()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NoiseUnavailable)  # said once by the runs; recorded here instead
        used = objective_tables(bench, objective, np.random.default_rng(0)).noise
    label = NOISE_LABELS[used]
    if used != objective.noise:
        at = "" if objective.schedule is None else f" at schedule {objective.schedule}"
        label += (f" (noise = \"{objective.noise}\" was asked for, but this cache records {objective.metric}{at} "
                  f"only as a seed mean)")
    return {"requested": objective.noise, "used": used, "label": label}


def write_outputs(directory: Path, spec: SearchSpec, bench: Benchmark, done: Mapping[str, Mapping[str, Any]],
                  backend: str, jobs: int) -> None:
    from .files import atomic_output, provenance, write_atomic

    traj = trajectories(spec, bench, done)
    recs = records(spec, bench, traj)
    timing = pd.DataFrame([{"label": m.label, "seed": s, "seconds": done[run_key(m, s)]["seconds"],
                            **{k: v for k, v in done[run_key(m, s)]["info"].items() if isinstance(v, float)}}
                           for m in spec.methods for s in spec.seeds])
    for name, frame in (("trajectories.parquet", traj), ("records.parquet", recs), ("timings.parquet", timing)):
        with atomic_output(directory / name) as tmp:
            frame.to_parquet(tmp, index=False)
    meta = {"name": spec.name, "kind": KIND.name, "runs": len(spec.methods) * len(spec.seeds), "backend": backend,
            "jobs": jobs, "noise": observed_noise(spec, bench), **provenance(bench)}
    write_atomic(directory / "meta.json", json.dumps(meta, indent=2) + "\n")


KIND = FunctionKind(
    "search", SearchSpec, "suite.report.search_report:write_search_report", parse_search_spec,
    lambda spec, root, o: run_searches(spec, root, backend=o.backend, jobs=o.jobs, address=o.address,
                                       data_root=o.data_root, limit=o.limit),
    "search strategies on a table: (method, seed) runs, anytime curves and SEG")
