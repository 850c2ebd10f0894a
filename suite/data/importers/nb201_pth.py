"""Importer ``nb201-pth``: NAS-Bench-201 ``.pth`` benchmark files -> nb201 caches.

Sources: ``NAS-Bench-201-v1_0-e61699.pth`` or ``NAS-Bench-201-v1_1-096897.pth``. Each is one
``torch.save``-d dict (layout of ``merge_all`` in AutoDL-Projects
``exps/NAS-Bench-201/statistics.py``, read by ``nas_201_api.NASBench201API``)::

    {"meta_archs": [15,625 cell strings, index order], "total_archs": 15625,
     "evaluated_indexes": [index, ...],
     "arch2infos": {index: {"less": ArchResults state (hp "12"),
                            "full": ArchResults state (hp "200")}}}

The ArchResults state and the field -> metric mapping are shared with the NATS archive and
documented in :mod:`.nb201_records` (``less`` is filed as schedule 12, ``full`` as 200). File
differences the mapping absorbs as NaN (see ``api_201.py``'s file history and the
``update_OLD_eval`` branch of ``statistics.py``): in v1_0 the 12-epoch ``less`` runs exist only
for ``cifar10-valid``; runs stored in the old format carry no ``train_times``, and their
cifar100/ImageNet16-120 ``x-valid``/``x-test`` sets were evaluated after the last epoch only
(per-epoch values exist for ``ori-test``, the union of both halves, which nas-suite does not
store) -- as do the cifar10-valid ``ori-test`` values.

A ``.pth`` file is a pickle, and unpickling can execute code. nas-suite therefore needs
``allow_pickle=True`` (CLI ``--allow-pickle``) and then reads it with
``torch.load(path, weights_only=True, map_location="cpu")``: torch's own restricted unpickler,
extended here only by NumPy numeric scalars (parameter counts are pickled as ``np.float64``).
PyTorch is an optional dependency (``pip install "nas-suite[torch]"``), imported on use.

Sizes read from the file are bounded as for the NATS archive (:mod:`.nb201_records`: hp keys,
epochs, seeds, curve arrays; :mod:`suite.data.limits`); a zip-format file whose compressed entries
would expand past ``max_decompressed_bytes`` is refused before torch opens it (stored entries,
which torch writes, are bounded by the file itself). Messages show values from the file through
:func:`~suite.data.limits.brief`.
"""

from __future__ import annotations

import os
import pickle
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Iterable

from ...errors import CorruptRecord, NasSuiteError, SourceFormatError, UnsafePickle
from ...extras import install_hint, require
from ..cache import source_entry
from ..limits import Limits, brief, current, regular_file
from .nb201_records import RecordTables, archs_table, canonical_datasets, write_caches

IMPORTER = "nb201-pth"
_REQUIRED_KEYS = ("meta_archs", "arch2infos")
#: first PyTorch whose safe_globals accept (callable, "module.name") pairs, needed for the
#: NumPy 1.x name ``numpy.core.multiarray.scalar`` that the official files use
_MIN_TORCH = (2, 6)


def convert(
    sources: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    out_root: str | os.PathLike[str],
    *,
    allow_pickle: bool = False,
    datasets: Iterable[str] | str | None = None,
) -> list[Path]:
    """Convert one NAS-Bench-201 ``.pth`` file into nb201 caches under ``out_root``.

    Args:
        sources: the ``.pth`` file (or a one-element list of it).
        out_root: cache root; caches go to ``out_root/nb201/<dataset>``.
        allow_pickle: must be ``True``: the file is a pickle (see module docstring).
        datasets: subset of ``cifar10``, ``cifar100``, ``ImageNet16-120`` (default: all).

    Returns:
        The cache directories written, one per dataset.
    """
    path = _source_file(sources)
    wanted = canonical_datasets(datasets)
    if not allow_pickle:
        raise NasSuiteError(
            f"{path.name} is a torch-saved Python pickle, and loading a pickle can execute code; "
            "nas-suite reads it (with torch's weights_only loader) only when asked: re-run with "
            "--allow-pickle (allow_pickle=True) if you trust the file"
        )
    limits = current()
    data = load_torch_file(path, limits)
    if not isinstance(data, Mapping) or any(k not in data for k in _REQUIRED_KEYS):
        raise SourceFormatError(
            f"{path} is not a NAS-Bench-201 benchmark file (expected a dict with keys "
            f"{', '.join(_REQUIRED_KEYS)}); pass NAS-Bench-201-v1_0-e61699.pth or -v1_1-096897.pth"
        )
    archs = archs_table(data["meta_archs"], str(path))
    meta_archs = list(data["meta_archs"])
    total = data.get("total_archs")
    if total is not None and total != len(meta_archs):
        raise SourceFormatError(f"{path}: total_archs={brief(total)} but meta_archs lists {len(meta_archs)} cells")
    arch2infos = data["arch2infos"]
    if not isinstance(arch2infos, Mapping):
        raise SourceFormatError(f"{path}: 'arch2infos' is a {type(arch2infos).__name__}, expected a mapping index -> record")

    records: list[tuple[int, Any]] = []
    for raw_index, record in arch2infos.items():
        try:
            index = int(raw_index)
        except (TypeError, ValueError, OverflowError):
            raise SourceFormatError(f"{path}: arch2infos key {brief(raw_index)} is not an architecture index") from None
        if not 0 <= index < len(meta_archs):
            raise SourceFormatError(f"{path} arch2infos[{index}]: index outside 0..{len(meta_archs) - 1} of meta_archs")
        if not isinstance(record, Mapping) or not {"less", "full"} & set(record):
            raise SourceFormatError(
                f"{path} arch2infos[{index}]: expected a mapping with 'less' (12 epochs) and 'full' (200 epochs)"
            )
        records.append((index, record))

    tables = RecordTables(len(meta_archs), wanted, ids=[i for i, _ in records], limits=limits)
    for index, record in records:
        tables.add(index, record, meta_archs[index], f"{path} arch2infos[{index}]")
    tables.check_coverage(str(path))
    return write_caches(
        tables, archs, out_root, converter=IMPORTER,
        sources=[source_entry(path, role="NAS-Bench-201 benchmark file")],
        rebuild=f"nas-suite data import {IMPORTER} {path} --allow-pickle",
        notes=f"Converted from the NAS-Bench-201 benchmark file {path.name}.",
    )


def _source_file(sources: Any) -> Path:
    items = [sources] if isinstance(sources, (str, os.PathLike)) else list(sources)
    if len(items) != 1:
        raise SourceFormatError(f"{IMPORTER} reads one .pth file, got {len(items)} sources")
    path = Path(items[0])
    if path.is_dir():
        raise SourceFormatError(f"{path} is a directory; pass the NAS-Bench-201-v1_*.pth file itself")
    return regular_file(path, "pass NAS-Bench-201-v1_0-e61699.pth or -v1_1-096897.pth")


def _check_zip_entries(path: Path, limits: Limits) -> None:
    """Refuse a zip-format ``.pth`` with a compressed entry declared larger than
    ``max_decompressed_bytes`` (torch would allocate the declared size and inflate into it)."""
    try:
        with zipfile.ZipFile(path) as archive:
            for entry in archive.infolist():
                if entry.compress_type != zipfile.ZIP_STORED:
                    limits.check("max_decompressed_bytes", entry.file_size, f"{path}:{entry.filename}",
                                 "the compressed entry's declared size in bytes")
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # torch reports a damaged zip itself, as a CorruptRecord below


def load_torch_file(path: Path, limits: Limits | None = None) -> Any:
    """``torch.load(path, weights_only=True, map_location="cpu")`` with one-line errors.

    The weights-only allow-list is widened by NumPy numeric scalars only (``np.float64`` etc.,
    which the official files use for parameter counts); the official files hold no tensors.
    """
    path = regular_file(path, "pass NAS-Bench-201-v1_0-e61699.pth or -v1_1-096897.pth")
    torch = require("torch", f"reading {path.name}")
    if zipfile.is_zipfile(path):
        _check_zip_entries(path, limits or current())
    version = tuple(int(p) for p in re.findall(r"\d+", torch.__version__)[:2])
    if version < _MIN_TORCH:
        raise NasSuiteError(
            f"reading {path.name} safely needs PyTorch >= {'.'.join(map(str, _MIN_TORCH))} (its weights_only "
            f"loader with named safe globals); found {torch.__version__}: {install_hint('torch')}"
        )
    try:
        with torch.serialization.safe_globals(_numpy_scalar_globals()):
            return torch.load(path, weights_only=True, map_location="cpu")
    except pickle.UnpicklingError as err:
        text = str(err)
        m = re.search(r"GLOBAL ([\w.]+)", text)
        if m:
            raise UnsafePickle(
                f"refused to unpickle {m.group(1)} from {path}: only plain containers and numbers are "
                "allowed (a pickle can run arbitrary code, so nas-suite loads pickles only on explicit "
                "request and only with a restricted loader)"
            ) from None
        raise CorruptRecord(f"{path} is not a readable torch file ({_first_reason(text)}); re-download it") from None
    except (RuntimeError, EOFError, OSError, ValueError, IndexError, KeyError, zipfile.BadZipFile) as err:
        raise CorruptRecord(f"{path} is not a readable torch file ({_first_reason(str(err))}); re-download it") from None


def _first_reason(text: str) -> str:
    """The informative line of torch's multi-line error messages."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in lines:
        if "WeightsUnpickler error" in ln or "failed" in ln.lower() or "invalid" in ln.lower():
            rest = ln.split("WeightsUnpickler error:", 1)[-1].strip()
            if rest:
                return rest[:200]
    for ln in lines:
        if not ln.startswith(("Weights only load failed", "(1)", "(2)", "Please file", "Check the documentation")):
            return ln[:200]
    return (lines[0] if lines else "unknown error")[:200]


def _numpy_scalar_globals() -> list[Any]:
    """NumPy callables needed to rebuild numeric scalars, under the names old pickles use."""
    import numpy as np

    try:
        from numpy._core.multiarray import scalar
    except ImportError:  # NumPy < 2
        from numpy.core.multiarray import scalar  # type: ignore[no-redef]
    dtype_classes = {type(np.dtype(c)) for c in ("?", "b", "B", "h", "H", "i", "I", "l", "L", "q", "Q", "e", "f", "d", "F", "D")}
    return [
        scalar,
        (scalar, "numpy.core.multiarray.scalar"),
        (scalar, "numpy._core.multiarray.scalar"),
        np.dtype,
        *sorted(dtype_classes, key=lambda c: c.__name__),
    ]
