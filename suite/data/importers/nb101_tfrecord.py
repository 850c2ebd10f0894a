"""Importer ``nb101-tfrecord``: official NAS-Bench-101 tfrecords -> the ``nb101/cifar10`` cache.

No TensorFlow: framing is read by :mod:`suite.data.tfrecord` (both CRCs checked) and the
payload by :mod:`suite.data.protobuf`.

Official record (one per trained run, i.e. per cell x budget x repeat), UTF-8 JSON::

    [module_hash, epochs, adjacency_bits, "input,op,...,output", base64(ModelMetrics)]

``adjacency_bits`` is the V*V row-major 0/1 matrix of the (already pruned) cell.
``ModelMetrics.evaluation_data`` holds the evaluation points of the run; the official files
have three: epoch 0 (initialisation), the halfway point ``epochs/2`` and the end ``epochs``.

Field -> cache mapping:

==========================================  ===========================================================
source                                       cache
==========================================  ===========================================================
record[0] module_hash                        ``archs.key`` (optionally re-verified: ``verify_hashes``)
record[3] ops, record[2] bits                ``archs.arch`` = ``"<ops>;<bits>"``; encodings via
                                             :func:`suite.data.spaces.nb101.encode_columns`
record[1] epochs (4, 12, 36, 108)            block ``schedule`` (each budget is its own training run)
evaluation_data[k].current_epoch (> 0)       block ``epochs`` (official: ``[B/2, B]``)
k-th run of (hash, budget) in file order     seed slot k (``seeds = [0, 1, 2]``: repeat index)
train/validation/test_accuracy (fraction)    ``train_acc`` / ``valid_acc`` / ``test_acc`` in %
training_time (s)                            ``train_time`` (seconds of training up to that point)
trainable_parameters                         ``params`` (millions; schedule None)
==========================================  ===========================================================

``valid_acc`` is the 10k-image validation split held out of the CIFAR-10 training set (models
trained on the remaining 40k), ``test_acc`` the official 10k test set (Ying et al. 2019, sec. 2).
The epoch-0 point is not stored (all accuracies are chance level).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import CorruptRecord, SourceFormatError
from ..cache import CacheWriter, MetricInfo, source_entry
from ..protobuf import decode_model_metrics
from ..registry import NB101_CITATION
from ..spaces.nb101 import COLUMNS_DOC, encode_columns, module_hash
from ..tfrecord import iter_records

IMPORTER = "nb101-tfrecord"
VERSION = "1"
_FIELDS = ("train_acc", "valid_acc", "test_acc", "train_time")
_INFO = {
    "train_acc": MetricInfo("training accuracy at the evaluation point", "%", "train (40k CIFAR-10 training images)",
                            extra={"source_field": "EvaluationData.train_accuracy x 100"}),
    "valid_acc": MetricInfo("validation accuracy", "%", "valid (10k images held out of the CIFAR-10 training set)",
                            extra={"source_field": "EvaluationData.validation_accuracy x 100"}),
    "test_acc": MetricInfo("test accuracy", "%", "test (official 10k CIFAR-10 test set)",
                           extra={"source_field": "EvaluationData.test_accuracy x 100"}),
    "train_time": MetricInfo("seconds of training up to the evaluation point (TPU v2, as recorded)", "s", "train",
                             higher_is_better=False, extra={"source_field": "EvaluationData.training_time"}),
}


def convert(
    sources: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    out_root: str | os.PathLike[str],
    *,
    verify_hashes: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
) -> list[Path]:
    """Convert one or more official NB-101 tfrecords into ``out_root/nb101/cifar10``.

    Several files (e.g. ``nasbench_full`` plus extra budgets) are merged; a cell's runs are
    matched by module hash. ``progress(bytes_done, bytes_total)`` is called while reading.
    Nothing becomes visible unless every record parsed (:class:`CacheWriter` is atomic).
    """
    paths = [Path(sources)] if isinstance(sources, (str, os.PathLike)) else [Path(s) for s in sources]
    if not paths:
        raise SourceFormatError(f"{IMPORTER} needs at least one .tfrecord file")
    runs = _Runs()
    total = sum(p.stat().st_size for p in paths)
    done = 0
    for path in paths:
        last = 0
        for offset, data in iter_records(path):
            runs.add(path, offset, data, verify_hashes)
            if progress is not None and offset - last > (8 << 20):
                progress(done + offset, total)
                last = offset
        done += path.stat().st_size
    if progress is not None:
        progress(total, total)
    if not runs.ids:
        raise SourceFormatError(f"{paths[0]} holds no records; is it an NB-101 tfrecord?")
    return [_write(runs, paths, Path(out_root))]


class _Runs:
    """Column-wise accumulation of every run (plain lists; arrays are built once at the end)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.ops: list[str] = []
        self.bits: list[str] = []
        self.params: list[float] = []
        self.repeat_of: dict[tuple[int, int], int] = {}
        # one row per evaluation point: cell id, budget, repeat, epoch, then _FIELDS
        self.rows: list[tuple[int, int, int, float, float, float, float, float]] = []

    def add(self, path: Path, offset: int, data: bytes, verify: bool) -> None:
        try:
            key, budget, bits, ops, payload = json.loads(data)
            metrics = decode_model_metrics(base64.b64decode(payload))
            budget = int(budget)
        except CorruptRecord as err:
            raise CorruptRecord(f"{path}: bad ModelMetrics payload in record at byte offset {offset} ({err})") from None
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as err:
            raise SourceFormatError(
                f"{path}: record at byte offset {offset} is not an NB-101 row [hash, epochs, bits, ops, metrics] ({err})"
            ) from None
        cell = self.ids.get(key)
        if cell is None:
            if verify:
                self._verify(path, offset, key, bits, ops)
            cell = self.ids[key] = len(self.ops)
            self.ops.append(ops)
            self.bits.append(bits)
            self.params.append(np.nan if metrics.trainable_parameters is None else metrics.trainable_parameters / 1e6)
        repeat = self.repeat_of.get((cell, budget), 0)
        self.repeat_of[(cell, budget)] = repeat + 1
        for ev in metrics.evaluation_data:
            if not ev.current_epoch:  # the epoch-0 point: untrained network
                continue
            self.rows.append((cell, budget, repeat, ev.current_epoch,
                              _pct(ev.train_accuracy), _pct(ev.validation_accuracy), _pct(ev.test_accuracy),
                              np.nan if ev.training_time is None else ev.training_time))

    @staticmethod
    def _verify(path: Path, offset: int, key: str, bits: str, ops: str) -> None:
        dim = int(round(len(bits) ** 0.5))
        matrix = np.frombuffer(bits.encode("ascii"), dtype=np.uint8).reshape(dim, dim) - ord("0")
        got = module_hash(matrix, ops.split(","))
        if got != key:
            raise CorruptRecord(f"{path}: record at byte offset {offset} stores hash {key} but its cell hashes to {got}")


def _pct(value: float | None) -> float:
    return np.nan if value is None else value * 100.0


def _write(runs: _Runs, paths: list[Path], out_root: Path) -> Path:
    n = len(runs.ops)
    enc = encode_columns(runs.ops, runs.bits)
    archs = pd.DataFrame({
        "id": np.arange(n, dtype=np.int64),
        "arch": [f"{o};{b}" for o, b in zip(runs.ops, runs.bits)],
        "key": list(runs.ids),
        **enc,
    })
    table = np.array(runs.rows, dtype=np.float64).reshape(-1, 4 + len(_FIELDS))
    cell, budget, repeat, epoch = (table[:, i] for i in range(4))
    n_seeds = int(repeat.max()) + 1 if len(table) else 1
    with CacheWriter(
        out_root, "nb101", "cifar10", converter=IMPORTER, converter_version=VERSION,
        citation=NB101_CITATION, licence="Apache-2.0 (NAS-Bench-101 data)",
        sources=[source_entry(p, role="NAS-Bench-101 tfrecord") for p in paths],
        rebuild=f"nas-suite data import {IMPORTER} " + " ".join(str(p) for p in paths),
        default_schedule=108 if 108 in set(budget.astype(int).tolist()) else None,
        notes="Row order = first appearance in the source file(s); seeds = repeat index in file order.",
    ) as writer:
        writer.write_archs(archs, COLUMNS_DOC)
        for b in sorted(set(budget.astype(int).tolist())):
            sel = budget == b
            epochs = sorted(set(epoch[sel].tolist()))
            if any(e != int(e) for e in epochs):
                raise SourceFormatError(f"budget {b}: non-integer evaluation epochs {epochs}")
            col = np.searchsorted(epochs, epoch[sel])
            for k, name in enumerate(_FIELDS):
                values = np.full((n, n_seeds, len(epochs)), np.nan, dtype=np.float32)
                values[cell[sel].astype(np.int64), repeat[sel].astype(np.int64), col] = table[sel, 4 + k]
                writer.add_metric(name, _INFO[name], values, schedule=b, epochs=[int(e) for e in epochs],
                                  seeds=list(range(n_seeds)),
                                  note=f"{b}-epoch training run; columns = its recorded evaluation epochs (official: halfway, final)")
        writer.add_metric("params", MetricInfo("trainable parameters", "M", "none", higher_is_better=False,
                                               extra={"source_field": "ModelMetrics.trainable_parameters / 1e6"}),
                          np.asarray(runs.params, dtype=np.float64)[:, None, None], schedule=None, epochs=None,
                          seeds=["mean"])
    return out_root / "nb101" / "cifar10"
