"""Full-size stand-in of the NATS-tss archive, for ``bench_nb201_official.py`` only.

The official archives cannot be downloaded here, so the benchmark writes a stand-in of the real
archive (:func:`standin_record`): all 15,625 records, every source dataset, official seeds,
per-epoch curves for both schedules, about 185 kB per record, holding every value the embedded
real tables have (:class:`EmbeddedTable`: final valid/test accuracies, 12-epoch accuracies,
params, training times, 200 learning curves) and plausible random values for the rest.

Records use the official layout of the tiny test fixtures in :mod:`suite.testing.nb201`
(:func:`~suite.testing.nb201.results_count_state`) and are written with its writers
(``nats_tss_record_bytes``, ``nats_tss_file_head``/``_item``/``_tail``). Import this module
from the benchmark script (``benchmarks/`` is on ``sys.path`` when a script there runs).
"""

from __future__ import annotations

import functools
import math
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from suite.testing.nb201 import CLASSES, EVAL_NAMES, SOURCES, results_count_state

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
            all_results[(source, seed)] = results_count_state(
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


def nats_tss_record(
    index: int, meta_archs: Sequence[str], *, seed: int = 0, table: EmbeddedTable | None = None,
) -> OrderedDict:
    """Stand-in record of cell ``index``: ``OrderedDict({"12": ArchResults state, "200": ...})``.

    Holds ``table``'s values of the cell (default: the embedded caches, :func:`embedded_table`;
    ``meta_archs`` must list the cells in NATS-Bench index order), the rest drawn from
    ``np.random.default_rng([seed, index])``, so records can be built in parallel, in any order.
    """
    known = (embedded_table() if table is None else table).cell(index)
    return standin_record(index, meta_archs[index], known, np.random.default_rng([seed, index]))
