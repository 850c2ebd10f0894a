"""NAS-Bench-101 fixtures in the official tfrecord layout (no TensorFlow needed to write them)."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data.protobuf import EvaluationData, ModelMetrics, encode_model_metrics
from ..data.spaces.nb101 import OPS, module_hash
from ..data.tfrecord import write_records


@dataclass(frozen=True)
class Run:
    """One official record: a cell trained once for ``budget`` epochs (accuracies as fractions)."""

    matrix: tuple[tuple[int, ...], ...]
    ops: tuple[str, ...]
    budget: int
    halfway: tuple[float, float, float, float]  # train, valid, test accuracy, training_time
    final: tuple[float, float, float, float]
    params: int


def record_bytes(run: Run, extra: bytes = b"") -> bytes:
    """The JSON row ``[hash, epochs, bits, ops, base64(ModelMetrics)]`` exactly as nasbench stores it."""
    def point(epoch: float, vals: Sequence[float]) -> EvaluationData:
        return EvaluationData(epoch, vals[3], vals[0], vals[1], vals[2], f"gs://x/{epoch}")

    metrics = ModelMetrics(
        [point(0.0, (0.1, 0.1, 0.1, 0.0)), point(run.budget / 2, run.halfway), point(float(run.budget), run.final)],
        run.params, run.final[3] + 5.0,
    )
    bits = "".join(str(int(v)) for row in run.matrix for v in row)
    payload = base64.b64encode(encode_model_metrics(metrics, extra)).decode("ascii")
    row = [module_hash(np.array(run.matrix), list(run.ops)), run.budget, bits, ",".join(run.ops), payload]
    return json.dumps(row).encode("utf-8")


def write_nb101_tfrecord(path: str | os.PathLike[str], runs: Iterable[Run]) -> int:
    """Write ``runs`` as an official-layout tfrecord; returns the record count."""
    return write_records(path, (record_bytes(r) for r in runs))


def random_cells(n: int, rng: np.random.Generator, *, vertices: int = 7) -> list[tuple[tuple[tuple[int, ...], ...], tuple[str, ...]]]:
    """``n`` distinct valid cells (unique module hashes) with every vertex on an input->output path."""
    seen: set[str] = set()
    cells = []
    while len(cells) < n:
        m = np.triu(rng.integers(0, 2, (vertices, vertices)), 1)
        if m.sum() > 9:
            continue
        # keep only cells where every vertex is used, so the official record is already pruned
        if not (m[:-1].sum(axis=1) > 0).all() or not (m[:, 1:].sum(axis=0) > 0).all():
            continue
        ops = ("input",) + tuple(OPS[i] for i in rng.integers(0, 3, vertices - 2)) + ("output",)
        try:
            key = module_hash(m, list(ops))
        except Exception:  # noqa: BLE001 - unreachable output etc.: draw again
            continue
        if key not in seen:
            seen.add(key)
            cells.append((tuple(tuple(int(v) for v in row) for row in m), ops))
    return cells


def converted_fixture(root: Path, n_cells: int = 300, seed: int = 5) -> Path:
    """An official-layout NB-101 tfrecord of ``n_cells`` cells at 4/12/36/108 epochs, converted under ``root``.

    Accuracy grows with the number of conv3x3 ops plus noise that shrinks with the budget,
    so predictors have signal to learn and budgets agree more the longer they are. It is
    capped at 1.0 (a fraction, as the importer checks) after the noise is drawn, so every
    other value is what the uncapped generator gave.
    """
    from ..data.importers.nb101_tfrecord import convert

    root = Path(root)
    rng = np.random.default_rng(seed)
    runs = []
    for matrix, ops in random_cells(n_cells, rng):
        quality = 0.8 + 0.02 * sum(o == "conv3x3-bn-relu" for o in ops) + rng.normal(0, 0.01)
        for budget in (4, 12, 36, 108):
            for _ in range(3):
                acc = min(quality + rng.normal(0, 0.2 / budget), 1.0)
                runs.append(Run(matrix, ops, budget, (acc - 0.1, acc - 0.05, acc - 0.06, budget * 5.0),
                                (acc, acc - 0.01, acc - 0.02, budget * 10.0), 1_000_000))
    write_nb101_tfrecord(root / "fixture.tfrecord", runs)
    convert(root / "fixture.tfrecord", root / "cache")
    return root / "cache"
