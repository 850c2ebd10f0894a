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

For benchmarks at full size, ``synthetic=True`` swaps these exact values for a stand-in of the
real archive (:func:`standin_record`): all 15,625 records, every source dataset, official
seeds, per-epoch curves for both schedules, about 185 kB per record, holding every value the
embedded real tables have (:class:`EmbeddedTable`: final valid/test accuracies, 12-epoch
accuracies, params, training times, 200 learning curves) and plausible random values for the rest.
"""

from __future__ import annotations

import bz2
import functools
import io
import math
import pickle
import tarfile
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
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
    return _results_count_state(
        source, arch, seed, schedule, train_acc=train_acc, train_loss=train_loss, train_times=train_times,
        eval_acc=eval_acc, eval_loss=eval_loss, eval_times=eval_times,
        params=np.float64(params_value(index)),  # np.sum(...) / 1e6 in the official code
        flop=flops_value(index, source), latency=latency,
    )


def _results_count_state(
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


# -- stand-in records for full-size benchmarks ---------------------------------------------------------

SEEDS_200: tuple[int, ...] = (777, 888, 999)
DATASETS: tuple[str, ...] = ("cifar10", "cifar100", "ImageNet16-120")
#: training images per source dataset; NATS-Bench scales its pseudo per-epoch times by these
TRAIN_IMAGES = {"cifar10-valid": 25000, "cifar10": 50000, "cifar100": 50000, "ImageNet16-120": 151700}
#: evaluation images per (source, eval set), for NATS-Bench-style pseudo evaluation times
EVAL_IMAGES = {
    ("cifar10-valid", "x-valid"): 25000, ("cifar10-valid", "ori-test"): 10000, ("cifar10", "ori-test"): 10000,
    ("cifar100", "x-valid"): 5000, ("cifar100", "x-test"): 5000, ("cifar100", "ori-test"): 10000,
    ("ImageNet16-120", "x-valid"): 3000, ("ImageNet16-120", "x-test"): 3000, ("ImageNet16-120", "ori-test"): 6000,
}
#: final accuracies no table holds: (source, eval set) -> (reference (source, eval set), offset in
#: points after 200 epochs, after 12 epochs); drawn as reference seed mean + offset + N(0, 0.3)
_DRAWN_FROM: dict[tuple[str, str], tuple[tuple[str, str], float, float]] = {
    ("cifar10-valid", "ori-test"): (("cifar10", "ori-test"), -0.5, -0.5),
    ("cifar10-valid", "train"): (("cifar10-valid", "x-valid"), 5.0, 1.0),
    ("cifar10", "train"): (("cifar10", "ori-test"), 6.0, 1.0),
    ("cifar100", "train"): (("cifar100", "x-valid"), 12.0, 2.0),
    ("ImageNet16-120", "train"): (("ImageNet16-120", "x-valid"), 5.0, 1.0),
}
#: accuracy ranges (%) of the NB-201 space, for cells a table says nothing about
_RANDOM_RANGE = {("cifar10-valid", "x-valid"): (10.0, 91.6), ("cifar10", "ori-test"): (10.0, 94.4),
                 ("cifar100", "x-valid"): (1.0, 73.5), ("cifar100", "x-test"): (1.0, 73.5),
                 ("ImageNet16-120", "x-valid"): (0.8, 47.3), ("ImageNet16-120", "x-test"): (0.8, 47.3)}

FinalKey = tuple[str, str, int, "int | str"]


@dataclass(frozen=True)
class CellValues:
    """What is known about one cell; :func:`standin_record` draws everything else around it.

    * ``final[(source, eval_set, schedule, seed)]``: final top-1 accuracy (%) of one run, or the
      seed mean with ``seed="mean"``. ``eval_set`` is an official eval name or ``"train"``.
    * ``params[source]``: millions of parameters; ``epoch_seconds[source]``: training seconds
      per epoch (NATS-Bench's pseudo times are the same for every epoch, seed and schedule).
    * ``curves[(source, eval_set)]``: seed-mean accuracy after epochs 1..200 of the 200-epoch runs.
    * ``seeds``: seeds of the 200-epoch runs (the 12-epoch schedule has one run, seed 777).
    """

    seeds: tuple[int, ...] = SEEDS_200
    final: Mapping[FinalKey, float] = field(default_factory=dict)
    params: Mapping[str, float] = field(default_factory=dict)
    epoch_seconds: Mapping[str, float] = field(default_factory=dict)
    curves: Mapping[tuple[str, str], np.ndarray] = field(default_factory=dict)


class EmbeddedTable:
    """The embedded NB-201 caches (``data/nb201``, real NATS-Bench values) as :class:`CellValues`.

    Official field <- embedded metric (``suite.load("nb201", D)``), per cell:

    ============================================= ===============================================
    200-epoch runs: seeds                         777, 888 (+ 999 where ``valid_acc`` seed 999 is
                                                  not NaN; the same cells for every dataset)
    ``cifar10-valid`` ``x-valid`` final, per seed cifar10 ``valid_acc`` (seed 777/888/999)
    ``cifar10`` ``ori-test`` final, seed mean     cifar10 ``test_acc`` (seed mean; per-seed values
                                                  are drawn around it, summing to it)
    ``D`` ``x-valid`` / ``x-test`` final, per seed  ``D`` ``valid_acc`` / ``test_acc`` per seed
                                                  (cifar100, ImageNet16-120; ``x-test`` per seed
                                                  is the table's derived value)
    12-epoch finals, seed mean (one run, 777)     ``valid_acc``/``test_acc`` ``schedule=12`` of
                                                  each dataset (cifar10: ``cifar10-valid``
                                                  ``x-valid`` / ``cifar10`` ``ori-test``)
    ``params`` (every run of the source)          ``params`` (cifar10 for both cifar10 sources)
    train seconds per epoch (both schedules)      ``train_time`` at 200 epochs / 200 (cifar10:
                                                  ``cifar10-valid``; ``cifar10`` = 2x that, as
                                                  NATS-Bench scales by training images)
    ``cifar10-valid`` ``x-valid`` and ``train``   cifar10 ``valid_acc`` / ``train_acc`` curves
    curves, seed mean (cells 0-199)               (the 200 embedded learning curves)
    ============================================= ===============================================

    Everything else (other eval sets, the remaining curves, losses, top-5, FLOPs, latency,
    evaluation times) is drawn by :func:`standin_record`.
    """

    def __init__(self, root: str | Path | None = None) -> None:
        import suite
        from suite.data.paths import EMBEDDED_DIR

        bench = {d: suite.load("nb201", d, root=EMBEDDED_DIR if root is None else root) for d in DATASETS}

        def per_seed(d: str, name: str) -> np.ndarray:
            return np.stack([bench[d].metric(name, seed=s, schedule=200) for s in SEEDS_200], axis=1)

        self.archs: list[str] = bench["cifar10"].arch(np.arange(len(bench["cifar10"]))).tolist()
        self._valid = {d: per_seed(d, "valid_acc") for d in DATASETS}
        self._test = {d: per_seed(d, "test_acc") for d in DATASETS[1:]}
        self._test_c10 = bench["cifar10"].metric("test_acc", schedule=200)
        self._valid12 = {d: bench[d].metric("valid_acc", schedule=12) for d in DATASETS}
        self._test12 = {d: bench[d].metric("test_acc", schedule=12) for d in DATASETS}
        self._params = {d: bench[d].metric("params") for d in DATASETS}
        self._epoch = {d: bench[d].metric("train_time", schedule=200) / 200.0 for d in DATASETS}
        self._curves: dict[str, dict[int, np.ndarray]] = {}
        for name in ("valid_acc", "train_acc"):
            table = bench["cifar10"].curves(name, schedule=200).to_numpy()
            self._curves[name] = {int(i): table[i] for i in np.flatnonzero(~np.isnan(table).any(axis=1))}

    def __len__(self) -> int:
        return len(self.archs)

    def cell(self, index: int) -> CellValues:
        """The known values of cell ``index`` (NATS-Bench tss index)."""
        seeds = tuple(s for k, s in enumerate(SEEDS_200) if not np.isnan(self._valid["cifar10"][index, k]))
        final: dict[FinalKey, float] = {}
        for k, s in enumerate(SEEDS_200):
            if s not in seeds:
                continue
            final[("cifar10-valid", "x-valid", 200, s)] = float(self._valid["cifar10"][index, k])
            for d in DATASETS[1:]:
                final[(d, "x-valid", 200, s)] = float(self._valid[d][index, k])
                final[(d, "x-test", 200, s)] = float(self._test[d][index, k])
        final[("cifar10", "ori-test", 200, "mean")] = float(self._test_c10[index])
        final[("cifar10-valid", "x-valid", 12, "mean")] = float(self._valid12["cifar10"][index])
        final[("cifar10", "ori-test", 12, "mean")] = float(self._test12["cifar10"][index])
        for d in DATASETS[1:]:
            final[(d, "x-valid", 12, "mean")] = float(self._valid12[d][index])
            final[(d, "x-test", 12, "mean")] = float(self._test12[d][index])
        c10_epoch = float(self._epoch["cifar10"][index])
        curves = {(src, key): self._curves[name][index]
                  for name, (src, key) in (("valid_acc", ("cifar10-valid", "x-valid")), ("train_acc", ("cifar10-valid", "train")))
                  if index in self._curves[name]}
        return CellValues(
            seeds=seeds,
            final=final,
            params={"cifar10-valid": float(self._params["cifar10"][index]), "cifar10": float(self._params["cifar10"][index]),
                    "cifar100": float(self._params["cifar100"][index]),
                    "ImageNet16-120": float(self._params["ImageNet16-120"][index])},
            epoch_seconds={"cifar10-valid": c10_epoch, "cifar10": c10_epoch * TRAIN_IMAGES["cifar10"] / TRAIN_IMAGES["cifar10-valid"],
                           "cifar100": float(self._epoch["cifar100"][index]),
                           "ImageNet16-120": float(self._epoch["ImageNet16-120"][index])},
            curves=curves,
        )


@functools.lru_cache(maxsize=1)
def embedded_table() -> EmbeddedTable:
    """The embedded caches' :class:`EmbeddedTable`, read once per process."""
    return EmbeddedTable()


def standin_record(index: int, arch: str, known: CellValues, rng: np.random.Generator) -> OrderedDict:
    """One stand-in NATS-tss record, ``OrderedDict({"12": ArchResults state, "200": ...})``.

    Values in ``known`` (e.g. :meth:`EmbeddedTable.cell`) are written exactly: a per-seed final
    accuracy is the last point of that run's curve, a seed mean is the mean of the runs' final
    points (per-seed values drawn as mean + zero-sum noise), a seed-mean curve is the mean over
    the runs at every epoch (per-seed deviations sum to zero), params and per-epoch training
    times are copied to every run. Everything else is drawn from ``rng``, plausible but not real:

    * final accuracies of eval sets no table holds, around a related known one (see
      ``_DRAWN_FROM``; ``cifar100``/``ImageNet16-120`` ``ori-test`` = mean of ``x-valid`` and
      ``x-test`` per run, as in NATS-Bench where ``ori-test`` is their union), or uniform over the
      space's range when nothing is known;
    * curves from chance level to the final value, with noise that vanishes at the last epoch;
      losses ``1.1 * -ln(acc / 100)`` plus noise; top-5 = top-1 + 20, capped at 100;
    * FLOPs by a rule from the real params (``_flops``), latency from the cell's op counts plus
      noise (one value per cell and class count, the same for both schedules, as NATS-Bench's
      calibrated latencies), params/per-epoch seconds by rules when ``known`` lacks them;
    * evaluation seconds per epoch: 0.3 x the ``cifar10-valid`` training seconds per image, times
      the eval set's images (NATS-Bench's pseudo times scale the same way).

    The same ``known`` and ``rng`` state give the same record; files are written with Python
    floats in dicts keyed as the official ones, so sizes are realistic (about 185 kB bz2).
    """
    ops = arch.count("nor_conv_3x3"), arch.count("nor_conv_1x1"), arch.count("avg_pool_3x3")
    latency = {c: max(0.002, 0.008 + 0.0031 * ops[0] + 0.0012 * ops[1] + 0.0004 * ops[2] + 1e-5 * c
                      + float(rng.normal(0.0, 0.0005))) for c in sorted(set(CLASSES.values()))}
    return OrderedDict((hp, _standin_state(index, arch, int(hp), known, rng, ops, latency)) for hp in ("12", "200"))


def _standin_state(
    index: int, arch: str, schedule: int, known: CellValues, rng: np.random.Generator,
    ops: tuple[int, int, int], latency: Mapping[int, float],
) -> dict[str, Any]:
    seeds = list(known.seeds) if schedule == 200 else [777]
    finals = _standin_finals(known, schedule, len(seeds), seeds, rng)
    progress = 1.0 - np.arange(1, schedule + 1) / schedule  # 1 -> 0 over the run
    c10v_epoch = _epoch_seconds(known, "cifar10-valid", ops)
    all_results: dict[tuple[str, int], dict[str, Any]] = {}
    for source in SOURCES:
        classes = CLASSES[source]
        params = known.params.get(source, 0.073 + 0.1995 * ops[0] + 0.0229 * ops[1] + 0.00065 * (classes - 10))
        flop = _flops(known.params.get("cifar10", params), params, source, ops[2])
        per_epoch = _epoch_seconds(known, source, ops)
        acc: dict[str, np.ndarray] = {}
        for eval_set in ("train", *EVAL_NAMES[source]):
            curve = known.curves.get((source, eval_set)) if schedule == 200 else None
            acc[eval_set] = _seed_curves(finals[(source, eval_set)], curve, 100.0 / classes, progress, rng)
        for k, seed in enumerate(seeds):
            lists = {}
            for eval_set, runs in acc.items():
                loss = np.maximum(1.1 * -np.log(np.maximum(runs[k] / 100.0, 1e-3)) + rng.normal(0.0, 0.01, schedule), 1e-3)
                lists[eval_set] = (runs[k].tolist(), loss.tolist())
            eval_acc: dict[str, float] = {}
            eval_loss: dict[str, float] = {}
            eval_times: dict[str, float] = {}
            for name in EVAL_NAMES[source]:
                acc_list, loss_list = lists[name]
                seconds = 0.3 * c10v_epoch / TRAIN_IMAGES["cifar10-valid"] * EVAL_IMAGES[(source, name)]
                for i in range(schedule):
                    key = f"{name}@{i}"  # one key object for the three dicts, as the official collector
                    eval_acc[key], eval_loss[key], eval_times[key] = acc_list[i], loss_list[i], seconds
            train_acc, train_loss = lists["train"]
            all_results[(source, seed)] = _results_count_state(
                source, arch, seed, schedule, train_acc=dict(enumerate(train_acc)), train_loss=dict(enumerate(train_loss)),
                train_times=OrderedDict((i, per_epoch) for i in range(schedule)),
                eval_acc=eval_acc, eval_loss=eval_loss, eval_times=eval_times,
                params=np.float64(params), flop=flop, latency=[latency[classes]],
            )
    return {"arch_index": index, "arch_str": arch, "all_results": all_results,
            "dataset_seed": {source: list(seeds) for source in SOURCES}, "clear_net_done": True}


def _standin_finals(
    known: CellValues, schedule: int, n: int, seeds: list[int], rng: np.random.Generator,
) -> dict[tuple[str, str], np.ndarray]:
    """Final accuracy of every run, ``{(source, eval_set): (n_seeds,) array}``; see :func:`standin_record`."""
    out: dict[tuple[str, str], np.ndarray] = {}
    for source in SOURCES:
        for eval_set in ("train", *EVAL_NAMES[source]):
            runs = [known.final.get((source, eval_set, schedule, s)) for s in seeds]
            mean = known.final.get((source, eval_set, schedule, "mean"))
            curve = known.curves.get((source, eval_set)) if schedule == 200 else None
            if all(v is not None and math.isfinite(v) for v in runs):
                out[(source, eval_set)] = np.array(runs, dtype=np.float64)
            elif mean is not None and math.isfinite(mean):
                out[(source, eval_set)] = mean + _zero_sum(rng, n, 0.25)
            elif curve is not None:
                last = float(curve[-1])
                out[(source, eval_set)] = last + _zero_sum(rng, n, 0.02 * min(last, 100.0 - last))
    for (source, eval_set), (low, high) in _RANDOM_RANGE.items():  # nothing known: anywhere in range
        if (source, eval_set) not in out:
            level = rng.uniform(low, high) * (0.88 if schedule == 12 else 1.0)
            out[(source, eval_set)] = np.clip(level + rng.normal(0.0, 0.3, n), 100.0 / CLASSES[source], 99.9)
    for source in ("cifar100", "ImageNet16-120"):  # ori-test is the union of x-valid and x-test
        if (source, "ori-test") not in out:
            out[(source, "ori-test")] = (out[(source, "x-valid")] + out[(source, "x-test")]) / 2.0
    for (source, eval_set), (ref, off200, off12) in _DRAWN_FROM.items():
        if (source, eval_set) not in out:
            level = float(out[ref].mean()) + (off200 if schedule == 200 else off12)
            out[(source, eval_set)] = np.clip(level + rng.normal(0.0, 0.3, n), 100.0 / CLASSES[source], 99.9)
    return out


def _zero_sum(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    """``n`` normal deviations of standard deviation ``scale`` with their mean removed (0 for n=1)."""
    noise = rng.normal(0.0, scale, n)
    return noise - noise.mean()


def _seed_curves(
    finals: np.ndarray, mean_curve: np.ndarray | None, chance: float, progress: np.ndarray, rng: np.random.Generator,
) -> np.ndarray:
    """Accuracy after every epoch of every run, ``(n_seeds, schedule)``, ending at ``finals``.

    Without ``mean_curve``: a rise from ``chance`` with noise that vanishes at the end. With it:
    the curve plus per-run deviations that sum to zero at every epoch (so the seed mean is the
    curve), bounded by 2% of the distance to 0 or 100.
    """
    n, schedule = len(finals), len(progress)
    if mean_curve is None:
        runs = finals[:, None] - (finals[:, None] - chance) * progress**2 + rng.normal(0.0, 0.6, (n, schedule)) * progress
        runs = np.clip(runs, 0.0, 100.0)
    else:
        curve = np.asarray(mean_curve, dtype=np.float64)
        noise = rng.normal(0.0, 1.0, (n, schedule))
        noise -= noise.mean(axis=0)
        runs = curve + (finals - finals.mean())[:, None] * (1.0 - progress) ** 2 \
            + noise * 0.02 * np.minimum(curve, 100.0 - curve) * progress
    runs[:, -1] = finals
    return runs


def _epoch_seconds(known: CellValues, source: str, ops: tuple[int, int, int]) -> float:
    if source in known.epoch_seconds:
        return float(known.epoch_seconds[source])
    return 7.0 * (1.0 + 0.35 * ops[0] + 0.1 * ops[1]) * TRAIN_IMAGES[source] / TRAIN_IMAGES["cifar10-valid"]


def _flops(params_c10: float, params: float, source: str, n_pool: int) -> float:
    """MFLOPs by a rule (not the real values): linear in the cifar10 params (7.8 MFLOPs at the
    smallest cell's 0.0738 M, 220 at the largest's 1.532 M), plus pooling, plus the classifier
    difference; ImageNet16-120's 16x16 inputs cost a quarter of the convolutions."""
    convs = 7.8 + 145.6 * (params_c10 - 0.0738) + 0.9 * n_pool
    return (convs / 4.0 if source == "ImageNet16-120" else convs) + (params - params_c10)


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


def nats_tss_record(
    index: int, meta_archs: Sequence[str], *, synthetic: bool = False, seed: int = 0, table: EmbeddedTable | None = None,
) -> OrderedDict:
    """Record of cell ``index``: ``OrderedDict({"12": ArchResults state, "200": ArchResults state})``.

    ``synthetic=False``: the exact test values (:func:`arch_results_state`). ``synthetic=True``:
    a full-size stand-in (:func:`standin_record`) holding ``table``'s values of the cell
    (default: the embedded caches, :func:`embedded_table`; ``meta_archs`` must then list the
    cells in NATS-Bench index order), the rest drawn from ``np.random.default_rng([seed, index])``,
    so records can be built in parallel, in any order.
    """
    arch = meta_archs[index]
    if synthetic:
        known = (embedded_table() if table is None else table).cell(index)
        return standin_record(index, arch, known, np.random.default_rng([seed, index]))
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
    synthetic: bool = False,
    seed: int = 0,
    table: EmbeddedTable | None = None,
) -> Iterator[tuple[str, bytes]]:
    """``(file name, bytes)`` of the files of a NATS-tss ``-simple`` archive, meta first.

    Shared by :func:`write_nats_tss_dir` and :func:`write_nats_tss_tar`, so a directory and a tar
    built with the same arguments hold byte-identical files. ``synthetic``/``seed``/``table``:
    see :func:`nats_tss_record`.
    """
    archs = list(FIXTURE_ARCHS if meta_archs is None else meta_archs)
    if with_meta:
        yield META_FILE, _pickle_bz2_bytes({"meta_archs": archs, "total_archs": len(archs), "arch2infos": None,
                                            "evaluated_indexes": set()})
    for index in indices:
        record = nats_tss_record(index, archs, synthetic=synthetic, seed=seed, table=table)
        name = f"{index:06d}" if zero_pad else f"{index}"
        yield f"{name}.pickle.pbz2", nats_tss_record_bytes(record)


def write_nats_tss_dir(
    directory: str | Path,
    meta_archs: Sequence[str] | None = None,
    indices: Sequence[int] = (0, 1, 2),
    *,
    zero_pad: bool = True,
    with_meta: bool = True,
    synthetic: bool = False,
    seed: int = 0,
    table: EmbeddedTable | None = None,
) -> Path:
    """Write a NATS-tss ``-simple`` directory with records for ``indices``.

    ``meta_archs`` is the full index-ordered list of cell strings (default: the 3 real cells of
    :data:`FIXTURE_ARCHS`); pass the real 15,625 from ``nats_test_acc_200ep.csv`` to mimic the
    official meta file. Record files are named ``{index:06d}`` (``zero_pad``) or ``{index}``.
    ``with_meta=False`` adds records to an existing directory (parallel writers);
    ``synthetic``/``seed``/``table``: see :func:`nats_tss_record`.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for name, data in nats_tss_members(meta_archs, indices, zero_pad=zero_pad, with_meta=with_meta,
                                       synthetic=synthetic, seed=seed, table=table):
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
    *,
    synthetic: bool = False,
    seed: int = 0,
    table: EmbeddedTable | None = None,
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
            f.write(nats_tss_file_item(index, nats_tss_record(index, archs, synthetic=synthetic, seed=seed, table=table)))
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
