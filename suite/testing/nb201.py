"""Tiny NAS-Bench-201 / NATS-Bench files in the official on-disk formats, for tests.

The official archives cannot be shipped or downloaded in CI, so these writers produce the same
*layout* with a handful of architectures (NATS-Bench's own tests do the same with
``fake_torch_dir/``: cells 0, 11 and 284):

* :func:`write_nats_tss_dir` -> ``NATS-tss-v1_0-3ffb9-simple/``: ``meta.pickle.pbz2`` plus one
  ``{index:06d}.pickle.pbz2`` per architecture holding ``OrderedDict({"12": ArchResults state,
  "200": ArchResults state})``, bz2-compressed pickles of protocol 4, as
  ``nats_bench.api_utils.pickle_save`` writes them. NumPy scalars are renamed to
  ``numpy.core.multiarray.scalar``, the name NumPy 1.x (which wrote the official files) used.
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
"""

from __future__ import annotations

import bz2
import io
import pickle
from collections import OrderedDict
from pathlib import Path
from typing import Any, Sequence

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
    return {
        "name": source,
        "net_state_dict": None,
        "train_acc1es": train_acc,
        "train_acc5es": {i: min(100.0, v + 20.0) for i, v in train_acc.items()},
        "train_losses": train_loss,
        "train_times": train_times,
        "arch_config": {"channel": 16, "num_cells": 5, "arch_str": arch, "class_num": CLASSES[source]},
        "params": np.float64(params_value(index)),  # np.sum(...) / 1e6 in the official code
        "flop": flops_value(index, source),
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


def _pickle_bz2(obj: Any, path: Path) -> None:
    blob = _numpy1_names_protocol4(pickle.dumps(obj, protocol=4))
    with bz2.BZ2File(path, "wb") as handle:
        handle.write(blob)


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


def write_nats_tss_dir(
    directory: str | Path,
    meta_archs: Sequence[str] | None = None,
    indices: Sequence[int] = (0, 1, 2),
    *,
    zero_pad: bool = True,
) -> Path:
    """Write a NATS-tss ``-simple`` directory with records for ``indices``.

    ``meta_archs`` is the full index-ordered list of cell strings (default: the 3 real cells of
    :data:`FIXTURE_ARCHS`); pass the real 15,625 from ``nats_test_acc_200ep.csv`` to mimic the
    official meta file. Record files are named ``{index:06d}`` (``zero_pad``) or ``{index}``.
    """
    archs = list(FIXTURE_ARCHS if meta_archs is None else meta_archs)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    _pickle_bz2({"meta_archs": archs, "total_archs": len(archs), "arch2infos": None,
                 "evaluated_indexes": set()}, out / "meta.pickle.pbz2")
    for index in indices:
        record = OrderedDict((hp, arch_results_state(index, archs[index], int(hp))) for hp in ("12", "200"))
        name = f"{index:06d}" if zero_pad else f"{index}"
        _pickle_bz2(record, out / f"{name}.pickle.pbz2")
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
