"""NAS-Bench-Macro ``nas-bench-macro_cifar10.json`` -> ``nbmacro/cifar10`` cache.

Source format (xiusu/NAS-Bench-Macro README)::

    {"<8-char code>": {"test_acc": [a0, a1, a2], "mean_acc": m, "std": s, "params": int, "flops": int}}

What the numbers are, from the benchmark's ``train/train.py`` (CVPR 2021 release):

* each network is trained 3 times on the full CIFAR-10 training set (50k) for **50 epochs**
  (SGD, cosine schedule), with ``torch`` seeds 0, 1 and 2 in that order (``args.seed`` starts
  at 0 and is incremented after seeding each run), so ``test_acc[k]`` is seed ``k``;
* ``test_acc`` is the **best** CIFAR-10 test-set accuracy over the 50 epochs (the script keeps
  the maximum of per-epoch test accuracies), not the final-epoch value: stored with
  ``schedule=50`` and ``epochs=None`` (not tied to one epoch);
* ``params`` is a raw parameter count (stored in millions), ``flops`` the count of the
  benchmark's ``utils.count_FLOPs`` (stored in millions).

Codes whose *real* architecture coincides share one training (the file repeats its values);
the ``iso`` column of the archs table identifies them, and :func:`convert` checks that the
file's values are indeed identical within each class.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from ...errors import SourceFormatError
from ..cache import CacheWriter, MetricInfo, source_entry
from ..limits import LimitExceeded, read_json
from ..registry import MACRO_CITATION, benchmark_spec
from ..spaces import nbmacro

CONVERTER = "nbmacro-json"
CONVERTER_VERSION = "1"
SEEDS = (0, 1, 2)
SCHEDULE = 50
FILE_NAME = "nas-bench-macro_cifar10.json"


def read_macro(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(test_acc (6561, 3), params (6561,), flops (6561,))`` in id (base-3) order.

    Read under the size and nesting limits of :mod:`suite.data.limits` (a regular file only)."""
    try:
        data = read_json(path, hint=f"pass {FILE_NAME} or its directory")
    except LimitExceeded:
        raise
    except SourceFormatError as err:
        reason = str(err).removeprefix(f"{path}: ")
        raise SourceFormatError(f"{path}: not a readable NAS-Bench-Macro JSON file ({reason})") from None
    codes = nbmacro.all_codes()
    if not isinstance(data, dict) or set(data) != set(codes):
        raise SourceFormatError(f"{path.name}: keys must be exactly the 6,561 8-character codes over 0/1/2")
    acc = np.full((len(codes), len(SEEDS)), np.nan)
    params = np.empty(len(codes))
    flops = np.empty(len(codes))
    for i, code in enumerate(codes):
        rec = data[code]
        try:
            values = rec["test_acc"]
            if len(values) != len(SEEDS):
                raise SourceFormatError(f"{path.name}: {code} has {len(values)} test accuracies, expected 3")
            acc[i] = values
            params[i] = float(rec["params"])
            flops[i] = float(rec["flops"])
        except (KeyError, TypeError, ValueError):
            raise SourceFormatError(f"{path.name}: record {code} lacks numeric test_acc/params/flops") from None
    return acc, params, flops


def _check_classes(frame: pd.DataFrame, *arrays: np.ndarray) -> None:
    iso = frame["iso"].to_numpy()
    for arr in arrays:
        flat = arr.reshape(len(arr), -1)
        if not np.array_equal(flat, flat[iso]):
            raise SourceFormatError(
                f"{FILE_NAME}: codes with the same real architecture carry different values; the file is not the published benchmark"
            )


def convert(
    sources: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    out_root: str | os.PathLike[str],
    *,
    datasets: Sequence[str] | None = None,
) -> list[Path]:
    """Build ``nbmacro/cifar10`` from ``nas-bench-macro_cifar10.json`` (a path or its directory).

    ``datasets`` exists for the CLI's ``--dataset``; NAS-Bench-Macro has only ``cifar10``.
    """
    for name in datasets or ():
        benchmark_spec("nbmacro").canonical_dataset(name)
    items = [sources] if isinstance(sources, (str, os.PathLike)) else list(sources)
    if len(items) != 1:
        raise SourceFormatError(f"nbmacro-json takes one file ({FILE_NAME}), got {len(items)}")
    path = Path(items[0])
    if path.is_dir():
        path = path / FILE_NAME
    acc, params, flops = read_macro(path)
    frame = nbmacro.archs_frame()
    _check_classes(frame, acc, params, flops)
    common = {
        "trained_on": "the full CIFAR-10 training set (50k images), 50 epochs",
        "source_file": path.name,
    }
    with CacheWriter(
        out_root, "nbmacro", "cifar10",
        converter=CONVERTER, converter_version=CONVERTER_VERSION,
        citation=MACRO_CITATION, licence="Apache-2.0 (xiusu/NAS-Bench-Macro)",
        sources=[source_entry(path, "benchmark table")],
        rebuild=f"nas-suite data import nbmacro-json {path}",
        default_schedule=SCHEDULE,
        notes=f"{frame['iso'].nunique()} distinct trained networks; codes with equal 'real' code share values.",
    ) as writer:
        writer.write_archs(frame, nbmacro.ARCHS_COLUMNS)
        writer.add_metric(
            "test_acc",
            MetricInfo(
                "best test accuracy over the 50 training epochs (max over epochs, as the benchmark reports it)",
                "%", "test", True,
                {**common, "evaluated_on": "the 10k CIFAR-10 test images, after every epoch; the best epoch is kept",
                 "source_field": "[code]['test_acc'][k] for seed k = 0, 1, 2"},
            ),
            acc[:, :, None], schedule=SCHEDULE, epochs=None, seeds=list(SEEDS),
            note="per-seed best-epoch test accuracy; selection on the test set makes it optimistic",
        )
        writer.add_metric(
            "params",
            MetricInfo("trainable parameters", "M", "none", False,
                       {"trained_on": "not applicable", "evaluated_on": "not applicable", "source_file": path.name,
                        "source_field": "[code]['params'] / 1e6"}),
            (params / 1e6)[:, None, None], schedule=None, epochs=None, seeds=["mean"],
        )
        writer.add_metric(
            "flops",
            MetricInfo("FLOPs of one 32x32 forward pass as counted by the benchmark's utils.count_FLOPs", "MFLOPs", "none", False,
                       {"trained_on": "not applicable", "evaluated_on": "not applicable", "source_file": path.name,
                        "source_field": "[code]['flops'] / 1e6"}),
            (flops / 1e6)[:, None, None], schedule=None, epochs=None, seeds=["mean"],
        )
    return [Path(out_root) / "nbmacro" / "cifar10"]
