"""Early-stopping experiments: speed-up of successive halving, Hyperband and Baker's SRM rule vs full training.

TOML (``kind = "early_stopping"``)::

    name = "early-stop-nb201"
    kind = "early_stopping"
    benchmark = "nb201"
    dataset = "cifar10"
    seeds = 100
    methods = ["full", "sh", "hyperband", "srm-random", "srm-hyperband"]
    metric = "valid_acc"     # validation value maximised (default); a loss through its negation
    test_metric = "test_acc" # test value reported (default)
    [params]                 # keyword parameters of suite.search.early_stopping.run_early_stopping
    eta = 3
    n_archs = 100            # candidates the reference trains, of the pool (drawn without replacement)
    [params.srm-random]      # per-method overrides
    tau = 0.25

Every (method, seed) is one task for the runner's backends; finished ones are journalled in
``runs.jsonl`` and not re-run. Each seed is one run: one random order of the whole candidate
pool (never re-drawn), one drawn training seed per candidate where the benchmark records
seeds, and the reference's target from its own candidates (protocol:
:mod:`suite.search.early_stopping.runner`). Outputs in ``results/<name>/``:
``records.parquet`` (one row per method and seed: cost, per-run speed-up, target reached,
regret, leakage audit), ``trajectories.parquet`` (anytime curves),
``budget_correlation.parquet`` (Spearman/Kendall of each rung budget with the final value, the
reason early stopping works or not), ``config.toml`` and ``meta.json``; ``nas-suite report``
adds the speed-up table and figures.
"""

from __future__ import annotations

import inspect
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Mapping

import pandas as pd

from ..errors import NasSuiteError
from .execution import RunResult
from .spec import InvalidSpec, benchmark_of, check_keys, parse_seeds, required, to_toml

from .kinds import FunctionKind

__all__ = ["EarlyStopSpec", "KIND", "parse_early_stop_spec", "run_early_stop_experiment"]

JOURNAL = "runs.jsonl"
_TOP = {"name", "description", "kind", "benchmark", "dataset", "seeds", "methods", "params", "budgets", "metric",
        "test_metric"}


@dataclass(frozen=True)
class EarlyStopSpec:
    kind: ClassVar[str] = "early_stopping"

    name: str
    benchmark: str
    dataset: str
    methods: tuple[str, ...]
    seeds: tuple[int, ...]
    params: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    #: "curve": epochs of one run's learning curve (resumable; NB-201); "schedules": separate
    #: runs of each schedule (NB-101's 4/12/36/108 epochs; not resumable, no SRM rule)
    budgets: str = "curve"
    #: the validation value the methods maximise and the test value reported (higher is better:
    #: a loss is read through its negation, e.g. NAS-Bench-NLP's ``neg_val_loss``)
    metric: str = "valid_acc"
    test_metric: str = "test_acc"

    def as_toml_dict(self) -> dict[str, Any]:
        out = {"name": self.name, "description": self.description, "kind": "early_stopping",
               "benchmark": self.benchmark, "dataset": self.dataset, "seeds": list(self.seeds),
               "methods": list(self.methods), "budgets": self.budgets, "params": dict(self.params)}
        # written only when not the default, so configs pinned before these keys existed still match
        out.update({k: v for k, v in (("metric", self.metric), ("test_metric", self.test_metric))
                    if v != getattr(EarlyStopSpec, k)})
        return out

    def method_params(self, method: str) -> dict[str, Any]:
        shared = {k: v for k, v in self.params.items() if not isinstance(v, Mapping)}
        return {**shared, **dict(self.params.get(method, {}))}


def parse_early_stop_spec(raw: Mapping[str, Any], source: str) -> EarlyStopSpec:
    from ..search.early_stopping import METHODS

    check_keys(raw, _TOP, source)
    name = required(raw, "name", str, source)
    benchmark, dataset = benchmark_of(raw, source)
    methods = raw.get("methods")
    if not isinstance(methods, list) or not methods or not all(isinstance(m, str) for m in methods):
        raise InvalidSpec(f"{source}: methods must be a non-empty list of names from {', '.join(METHODS)}")
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise InvalidSpec(f"{source}: unknown early-stopping method {unknown[0]!r}; available: {', '.join(METHODS)}")
    params = raw.get("params", {})
    if not isinstance(params, Mapping):
        raise InvalidSpec(f"{source}: [params] must be a table")
    from ..search.early_stopping import run_early_stopping

    allowed = set(inspect.signature(run_early_stopping).parameters) - {"data", "method", "seed", "model"}
    for key, value in params.items():
        inner = value if isinstance(value, Mapping) else {key: value}
        if isinstance(value, Mapping) and key not in METHODS:
            raise InvalidSpec(f"{source}: params.{key} is a table but {key!r} is not a method")
        bad = sorted(set(inner) - allowed)
        if bad:
            raise InvalidSpec(f"{source}: unknown parameter params.{bad[0]!r}; allowed: {', '.join(sorted(allowed))}")
    budgets = raw.get("budgets", "curve")
    if budgets not in ("curve", "schedules"):
        raise InvalidSpec(f"{source}: budgets must be \"curve\" (one run's learning curve) or \"schedules\" "
                          f"(separate runs per schedule, e.g. NB-101's 4/12/36/108), got {budgets!r}")
    if budgets == "schedules" and any(METHODS.load(m).needs_curves for m in methods):
        raise InvalidSpec(f"{source}: the SRM methods need learning curves; use budgets = \"curve\" or drop them")
    metrics = {k: raw.get(k, getattr(EarlyStopSpec, k)) for k in ("metric", "test_metric")}
    for k, v in metrics.items():
        if not isinstance(v, str) or not v:
            raise InvalidSpec(f"{source}: {k} must be a metric name (higher is better), got {v!r}")
    return EarlyStopSpec(name=name, benchmark=benchmark, dataset=dataset, methods=tuple(methods), budgets=budgets,
                         seeds=parse_seeds(raw, source), params={k: (dict(v) if isinstance(v, Mapping) else v)
                                                                 for k, v in params.items()},
                         description=str(raw.get("description", "")), **metrics)


_TABLES: dict[tuple[str, ...], Any] = {}


def _table(spec: EarlyStopSpec, data_root: str | None) -> Any:
    from ..search.early_stopping import curve_table, schedule_table
    from .runner import cached_load

    key = (spec.benchmark, spec.dataset, data_root, spec.budgets, spec.metric, spec.test_metric)
    if key not in _TABLES:
        build = curve_table if spec.budgets == "curve" else schedule_table
        _TABLES[key] = build(cached_load(spec.benchmark, spec.dataset, data_root), metric=spec.metric,
                             test_metric=spec.test_metric)
    return _TABLES[key]


def run_one(spec: EarlyStopSpec, method: str, seed: int, data_root: str | None) -> dict[str, Any]:
    """One (method, seed); returns the journal entry (frames as records). Picklable."""
    from ..search.early_stopping import run_early_stopping

    try:
        run = run_early_stopping(_table(spec, data_root), method, seed=seed, **spec.method_params(method))
    except (ValueError, TypeError) as err:
        raise NasSuiteError(f"{method} seed {seed}: {err}") from None
    traj = run.trajectory.assign(method=method, seed=seed)
    return {"key": f"{method}|seed={seed}", "summary": run.summary.to_dict("records"),
            "trajectory": {c: traj[c].tolist() for c in traj.columns}}


def run_early_stop_experiment(spec: EarlyStopSpec, results_root: str | os.PathLike[str] = "results", *,
                              backend: str = "local", jobs: int = 1, address: str | None = None,
                              data_root: str | os.PathLike[str] | None = None, limit: int | None = None) -> RunResult:
    """Run (or resume) every (method, seed); ``limit`` stops after that many new runs."""
    from ..search.early_stopping import budget_rank_correlation, rung_budgets
    from .execution import execute_resumable
    from .files import atomic_output, provenance, write_atomic
    from .runner import cached_load

    root = None if data_root is None else str(data_root)
    table = _table(spec, root)
    directory = Path(results_root) / spec.name
    tasks = [(f"{m}|seed={s}", (spec, m, s, root)) for m in spec.methods for s in spec.seeds]
    done = execute_resumable(directory, to_toml(spec.as_toml_dict()), JOURNAL, tasks, run_one, backend=backend,
                             jobs=jobs, address=address, limit=limit, required=("summary", "trajectory"))
    if not done.complete:
        return RunResult(directory, KIND.name, done.n_tasks, done.n_run, False, unit="early-stopping runs")
    entries = done.entries()
    records = _lead(pd.DataFrame([row for e in entries for row in e["summary"]]), ["method", "seed"])
    traj = _lead(pd.concat([pd.DataFrame(e["trajectory"]) for e in entries], ignore_index=True),
                 ["method", "seed", "step", "id"])
    eta = spec.method_params("hyperband").get("eta", 3)
    correlation = budget_rank_correlation(table, rung_budgets(table, eta=eta))
    for name, frame in (("records.parquet", records), ("trajectories.parquet", traj),
                        ("budget_correlation.parquet", correlation)):
        with atomic_output(directory / name) as tmp:
            frame.to_parquet(tmp, index=False)
    meta = {"name": spec.name, "kind": KIND.name, "runs": done.n_tasks, "backend": backend, "jobs": jobs,
            "candidates": int(len(table.ids)), "per_seed": bool(table.per_seed), "table": table.description,
            **provenance(cached_load(spec.benchmark, spec.dataset, root))}
    write_atomic(directory / "meta.json", json.dumps(meta, indent=2, default=str) + "\n")
    return RunResult(directory, KIND.name, done.n_tasks, done.n_run, True, unit="early-stopping runs")


def _lead(frame: pd.DataFrame, first: list[str]) -> pd.DataFrame:
    """Columns ``first`` first, the rest in name order (the journal stores keys sorted)."""
    return frame[[c for c in first if c in frame] + sorted(c for c in frame if c not in first)]


KIND = FunctionKind(
    "early_stopping", EarlyStopSpec, "suite.report.early_stop_report:write_early_stop_report", parse_early_stop_spec,
    lambda spec, root, o: run_early_stop_experiment(spec, root, backend=o.backend, jobs=o.jobs, address=o.address,
                                                    data_root=o.data_root, limit=o.limit),
    "early-stopping methods on learning curves or schedules: (method, seed) runs and speed-ups")
