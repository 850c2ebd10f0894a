"""Tiny NAS-Bench-201 / NATS-Bench files in the official on-disk formats, for tests.

The official archives cannot be shipped or downloaded in CI, so these writers produce the same
*layout* with a handful of architectures (NATS-Bench's own tests do the same with
``fake_torch_dir/``: cells 0, 11 and 284):

* :func:`write_nats_tss_dir` -> ``NATS-tss-v1_0-3ffb9-simple/``: ``meta.pickle.pbz2`` plus one
  ``{index:06d}.pickle.pbz2`` per architecture holding ``OrderedDict({"12": ArchResults state,
  "200": ArchResults state})``, bz2-compressed pickles of protocol 4, as
  ``nats_bench.api_utils.pickle_save`` writes them. NumPy scalars are renamed to
  ``numpy.core.multiarray.scalar``, the name NumPy 1.x (which wrote the official files) used.
* :func:`write_nats_tss_tar` -> ``NATS-tss-v1_0-3ffb9-simple.tar``: the same files under one
  top directory, as the official download (optionally with the meta file last).
* :func:`write_nats_tss_file` -> ``NATS-tss-v1_0-3ffb9.pickle.pbz2``: the single-file benchmark
  that ``nats_bench.create(file, "tss", fast_mode=False)`` loads whole (the same records in one
  pickle; built from :func:`nats_tss_file_head`, :func:`nats_tss_file_item` and
  :func:`nats_tss_file_tail`, which a parallel writer can also use).
* :func:`write_nb201_pth` -> a NAS-Bench-201 ``.pth`` in the v1_0 style: legacy (non-zip)
  ``torch.save`` format, ``{"meta_archs", "total_archs", "arch2infos": {index: {"less", "full"}},
  "evaluated_indexes"}``, "old" ResultsCount records (no train times; cifar100/ImageNet16-120
  ``x-valid``/``x-test`` only after the last epoch; ``less`` only for ``cifar10-valid``).

Curves are invented but plausible, and *distinct for every (source dataset, eval set, seed,
architecture, schedule, epoch)*, so a value landing in the wrong place is detected. The
expected value of any field is given by :func:`acc_value`, :func:`loss_value`,
:func:`epoch_time` and :func:`run_exists`. Real anchors: cell 0's ``cifar10`` ``ori-test``
accuracies after 200 epochs (85.79, 85.62, 86.18 for seeds 777, 888, 999) and its 0.129306 M
parameters are the official values (``shared/data/README.md``).

The full-size stand-in of the real archive (all 15,625 records, values from the embedded tables)
that ``benchmarks/bench_nb201_official.py`` writes is built in ``benchmarks/nb201_standin.py``
from the record layout (:func:`results_count_state`) and writers (:func:`nats_tss_record_bytes`,
:func:`nats_tss_file_head`, :func:`nats_tss_file_item`, :func:`nats_tss_file_tail`) here.
"""

from __future__ import annotations

import bz2
import io
import pickle
import tarfile
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

#: real cell strings of NATS indices 0, 1, 2 (``nats_test_acc_200ep.csv`` rows 0-2)
FIXTURE_ARCHS: tuple[str, ...] = (
    "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|",
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
    "|avg_pool_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|",
)
SOURCES: tuple[str, ...] = ("cifar10-valid", "cifar10", "cifar100", "ImageNet16-120")
EVAL_NAMES: dict[str, tuple[str, ...]] = {
    "cifar10-valid": ("x-valid", "ori-test"),
    "cifar10": ("ori-test",),
    "cifar100": ("ori-test", "x-valid", "x-test"),
    "ImageNet16-120": ("ori-test", "x-valid", "x-test"),
}
META_FILE = "meta.pickle.pbz2"
CLASSES = {"cifar10-valid": 10, "cifar10": 10, "cifar100": 100, "ImageNet16-120": 120}

#: final (last-epoch) accuracy of architecture 0, seed 777, 200 epochs, per (source, set)
_FINAL = {
    ("cifar10-valid", "train"): 95.0, ("cifar10-valid", "x-valid"): 84.0, ("cifar10-valid", "ori-test"): 84.5,
    ("cifar10", "train"): 92.0, ("cifar10", "ori-test"): 88.0,
    ("cifar100", "train"): 75.0, ("cifar100", "x-valid"): 61.0, ("cifar100", "x-test"): 61.5,
    ("cifar100", "ori-test"): 61.25,
    ("ImageNet16-120", "train"): 40.0, ("ImageNet16-120", "x-valid"): 33.0, ("ImageNet16-120", "x-test"): 33.5,
    ("ImageNet16-120", "ori-test"): 33.25,
}
_SEED_SHIFT = {777: 0.0, 888: 0.13, 999: -0.21}
#: official values of cell 0 (NATS record, hp=200): cifar10 ori-test accuracy per seed
REAL_CELL0_CIFAR10_TEST = {777: 85.79, 888: 85.62, 999: 86.18}
REAL_CELL0_PARAMS = 0.129306
_EPOCH_SECONDS = {"cifar10-valid": 9.0, "cifar10": 17.0, "cifar100": 18.0, "ImageNet16-120": 55.0}


def acc_value(index: int, source: str, eval_set: str, seed: int, schedule: int, epoch: int) -> float:
    """Top-1 accuracy (%) the fixture records after ``epoch`` (1-based) of a run.

    ``eval_set`` is ``"train"`` or an eval name (``x-valid``, ``x-test``, ``ori-test``).
    """
    if (index, source, eval_set, schedule) == (0, "cifar10", "ori-test", 200):
        final = REAL_CELL0_CIFAR10_TEST[seed]
    else:
        final = _FINAL[(source, eval_set)] + _arch_shift(index) + _SEED_SHIFT[seed] - (7.0 if schedule == 12 else 0.0)
    return final - 30.0 * (1.0 - epoch / schedule) ** 2


def _arch_shift(index: int) -> float:
    """Per-architecture accuracy offset (distinct for indices 0..10, bounded by 2.9 points)."""
    return 0.29 * (index % 11)


def loss_value(index: int, source: str, eval_set: str, seed: int, schedule: int, epoch: int) -> float:
    """Cross-entropy loss paired with :func:`acc_value` (monotone in it, plus a set offset)."""
    acc = acc_value(index, source, eval_set, seed, schedule, epoch)
    return 0.01 * len(eval_set) + 3.0 * max(0.0, 1.0 - acc / 100.0) ** 1.5


def epoch_time(index: int, source: str) -> float:
    """Seconds per training epoch (constant, like NATS's calibrated times)."""
    return _EPOCH_SECONDS[source] * (1.0 + 0.1 * (index % 11))


def params_value(index: int) -> float:
    return REAL_CELL0_PARAMS if index == 0 else 0.2 + 0.13 * (index % 11)


def flops_value(index: int, source: str) -> float:
    return (15.0 + 10.0 * (index % 11)) * (0.25 if source == "ImageNet16-120" else 1.0) + 0.01 * CLASSES[source]


def latency_value(index: int, source: str) -> float:
    return 0.01 + 0.002 * (index % 11) + 0.0001 * CLASSES[source]


def run_seeds(index: int, schedule: int, source: str, style: str = "nats") -> tuple[int, ...]:
    """Seeds the fixture has a run for (others are missing, i.e. NaN in a cache)."""
    if schedule == 12:
        if style == "v1_0" and source != "cifar10-valid":
            return ()  # NAS-Bench-201 v1_0: `less` only supports cifar10-valid
        return (777, 888) if source == "cifar10-valid" else (777,)
    if index == 1 and source == "cifar10-valid":
        return (777, 999)
    if index == 2 and source in ("cifar100", "ImageNet16-120"):
        return (777, 888)
    return (777, 888, 999)


def run_exists(index: int, schedule: int, source: str, seed: int, style: str = "nats") -> bool:
    return seed in run_seeds(index, schedule, source, style)


def eval_recorded(source: str, eval_set: str, schedule: int, epoch: int, style: str = "nats") -> bool:
    """Whether an eval set was measured after ``epoch`` (v1_0 measured some only at the end)."""
    if style == "nats" or eval_set == "train":
        return True
    per_epoch = {"cifar10-valid": ("x-valid",), "cifar10": ("ori-test",)}.get(source, ("ori-test",))
    return eval_set in per_epoch or epoch == schedule


# -- record builders ---------------------------------------------------------------------------------


def _results_count(index: int, arch: str, source: str, seed: int, schedule: int, style: str) -> dict[str, Any]:
    """State dict of one official ``ResultsCount`` (one trained run)."""
    epochs = range(schedule)
    train_acc = {i: acc_value(index, source, "train", seed, schedule, i + 1) for i in epochs}
    train_loss = {i: loss_value(index, source, "train", seed, schedule, i + 1) for i in epochs}
    eval_acc: dict[str, float] = {}
    eval_loss: dict[str, float] = {}
    eval_times: dict[str, float] = {}
    for name in EVAL_NAMES[source]:
        for i in epochs:
            if not eval_recorded(source, name, schedule, i + 1, style):
                continue
            eval_acc[f"{name}@{i}"] = acc_value(index, source, name, seed, schedule, i + 1)
            eval_loss[f"{name}@{i}"] = loss_value(index, source, name, seed, schedule, i + 1)
            if style == "nats":
                eval_times[f"{name}@{i}"] = 1.5
    if style == "nats":
        train_times: Any = OrderedDict((i, epoch_time(index, source)) for i in epochs)
        latency = [latency_value(index, source)]
    else:
        train_times = None
        lat = latency_value(index, source)
        latency = [lat * 0.9, lat * 1.1, lat]  # per-batch measurements, mean = lat
    return results_count_state(
        source, arch, seed, schedule, train_acc=train_acc, train_loss=train_loss, train_times=train_times,
        eval_acc=eval_acc, eval_loss=eval_loss, eval_times=eval_times,
        params=np.float64(params_value(index)),  # np.sum(...) / 1e6 in the official code
        flop=flops_value(index, source), latency=latency,
    )


def results_count_state(
    source: str, arch: str, seed: int, schedule: int, *, train_acc: dict[int, float], train_loss: dict[int, float],
    train_times: Any, eval_acc: dict[str, float], eval_loss: dict[str, float], eval_times: dict[str, float],
    params: Any, flop: float, latency: list[float] | None,
) -> dict[str, Any]:
    """``ResultsCount.state_dict()`` layout (the attribute order of the official class)."""
    return {
        "name": source,
        "net_state_dict": None,
        "train_acc1es": train_acc,
        "train_acc5es": {i: min(100.0, v + 20.0) for i, v in train_acc.items()},
        "train_losses": train_loss,
        "train_times": train_times,
        "arch_config": {"channel": 16, "num_cells": 5, "arch_str": arch, "class_num": CLASSES[source]},
        "params": params,
        "flop": flop,
        "seed": str(seed),  # the official collector stores the seed string from the file name
        "epochs": schedule,
        "latency": latency,
        "eval_names": list(EVAL_NAMES[source]),
        "eval_acc1es": eval_acc,
        "eval_times": eval_times,
        "eval_losses": eval_loss,
    }


def arch_results_state(index: int, arch: str, schedule: int, style: str = "nats") -> dict[str, Any]:
    """State dict of one official ``ArchResults`` (all runs of one architecture, one hp)."""
    all_results: dict[tuple[str, int], dict[str, Any]] = {}
    dataset_seed: dict[str, list[int]] = {}
    for source in SOURCES:
        seeds = run_seeds(index, schedule, source, style)
        if not seeds:
            continue
        dataset_seed[source] = list(seeds)
        for seed in seeds:
            all_results[(source, seed)] = _results_count(index, arch, source, seed, schedule, style)
    return {
        "arch_index": index,
        "arch_str": arch,
        "all_results": all_results,
        "dataset_seed": dataset_seed,
        "clear_net_done": True,
    }


# -- writers -----------------------------------------------------------------------------------------


def _pickle_bz2_bytes(obj: Any) -> bytes:
    """bz2(pickle protocol 4), as ``nats_bench.api_utils.pickle_save`` writes (level 9)."""
    return bz2.compress(_numpy1_names_protocol4(pickle.dumps(obj, protocol=4)), 9)


def _numpy1_names_protocol4(blob: bytes) -> bytes:
    """Rename ``numpy._core.multiarray`` to NumPy 1.x's ``numpy.core.multiarray`` in a framed
    protocol-4 pickle (fixing each frame's length), so fixtures carry the official files' name."""
    old, new = b"\x8c\x16numpy._core.multiarray", b"\x8c\x15numpy.core.multiarray"
    assert blob[:2] == b"\x80\x04"
    out, pos = [blob[:2]], 2
    while pos < len(blob):
        if blob[pos] != 0x95:  # unframed remainder
            out.append(blob[pos:].replace(old, new))
            break
        n = int.from_bytes(blob[pos + 1:pos + 9], "little")
        frame = blob[pos + 9:pos + 9 + n].replace(old, new)
        out.append(b"\x95" + len(frame).to_bytes(8, "little") + frame)
        pos += 9 + n
    return b"".join(out)


def nats_tss_record(index: int, meta_archs: Sequence[str]) -> OrderedDict:
    """Record of cell ``index``: ``OrderedDict({"12": ArchResults state, "200": ArchResults state})``
    holding the exact test values (:func:`arch_results_state`)."""
    arch = meta_archs[index]
    return OrderedDict((hp, arch_results_state(index, arch, int(hp))) for hp in ("12", "200"))


def nats_tss_record_bytes(record: Any) -> bytes:
    """Bytes of one ``{index:06d}.pickle.pbz2`` file holding ``record`` (see :func:`nats_tss_record`)."""
    return _pickle_bz2_bytes(record)


def nats_tss_members(
    meta_archs: Sequence[str] | None = None,
    indices: Sequence[int] = (0, 1, 2),
    *,
    zero_pad: bool = True,
    with_meta: bool = True,
) -> Iterator[tuple[str, bytes]]:
    """``(file name, bytes)`` of the files of a NATS-tss ``-simple`` archive, meta first.

    Shared by :func:`write_nats_tss_dir` and :func:`write_nats_tss_tar`, so a directory and a tar
    built with the same arguments hold byte-identical files.
    """
    archs = list(FIXTURE_ARCHS if meta_archs is None else meta_archs)
    if with_meta:
        yield META_FILE, _pickle_bz2_bytes({"meta_archs": archs, "total_archs": len(archs), "arch2infos": None,
                                            "evaluated_indexes": set()})
    for index in indices:
        record = nats_tss_record(index, archs)
        name = f"{index:06d}" if zero_pad else f"{index}"
        yield f"{name}.pickle.pbz2", nats_tss_record_bytes(record)


def write_nats_tss_dir(
    directory: str | Path,
    meta_archs: Sequence[str] | None = None,
    indices: Sequence[int] = (0, 1, 2),
    *,
    zero_pad: bool = True,
    with_meta: bool = True,
) -> Path:
    """Write a NATS-tss ``-simple`` directory with records for ``indices``.

    ``meta_archs`` is the full index-ordered list of cell strings (default: the 3 real cells of
    :data:`FIXTURE_ARCHS`); pass the real 15,625 from ``nats_test_acc_200ep.csv`` to mimic the
    official meta file. Record files are named ``{index:06d}`` (``zero_pad``) or ``{index}``.
    ``with_meta=False`` adds records to an existing directory (parallel writers).
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for name, data in nats_tss_members(meta_archs, indices, zero_pad=zero_pad, with_meta=with_meta):
        (out / name).write_bytes(data)
    return out


# -- the single-file benchmark (fast_mode=False) -------------------------------------------------------
#
# ``NATS-tss-v1_0-3ffb9.pickle.pbz2`` is bz2(pickle protocol 4) of {"meta_archs": [15,625 cell
# strings], "total_archs": 15625, "arch2infos": {index: OrderedDict({"12": ArchResults state,
# "200": ...})}, "evaluated_indexes": {0, ..., 15624}} (``simplify`` in AutoDL-Projects'
# ``exps/NATS-Bench/tss-collect.py``): the per-cell records of the ``-simple`` directory, all in
# one pickle. ``nats_bench.create(file, "tss", fast_mode=False)`` unpickles it whole.
#
# A 3 GB pickle cannot be built as one object here (it would take ~30 GB of memory), so it is
# streamed: head + one item per record + tail, each item pickled on its own with protocol-3
# opcodes, whose memo slots are explicit (BINPUT n), so an item refers only to objects it created
# itself and items can be pickled, compressed and concatenated independently (bz2 streams
# concatenate; ``bz2.BZ2File`` reads multi-stream files). Unpickling gives the same objects as
# one protocol-4 pickle would: the same dicts, lists, floats and shared key strings inside a
# record; only a few strings shared across records in the official file (source dataset names,
# hp keys) are separate copies per record, a few kB per record.


def nats_tss_file_head(meta_archs: Sequence[str]) -> bytes:
    """Uncompressed pickle bytes up to the first record (open ``arch2infos`` dict, then a MARK)."""
    archs = list(meta_archs)
    return (b"\x80\x04" + pickle.EMPTY_DICT + pickle.MARK + _opcodes("meta_archs") + _opcodes(archs)
            + _opcodes("total_archs") + _opcodes(len(archs)) + _opcodes("arch2infos") + pickle.EMPTY_DICT + pickle.MARK)


def nats_tss_file_item(index: int, record: Any) -> bytes:
    """Uncompressed pickle bytes of one ``arch2infos`` entry ``index: record``, position-independent."""
    return _opcodes(index) + _opcodes(record)


def nats_tss_file_tail(indices: Iterable[int]) -> bytes:
    """Uncompressed pickle bytes after the last record: ``evaluated_indexes`` = ``set(indices)``."""
    return pickle.SETITEMS + _opcodes("evaluated_indexes") + _opcodes(set(indices)) + pickle.SETITEMS + pickle.STOP


def _opcodes(obj: Any) -> bytes:
    """Protocol-3 pickle of ``obj`` without PROTO/STOP, with NumPy 1.x's scalar name."""
    blob = pickle.dumps(obj, protocol=3)
    return blob[2:-1].replace(b"cnumpy._core.multiarray\nscalar\n", b"cnumpy.core.multiarray\nscalar\n")


def write_nats_tss_file(
    path: str | Path,
    meta_archs: Sequence[str] | None = None,
    indices: Sequence[int] = (0, 1, 2),
) -> Path:
    """Write the single-file benchmark (``NATS-tss-v1_0-3ffb9.pickle.pbz2`` layout) with ``indices``.

    Same records as :func:`write_nats_tss_dir` with the same arguments (see
    :func:`nats_tss_record`); one bz2 stream at level 9, as ``nats_bench.api_utils.pickle_save``.
    """
    archs = list(FIXTURE_ARCHS if meta_archs is None else meta_archs)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with bz2.open(out, "wb", compresslevel=9) as f:
        f.write(nats_tss_file_head(archs))
        for index in indices:
            f.write(nats_tss_file_item(index, nats_tss_record(index, archs)))
        f.write(nats_tss_file_tail(indices))
    return out


def write_nats_tss_tar(
    path: str | Path,
    meta_archs: Sequence[str] | None = None,
    indices: Sequence[int] = (0, 1, 2),
    *,
    top: str = "NATS-tss-v1_0-3ffb9-simple",
    meta_last: bool = False,
    zero_pad: bool = True,
) -> Path:
    """Write ``NATS-tss-v1_0-3ffb9-simple.tar``: the files of :func:`write_nats_tss_dir` under ``top/``.

    Same member layout as the official tar (a ``top/`` directory entry, then plain files
    ``top/meta.pickle.pbz2`` and ``top/{index:06d}.pickle.pbz2``). ``meta_last`` puts the meta
    file after the records (tar order is whatever the packer's directory listing gave, so a
    reader must not rely on meta coming first).
    """
    members = list(nats_tss_members(meta_archs, indices, zero_pad=zero_pad))
    if meta_last:
        members = members[1:] + members[:1]
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as tar:
        folder = tarfile.TarInfo(top)
        folder.type, folder.mode, folder.mtime = tarfile.DIRTYPE, 0o755, 1598832000
        tar.addfile(folder)
        for name, data in members:
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size, info.mode, info.mtime = len(data), 0o644, 1598832000
            tar.addfile(info, io.BytesIO(data))
    return out


def write_nb201_pth(
    path: str | Path,
    meta_archs: Sequence[str] | None = None,
    indices: Sequence[int] = (0, 1, 2),
) -> Path:
    """Write a NAS-Bench-201 v1_0-style ``.pth`` (needs torch; legacy serialization, protocol 2)."""
    import torch

    archs = list(FIXTURE_ARCHS if meta_archs is None else meta_archs)
    data = {
        "meta_archs": archs,
        "total_archs": len(archs),
        "arch2infos": {
            index: {"full": arch_results_state(index, archs[index], 200, "v1_0"),
                    "less": arch_results_state(index, archs[index], 12, "v1_0")}
            for index in indices
        },
        "evaluated_indexes": sorted(indices),
    }
    buffer = io.BytesIO()
    torch.save(data, buffer, _use_new_zipfile_serialization=False)
    blob = buffer.getvalue().replace(b"cnumpy._core.multiarray\nscalar\n", b"cnumpy.core.multiarray\nscalar\n")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(blob)
    return out
