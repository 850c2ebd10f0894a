"""Run an experiment grid: deterministic cells, a crash-safe journal, tidy records at the end.

Layout of ``results/<name>/``:

- ``config.toml`` — the resolved spec (defaults filled in); a re-run must resolve to the same.
- ``cells.jsonl`` — journal, one line per finished cell, appended and fsynced as cells finish
  (any order, any backend). A line cut by a crash is discarded on the next run.
- ``records.parquet`` — tidy long table, one row per (cell, metric), sorted in grid order:
  ``benchmark, dataset, target, predictor, fidelity, train_size, seed, n_train, n_test,
  metric, value``. Deterministic: a resumed run writes the same bytes as an uninterrupted one.
  With ``[target] diverged_below`` the metrics also include ``n_diverged`` and ``<m>_trained``
  (see :func:`record_metrics`).
- ``predictions.parquet`` — every test prediction: ``predictor, fidelity, train_size, seed, id,
  y_true, y_pred`` (for predicted-vs-true plots and metrics computed later).
- ``timings.parquet`` — ``fit_seconds`` and ``predict_seconds`` per cell. Wall-clock times
  differ between runs, so they live apart from the records to keep those reproducible.
- ``meta.json`` — package versions, git commit, the cache's checksums, grid size.

Determinism: the split of seed ``s`` depends only on ``(s, benchmark, dataset)``: architectures
are permuted once, the first ``test_size`` are the test set and training sets are prefixes of
the rest, so every predictor and train size of a seed is scored on the same test set and larger
training sets contain smaller ones (paired comparisons). The pool they are drawn from is the
architectures on which every predictor of the spec has all its inputs and the target is measured.
A predictor's ``random_state`` is derived from ``(s, predictor, train size, fidelity)``.
"""

from __future__ import annotations

import json
import os
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import NasSuiteError
from .execution import RunResult, execute_resumable
from .files import atomic_output, provenance, write_atomic
from .spec import ExperimentSpec, InvalidSpec, parse_spec, to_toml

from .kinds import FunctionKind

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark

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


def _reads_curves(name: str) -> bool:
    from .. import predictors as P

    return P.spec(name).inputs.curve_epochs > 0


def plan(spec: ExperimentSpec) -> list[Cell]:
    """Every cell of the grid, in the order records are written."""
    cells = []
    for name in spec.predictors:
        fidelities = spec.fidelity if (spec.fidelity and _reads_curves(name)) else (0,)
        for f in fidelities:
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


def _inputs(spec: ExperimentSpec, name: str, fidelity: int) -> Any:
    from .. import predictors as P

    inputs = P.spec(name).inputs
    if inputs.curve_epochs:  # learning-curve models extrapolate the curve of the target itself
        inputs = inputs.with_(curve_metric=spec.target_metric)
    if fidelity:
        inputs = inputs.with_(curve_epochs=fidelity)
    return inputs


def _target(spec: ExperimentSpec, bench: Benchmark) -> np.ndarray:
    return bench.metric(spec.target_metric, spec.target_epoch, spec.target_seed, schedule=spec.target_schedule,
                        rng=np.random.default_rng(0) if spec.target_seed == "sample" else None)


def eligible_pool(spec: ExperimentSpec, bench: Benchmark) -> np.ndarray:
    """Ids where the target and every input of every (predictor, fidelity) of the spec exist."""
    from .. import predictors as P

    y = _target(spec, bench)
    pool = np.flatnonzero(np.isfinite(y))
    for cell in {(c.predictor, c.fidelity) for c in plan(spec)}:
        pool = np.intersect1d(pool, P.measured_ids(bench, _inputs(spec, *cell)))
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


def run_cell(spec: ExperimentSpec, cell: Cell, data_root: str | None, pool: np.ndarray) -> dict[str, Any]:
    """Fit and score one cell; returns the journal entry. Picklable (the spec is a frozen
    dataclass), so any backend can run it."""
    import warnings

    from .. import predictors as P

    bench = _bench(spec, data_root)
    y = _target(spec, bench)
    train, test = split(spec, pool, cell.seed, cell.train_size)
    inputs = _inputs(spec, cell.predictor, cell.fidelity)
    X_train = P.build_features(bench, inputs, train, train=True)
    X_test = P.build_features(bench, inputs, test, train=False)
    params = spec.params.get(cell.predictor, {})
    model = P.make(cell.predictor, bench, inputs=inputs, **params)
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
            "fit_seconds": t1 - t0, "predict_seconds": t2 - t1, "pred": pred.tolist()}


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
    """Run (or resume) ``spec``; returns where the results are.

    ``backend``: ``"local"`` (joblib processes, ``jobs`` of them; 1 = in this process),
    ``"dask"`` (an existing scheduler at ``address``) or ``"ray"`` (a cluster at ``address``,
    or a local instance when None). ``limit`` stops after that many new cells (records
    are then not written; re-running finishes the grid).
    """
    root = None if data_root is None else str(data_root)
    bench = _bench(spec, root)
    cells = plan(spec)
    pool = eligible_pool(spec, bench)
    for n in spec.train_sizes:  # fail before running anything if a split is impossible
        split(spec, pool, spec.seeds[0], n)
    directory = Path(results_root) / spec.name
    bar = _progress(len(cells), spec.name, progress)
    try:
        done = execute_resumable(directory, to_toml(spec.as_toml_dict()), JOURNAL,
                                 [(c.key, (spec, c, root, pool)) for c in cells], run_cell, backend=backend,
                                 jobs=jobs, address=address, limit=limit, on_result=lambda _: bar.update(1),
                                 required=("n_train", "n_test", "values", "fit_seconds", "predict_seconds"))
    finally:
        bar.close()
    if done.complete:
        _write_outputs(directory, spec, cells, done.done, bench, pool, backend, jobs)
    return RunResult(directory, KIND.name, len(cells), done.n_run, done.complete, unit="cells")


def _progress(total: int, name: str, enabled: bool | None) -> Any:
    import sys

    from tqdm import tqdm

    if enabled is None:
        enabled = sys.stderr.isatty() and not os.environ.get("CI")
    return tqdm(total=total, desc=name, unit="cell", disable=not enabled, leave=False)


def _write_outputs(directory: Path, spec: ExperimentSpec, cells: list[Cell], done: dict[str, dict[str, Any]],
                   bench: Benchmark, pool: np.ndarray, backend: str, jobs: int) -> None:
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
    write_atomic(directory / META, json.dumps(_meta(spec, bench, len(cells), backend, jobs), indent=2) + "\n")


def _predictions(spec: ExperimentSpec, cells: list[Cell], done: dict[str, dict[str, Any]], bench: Benchmark,
                 pool: np.ndarray) -> pd.DataFrame:
    """Long table of every test prediction; test ids are re-derived from the (deterministic) split."""
    y = _target(spec, bench)
    parts = []
    for c in cells:
        _, test = split(spec, pool, c.seed, c.train_size)
        pred = np.asarray(done[c.key].get("pred", [np.nan] * len(test)), dtype=np.float64)
        parts.append(pd.DataFrame({"predictor": c.predictor, "fidelity": c.fidelity, "train_size": c.train_size,
                                   "seed": c.seed, "id": test.astype(np.int64), "y_true": y[test], "y_pred": pred}))
    return pd.concat(parts, ignore_index=True)


def _curve_length(spec: ExperimentSpec, bench: Benchmark) -> int | None:
    """Epochs of the target's longest schedule when a predictor reads curves (the report's x axis).

    The longest observed prefix is not it (``baker-lc`` observes at most 150 of 200 epochs).
    """
    if not any(_reads_curves(name) for name in spec.predictors):
        return None
    schedules = [int(s) for s in bench.schedules(spec.target_metric) if s]
    return max(schedules) if schedules else None


def _meta(spec: ExperimentSpec, bench: Benchmark, n_cells: int, backend: str, jobs: int) -> dict[str, Any]:
    return {"name": spec.name, "kind": KIND.name, "cells": n_cells, "curve_length": _curve_length(spec, bench),
            "backend": backend, "jobs": jobs, **provenance(bench)}


KIND = FunctionKind(
    "predictors", ExperimentSpec, "suite.report.predictors:write_predictor_report", parse_spec,
    lambda spec, root, o: run(spec, root, backend=o.backend, jobs=o.jobs, address=o.address, data_root=o.data_root,
                              progress=o.progress, limit=o.limit),
    "predictors x fidelities x train sizes x seeds on shared splits")
