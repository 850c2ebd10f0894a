"""Official NAS-Bench-201 / NATS-Bench ``ArchResults`` records -> nas-suite metric blocks.

Shared by :mod:`.nb201_nats` (NATS-tss archive directory) and :mod:`.nb201_pth` (NAS-Bench-201
``.pth`` files): both publish the same per-architecture record, the ``state_dict()`` of the
benchmark API's ``ArchResults`` class (``nats_bench/api_utils.py``, identical in
``nas_201_api``), one per training schedule ``hp`` ("12" or "200" epochs). Only plain data is
read; no class of the official API is needed or imported.

Record layout (as written by ``ArchResults.state_dict`` / ``ResultsCount.state_dict``)::

    {"arch_index": int, "arch_str": str, "clear_net_done": bool,
     "dataset_seed": {source_dataset: [seed, ...]},
     "all_results": {(source_dataset, seed): {          # one trained run ("ResultsCount")
         "name": source_dataset, "seed": seed, "epochs": total_epochs,
         "train_acc1es": {epoch_index: top-1 %}, "train_losses": {epoch_index: loss},
         "train_times": {epoch_index: seconds} | None,
         "eval_names": [eval_name, ...],
         "eval_acc1es": {"<eval_name>@<epoch_index>": top-1 %},
         "eval_losses": {"<eval_name>@<epoch_index>": loss},
         "eval_times": {"<eval_name>@<epoch_index>": seconds},
         "params": float (millions), "flop": float (MFLOPs), "latency": [seconds, ...] | None,
         "arch_config": {...}, "net_state_dict": None (the "simple" files drop weights), ...}}}

``epoch_index`` is 0-based; nas-suite stores epoch ``epoch_index + 1`` ("after this many
epochs"). Source datasets are ``cifar10-valid`` (trained on the 25k train half of the CIFAR-10
training set), ``cifar10`` (trained on all 50k), ``cifar100`` and ``ImageNet16-120``. Eval names
are ``x-valid``, ``x-test`` and ``ori-test`` (see :data:`SPLITS`). In the oldest files
(NAS-Bench-201 v1_0) some eval sets were only measured after the last epoch and ``train_times``
is ``None``: those entries simply stay NaN.

Field -> column mapping (per output dataset; ``S`` = schedule = ``int(hp)``, epochs ``1..S``,
seeds = the union of 777, 888, 999 and any seed found, NaN where a run is missing):

=============== ========================= ======================================================
nas-suite        cifar10                   cifar100 / ImageNet16-120 (``D``)
=============== ========================= ======================================================
train_acc/loss   cifar10-valid ``train``   ``D`` ``train``: ``train_acc1es`` / ``train_losses``
valid_acc/loss   cifar10-valid ``x-valid`` ``D`` ``x-valid``: ``eval_acc1es`` / ``eval_losses``
test_acc/loss    cifar10 ``ori-test``      ``D`` ``x-test``
train_time       cifar10-valid             ``D``: cumulative sum of ``train_times``
params           cifar10, else c10-valid   ``D``: ``params`` (mean over seeds)
flops            cifar10, else c10-valid   ``D``: ``flop`` (mean over seeds)
latency          cifar10, else c10-valid   ``D``: mean of ``latency`` list, then over seeds
=============== ========================= ======================================================

``params``/``flops``/``latency`` (``schedule=None``) come from the longest schedule that has
them, then the first listed source dataset; a non-positive or missing latency is NaN.

Counts read from a record are checked before they shape an array (:mod:`suite.data.limits`):
an hp key or a run's ``epochs`` is a positive whole number of at most ``max_epochs``, a seed a
whole number, at most ``max_seeds`` distinct seeds, and all curve arrays together at most
``max_array_bytes``. ``latency`` is a flat list of numbers. Error messages show input values
through :func:`~suite.data.limits.brief`, so a huge or self-referencing value cannot flood or
hang them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ...errors import InvalidArchitecture, SourceFormatError
from ..cache import CacheWriter, MetricInfo
from ..limits import Limits, brief, current
from ..registry import NB201_CITATION, benchmark_spec
from ..spaces.nb201 import ARCHS_COLUMNS, archs_frame

CONVERTER_VERSION = "1"
BENCHMARK = "nb201"
DATASETS: tuple[str, ...] = ("cifar10", "cifar100", "ImageNet16-120")
SEEDS: tuple[int, ...] = (777, 888, 999)
#: hp keys of the NAS-Bench-201 .pth files -> NATS hp keys
HP_ALIASES = {"less": "12", "full": "200"}


@dataclass(frozen=True)
class Split:
    """Where one nas-suite split of one dataset comes from in the official records."""

    source: str  # official source dataset key
    eval_name: str | None  # None: the training curve; else the eval set name
    trained_on: str
    evaluated_on: str


_C10V = "CIFAR-10 train half (25k of the official 50k training images)"
_C10 = "CIFAR-10 full official training set (50k = NB-201 train + valid)"
_C100 = "CIFAR-100 official training set (50k)"
_IMG = "ImageNet16-120 training set (151.7k)"

SPLITS: dict[str, dict[str, Split]] = {
    "cifar10": {
        "train": Split("cifar10-valid", None, _C10V, "the same 25k training images (running average during the epoch)"),
        "valid": Split("cifar10-valid", "x-valid", _C10V, "CIFAR-10 valid half (the other 25k official training images)"),
        "test": Split("cifar10", "ori-test", _C10, "CIFAR-10 official test set (10k)"),
    },
    "cifar100": {
        "train": Split("cifar100", None, _C100, "the same training images (running average during the epoch)"),
        "valid": Split("cifar100", "x-valid", _C100, "NB-201 valid split: 5k of the CIFAR-100 official test set"),
        "test": Split("cifar100", "x-test", _C100, "NB-201 test split: the other 5k of the CIFAR-100 official test set"),
    },
    "ImageNet16-120": {
        "train": Split("ImageNet16-120", None, _IMG, "the same training images (running average during the epoch)"),
        "valid": Split("ImageNet16-120", "x-valid", _IMG, "NB-201 valid split: 3k of the ImageNet16-120 validation images"),
        "test": Split("ImageNet16-120", "x-test", _IMG, "NB-201 test split: the other 3k ImageNet16-120 validation images"),
    },
}

#: source datasets whose runs give params/FLOPs/latency, in order of preference
COST_SOURCES: dict[str, tuple[str, ...]] = {
    "cifar10": ("cifar10", "cifar10-valid"),
    "cifar100": ("cifar100",),
    "ImageNet16-120": ("ImageNet16-120",),
}

CURVE_METRICS: tuple[str, ...] = (
    "train_acc", "train_loss", "valid_acc", "valid_loss", "test_acc", "test_loss", "train_time",
)
COST_METRICS: dict[str, tuple[str, str, str]] = {
    # metric: (source field, unit, description)
    "params": ("params", "M", "trainable parameters of the network, in millions"),
    "flops": ("flop", "MFLOPs", "FLOPs of one forward pass of one image, in millions"),
    "latency": ("latency", "s", "measured inference latency of one forward pass of a batch, in seconds"),
}

SPLIT_NOTE = (
    "NB-201 split semantics: cifar10 train_*/valid_* come from the cifar10-valid runs (trained on "
    "the 25k train half; valid = x-valid), test_* from the cifar10 runs (trained on all 50k; "
    "ori-test). cifar100 and ImageNet16-120: valid_* = x-valid, test_* = x-test (disjoint halves "
    "of the official test/validation set)."
)


def canonical_datasets(datasets: Iterable[str] | str | None) -> tuple[str, ...]:
    """Requested output datasets in canonical spelling (``None``: all three)."""
    if datasets is None:
        return DATASETS
    if isinstance(datasets, str):
        datasets = [datasets]
    spec = benchmark_spec(BENCHMARK)
    out: list[str] = []
    for d in datasets:
        c = spec.canonical_dataset(d)
        if c not in out:
            out.append(c)
    if not out:
        raise SourceFormatError("no dataset requested; choose any of " + ", ".join(DATASETS))
    return tuple(out)


def archs_table(meta_archs: Any, where: str) -> pd.DataFrame:
    """``archs.parquet`` table of the benchmark's ``meta_archs`` list (row i = official index i)."""
    if not isinstance(meta_archs, Sequence) or isinstance(meta_archs, (str, bytes)) or not meta_archs:
        raise SourceFormatError(f"{where}: 'meta_archs' must be a non-empty list of cell strings")
    if not all(isinstance(a, str) for a in meta_archs):
        raise SourceFormatError(f"{where}: 'meta_archs' must hold cell strings only")
    try:
        frame = archs_frame(list(meta_archs))
    except InvalidArchitecture as err:
        raise SourceFormatError(
            f"{where}: 'meta_archs' are not NAS-Bench-201 cells ({err}); is this the topology (tss) archive?"
        ) from None
    if frame["key"].duplicated().any():
        dup = frame.loc[frame["key"].duplicated(), "arch"].iloc[0]
        raise SourceFormatError(f"{where}: 'meta_archs' lists cell {dup} twice")
    return frame


_DIGITS = re.compile(r"[0-9]+\Z")


def _whole(value: Any) -> int | None:
    """``value`` as a non-negative int if it is a whole number (an int, an integral float or a
    string of digits; not a bool), else None. Never truncates: ``12.5`` and ``"12.5"`` are None."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value) if value >= 0 else None
    if isinstance(value, (float, np.floating)):
        return int(value) if math.isfinite(value) and float(value).is_integer() and value >= 0 else None
    if isinstance(value, str) and len(value) <= 30 and _DIGITS.match(value):
        return int(value)
    return None


def schedule_of(hp: Any, where: str, limits: Limits | None = None) -> int:
    """Schedule (total epochs) of an hp key: ``"12"``, ``"200"``, ``"less"`` or ``"full"``.

    Any positive whole number (int or digit string) of at most ``max_epochs`` is accepted;
    anything else (floats, signs, spaces, bools) is a :class:`SourceFormatError`.
    """
    value = _whole(HP_ALIASES.get(hp, hp) if isinstance(hp, str) else hp)
    if value is None:
        raise SourceFormatError(f"{where}: unknown hyper-parameter key {brief(hp)} (expected '12' or '200')")
    if value <= 0:
        raise SourceFormatError(f"{where}: hyper-parameter key {brief(hp)} is not a positive epoch count")
    (limits or current()).check("max_epochs", value, where, f"hyper-parameter key {brief(hp)} asks for a schedule whose epoch count")
    return value


def _floats(values: Any, n: int, where: str) -> np.ndarray:
    """``values[0..n-1]`` of a mapping ``{epoch_index: value}`` or a sequence, NaN where absent."""
    if values is None:
        return np.full(n, np.nan)
    if isinstance(values, Mapping):
        items = [values.get(i) for i in range(n)]
    elif isinstance(values, Sequence) and not isinstance(values, (str, bytes)):
        items = list(values[:n]) + [None] * max(0, n - len(values))
    else:
        raise SourceFormatError(f"{where}: expected a per-epoch mapping, got {type(values).__name__}")
    return _to_array(items, where)


def _to_array(items: list[Any], where: str) -> np.ndarray:
    try:
        return np.array([np.nan if v is None else float(v) for v in items], dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        bad = next(v for v in items if v is not None and not _is_number(v))
        raise SourceFormatError(f"{where}: per-epoch value {brief(bad)} is not a number") from None


def _is_number(v: Any) -> bool:
    try:
        float(v)
        return True
    except (TypeError, ValueError, OverflowError):
        return False


def _eval_floats(values: Any, name: str, n: int, where: str) -> np.ndarray:
    if values is None:
        return np.full(n, np.nan)
    if not isinstance(values, Mapping):
        raise SourceFormatError(f"{where}: eval results must be a mapping 'name@epoch' -> value")
    return _to_array([values.get(f"{name}@{i}") for i in range(n)], where)


def _scalar(value: Any, where: str, field: str) -> float:
    if value is None:
        return math.nan
    if isinstance(value, (list, tuple)):  # latency: one value per measured batch (a flat list)
        if any(isinstance(v, (list, tuple, Mapping)) for v in value):
            raise SourceFormatError(f"{where}: field {field!r} must be a number or a flat list of numbers, "
                                    f"got nested lists {brief(value)}")
        vals = [_scalar(v, where, field) for v in value]
        vals = [v for v in vals if v > 0]
        return float(np.mean(vals)) if vals else math.nan
    try:
        out = float(value)
    except (TypeError, ValueError, OverflowError):
        raise SourceFormatError(f"{where}: field {field!r} = {brief(value)} is not a number") from None
    return out


class RecordTables:
    """Dense arrays of every output metric, filled one official record at a time.

    ``ids`` are the official indices that will be added (all ``n_archs`` if ``None``); curves
    are ``float32`` arrays of shape ``(len(ids), n_seeds, S)`` per (dataset, metric, schedule),
    allocated on first use; costs are per-architecture lists of per-seed values of the most
    preferred (schedule, source) seen so far. Rows never filled stay NaN and are left out of
    the written blocks (``rows=`` ids) unless every architecture is covered.
    """

    def __init__(self, n_archs: int, datasets: Sequence[str], ids: Sequence[int] | None = None,
                 limits: Limits | None = None) -> None:
        self.limits = limits or current()
        self.n_archs = n_archs
        self.datasets = tuple(datasets)
        self.ids = np.arange(n_archs) if ids is None else np.unique(np.asarray(ids, dtype=np.int64))
        if self.ids.size and (self.ids[0] < 0 or self.ids[-1] >= n_archs):
            raise SourceFormatError(f"architecture indices must lie in 0..{n_archs - 1}")
        self._row = {int(i): r for r, i in enumerate(self.ids)}
        self.seeds: list[int] = list(SEEDS)
        self._slot = {s: i for i, s in enumerate(self.seeds)}
        self._curves: dict[tuple[str, str, int], np.ndarray] = {}
        # (dataset, metric) -> {arch: (priority, [per-seed values])}
        self._costs: dict[tuple[str, str], dict[int, tuple[tuple[int, int], list[float]]]] = {}
        self.n_records = 0
        # which (source, eval name) pairs any requested dataset reads
        self._wanted: dict[str, list[tuple[str, str, Split]]] = {}
        for d in self.datasets:
            for split_name, split in SPLITS[d].items():
                self._wanted.setdefault(split.source, []).append((d, split_name, split))
        self._cost_wanted = {src for d in self.datasets for src in COST_SOURCES[d]}

    # -- filling ----------------------------------------------------------------------------------
    def _curve_bytes(self, extra: int, where: str, what: str) -> None:
        """Refuse (before allocating) when the curves would pass ``max_array_bytes`` with ``extra`` more."""
        need = sum(a.nbytes for a in self._curves.values()) + extra
        if need > self.limits.max_array_bytes:
            raise self.limits.exceeded("max_array_bytes", where, f"{what} makes the curve arrays {need:,} bytes")

    def _seed_slot(self, seed: int, where: str) -> int:
        if seed not in self._slot:
            if len(self.seeds) >= self.limits.max_seeds:
                raise self.limits.exceeded("max_seeds", where, f"seed {seed} is seed number {len(self.seeds) + 1}")
            self._curve_bytes(sum(a.nbytes for a in self._curves.values()) // len(self.seeds), where, f"seed {seed}")
            self.seeds.append(seed)
            self._slot[seed] = len(self.seeds) - 1
            for key, arr in self._curves.items():
                pad = np.full(arr.shape[:1] + (1,) + arr.shape[2:], np.nan, dtype=np.float32)
                self._curves[key] = np.concatenate([arr, pad], axis=1)
        return self._slot[seed]

    def _curve(self, dataset: str, metric: str, schedule: int, where: str) -> np.ndarray:
        key = (dataset, metric, schedule)
        if key not in self._curves:
            shape = (len(self.ids), len(self.seeds), schedule)
            self._curve_bytes(4 * math.prod(shape), where, f"a {schedule}-epoch {metric} curve for {dataset}")
            self._curves[key] = np.full(shape, np.nan, dtype=np.float32)
        return self._curves[key]

    def add(self, index: int, hp_records: Any, expected_arch: str, where: str) -> None:
        """Add one architecture's ``{hp: ArchResults state}`` mapping (official index ``index``)."""
        if not isinstance(hp_records, Mapping) or not hp_records:
            raise SourceFormatError(f"{where}: expected a mapping hp -> ArchResults state, got {type(hp_records).__name__}")
        if index not in self._row:
            raise SourceFormatError(f"{where}: architecture index {index} is outside 0..{self.n_archs - 1} of meta_archs")
        for hp, state in hp_records.items():
            schedule = schedule_of(hp, where, self.limits)
            self._add_arch_results(index, schedule, state, expected_arch, f"{where} [hp={hp}]")
        self.n_records += 1

    def _add_arch_results(self, index: int, schedule: int, state: Any, expected_arch: str, where: str) -> None:
        if not isinstance(state, Mapping) or not isinstance(state.get("all_results"), Mapping):
            raise SourceFormatError(f"{where}: not an ArchResults state (no 'all_results' mapping)")
        arch = state.get("arch_str")
        if arch is not None and arch != expected_arch:
            raise SourceFormatError(
                f"{where}: record is for {brief(arch)} but meta_archs[{index}] is {expected_arch}; the archive is inconsistent"
            )
        for run_key, run in state["all_results"].items():
            if not (isinstance(run_key, tuple) and len(run_key) == 2 and isinstance(run_key[0], str)):
                raise SourceFormatError(f"{where}: run key {brief(run_key)} is not a (dataset, seed) pair")
            source, seed_raw = run_key
            seed = _whole(seed_raw)
            if seed is None:
                raise SourceFormatError(f"{where}: run key {brief(run_key)} has a seed that is not a whole number")
            wanted = self._wanted.get(source)
            if not wanted and source not in self._cost_wanted:
                continue
            run_where = f"{where} run ({brief(source)}, seed {seed})"
            if not isinstance(run, Mapping):
                raise SourceFormatError(f"{run_where}: not a ResultsCount state")
            epochs = run.get("epochs", schedule)
            if _whole(epochs) != schedule:
                raise SourceFormatError(f"{run_where}: run of {brief(epochs)} epochs filed under a {schedule}-epoch schedule")
            if wanted:
                self._add_curves(index, schedule, seed, run, wanted, run_where)
            if source in self._cost_wanted:
                self._add_costs(index, schedule, source, run, run_where)

    def _add_curves(self, index: int, schedule: int, seed: int, run: Mapping[str, Any],
                    wanted: list[tuple[str, str, Split]], where: str) -> None:
        slot = self._seed_slot(seed, where)
        train: dict[str, np.ndarray] | None = None
        for dataset, split_name, split in wanted:
            if split.eval_name is None:
                if train is None:
                    if "train_acc1es" not in run or "train_losses" not in run:
                        raise SourceFormatError(f"{where}: lacks 'train_acc1es'/'train_losses'")
                    train = {
                        "acc": _floats(run["train_acc1es"], schedule, f"{where} train_acc1es"),
                        "loss": _floats(run["train_losses"], schedule, f"{where} train_losses"),
                        "time": np.cumsum(_floats(run.get("train_times"), schedule, f"{where} train_times")),
                    }
                acc, loss = train["acc"], train["loss"]
                self._curve(dataset, "train_time", schedule, where)[self._row[index], slot] = train["time"]
            else:
                if "eval_acc1es" not in run or "eval_losses" not in run:
                    raise SourceFormatError(f"{where}: lacks 'eval_acc1es'/'eval_losses'")
                acc = _eval_floats(run["eval_acc1es"], split.eval_name, schedule, f"{where} eval_acc1es")
                loss = _eval_floats(run["eval_losses"], split.eval_name, schedule, f"{where} eval_losses")
            row = self._row[index]
            self._curve(dataset, f"{split_name}_acc", schedule, where)[row, slot] = acc
            self._curve(dataset, f"{split_name}_loss", schedule, where)[row, slot] = loss

    def _add_costs(self, index: int, schedule: int, source: str, run: Mapping[str, Any], where: str) -> None:
        for dataset in self.datasets:
            sources = COST_SOURCES[dataset]
            if source not in sources:
                continue
            priority = (schedule, -sources.index(source))
            for metric, (field, _, _) in COST_METRICS.items():
                value = _scalar(run.get(field), where, field)
                if metric == "latency" and not value > 0:
                    value = math.nan
                table = self._costs.setdefault((dataset, metric), {})
                best = table.get(index)
                if best is None or priority > best[0]:
                    table[index] = (priority, [value])
                elif priority == best[0]:
                    best[1].append(value)

    # -- output -----------------------------------------------------------------------------------
    def check_coverage(self, where: str) -> None:
        """Refuse (before anything is written) when a requested dataset received no data."""
        if self.n_records == 0:
            raise SourceFormatError(f"{where}: holds no architecture records")
        for d in self.datasets:
            if not any(k[0] == d and np.isfinite(a).any() for k, a in self._curves.items()):
                sources = sorted({s.source for s in SPLITS[d].values()})
                raise SourceFormatError(
                    f"{where}: no runs on {', '.join(sources)} for dataset {d}; "
                    f"leave {d} out of the requested datasets"
                )

    def blocks(self, dataset: str) -> list[tuple[str, MetricInfo, np.ndarray, dict[str, Any]]]:
        """``(metric, info, values, add_metric kwargs)`` of every non-empty block of ``dataset``."""
        out = []
        for (d, metric, schedule), arr in sorted(self._curves.items(), key=lambda kv: (CURVE_METRICS.index(kv[0][1]), -kv[0][2])):
            if d != dataset:
                continue
            covered = np.isfinite(arr).any(axis=(1, 2))
            if not covered.any():
                continue
            if covered.all() and len(self.ids) == self.n_archs:
                values, rows = arr, None
            else:
                values, rows = arr[covered], self.ids[covered]
            out.append((metric, curve_info(dataset, metric), values, {
                "schedule": schedule, "epochs": list(range(1, schedule + 1)), "seeds": list(self.seeds),
                "rows": rows, "note": f"official hp={schedule}: epoch e = record epoch index e-1",
            }))
        for metric in COST_METRICS:
            table = self._costs.get((dataset, metric), {})
            values = np.full(self.n_archs, np.nan)
            for index, (_, vals) in table.items():
                finite = [v for v in vals if math.isfinite(v)]
                if finite:
                    values[index] = float(np.mean(finite))
            covered = np.isfinite(values)
            if not covered.any():
                continue
            rows = None if covered.all() else np.flatnonzero(covered)
            vals = values if rows is None else values[rows]
            out.append((metric, cost_info(dataset, metric), vals[:, None, None], {
                "schedule": None, "epochs": None, "seeds": ["mean"], "rows": rows,
                "note": "mean over the seeds of the longest schedule that records it",
            }))
        return out


def curve_info(dataset: str, metric: str) -> MetricInfo:
    """What one per-epoch metric of ``dataset`` means and which official field it comes from."""
    split_name, _, kind = metric.partition("_")
    split = SPLITS[dataset][split_name]
    if kind == "time":
        return MetricInfo(
            f"cumulative training time up to the epoch on {split.trained_on}",
            unit="s", split="train", higher_is_better=False,
            extra={"trained_on": split.trained_on, "evaluated_on": "", "source_dataset": split.source,
                   "source_field": "cumsum(train_times[0..epoch-1]) (NATS: its calibrated per-epoch estimates)"},
        )
    if split.eval_name is None:
        field = "train_acc1es" if kind == "acc" else "train_losses"
        source_field = f"{field}[epoch-1]"
        evaluated_on = split.evaluated_on
    else:
        field = "eval_acc1es" if kind == "acc" else "eval_losses"
        source_field = f"{field}['{split.eval_name}@<epoch-1>']"
        evaluated_on = split.evaluated_on
    what = "top-1 accuracy" if kind == "acc" else "cross-entropy loss"
    return MetricInfo(
        f"{what} on {evaluated_on}, network trained on {split.trained_on}",
        unit="%" if kind == "acc" else "", split=split_name, higher_is_better=kind == "acc",
        extra={"trained_on": split.trained_on, "evaluated_on": evaluated_on, "source_dataset": split.source,
               "source_split": split.eval_name or "train", "source_field": source_field},
    )


def cost_info(dataset: str, metric: str) -> MetricInfo:
    field, unit, text = COST_METRICS[metric]
    sources = COST_SOURCES[dataset]
    return MetricInfo(
        text, unit=unit, split="", higher_is_better=False,
        extra={"trained_on": "", "evaluated_on": "", "source_dataset": " else ".join(sources),
               "source_field": f"ResultsCount.{field}" + (" (mean of the list)" if metric == "latency" else "")},
    )


def write_caches(
    tables: RecordTables,
    archs: pd.DataFrame,
    out_root: str | Path,
    *,
    converter: str,
    sources: Sequence[dict[str, Any]],
    rebuild: str,
    notes: str,
) -> list[Path]:
    """Write one cache per requested dataset (atomically, via :class:`CacheWriter`)."""
    written = []
    for dataset in tables.datasets:
        blocks = tables.blocks(dataset)
        schedules = {kwargs["schedule"] for _, _, _, kwargs in blocks if kwargs["schedule"] is not None}
        default = 200 if 200 in schedules else max(schedules, default=None)
        with CacheWriter(
            out_root, BENCHMARK, dataset, converter=converter, converter_version=CONVERTER_VERSION,
            citation=NB201_CITATION, licence="MIT (NAS-Bench-201 / NATS-Bench)", sources=sources,
            rebuild=rebuild, default_schedule=default, notes=f"{notes} {SPLIT_NOTE}",
        ) as writer:
            writer.write_archs(archs, ARCHS_COLUMNS)
            for metric, info, values, kwargs in blocks:
                writer.add_metric(metric, info, values, **kwargs)
        written.append(writer.target)
    return written
