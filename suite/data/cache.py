"""The on-disk cache format: one directory per (benchmark, dataset).

Layout (schema version :data:`SCHEMA_VERSION`)::

    <root>/<benchmark>/<dataset>/
        metadata.json       # everything below is described here
        archs.parquet       # one row per architecture, row i <-> id i
        <metric>.<tag>.npy  # metric blocks, float32, shape (n_rows, n_seeds, n_epochs)

``archs.parquet`` always has the columns ``id`` (int64, 0..n-1, equal to the row number),
``arch`` (the canonical human-readable architecture string) and ``key`` (the canonical lookup
key that :meth:`suite.data.spaces` computes from any user spec; for NB-101 the official
``module_hash``). Search spaces add encoding columns of their own.

A metric is a list of *blocks*. A block is one dense array of shape ``(n_rows, n_seeds,
n_epochs)``, NaN where not measured, plus what its axes mean:

``schedule``
    total training epochs of the run that produced it (NB-201: 200 or 12; NB-101: the budget
    4/12/36/108), or ``null`` for quantities that do not depend on training (params, FLOPs).
``epochs``
    the epoch (1-based, "after this many epochs of that schedule") of every column, or ``null``
    for a single non-per-epoch column.
``seeds``
    the seed (or repeat index) of every seed slot, or ``["mean"]`` when the source only
    published a mean over seeds.
``rows``
    ``null`` when the block covers every architecture (row i = id i), else the file name of an
    int64 ``.npy`` array of the ids it covers (e.g. learning curves published for 200 cells).

Blocks exist so that, e.g., per-seed final accuracies of all 15,625 cells and full curves of a
few hundred cells can sit side by side without a dense ``15,625 x 3 x 200`` array of NaNs.

Writes are atomic: a :class:`CacheWriter` builds the whole directory under a hidden temporary
name and renames it into place only after ``metadata.json`` (written last) is complete, so a
killed conversion never leaves a visible partial cache (:func:`suite.atomic.atomic_directory`). Reading validates format, schema
version, (benchmark, dataset) identity and every file's size and array header; full checksums
are verified on request (:func:`verify_checksums`), since hashing hundreds of MB on every load
would defeat memory-mapping.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Iterable, Sequence

import numpy as np

from ..atomic import atomic_directory
from ..errors import CacheError

FORMAT = "nas-suite-cache"
SCHEMA_VERSION = 1
METADATA = "metadata.json"
ARCHS = "archs.parquet"


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, streamed (sources can be GBs)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def source_entry(path: str | os.PathLike[str], role: str = "") -> dict[str, Any]:
    """Provenance record of one raw input file (name, size, sha256)."""
    p = Path(path)
    return {"file": p.name, "role": role, "bytes": p.stat().st_size, "sha256": sha256_file(p)}


@dataclass
class MetricInfo:
    """What a metric means; stored once per metric in ``metadata.json``."""

    description: str
    unit: str = ""
    split: str = ""
    higher_is_better: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out = {
            "description": self.description,
            "unit": self.unit,
            "split": self.split,
            "higher_is_better": self.higher_is_better,
        }
        out.update(self.extra)
        return out


def rebuild_hint(meta: dict[str, Any] | None, benchmark: str, dataset: str) -> str:
    """How to rebuild a cache, as recorded by its converter or the generic instruction."""
    if meta and isinstance(meta.get("rebuild"), str):
        return meta["rebuild"]
    return f"rebuild it with `nas-suite data import ...` for {benchmark}/{dataset} (see `nas-suite data list`)"


class CacheWriter:
    """Builds one cache directory atomically.

    Use as a context manager; on a clean exit the directory is committed (renamed into place,
    replacing any previous cache), on an exception the temporary directory is removed and any
    previous cache is left untouched.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        benchmark: str,
        dataset: str,
        *,
        converter: str,
        converter_version: str,
        citation: str,
        licence: str,
        sources: Sequence[dict[str, Any]],
        rebuild: str,
        default_schedule: int | None = None,
        notes: str = "",
    ) -> None:
        self.target = Path(root) / benchmark / dataset
        self.benchmark, self.dataset = benchmark, dataset
        self.meta: dict[str, Any] = {
            "format": FORMAT,
            "schema_version": SCHEMA_VERSION,
            "benchmark": benchmark,
            "dataset": dataset,
            "converter": {"name": converter, "version": converter_version},
            "citation": citation,
            "licence": licence,
            "sources": list(sources),
            "rebuild": rebuild,
            "default_schedule": default_schedule,
            "notes": notes,
            "n_archs": None,
            "archs": None,
            "metrics": {},
        }
        self._tmp: Path | None = None
        self._directory: ExitStack | None = None

    # -- context management -------------------------------------------------------------------
    def __enter__(self) -> "CacheWriter":
        parent = self.target.parent
        directory = ExitStack()
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self._tmp = directory.enter_context(atomic_directory(self.target))
        except OSError as err:
            raise CacheError(
                f"cannot write a cache under {parent}: {err.strerror or err}; "
                f"choose a writable directory with --out or ${'NAS_SUITE_DATA'}"
            ) from None
        self._directory = directory
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        """Write ``metadata.json`` and swap the directory in; on an exception discard it."""
        directory, self._directory = self._directory, None
        assert directory is not None
        if exc_type is None:
            try:
                self._finish()
            except BaseException:
                directory.__exit__(*sys.exc_info())
                raise
        directory.__exit__(exc_type, exc, tb)

    # -- content ------------------------------------------------------------------------------
    def write_archs(self, frame: "Any", columns: dict[str, str]) -> None:
        """Write the architecture table; ``columns`` documents every column."""
        missing = {"id", "arch", "key"} - set(frame.columns)
        if missing:
            raise ValueError(f"archs table lacks required columns {sorted(missing)}")
        if not np.array_equal(frame["id"].to_numpy(), np.arange(len(frame))):
            raise ValueError("archs.id must equal the row number 0..n-1")
        undocumented = set(frame.columns) - set(columns)
        if undocumented:
            raise ValueError(f"undocumented archs columns: {sorted(undocumented)}")
        path = self._path(ARCHS)
        frame.reset_index(drop=True).to_parquet(path, index=False, compression="zstd")
        self.meta["n_archs"] = int(len(frame))
        self.meta["archs"] = {"file": ARCHS, "columns": columns, "bytes": path.stat().st_size, "sha256": sha256_file(path)}

    def add_metric(
        self,
        name: str,
        info: MetricInfo,
        values: np.ndarray,
        *,
        schedule: int | None,
        epochs: Sequence[int] | None,
        seeds: Sequence[int | str],
        rows: np.ndarray | None = None,
        note: str = "",
    ) -> None:
        """Add one block of metric ``name`` (see the module docstring for the axes)."""
        if self.meta["n_archs"] is None:
            raise ValueError("write_archs() must come before add_metric()")
        arr = np.asarray(values, dtype=np.float32)
        if arr.ndim != 3:
            raise ValueError(f"{name}: metric block must be 3-D (rows, seeds, epochs), got {arr.shape}")
        n_epochs = 1 if epochs is None else len(epochs)
        n_rows = self.meta["n_archs"] if rows is None else len(rows)
        if arr.shape != (n_rows, len(seeds), n_epochs):
            raise ValueError(f"{name}: shape {arr.shape} != (rows={n_rows}, seeds={len(seeds)}, epochs={n_epochs})")
        entry = self.meta["metrics"].setdefault(name, {**info.to_json(), "blocks": []})
        tag = f"s{schedule if schedule is not None else 'x'}.b{len(entry['blocks'])}"
        fname = f"{name}.{tag}.npy"
        np.save(self._path(fname), arr)
        block: dict[str, Any] = {
            "file": fname,
            "schedule": schedule,
            "epochs": None if epochs is None else [int(e) for e in epochs],
            "seeds": [s if isinstance(s, str) else int(s) for s in seeds],
            "rows": None,
            "shape": list(arr.shape),
            "dtype": "float32",
            "note": note,
        }
        if rows is not None:
            ids = np.asarray(rows, dtype=np.int64)
            if ids.ndim != 1 or (ids.size and (ids.min() < 0 or ids.max() >= self.meta["n_archs"])):
                raise ValueError(f"{name}: rows must be ids in [0, {self.meta['n_archs']})")
            if ids.size > 1 and not (np.diff(ids) > 0).all():
                raise ValueError(f"{name}: rows must be strictly increasing (readers binary-search them)")
            rname = f"{name}.{tag}.rows.npy"
            np.save(self._path(rname), ids)
            block["rows"] = rname
        entry["blocks"].append(block)

    # -- internals ----------------------------------------------------------------------------
    def _path(self, name: str) -> Path:
        assert self._tmp is not None, "use CacheWriter as a context manager"
        return self._tmp / name

    def _finish(self) -> None:
        """Check the content and write ``metadata.json`` (last, listing every other file)."""
        if self.meta["n_archs"] is None:
            raise ValueError("a cache needs an archs table")
        assert self._tmp is not None
        files = {}
        for path in sorted(self._tmp.iterdir()):
            if path.name != METADATA:
                files[path.name] = {"bytes": path.stat().st_size, "sha256": sha256_file(path)}
        self.meta["files"] = files
        meta_path = self._tmp / METADATA
        with open(meta_path, "w", encoding="utf-8") as handle:
            json.dump(self.meta, handle, indent=1, sort_keys=False)
            handle.write("\n")


# -- reading ---------------------------------------------------------------------------------


def read_metadata(path: Path, benchmark: str, dataset: str) -> dict[str, Any]:
    """Load and validate ``metadata.json`` plus the cheap integrity checks of every file.

    Raises :class:`CacheError` (one line, with a rebuild instruction) for a missing, foreign,
    stale or damaged cache.
    """
    meta_path = Path(path) / METADATA
    where = f"{benchmark}/{dataset} cache at {path}"
    if not meta_path.is_file():
        raise CacheError(f"no {where} (missing {METADATA}); {rebuild_hint(None, benchmark, dataset)}")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CacheError(f"corrupt {where}: unreadable {METADATA} ({err}); {rebuild_hint(None, benchmark, dataset)}") from None
    hint = rebuild_hint(meta if isinstance(meta, dict) else None, benchmark, dataset)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CacheError(f"foreign {where}: not a nas-suite cache; {hint}")
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise CacheError(
            f"stale {where}: schema version {meta.get('schema_version')} but this nas-suite reads "
            f"version {SCHEMA_VERSION}; {hint}"
        )
    if (meta.get("benchmark"), meta.get("dataset")) != (benchmark, dataset):
        raise CacheError(
            f"foreign {where}: it holds {meta.get('benchmark')}/{meta.get('dataset')}; {hint}"
        )
    files = meta.get("files")
    if not isinstance(files, dict) or not isinstance(meta.get("metrics"), dict):
        raise CacheError(f"corrupt {where}: metadata lacks its file list; {hint}")
    for name, info in files.items():
        fpath = Path(path) / name
        try:
            size = fpath.stat().st_size
        except OSError:
            raise CacheError(f"corrupt {where}: file {name} is missing; {hint}") from None
        if size != info.get("bytes"):
            raise CacheError(f"corrupt {where}: {name} has {size} bytes, expected {info.get('bytes')}; {hint}")
    return meta


def open_block(path: Path, block: dict[str, Any], where: str, hint: str) -> np.ndarray:
    """Memory-map one metric block and check its header against the metadata."""
    try:
        arr = np.load(Path(path) / block["file"], mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as err:
        raise CacheError(f"corrupt {where}: cannot read {block['file']} ({err}); {hint}") from None
    if list(arr.shape) != list(block["shape"]) or arr.dtype != np.dtype(block["dtype"]):
        raise CacheError(f"corrupt {where}: {block['file']} has shape {arr.shape}/{arr.dtype}, metadata says {block['shape']}/{block['dtype']}; {hint}")
    return arr


def verify_checksums(path: Path, meta: dict[str, Any]) -> list[str]:
    """Names of files whose sha256 differs from the metadata (empty list: intact)."""
    return [name for name, info in meta["files"].items() if sha256_file(Path(path) / name) != info["sha256"]]


def iter_blocks(meta: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    """(metric name, block) pairs in metadata order."""
    for name, entry in meta["metrics"].items():
        for block in entry["blocks"]:
            yield name, block


def copy_contents(writer: CacheWriter, path: Path, meta: dict[str, Any], skip: Collection[str] = ()) -> None:
    """Copy the archs table and every metric block not named in ``skip`` from the cache at
    ``path`` into ``writer`` (how caches are extended: rewrite, then rename atomically)."""
    import pandas as pd

    frame = pd.read_parquet(path / meta["archs"]["file"])
    writer.write_archs(frame, meta["archs"]["columns"])
    where = f"{meta['benchmark']}/{meta['dataset']} cache at {path}"
    hint = rebuild_hint(meta, meta["benchmark"], meta["dataset"])
    for name, block in iter_blocks(meta):
        if name in skip:
            continue
        writer.add_metric(
            name,
            info_of(meta, name),
            np.asarray(open_block(path, block, where, hint)),
            schedule=block["schedule"],
            epochs=block["epochs"],
            seeds=block["seeds"],
            rows=np.load(path / block["rows"], allow_pickle=False) if block["rows"] else None,
            note=block.get("note", ""),
        )


def info_of(meta: dict[str, Any], name: str) -> MetricInfo:
    """The :class:`MetricInfo` recorded for metric ``name``."""
    entry = {k: v for k, v in meta["metrics"][name].items() if k != "blocks"}
    return MetricInfo(
        description=entry.pop("description"),
        unit=entry.pop("unit", ""),
        split=entry.pop("split", ""),
        higher_is_better=entry.pop("higher_is_better", True),
        extra=entry,
    )


@dataclass
class ColumnBlock:
    """One per-architecture column to add: ``values[i]`` belongs to architecture ``rows[i]``."""

    name: str
    info: MetricInfo
    values: np.ndarray
    rows: np.ndarray
    note: str = ""
    seed: int | str = "mean"


def add_columns(source: Path, out_root: Path, columns: Sequence[ColumnBlock], *, note: str) -> Path:
    """Write ``<out_root>/<benchmark>/<dataset>``: the cache at ``source`` plus ``columns``.

    Metrics named like a new column are replaced. ``source`` may be the target itself (the
    rewrite happens in a temporary directory renamed into place) or another root, e.g. the
    embedded cache copied into the user's data directory. A failure leaves every cache as it was.
    """
    with open(Path(source) / METADATA, encoding="utf-8") as handle:
        raw = json.load(handle)
    meta = read_metadata(Path(source), raw.get("benchmark", ""), raw.get("dataset", ""))
    with CacheWriter(
        out_root, meta["benchmark"], meta["dataset"],
        converter=meta["converter"]["name"],
        converter_version=meta["converter"]["version"],
        citation=meta.get("citation", ""),
        licence=meta.get("licence", ""),
        sources=meta.get("sources", []),
        rebuild=meta.get("rebuild", ""),
        default_schedule=meta.get("default_schedule"),
        notes=meta.get("notes", "") if note in meta.get("notes", "") else f"{meta.get('notes', '')} {note}".strip(),
    ) as writer:
        copy_contents(writer, Path(source), meta, {c.name for c in columns})
        for col in columns:
            order = np.argsort(col.rows, kind="stable")
            rows = np.asarray(col.rows, dtype=np.int64)[order]
            if rows.size > 1 and not (np.diff(rows) > 0).all():
                raise ValueError(f"{col.name}: duplicate architecture ids")
            values = np.asarray(col.values, dtype=np.float64)[order].reshape(-1, 1, 1)
            full = rows.size == meta["n_archs"]
            writer.add_metric(col.name, col.info, values, schedule=None, epochs=None, seeds=[col.seed],
                              rows=None if full else rows, note=col.note)
    return Path(out_root) / meta["benchmark"] / meta["dataset"]
