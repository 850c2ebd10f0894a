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

Every record is validated before it is used (a damaged or foreign file is refused with a one-line
error naming the file and the record's byte offset, and nothing is written):

* the row is a JSON list of five fields, with no ``NaN``/``Infinity``; ``module_hash`` is 32
  lower-case hex digits; the budget a positive JSON integer of at most ``max_epochs``
  (:mod:`suite.data.limits`); the payload base64 text (line breaks allowed, nothing else
  outside the alphabet, which a lenient decoder would skip) of a well-formed ``ModelMetrics``;
* the cell (first record of each hash) is a valid, *pruned* NB-101 cell: a square 0/1 strictly
  upper-triangular matrix of at most 7 vertices and 9 edges, one known op per vertex, every
  vertex on an input->output path (the official files hold only such cells); with
  ``verify_hashes`` (the default; about 70 us per distinct cell, ~13% of a full conversion)
  its official module hash is recomputed and must equal the stored one. Later records of a
  hash must name the same cell;
* every evaluation point has an epoch that is an integer in ``0..budget`` (each at most once
  per run), accuracies that are finite fractions in ``[0, 1]`` and a finite training time
  ``>= 0`` (absent fields are stored as NaN, as before); the parameter count is ``>= 0``;
* at most ``max_repeats`` (3, as in the official files) runs per (hash, budget) in one file: the
  k-th run is seed slot k, so more repeats would widen every array of the cache. Runs of one
  cell in different files add up (EC-NAS-Bench's 4- and 5-vertex files share 91 cells at
  budget 4: 3 + 1 runs);
* the same file given twice (by any path, or two copies with identical bytes) is refused; so is
  a directory or a FIFO;
* the metric arrays the records call for (cells x seeds x evaluation epochs x budgets) must fit
  ``max_array_bytes`` before any is allocated.
"""

from __future__ import annotations

import base64
import binascii
import math
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import CorruptRecord, InvalidArchitecture, SourceFormatError
from ..cache import CacheWriter, MetricInfo, sha256_file, source_entry
from ..limits import Limits, brief, current, parse_json, regular_file
from ..protobuf import ModelMetrics, decode_model_metrics
from ..registry import NB101_CITATION
from ..spaces.nb101 import COLUMNS_DOC, MAX_VERTICES, canonical_cell, encode_columns, hash_cell
from ..tfrecord import iter_records

IMPORTER = "nb101-tfrecord"
VERSION = "1"
_FIELDS = ("train_acc", "valid_acc", "test_acc", "train_time")
_HASH = re.compile(r"[0-9a-f]{32}\Z")
_SOURCE_HINT = "pass nasbench_full.tfrecord or nasbench_only108.tfrecord"
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
    verify_hashes: bool = True,
    progress: Callable[[int, int | None], None] | None = None,
) -> list[Path]:
    """Convert one or more official NB-101 tfrecords into ``out_root/nb101/cifar10``.

    Several files (e.g. ``nasbench_full`` plus extra budgets) are merged; a cell's runs are
    matched by module hash. Every record is validated (module docstring); ``verify_hashes=False``
    skips only the recomputation of module hashes. ``progress(bytes_done, bytes_total)`` is
    called while reading. Nothing becomes visible unless every record parsed
    (:class:`CacheWriter` is atomic).
    """
    paths = [Path(sources)] if isinstance(sources, (str, os.PathLike)) else [Path(s) for s in sources]
    if not paths:
        raise SourceFormatError(f"{IMPORTER} needs at least one .tfrecord file")
    sizes = _check_sources(paths)
    limits = current()
    runs = _Runs(limits, verify_hashes)
    total = sum(sizes)
    done = 0
    for path, size in zip(paths, sizes):
        last = 0
        runs.in_file.clear()
        name = str(path)
        for offset, data in iter_records(path, limits=limits):
            runs.add(name, offset, data)
            if progress is not None and offset - last > (8 << 20):
                progress(done + offset, total)
                last = offset
        done += size
    if progress is not None:
        progress(total, total)
    if not runs.ids:
        raise SourceFormatError(f"{paths[0]} holds no records; is it an NB-101 tfrecord?")
    return [_write(runs, paths, Path(out_root), limits)]


def _check_sources(paths: list[Path]) -> list[int]:
    """Sizes of the source files; refuses non-files and a file given twice (by any path, or as
    two copies: files of equal size are compared by sha256, so distinct files cost nothing)."""
    seen: dict[tuple[int, int], Path] = {}
    by_size: dict[int, list[Path]] = {}
    sizes = []
    for path in paths:
        info = regular_file(path, _SOURCE_HINT).stat()
        ident = (info.st_dev, info.st_ino)
        if ident in seen:
            raise SourceFormatError(
                f"{path} is given twice (also as {seen[ident]}); its runs would count as extra repeats: pass each file once"
            )
        seen[ident] = path
        by_size.setdefault(info.st_size, []).append(path)
        sizes.append(info.st_size)
    for same_size in by_size.values():
        digests: dict[str, Path] = {}
        for path in same_size if len(same_size) > 1 else ():
            digest = sha256_file(path)
            if digest in digests:
                raise SourceFormatError(
                    f"{path} and {digests[digest]} have identical contents (the same file given twice); "
                    "its runs would count as extra repeats: pass each file once"
                )
            digests[digest] = path
    return sizes


class _Runs:
    """Column-wise accumulation of every run (plain lists; arrays are built once at the end)."""

    def __init__(self, limits: Limits, verify: bool) -> None:
        self.limits = limits
        self.verify = verify
        self.ids: dict[str, int] = {}
        self.ops: list[str] = []
        self.bits: list[str] = []
        self.params: list[float] = []
        self.repeat_of: dict[tuple[int, int], int] = {}
        self.in_file: dict[tuple[int, int], int] = {}  # runs per (cell, budget) in the file being read
        # one row per evaluation point: cell id, budget, repeat, epoch, then _FIELDS
        self.rows: list[tuple[int, int, int, float, float, float, float, float]] = []

    def add(self, path: str, offset: int, data: bytes) -> None:
        """Validate and add the record at byte ``offset`` of file ``path``."""
        where = f"{path}: record at byte offset {offset}"
        row = parse_json(data, source=where, limits=self.limits, allow_nonfinite=False)
        if not isinstance(row, list) or len(row) != 5:
            raise SourceFormatError(f"{where} is not an NB-101 row [hash, epochs, bits, ops, metrics]")
        key, budget, bits, ops, payload = row
        if not isinstance(key, str) or not _HASH.match(key):
            raise SourceFormatError(f"{where}: module hash {brief(key)} is not 32 lower-case hex digits")
        if type(budget) is not int or budget <= 0:
            raise SourceFormatError(f"{where}: budget (training epochs) {brief(budget)} is not a positive integer")
        self.limits.check("max_epochs", budget, where, "its budget (training epochs)")
        metrics = _metrics(path, offset, where, payload)
        cell = self.ids.get(key)
        if cell is None:
            self._check_cell(where, key, bits, ops)
            cell = self.ids[key] = len(self.ops)
            self.ops.append(ops)
            self.bits.append(bits)
            params = metrics.trainable_parameters
            self.params.append(np.nan if params is None else params / 1e6)
        elif bits != self.bits[cell] or ops != self.ops[cell]:
            raise CorruptRecord(f"{where} stores hash {key} for another cell than the hash's first record; the file is damaged")
        here = self.in_file.get((cell, budget), 0)
        if here >= self.limits.max_repeats:
            raise self.limits.exceeded(
                "max_repeats", where,
                f"it is run {here + 1} of cell {key} at budget {budget} in this file (the official files hold 3 "
                "per cell and budget)",
            )
        self.in_file[(cell, budget)] = here + 1
        repeat = self.repeat_of.get((cell, budget), 0)
        self.repeat_of[(cell, budget)] = repeat + 1
        for epoch, train, valid, test, seconds in _points(where, budget, metrics):
            if epoch:  # the epoch-0 point (untrained network) is not stored
                self.rows.append((cell, budget, repeat, epoch, train, valid, test, seconds))

    def _check_cell(self, where: str, key: str, bits: object, ops: object) -> None:
        """A valid, pruned cell whose module hash (if verified) is ``key``."""
        if not isinstance(bits, str) or not isinstance(ops, str):
            raise SourceFormatError(f"{where}: adjacency bits and ops must be strings, got {brief(bits)} and {brief(ops)}")
        n = math.isqrt(len(bits))
        if n * n != len(bits) or n < 2:
            raise SourceFormatError(f"{where}: {len(bits)} adjacency bits are not a square matrix of at least 2 vertices")
        if n > MAX_VERTICES:
            raise SourceFormatError(f"{where}: a {n}x{n} adjacency matrix; NB-101 cells have at most {MAX_VERTICES} vertices")
        if bits.strip("01"):
            raise SourceFormatError(f"{where}: adjacency bits must be 0 or 1, got {brief(bits)}")
        rows = tuple(tuple(map(int, bits[i * n:(i + 1) * n])) for i in range(n))
        try:
            pruned, pruned_ops = canonical_cell((rows, ops.split(",")))
        except InvalidArchitecture as err:
            raise SourceFormatError(f"{where}: {err}") from None
        if len(pruned_ops) != n:
            raise SourceFormatError(
                f"{where}: the cell is not pruned ({n - len(pruned_ops)} vertices are on no input->output path); "
                "official records store pruned cells"
            )
        if self.verify:
            got = hash_cell(pruned, pruned_ops)
            if got != key:
                raise CorruptRecord(f"{where} stores hash {key} but its cell hashes to {got}")


def _metrics(path: str, offset: int, where: str, payload: object) -> ModelMetrics:
    if not isinstance(payload, str):
        raise SourceFormatError(f"{where}: the metrics payload is {brief(payload)}, expected base64 text")
    try:  # the official payloads are wrapped in lines of 76 characters; nothing else may be skipped
        raw = base64.b64decode(payload.replace("\n", ""), validate=True)
    except (binascii.Error, ValueError) as err:
        raise SourceFormatError(f"{where}: the metrics payload is not base64 ({err})") from None
    try:
        metrics = decode_model_metrics(raw)
    except CorruptRecord as err:
        raise CorruptRecord(f"{path}: bad ModelMetrics payload in record at byte offset {offset} ({err})") from None
    if metrics.trainable_parameters is not None and metrics.trainable_parameters < 0:
        raise SourceFormatError(f"{where}: trainable_parameters is {metrics.trainable_parameters}, a negative count")
    return metrics


def _points(where: str, budget: int, metrics: ModelMetrics) -> list[tuple[float, float, float, float, float]]:
    """``(epoch, train %, valid %, test %, seconds)`` of each evaluation point, validated.

    Chained comparisons do the range checks and refuse NaN and infinities at the same time
    (every comparison with NaN is false).
    """
    points = metrics.evaluation_data
    if not points:
        raise SourceFormatError(f"{where}: the run has no evaluation data")
    out = []
    nan = math.nan
    for ev in points:
        epoch = ev.current_epoch
        if epoch is None or not 0.0 <= epoch <= budget or not epoch.is_integer():
            raise SourceFormatError(
                f"{where}: evaluation epoch {brief(epoch)} is not a whole number of epochs in 0..{budget} (the budget)"
            )
        train, valid, test, seconds = ev.train_accuracy, ev.validation_accuracy, ev.test_accuracy, ev.training_time
        for name, value in (("train_accuracy", train), ("validation_accuracy", valid), ("test_accuracy", test)):
            if value is not None and not 0.0 <= value <= 1.0:
                raise SourceFormatError(f"{where}: {name} {value!r} at epoch {epoch:g} is not a fraction in [0, 1]")
        if seconds is not None and not 0.0 <= seconds < math.inf:
            raise SourceFormatError(f"{where}: training_time {seconds!r} at epoch {epoch:g} is not a finite time >= 0")
        out.append((epoch,
                    nan if train is None else train * 100.0,
                    nan if valid is None else valid * 100.0,
                    nan if test is None else test * 100.0,
                    nan if seconds is None else seconds))
    if len(out) > 1 and len({p[0] for p in out}) != len(out):
        raise SourceFormatError(f"{where}: an evaluation epoch appears twice in one run")
    return out


def _write(runs: _Runs, paths: list[Path], out_root: Path, limits: Limits) -> Path:
    n = len(runs.ops)
    table = np.array(runs.rows, dtype=np.float64).reshape(-1, 4 + len(_FIELDS))
    cell, budget, repeat, epoch = (table[:, i] for i in range(4))
    n_seeds = int(repeat.max()) + 1 if len(table) else 1
    # plan every block (budget -> its evaluation epochs) and check the memory it needs first
    plan: list[tuple[int, np.ndarray, list[float]]] = []
    for b in sorted(set(budget.astype(np.int64).tolist())):
        sel = budget == b
        epochs = sorted(set(epoch[sel].tolist()))
        if any(e != int(e) for e in epochs):
            raise SourceFormatError(f"budget {b}: non-integer evaluation epochs {epochs}")
        plan.append((b, sel, epochs))
    need = sum(n * n_seeds * len(epochs) * 4 for _, _, epochs in plan) * len(_FIELDS) + n * 8
    if need > limits.max_array_bytes:
        raise limits.exceeded(
            "max_array_bytes", ", ".join(str(p) for p in paths),
            f"{n:,} cells x {n_seeds} seeds x {sum(len(e) for _, _, e in plan):,} evaluation epochs over "
            f"{len(plan):,} budgets need {need:,} bytes of metric arrays",
        )
    enc = encode_columns(runs.ops, runs.bits)
    archs = pd.DataFrame({
        "id": np.arange(n, dtype=np.int64),
        "arch": [f"{o};{b}" for o, b in zip(runs.ops, runs.bits)],
        "key": list(runs.ids),
        **enc,
    })
    with CacheWriter(
        out_root, "nb101", "cifar10", converter=IMPORTER, converter_version=VERSION,
        citation=NB101_CITATION, licence="Apache-2.0 (NAS-Bench-101 data)",
        sources=[source_entry(p, role="NAS-Bench-101 tfrecord") for p in paths],
        rebuild=f"nas-suite data import {IMPORTER} " + " ".join(str(p) for p in paths),
        default_schedule=108 if any(b == 108 for b, _, _ in plan) else None,
        notes="Row order = first appearance in the source file(s); seeds = repeat index in file order.",
    ) as writer:
        writer.write_archs(archs, COLUMNS_DOC)
        for b, sel, epochs in plan:
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
