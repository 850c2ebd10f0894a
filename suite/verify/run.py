"""A verification run: re-train stratified table cells under the benchmark's protocol, compare ranks.

Layout of ``<results_root>/<name>/``:

- ``config.toml`` - what the run is (benchmark, dataset, schedule, cells, seed, epochs, image
  files by name, so a moved data directory still resumes); a later call with a different
  configuration under the same name is refused.
- ``cells.jsonl`` - journal, one line per finished cell, appended and fsynced as cells finish.
  A finished cell is never re-trained: calling again resumes with the cells not yet in it.
- ``records.parquet`` - one row per cell in selection order (lowest accuracy stratum first):
  ``id, arch, table_acc, retrained_acc, params, seconds, images_per_s, device`` plus
  ``table_params, params_note, amp, epochs, n_train, n_eval, train_loss, train_acc, test_loss``
  (final-epoch values). Accuracies in %, seconds of wall time for training and evaluation.
- ``curves.parquet`` - ``id, epoch, train_loss, train_acc`` per epoch.
- ``meta.json`` - protocol, run settings, the image sources and the JPEG note, package versions,
  git commit and the benchmark cache's provenance.
- ``report/`` - ``summary.md``, ``stats.json``, ``scatter.png`` / ``scatter.pdf``
  (:mod:`suite.verify.report`).

Data (decoded once per call, only if a cell is left to train; see :mod:`suite.verify.data`):
training images are the protocol's training split of the dataset - all 50k CIFAR-10 training
images for NB-201 (its ``cifar10`` table trained on train + valid), the 40k left after a
class-balanced 10k hold-out for NB-101 (its validation split; the official split was
``data_batch_5``, which the class-ordered JPEG copy cannot reproduce, so the hold-out is a fixed
seeded draw, the same in every run). Evaluation: the CIFAR-10 test split for NB-201, the hold-out
for NB-101. ``n_train`` trains on a class-balanced draw of that many training images (seeded by the
run seed; every cell of the run sees the same images); with ``n_train`` set, evaluation defaults to
a class-balanced 1,000 of the evaluation images - the first 100 of each class in stored order,
which for the JPEG test file is the official test order within each class (the file is stored
class by class, so "the first 1,000" would be all airplanes). ``n_eval`` overrides that size.

The CPU smoke configuration - 2 cells, ``epochs=1``, ``n_train=512`` - trains each cell on 2
batches and evaluates on 1,000 images: it exercises every stage in seconds and says nothing about
the table.

Seeds: the cells are chosen by :func:`suite.verify.select.stratified_cells` from ``seed``; cell
``i``'s weights and batches come from seeds derived from ``(seed, i)``, so a cell's result does not
depend on which other cells the run holds or on their order.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import pandas as pd

from ..errors import NasSuiteError, SourceFormatError

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark
    from ..experiment.execution import Journal

__all__ = ["run_verification", "default_image_root", "JOURNAL", "RECORDS", "CURVES", "META", "REPORT"]

JOURNAL = "cells.jsonl"
RECORDS = "records.parquet"
CURVES = "curves.parquet"
META = "meta.json"
REPORT = "report"

#: default evaluation size when ``n_train`` is given (class-balanced; see the module docstring)
SMALL_EVAL = 1000
#: fixed seed of NB-101's hold-out draw: the same validation split in every run
_HOLDOUT_SEED = 101
#: JPEG copies of CIFAR-10 in ../shared/data/cifar10 (../shared/data/README.md)
_JPEG_FILES = {"cifar10": ("cifar10_train_50k_jpeg_bytes.npz", "cifar10_test_10k_jpeg_bytes.npz")}


def default_image_root(dataset: str) -> Path | None:
    """Where images are looked for when none are given: ``$NAS_SUITE_SHARED/data/<dataset>``, else
    ``../shared/data/<dataset>`` beside the source checkout (the layout CI uses); None if neither exists."""
    candidates = []
    if os.environ.get("NAS_SUITE_SHARED"):
        candidates.append(Path(os.environ["NAS_SUITE_SHARED"]) / "data" / dataset)
    candidates.append(Path(__file__).resolve().parents[2].parent / "shared" / "data" / dataset)
    return next((c for c in candidates if c.is_dir()), None)


def _image_roots(dataset: str, image_root: str | os.PathLike[str] | None) -> tuple[Path, Path]:
    """(train source, test source): the two JPEG ``.npz`` files of a directory that holds them,
    else the directory itself for both (official CIFAR / ImageNet16 layouts)."""
    root = Path(image_root) if image_root is not None else default_image_root(dataset)
    if root is None:
        raise SourceFormatError(
            f"no {dataset} images found: pass image_root (a directory holding the official {dataset} files, "
            f"or the JPEG copies {' and '.join(_JPEG_FILES.get(dataset, ('<train>.npz', '<test>.npz')))}), "
            "or set NAS_SUITE_SHARED to the shared/ directory"
        )
    if not root.is_dir():
        raise SourceFormatError(f"image_root {root} is not a directory (it must hold both the train and the test split)")
    names = _JPEG_FILES.get(dataset)
    if names and all((root / n).is_file() for n in names):
        return root / names[0], root / names[1]
    return root, root


def _default_name(benchmark: str, dataset: str, schedule: int, n_archs: int, seed: int, epochs: int | None,
                  n_train: int | None) -> str:
    name = f"verify-{benchmark}-{dataset}-{schedule}ep-n{n_archs}-seed{seed}"
    if epochs is not None:
        name += f"-e{epochs}"
    if n_train is not None:
        name += f"-t{n_train}"
    return name


def _recorded_params(bench: Benchmark, metrics: tuple[str, ...]) -> np.ndarray | None:
    """The table's parameter counts as floats (NaN where unrecorded), from the first metric present."""
    for name in metrics:
        if name in bench.metrics:
            return np.round(np.asarray(bench.metric(name), dtype=np.float64) * 1e6)
    return None


def _plan_data(protocol: Any, dataset: str, train_root: Path, test_root: Path, seed: int, n_train: int | None,
               n_eval: int | None) -> dict[str, Any]:
    """Which images train and which evaluate (indices into their files); decodes nothing."""
    from .data import balanced_subset, split_labels

    train_labels = split_labels(train_root, dataset, "train")
    if protocol.eval_split == "holdout":
        holdout = balanced_subset(train_labels, protocol.holdout_images,
                                  rng=np.random.default_rng(_HOLDOUT_SEED))
        pool = np.setdiff1d(np.arange(len(train_labels)), holdout)
        eval_root, eval_split, eval_labels, eval_pool = train_root, "train", train_labels, holdout
        eval_what = f"a fixed class-balanced hold-out of {len(holdout):,} training images (NB-101's validation split)"
    else:
        pool = np.arange(len(train_labels))
        eval_root, eval_split = test_root, "test"
        eval_labels = split_labels(test_root, dataset, "test")
        eval_pool = np.arange(len(eval_labels))
        eval_what = "the test split"
    if protocol.train_images is not None and len(pool) != protocol.train_images:
        raise SourceFormatError(f"{protocol.name} trains on {protocol.train_images:,} images; {train_root} leaves {len(pool):,}")
    if n_train is not None:
        train_index = balanced_subset(train_labels, int(n_train), among=pool,
                                      rng=np.random.default_rng(np.random.SeedSequence([int(seed), 7])))
    else:
        train_index = pool
    size = n_eval if n_eval is not None else (SMALL_EVAL if n_train is not None else None)
    if size is not None and size < len(eval_pool):
        eval_index = balanced_subset(eval_labels, int(size), among=eval_pool)
        eval_what = f"{len(eval_index):,} class-balanced images (first of each class in stored order) of {eval_what}"
    else:
        eval_index = eval_pool
    return {"train_root": train_root, "train_index": train_index, "pool_size": int(len(pool)), "eval_root": eval_root, "eval_split": eval_split,
            "eval_index": eval_index, "eval_description": eval_what}


def _check_device(device: str) -> None:
    import torch

    kind = torch.device(device).type
    if kind == "cuda" and not torch.cuda.is_available():
        raise NasSuiteError(f"device {device!r} requested but CUDA is not available here; use device='cpu'")
    if kind not in ("cpu", "cuda"):
        raise NasSuiteError(f"device {device!r} is not supported; use 'cpu' or 'cuda[:N]'")


def run_verification(
    benchmark: str,
    dataset: str,
    schedule: int,
    n_archs: int,
    seed: int,
    *,
    device: str = "cpu",
    results_root: str | os.PathLike[str] = "results",
    data_root: str | os.PathLike[str] | None = None,
    image_root: str | os.PathLike[str] | None = None,
    epochs: int | None = None,
    n_train: int | None = None,
    name: str | None = None,
    n_eval: int | None = None,
    amp: bool | None = None,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Re-train ``n_archs`` cells of ``benchmark``/``dataset`` under the protocol of its
    ``schedule``-epoch table and write records and a report; returns the run directory.

    Args:
        benchmark, dataset: the table (``suite.load`` names), read from ``data_root`` (default:
            the usual cache search order).
        schedule: the table's training length in epochs; selects the protocol
            (:func:`suite.verify.protocols.protocol_for`) and the table column compared against.
        n_archs: cells to re-train, stratified over the table's accuracy range.
        seed: selection, weight initialisation and data order.
        device: ``"cpu"`` or ``"cuda[:N]"``.
        results_root: parent of the run directory.
        image_root: directory with the dataset's images: the official files, or for CIFAR-10 the
            JPEG copies (default: :func:`default_image_root`).
        epochs: shorten every training to this many epochs (the cosine decays over them).
        n_train: train on this many class-balanced training images (and evaluate on 1,000).
        name: run directory name (default from the settings).
        n_eval: evaluate on this many class-balanced images instead.
        amp: bf16 autocast on CUDA (default on); ignored on the CPU.
        progress: called with one line per finished cell (the CLI passes ``print``).

    Resumable: cells already in the journal are not trained again.
    """
    from ..data.benchmark import load
    from ..data.registry import benchmark_spec
    from ..experiment.files import atomic_output, portable_path, provenance, write_atomic
    from ..experiment.execution import Journal, pin_config
    from ..experiment.spec import to_toml
    from .protocols import protocol_for
    from .report import write_report
    from .select import stratified_cells

    benchmark = benchmark_spec(benchmark).name  # any spelling: nas-bench-201 -> nb201
    protocol = protocol_for(benchmark, schedule)
    for label, value, low in (("n_archs", n_archs, 1), ("epochs", epochs, 1), ("n_train", n_train, 10),
                              ("n_eval", n_eval, 10)):
        if value is not None and (not isinstance(value, (int, np.integer)) or value < low):
            raise NasSuiteError(f"{label} must be an integer >= {low}, got {value!r}")
    _check_device(device)
    bench = load(benchmark, dataset, root=data_root)
    train_root, test_root = _image_roots(bench.dataset, image_root)
    name = name or _default_name(bench.name, bench.dataset, schedule, n_archs, seed, epochs, n_train)
    directory = Path(results_root) / name
    directory.mkdir(parents=True, exist_ok=True)
    config = {"benchmark": bench.name, "dataset": bench.dataset, "schedule": int(schedule), "protocol": protocol.name,
              "n_archs": int(n_archs), "seed": int(seed), "epochs": int(epochs or protocol.epochs),
              "n_train": int(n_train) if n_train is not None else "all", "n_eval": int(n_eval) if n_eval is not None else "default",
              "images": {"train": train_root.name, "test": test_root.name}}
    pin_config(directory, to_toml(config))

    ids = stratified_cells(bench, n_archs, metric=protocol.table_metric, schedule=schedule, seed=seed)
    table = bench.metric(protocol.table_metric, schedule=schedule)
    recorded = _recorded_params(bench, protocol.params_metrics)
    plan = _plan_data(protocol, bench.dataset, train_root, test_root, seed, n_train, n_eval)

    journal = Journal(directory / JOURNAL)
    done = journal.read()
    todo = [int(i) for i in ids if str(int(i)) not in done]
    if todo:
        with journal:
            _train_cells(todo, bench, protocol, plan, table, recorded, journal, done, seed=seed,
                         device=device, epochs=epochs, amp=amp, progress=progress)

    records, curves = _tables([done[str(int(i))] for i in ids])
    for fname, frame in ((RECORDS, records), (CURVES, curves)):
        with atomic_output(directory / fname) as tmp:
            frame.to_parquet(tmp, index=False)
    first = done[str(int(ids[0]))]
    run_epochs = int(epochs or protocol.epochs)
    reduced = []
    if run_epochs < protocol.epochs:
        reduced.append(f"{run_epochs} of the protocol's {protocol.epochs} epochs")
    if n_train is not None:
        reduced.append(f"{int(n_train):,} of the protocol's {plan['pool_size']:,} training images")
    meta = {
        "name": name,
        "benchmark": bench.name,
        "dataset": bench.dataset,
        "schedule": int(schedule),
        "protocol": protocol.as_dict(),
        "run": {"seed": int(seed), "n_archs": int(n_archs), "epochs": run_epochs, "n_train": int(first["n_train"]),
                "n_eval": int(first["n_eval"]), "reduced": bool(reduced),
                "reduced_reason": ("Trained with " + " and ".join(reduced) + ".") if reduced else ""},
        "selection": {"method": "stratified_cells, equal-width bins of the table metric", "metric": protocol.table_metric,
                      "ids": [int(i) for i in ids]},
        "images": {"train_source": portable_path(first["train_source"]),
                   "eval_source": portable_path(first["eval_source"]),
                   "eval_description": plan["eval_description"], "lossy": bool(first["lossy"]),
                   "jpeg_note": ("JPEG-compressed CIFAR-10 (quality 75; mean absolute pixel error 6.2 vs the originals, "
                                 "PSNR 29.6 dB): expect lower re-trained accuracy; ranks are what is compared")
                   if first["lossy"] else "lossless images"},
        "devices": sorted({str(r) for r in records["device"]}),
        **provenance(bench),
    }
    write_atomic(directory / META, json.dumps(meta, indent=2, allow_nan=True) + "\n")
    write_report(directory / REPORT, records, meta, seed=seed)
    return directory


def _train_cells(todo: list[int], bench: Benchmark, protocol: Any, plan: dict[str, Any], table: np.ndarray,
                 recorded: np.ndarray | None, journal: Journal, done: dict[str, Any], *, seed: int, device: str,
                 epochs: int | None, amp: bool | None, progress: Callable[[str], None] | None) -> None:
    """Decode the images once, put them on the device, train every cell of ``todo`` in turn."""
    from .data import DeviceDataset, load_split, normalisation_for
    from .train import build_network, derive_seed, train_cell

    dataset = bench.dataset
    mean, std = normalisation_for(protocol.normalisation, dataset)
    train_set = load_split(dataset, "train", plan["train_root"], index=plan["train_index"])
    eval_set = load_split(dataset, plan["eval_split"], plan["eval_root"], index=plan["eval_index"])
    train_data = DeviceDataset.from_imageset(train_set, mean=mean, std=std, device=device,
                                             padding=protocol.padding(dataset))
    eval_data = DeviceDataset.from_imageset(eval_set, mean=mean, std=std, device=device, padding=0)
    del train_set, eval_set
    for k, cell in enumerate(todo, 1):
        arch = bench.arch(cell)
        cell_seed = derive_seed(seed, cell)
        network = build_network(bench.name, arch, dataset=dataset, seed=cell_seed)
        count = None if recorded is None or not np.isfinite(recorded[cell]) else int(recorded[cell])
        result = train_cell(network, protocol, train_data, eval_data, seed=cell_seed, device=device,
                            epochs=epochs, amp=amp, recorded_params=count, cell=cell, dataset=dataset)
        entry = {
            "key": str(cell), "id": cell, "arch": str(arch), "table_acc": float(table[cell]),
            "retrained_acc": result["test_acc"], "test_loss": result["test_loss"], "params": result["params"],
            "table_params": count, "params_note": result["params_note"], "seconds": result["seconds"],
            "train_seconds": result["train_seconds"], "images_per_s": result["images_per_second"],
            "device": result["device"], "amp": result["amp"], "epochs": result["epochs"],
            "n_train": result["n_train"], "n_eval": result["n_test"], "train_loss": result["train_loss"],
            "train_acc": result["train_acc"], "train_source": train_data.source, "eval_source": eval_data.source,
            "lossy": bool(train_data.lossy or eval_data.lossy),
        }
        done[entry["key"]] = journal.append(entry)
        if progress is not None:
            progress(f"[{k}/{len(todo)}] cell {cell}: table {entry['table_acc']:.2f}%, re-trained "
                     f"{entry['retrained_acc']:.2f}%, {entry['seconds']:.1f} s, {entry['images_per_s']:.0f} images/s")


def _tables(entries: list[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, curve_rows = [], []
    for e in entries:
        rows.append({
            "id": int(e["id"]), "arch": e["arch"], "table_acc": float(e["table_acc"]),
            "retrained_acc": float(e["retrained_acc"]), "params": int(e["params"]),
            "seconds": float(e["seconds"]), "images_per_s": float(e["images_per_s"]), "device": e["device"],
            "table_params": None if e["table_params"] is None else int(e["table_params"]),
            "params_note": e["params_note"] or "", "amp": bool(e["amp"]), "epochs": int(e["epochs"]),
            "n_train": int(e["n_train"]), "n_eval": int(e["n_eval"]), "train_loss": float(e["train_loss"][-1]),
            "train_acc": float(e["train_acc"][-1]), "test_loss": float(e["test_loss"]),
        })
        for epoch, (loss, acc) in enumerate(zip(e["train_loss"], e["train_acc"]), 1):
            curve_rows.append({"id": int(e["id"]), "epoch": epoch, "train_loss": float(loss), "train_acc": float(acc)})
    records = pd.DataFrame(rows)
    records["table_params"] = records["table_params"].astype("Int64")
    return records, pd.DataFrame(curve_rows, columns=["id", "epoch", "train_loss", "train_acc"])
