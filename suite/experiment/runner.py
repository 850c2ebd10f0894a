"""Run an experiment grid: deterministic cells, a crash-safe journal, tidy records at the end.

Layout of ``results/<name>/``:

- ``config.toml`` — the resolved spec (defaults filled in) of the run's grid: the union of every
  spec run under this name. Runs are additive (:mod:`suite.experiment.additive`): a re-run with
  more predictors, train sizes or seeds computes only the new cells, one inside the grid computes
  nothing, and a change that would invalidate finished cells is refused naming the key.
- ``cells.jsonl`` — journal, one line per finished cell, appended and fsynced as cells finish
  (any order, any backend). A line cut by a crash is discarded on the next run.
- ``records.parquet`` — tidy long table, one row per (cell, metric), sorted in grid order:
  ``benchmark, dataset, target, predictor, fidelity, train_size, seed, n_train, n_test,
  metric, value``. Deterministic: a resumed run writes the same bytes as an uninterrupted one.
  With ``[target] diverged_below`` the metrics also include ``n_diverged`` and ``<m>_trained``
  (see :func:`record_metrics`).
- ``predictions.parquet`` — every test prediction: ``predictor, fidelity, train_size, seed, id,
  y_true, y_pred`` (for predicted-vs-true plots and metrics computed later); cells read back from
  a run committed without its predictions have none.
- ``timings.parquet`` — ``fit_seconds`` and ``predict_seconds`` per cell. Wall-clock times
  differ between runs, so they live apart from the records to keep those reproducible.
- ``meta.json`` — package versions, git commit, the cache's checksums, grid size, and for each
  predictor its factory and where its code came from (a user's module file and sha256, or an
  installed distribution and version).

Determinism: the split of seed ``s`` depends only on ``(s, benchmark, dataset)``: architectures
are permuted once, the first ``test_size`` are the test set and training sets are prefixes of
the rest, so every predictor and train size of a seed is scored on the same test set and larger
training sets contain smaller ones (paired comparisons). The pool they are drawn from is the
architectures on which every predictor of the spec has all its inputs and the target is measured.
A predictor's ``random_state`` is derived from ``(s, predictor, train size, fidelity)``.

Predictors are resolved once, in this process (:mod:`suite.experiment.grid_predictors`), and the
whole spec is validated before the run directory is touched; each cell carries its resolved
predictor, so worker processes (local, Dask, Ray) import the factory and never look a name up.
"""

from __future__ import annotations

import json
import os
import time
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import NasSuiteError
from .additive import Previous, merge, pool_change, pool_fingerprint, read_previous, seed_journal
from .execution import CONFIG, RunResult, execute_resumable
from .files import atomic_output, provenance, write_atomic
from .grid_predictors import cell_inputs, fidelities, resolve_all, validate
from .spec import ExperimentSpec, InvalidSpec, parse_spec, to_toml

from .kinds import FunctionKind

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark
    from ..predictors.plugins import Predictor

__all__ = ["Cell", "KIND", "plan", "run", "RunResult", "CellFailed"]

RECORDS = "records.parquet"
TIMINGS = "timings.parquet"
PREDICTIONS = "predictions.parquet"
JOURNAL = "cells.jsonl"
META = "meta.json"


class CellFailed(NasSuiteError):
    """A predictor raised while fitting or predicting one cell (finished cells stay journaled)."""


@dataclass(frozen=True, order=True)
class Cell:
    """One point of the grid. ``fidelity`` is the observed curve length, 0 for predictors without curves."""

    predictor: str
    fidelity: int
    train_size: int
    seed: int

    @property
    def key(self) -> str:
        return f"{self.predictor}|f{self.fidelity}|n{self.train_size}|s{self.seed}"


def plan(spec: ExperimentSpec, resolved: dict[str, Predictor] | None = None) -> list[Cell]:
    """Every cell of the grid, in the order records are written (``resolved``: :func:`resolve_all` of ``spec``)."""
    resolved = resolve_all(spec) if resolved is None else resolved
    cells = []
    for name in spec.predictors:
        for f in fidelities(spec, resolved[name]):
            for n in spec.train_sizes:
                for s in spec.seeds:
                    cells.append(Cell(name, int(f), int(n), int(s)))
    return cells


# -- the work of one cell (runs in worker processes) ------------------------------------------------------
_BENCH_CACHE: dict[tuple[str, str, str | None], Benchmark] = {}


def cached_load(benchmark: str, dataset: str, data_root: str | None) -> Benchmark:
    """One loaded benchmark per worker process, shared by every cell or run it executes."""
    from ..data.benchmark import load

    key = (benchmark, dataset, data_root)
    if key not in _BENCH_CACHE:
        _BENCH_CACHE[key] = load(benchmark, dataset, root=data_root)
    return _BENCH_CACHE[key]


def _bench(spec: ExperimentSpec, data_root: str | None) -> Benchmark:
    return cached_load(spec.benchmark, spec.dataset, data_root)


def _inputs(spec: ExperimentSpec, name: str, fidelity: int, predictor: Predictor | None = None) -> Any:
    """What the cells of predictor ``name`` at ``fidelity`` read (:func:`cell_inputs`)."""
    return cell_inputs(spec, resolve_all(spec)[name] if predictor is None else predictor, fidelity)


def _target(spec: ExperimentSpec, bench: Benchmark) -> np.ndarray:
    return bench.metric(spec.target_metric, spec.target_epoch, spec.target_seed, schedule=spec.target_schedule,
                        rng=np.random.default_rng(0) if spec.target_seed == "sample" else None)


def eligible_pool(spec: ExperimentSpec, bench: Benchmark, resolved: dict[str, Predictor] | None = None) -> np.ndarray:
    """Ids where the target and every input of every (predictor, fidelity) of the spec exist."""
    from .. import predictors as P

    resolved = resolve_all(spec) if resolved is None else resolved
    y = _target(spec, bench)
    pool = np.flatnonzero(np.isfinite(y))
    for inputs in {cell_inputs(spec, resolved[c.predictor], c.fidelity) for c in plan(spec, resolved)}:
        pool = np.intersect1d(pool, P.measured_ids(bench, inputs))
    return pool


def split(spec: ExperimentSpec, pool: np.ndarray, seed: int, train_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(train ids, test ids) of one seed and train size; see the module docstring for the rule."""
    tag = zlib.crc32(f"{spec.benchmark}/{spec.dataset}".encode())
    perm = np.random.default_rng(np.random.SeedSequence([seed, tag])).permutation(pool)
    if spec.test_size is None:
        if train_size >= len(perm):
            raise InvalidSpec(f"train size {train_size} leaves no test architectures (pool of {len(perm)})")
        return perm[:train_size], perm[train_size:]
    if spec.test_size + train_size > len(perm):
        raise InvalidSpec(
            f"test_size {spec.test_size} + train size {train_size} exceeds the {len(perm)} eligible architectures "
            f"of {spec.benchmark}/{spec.dataset} for predictors {list(spec.predictors)}"
        )
    return perm[spec.test_size : spec.test_size + train_size], perm[: spec.test_size]


def record_metrics(spec: ExperimentSpec) -> tuple[str, ...]:
    """The metric names of each cell's records, in order.

    ``n_pairs`` and the spec's metrics; with ``target_diverged_below`` also ``n_diverged`` (test
    architectures whose target lies below the threshold) and every metric again as
    ``<m>_trained``, scored on the other test architectures only.
    """
    names = ("n_pairs", *spec.metrics)
    if spec.target_diverged_below is not None:
        names += ("n_diverged", *(f"{m}_trained" for m in spec.metrics))
    return names


def score_cell(spec: ExperimentSpec, y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """Every value of :func:`record_metrics` for one cell's test predictions."""
    from ..metrics import score_all

    values = score_all(y_true, y_pred, spec.metrics)
    if spec.target_diverged_below is not None:
        trained = y_true >= spec.target_diverged_below
        values["n_diverged"] = float(np.count_nonzero(~trained))
        values.update({f"{m}_trained": v for m, v in score_all(y_true[trained], y_pred[trained], spec.metrics).items()
                       if m in spec.metrics})
    return values


def cell_random_state(cell: Cell) -> int:
    """The predictor's seed: a stable function of the cell (not of run order or process)."""
    seq = np.random.SeedSequence([cell.seed, zlib.crc32(cell.predictor.encode()), cell.train_size, cell.fidelity])
    return int(seq.generate_state(1, dtype=np.uint32)[0])


def run_cell(spec: ExperimentSpec, cell: Cell, data_root: str | None, pool: np.ndarray,
             predictor: Predictor | None = None) -> dict[str, Any]:
    """Fit and score one cell; returns the journal entry. Picklable (the spec and the resolved
    ``predictor`` are frozen dataclasses), so any backend can run it; the worker only imports
    the predictor's factory."""
    import warnings

    from .. import predictors as P

    if predictor is None:
        predictor = resolve_all(spec)[cell.predictor]
    bench = _bench(spec, data_root)
    y = _target(spec, bench)
    train, test = split(spec, pool, cell.seed, cell.train_size)
    inputs = cell_inputs(spec, predictor, cell.fidelity)
    X_train = P.build_features(bench, inputs, train, train=True)
    X_test = P.build_features(bench, inputs, test, train=False)
    params = spec.params.get(cell.predictor, {})
    model = predictor.make(bench, inputs=inputs, **params)
    if "random_state" in model.get_params() and "random_state" not in params:
        model.set_params(random_state=cell_random_state(cell))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter; the scores say how the fit went
            t0 = time.perf_counter()
            model.fit(X_train, y[train])
            t1 = time.perf_counter()
            pred = np.asarray(model.predict(X_test), dtype=np.float64)
            t2 = time.perf_counter()
    except NasSuiteError:
        raise
    except Exception as err:  # noqa: BLE001 - re-raised with the cell named
        raise CellFailed(f"cell {cell.key}: {type(err).__name__}: {err}") from err
    values = score_cell(spec, y[test], pred)
    return {"key": cell.key, "n_train": int(len(train)), "n_test": int(len(test)), "values": values,
            "fit_seconds": t1 - t0, "predict_seconds": t2 - t1, "pred": pred.tolist(), "pool": pool_fingerprint(pool)}


# -- the run ---------------------------------------------------------------------------------------------
def run(
    spec: ExperimentSpec,
    results_root: str | os.PathLike[str] = "results",
    *,
    backend: str = "local",
    jobs: int = 1,
    address: str | None = None,
    data_root: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
    limit: int | None = None,
) -> RunResult:
    """Run, resume or extend ``spec``; returns where the results are.

    ``backend``: ``"local"`` (joblib processes, ``jobs`` of them; 1 = in this process),
    ``"dask"`` (an existing scheduler at ``address``) or ``"ray"`` (a cluster at ``address``,
    or a local instance when None). ``limit`` stops after that many new cells (records
    are then not written; re-running finishes the grid).

    The whole spec is checked first (predictors, parameters, extras, inputs, splits), then merged
    with what ``results_root/<name>/`` already holds (:func:`suite.experiment.additive.merge`);
    nothing is written when that grid is finished already.
    """
    from ..atomic import exclusive_lock

    root = None if data_root is None else str(data_root)
    bench = _bench(spec, root)
    resolved = resolve_all(spec)
    validate(spec, bench, resolved)
    requested = len(plan(spec, resolved))
    directory = Path(results_root) / spec.name
    grid = _Grid.of(spec, resolved, bench, directory)
    if grid.finished_already:
        return RunResult(directory, KIND.name, len(grid.cells), 0, True, unit="cells", requested=requested, changed=False)
    directory.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(directory / CONFIG, doing="running", error=NasSuiteError):
        grid = _Grid.of(spec, resolved, bench, directory)  # again, now that no other run can change it
        if grid.previous.from_records and grid.todo:
            seed_journal(directory / JOURNAL, (grid.previous.finished or {}).values())
        if grid.previous.spec != grid.union:
            write_atomic(directory / CONFIG, to_toml(grid.union.as_toml_dict()))
        bar = _progress(len(grid.todo), spec.name, progress)
        try:
            done = execute_resumable(directory, None, JOURNAL,
                                     [(c.key, (grid.union, c, root, grid.pool, grid.resolved[c.predictor]))
                                      for c in grid.cells], run_cell, backend=backend, jobs=jobs, address=address,
                                     limit=limit, on_result=lambda _: bar.update(1),
                                     required=("n_train", "n_test", "values", "fit_seconds", "predict_seconds"))
        finally:
            bar.close()
        if done.complete:
            _write_outputs(directory, grid.union, grid.cells, done.done, bench, grid.pool, backend, jobs, grid.resolved)
    return RunResult(directory, KIND.name, len(grid.cells), done.n_run, done.complete, unit="cells",
                     requested=requested)


@dataclass(frozen=True)
class _Grid:
    """The grid a run directory will hold: ``spec`` merged with its finished cells, checked."""

    union: ExperimentSpec
    resolved: dict[str, Any]
    pool: np.ndarray
    cells: list[Cell]
    previous: Previous
    todo: list[Cell]
    finished_already: bool

    @classmethod
    def of(cls, spec: ExperimentSpec, resolved: dict[str, Predictor], bench: Benchmark, directory: Path) -> _Grid:
        """Read ``directory`` (without writing), merge, and check the merged grid like ``spec``."""
        previous = read_previous(directory, JOURNAL, RECORDS)
        union = merge(previous, spec, directory, bench.meta.get("files"))
        if union is not spec:
            extra = resolve_all(union, [p for p in union.predictors if p not in resolved])
            resolved = {p: resolved.get(p) or extra[p] for p in union.predictors}
            if extra:  # predictors of earlier specs: still importable, inputs still there
                validate(replace(union, predictors=tuple(extra)), bench, extra)
        pool = eligible_pool(union, bench, resolved)
        for n in union.train_sizes:  # fail before running anything if a split is impossible
            split(union, pool, union.seeds[0], n)
        cells = plan(union, resolved)
        finished = dict(previous.finished or {})
        _check_same_pool(previous, union, bench, pool, directory)
        if previous.from_records:
            names = record_metrics(union)
            damaged = [k for k, e in finished.items() if any(m not in e["values"] for m in names)]
            if damaged:
                raise NasSuiteError(f"{directory}/{RECORDS} lacks metrics of cell {damaged[0]}; re-run the config "
                                    f"under another name to rewrite it")
        todo = [c for c in cells if c.key not in finished]
        done_before = not todo and previous.spec == union and all((directory / f).is_file() for f in (RECORDS, META))
        return cls(union, resolved, pool, cells, previous, todo, done_before)


def _check_same_pool(previous: Previous, union: ExperimentSpec, bench: Benchmark, pool: np.ndarray,
                     directory: Path) -> None:
    """Refuse a grid whose splits would be drawn from other architectures than its finished cells'."""
    old = previous.spec
    entries = [e for k, e in (previous.finished or {}).items() if old is not None and k.rsplit("|", 3)[0] in old.predictors]
    if old is None or not entries:
        return
    prints = {e.get("pool") for e in entries}
    if None not in prints:
        same = prints == {pool_fingerprint(pool)}
        old_n = int(next(iter(prints)).partition(":")[0]) if len(prints) == 1 else -1
    elif (old.predictors, old.definitions, old.fidelity) == (union.predictors, union.definitions, union.fidelity):
        return  # the same predictors read the same inputs: the same pool
    else:
        old_pool = eligible_pool(old, bench)
        same, old_n = bool(np.array_equal(old_pool, pool)), len(old_pool)
    if not same:
        raise InvalidSpec(pool_change(old, union, old_n, len(pool), len(entries), directory))


def _progress(total: int, name: str, enabled: bool | None) -> Any:
    import sys

    from tqdm import tqdm

    if enabled is None:
        enabled = sys.stderr.isatty() and not os.environ.get("CI")
    return tqdm(total=total, desc=name, unit="cell", disable=not enabled, leave=False)


def _write_outputs(directory: Path, spec: ExperimentSpec, cells: list[Cell], done: dict[str, dict[str, Any]],
                   bench: Benchmark, pool: np.ndarray, backend: str, jobs: int,
                   resolved: dict[str, Predictor]) -> None:
    target = spec.target_metric + ("" if spec.target_epoch is None else f"@{spec.target_epoch}")
    rows, timing = [], []
    for c in cells:
        e = done[c.key]
        for metric in record_metrics(spec):
            rows.append((spec.benchmark, spec.dataset, target, c.predictor, c.fidelity, c.train_size, c.seed,
                         e["n_train"], e["n_test"], metric, float(e["values"][metric])))
        timing.append((c.predictor, c.fidelity, c.train_size, c.seed, e["fit_seconds"], e["predict_seconds"]))
    records = pd.DataFrame(rows, columns=["benchmark", "dataset", "target", "predictor", "fidelity", "train_size",
                                          "seed", "n_train", "n_test", "metric", "value"])
    timings = pd.DataFrame(timing, columns=["predictor", "fidelity", "train_size", "seed", "fit_seconds", "predict_seconds"])
    for name, frame in ((PREDICTIONS, _predictions(spec, cells, done, bench, pool)), (RECORDS, records), (TIMINGS, timings)):
        with atomic_output(directory / name) as tmp:
            frame.to_parquet(tmp, index=False)
    write_atomic(directory / META, json.dumps(_meta(spec, bench, len(cells), backend, jobs, resolved), indent=2) + "\n")


def _predictions(spec: ExperimentSpec, cells: list[Cell], done: dict[str, dict[str, Any]], bench: Benchmark,
                 pool: np.ndarray) -> pd.DataFrame:
    """Long table of every test prediction; test ids are re-derived from the (deterministic) split.

    Cells without predictions (read back from a run committed without them) have no rows."""
    y = _target(spec, bench)
    parts = []
    for c in cells:
        if "pred" not in done[c.key]:
            continue
        _, test = split(spec, pool, c.seed, c.train_size)
        pred = np.asarray(done[c.key]["pred"], dtype=np.float64)
        parts.append(pd.DataFrame({"predictor": c.predictor, "fidelity": c.fidelity, "train_size": c.train_size,
                                   "seed": c.seed, "id": test.astype(np.int64), "y_true": y[test], "y_pred": pred}))
    if not parts:
        return pd.DataFrame({"predictor": pd.Series(dtype=object), **{c: pd.Series(dtype=np.int64) for c in (
            "fidelity", "train_size", "seed", "id")}, "y_true": pd.Series(dtype=np.float64),
            "y_pred": pd.Series(dtype=np.float64)})
    return pd.concat(parts, ignore_index=True)


def _curve_length(spec: ExperimentSpec, bench: Benchmark, resolved: dict[str, Predictor]) -> int | None:
    """Epochs of the target's longest schedule when a predictor reads curves (the report's x axis).

    The longest observed prefix is not it (``baker-lc`` observes at most 150 of 200 epochs).
    """
    if not any(resolved[name].inputs.curve_epochs > 0 for name in spec.predictors):
        return None
    schedules = [int(s) for s in bench.schedules(spec.target_metric) if s]
    return max(schedules) if schedules else None


def _meta(spec: ExperimentSpec, bench: Benchmark, n_cells: int, backend: str, jobs: int,
          resolved: dict[str, Predictor]) -> dict[str, Any]:
    return {"name": spec.name, "kind": KIND.name, "cells": n_cells,
            "curve_length": _curve_length(spec, bench, resolved), "backend": backend, "jobs": jobs,
            **provenance(bench), "predictors": {name: resolved[name].provenance() for name in spec.predictors}}


KIND = FunctionKind(
    "predictors", ExperimentSpec, "suite.report.predictors:write_predictor_report", parse_spec,
    lambda spec, root, o: run(spec, root, backend=o.backend, jobs=o.jobs, address=o.address, data_root=o.data_root,
                              progress=o.progress, limit=o.limit),
    "predictors x fidelities x train sizes x seeds on shared splits")
