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
killed conversion never leaves a visible partial cache (:func:`suite.atomic.atomic_directory`).
Writers of one cache directory exclude each other (:func:`suite.atomic.exclusive_lock`: a second
one fails at once, naming the first one's pid), and nothing is ever written into the embedded
``data/`` (:func:`suite.data.paths.check_not_embedded`) except by ``scripts/build_embedded.py``.

Reading validates ``metadata.json`` before opening anything it names (:func:`validate_metadata`:
the type of every field, file names that are plain names listed in ``files``, shapes and dtypes
consistent with seeds and epochs; each problem is a one-line :class:`CacheError` naming the field
and how to rebuild), then the size of every file and every array header. A
:class:`CacheGeneration` maps every listed file read-only when it is opened, so it keeps reading
the generation it opened while a re-import swaps a new directory in (the maps hold the old files
even after their directory is deleted). Full checksums are verified on request
(:meth:`CacheGeneration.verify`), since hashing hundreds of MB on every load would defeat
memory-mapping.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import mmap
import os
import re
import reprlib
import stat
import struct
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Iterable, Sequence

import numpy as np

from ..atomic import atomic_directory
from ..errors import CacheError
from .paths import check_not_embedded

FORMAT = "nas-suite-cache"
SCHEMA_VERSION = 1
METADATA = "metadata.json"
ARCHS = "archs.parquet"
_HEX64 = re.compile(r"[0-9a-f]{64}")


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
    hint = meta.get("rebuild") if isinstance(meta, dict) else None
    if isinstance(hint, str) and hint.strip():
        return hint if hint.isprintable() else " ".join(hint.split())  # one line, whatever the file says
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
        for what, name in (("benchmark", benchmark), ("dataset", dataset)):
            if not _plain_name(name):
                raise ValueError(f"{what} {name!r} must be a plain name (no path separators, not . or ..)")
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
        """Refuse the embedded ``data/``, take the target's lock and make the temporary directory.

        Raises :class:`CacheError` if another process is writing the same cache (naming its pid)
        or the directory is not writable.
        """
        check_not_embedded(self.target, CacheError)
        parent = self.target.parent
        directory = ExitStack()
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self._tmp = directory.enter_context(atomic_directory(self.target, busy=CacheError))
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


def _plain_name(name: Any) -> bool:
    """A file or directory name with no path in it: not empty, ``.`` or ``..``; no separator, drive or NUL."""
    return (
        isinstance(name, str)
        and name not in ("", ".", "..")
        and not any(sep and sep in name for sep in ("/", "\\", "\0", os.sep, os.altsep))
        and not os.path.splitdrive(name)[0]
        and not os.path.isabs(name)
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _describe(value: Any) -> str:
    """``type repr`` of a metadata value for a one-line message."""
    return f"{type(value).__name__} {reprlib.repr(value)}"


def _key(name: str) -> str:
    """A metric name as part of a field path (quoted when it is not printable on one line)."""
    return name if name.isprintable() else repr(name)


class _Checker:
    """Raises the one-line :class:`CacheError` of a bad ``metadata.json`` field."""

    def __init__(self, where: str, hint: str) -> None:
        self.where, self.hint = where, hint

    def fail(self, field: str, problem: str) -> CacheError:
        return CacheError(f"corrupt {self.where}: {METADATA} {field} {problem}; {self.hint}")

    def need(self, ok: bool, field: str, value: Any, expected: str) -> None:
        if not ok:
            raise self.fail(field, f"must be {expected}, got {_describe(value)}")

    def file(self, field: str, name: Any, files: dict[str, Any]) -> None:
        self.need(_plain_name(name), field, name, "a plain file name inside the cache directory")
        if name not in files:
            raise self.fail(field, f"{name!r} is not listed in files")


def validate_metadata(meta: Any, benchmark: str, dataset: str, where: str) -> dict[str, Any]:
    """Check a parsed ``metadata.json`` field by field; return it, or raise :class:`CacheError`.

    Every file it names (``files``, ``archs.file``, each block's ``file`` and ``rows``) must be a
    plain name listed in ``files``, so nothing outside the cache directory is ever opened. Each
    block's ``shape`` must be ``(n_rows, len(seeds), len(epochs) or 1)`` with ``n_rows = n_archs``
    when it covers every architecture, and ``dtype`` a floating-point type.
    """
    hint = rebuild_hint(meta if isinstance(meta, dict) else None, benchmark, dataset)
    check = _Checker(where, hint)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CacheError(f"foreign {where}: not a nas-suite cache; {hint}")
    version = meta.get("schema_version")
    check.need(_is_int(version), "schema_version", version, f"the integer {SCHEMA_VERSION}")
    if version != SCHEMA_VERSION:
        raise CacheError(f"stale {where}: schema version {version} but this nas-suite reads version {SCHEMA_VERSION}; {hint}")
    held = (meta.get("benchmark"), meta.get("dataset"))
    if held != (benchmark, dataset):
        shown = "/".join(str(v) if isinstance(v, str) and v.isprintable() else repr(v) for v in held)
        raise CacheError(f"foreign {where}: it holds {shown}; {hint}")
    converter = meta.get("converter")
    check.need(isinstance(converter, dict) and all(isinstance(converter.get(k), str) for k in ("name", "version")),
               "converter", converter, "an object with string name and version")
    for key in ("citation", "licence", "rebuild", "notes"):
        check.need(isinstance(meta.get(key, ""), str), key, meta.get(key), "a string")
    check.need(isinstance(meta.get("sources", []), list), "sources", meta.get("sources"), "a list")
    default = meta.get("default_schedule")
    check.need(default is None or _is_int(default), "default_schedule", default, "an integer or null")
    n_archs = meta.get("n_archs")
    check.need(_is_int(n_archs) and n_archs >= 0, "n_archs", n_archs, "a non-negative integer")

    files = meta.get("files")
    check.need(isinstance(files, dict), "files", files, "an object mapping file names to their bytes and sha256")
    for name, entry in files.items():
        if not _plain_name(name) or name == METADATA:
            raise check.fail("files", f"names {name!r}, which is not a plain file name inside the cache directory")
        check.need(isinstance(entry, dict), f"files[{name!r}]", entry, "an object with bytes and sha256")
        check.need(_is_int(entry.get("bytes")) and entry["bytes"] >= 0, f"files[{name!r}].bytes", entry.get("bytes"),
                   "a non-negative integer")
        sha = entry.get("sha256")
        check.need(isinstance(sha, str) and _HEX64.fullmatch(sha) is not None,
                   f"files[{name!r}].sha256", sha, "64 lower-case hexadecimal digits")

    archs = meta.get("archs")
    check.need(isinstance(archs, dict), "archs", archs, "an object describing the architecture table")
    check.file("archs.file", archs.get("file"), files)
    columns = archs.get("columns")
    check.need(isinstance(columns, dict) and all(isinstance(v, str) for v in columns.values()), "archs.columns",
               columns, "an object mapping column names to descriptions")

    metrics = meta.get("metrics")
    check.need(isinstance(metrics, dict), "metrics", metrics, "an object mapping metric names to their blocks")
    for name, entry in metrics.items():
        at = f"metrics.{_key(name)}"
        check.need(isinstance(entry, dict), at, entry, "an object with a description and blocks")
        check.need(isinstance(entry.get("description"), str), f"{at}.description", entry.get("description"), "a string")
        for key in ("unit", "split"):
            check.need(isinstance(entry.get(key, ""), str), f"{at}.{key}", entry.get(key), "a string")
        check.need(isinstance(entry.get("higher_is_better", True), bool), f"{at}.higher_is_better",
                   entry.get("higher_is_better"), "true or false")
        blocks = entry.get("blocks")
        check.need(isinstance(blocks, list) and len(blocks) > 0, f"{at}.blocks", blocks, "a non-empty list")
        for i, block in enumerate(blocks):
            _validate_block(check, f"{at}.blocks[{i}]", block, files, n_archs)
    return meta


def _validate_block(check: _Checker, at: str, block: Any, files: dict[str, Any], n_archs: int) -> None:
    check.need(isinstance(block, dict), at, block, "an object")
    check.file(f"{at}.file", block.get("file"), files)
    if block.get("rows") is not None:
        check.file(f"{at}.rows", block.get("rows"), files)
    schedule = block.get("schedule", "missing")
    check.need(schedule is None or _is_int(schedule), f"{at}.schedule", schedule, "an integer or null")
    epochs = block.get("epochs", "missing")
    check.need(epochs is None or (isinstance(epochs, list) and len(epochs) > 0 and all(_is_int(e) for e in epochs)),
               f"{at}.epochs", epochs, "a non-empty list of integers or null")
    seeds = block.get("seeds")
    check.need(isinstance(seeds, list) and len(seeds) > 0 and all(_is_int(x) or isinstance(x, str) for x in seeds),
               f"{at}.seeds", seeds, "a non-empty list of integers and strings")
    shape = block.get("shape")
    check.need(isinstance(shape, list) and len(shape) == 3 and all(_is_int(x) and x >= 0 for x in shape),
               f"{at}.shape", shape, "three non-negative integers [rows, seeds, epochs]")
    dtype = block.get("dtype")
    try:
        floating = isinstance(dtype, str) and np.dtype(dtype).kind == "f"
    except TypeError:
        floating = False
    check.need(floating, f"{at}.dtype", dtype, "a floating-point dtype such as 'float32'")
    check.need(isinstance(block.get("note", ""), str), f"{at}.note", block.get("note"), "a string")
    expected = [n_archs if block.get("rows") is None else shape[0], len(seeds), 1 if epochs is None else len(epochs)]
    if shape != expected:
        raise check.fail(at, f"has shape {shape} but {'all' if block.get('rows') is None else 'its'} rows, "
                             f"{len(seeds)} seeds and {expected[2]} epochs make {expected}")


def _read_json(data: bytes, where: str, hint: str) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise CacheError(f"corrupt {where}: unreadable {METADATA} ({err}); {hint}") from None


def read_metadata(path: Path, benchmark: str, dataset: str) -> dict[str, Any]:
    """Load and validate ``metadata.json`` plus the size of every file it lists.

    For writers that extend a cache (:func:`copy_contents` then reads it as one generation).
    Raises :class:`CacheError` (one line, with a rebuild instruction) for a missing, foreign,
    stale or damaged cache.
    """
    path = Path(path)
    where = f"{benchmark}/{dataset} cache at {path}"
    try:
        data = (path / METADATA).read_bytes()
    except FileNotFoundError:
        raise CacheError(f"no {where} (missing {METADATA}); {rebuild_hint(None, benchmark, dataset)}") from None
    except OSError as err:
        raise CacheError(f"corrupt {where}: unreadable {METADATA} ({err}); {rebuild_hint(None, benchmark, dataset)}") from None
    meta = validate_metadata(_read_json(data, where, rebuild_hint(None, benchmark, dataset)), benchmark, dataset, where)
    hint = rebuild_hint(meta, benchmark, dataset)
    for name, info in meta["files"].items():
        try:
            size = (path / name).stat().st_size
        except OSError:
            raise CacheError(f"corrupt {where}: file {name} is missing; {hint}") from None
        if size != info["bytes"]:
            raise CacheError(f"corrupt {where}: {name} has {size} bytes, expected {info['bytes']}; {hint}")
    return meta


class _Replaced(Exception):
    """The directory was swapped for a new generation while it was being opened."""


class CacheGeneration:
    """One generation of a cache directory, pinned: its validated metadata and every file it lists.

    Opening reads ``metadata.json``, validates it, and maps every file it lists read-only
    (``mmap``; no file descriptor stays open), checking each file's size and each ``.npy`` header
    against the metadata. Where the platform can open files relative to a directory handle, all
    of them are opened through one handle of the directory, so they come from one generation even
    if a re-import renames a new directory into place meanwhile (then the open is retried on the
    new one). Afterwards nothing is read by path again: arrays, the architecture table and
    :meth:`verify` read the maps, which keep the old files readable after a re-import deleted them.

    Attributes: ``path``, ``meta`` (validated), ``where`` and ``hint`` (for messages).
    """

    #: how often an open is retried when the directory is replaced under it
    ATTEMPTS = 5

    def __init__(self, path: str | os.PathLike[str], benchmark: str, dataset: str) -> None:
        self.path = Path(path)
        self.where = f"{benchmark}/{dataset} cache at {self.path}"
        for attempt in range(self.ATTEMPTS):
            try:
                self._open(benchmark, dataset, last=attempt + 1 == self.ATTEMPTS)
                return
            except _Replaced:
                time.sleep(0.01 * (attempt + 1))
        raise CacheError(f"{self.where} was replaced {self.ATTEMPTS} times while being opened; "
                         "run again when the import writing it has finished")

    # -- opening -------------------------------------------------------------------------------------
    def _open(self, benchmark: str, dataset: str, *, last: bool) -> None:
        generic = rebuild_hint(None, benchmark, dataset)
        self.hint = generic  # until the metadata names its own
        dir_fd = None
        if os.open in os.supports_dir_fd:
            try:
                dir_fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            except FileNotFoundError:
                if not last:
                    raise _Replaced from None  # perhaps between the two renames of a swap: look again
                raise CacheError(f"no {self.where} (missing {METADATA}); {generic}") from None
            except OSError as err:
                raise CacheError(f"cannot read {self.where}: {err.strerror or err}; {generic}") from None
        try:
            try:
                data = self._read(METADATA, dir_fd)
            except FileNotFoundError:
                self._replaced_or(dir_fd)
                raise CacheError(f"no {self.where} (missing {METADATA}); {generic}") from None
            except OSError as err:
                raise CacheError(f"corrupt {self.where}: unreadable {METADATA} ({err}); {generic}") from None
            self.meta = validate_metadata(_read_json(data, self.where, generic), benchmark, dataset, self.where)
            self.hint = rebuild_hint(self.meta, benchmark, dataset)
            self._maps: dict[str, Any] = {}
            for name, info in self.meta["files"].items():
                try:
                    self._maps[name] = self._map(name, dir_fd)
                except FileNotFoundError:
                    self._replaced_or(dir_fd)
                    raise self._corrupt(f"file {name} is missing") from None
                except OSError as err:
                    raise self._corrupt(f"cannot read {name} ({err.strerror or err})") from None
                if len(self._maps[name]) != info["bytes"]:
                    raise self._corrupt(f"{name} has {len(self._maps[name])} bytes, expected {info['bytes']}")
        finally:
            if dir_fd is not None:
                os.close(dir_fd)
        self._arrays = {b["file"]: self._npy(b["file"], b["shape"], np.dtype(b["dtype"])) for _, b in iter_blocks(self.meta)}
        self._rows: dict[str, np.ndarray] = {}
        for name, block in iter_blocks(self.meta):
            if block["rows"] is not None and block["rows"] not in self._rows:
                self._rows[block["rows"]] = self._check_rows(name, block)

    def _open_file(self, name: str, dir_fd: int | None) -> int:
        """A descriptor of regular file ``name`` in the cache directory (not through a symlink)."""
        flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(name if dir_fd is not None else self.path / name, flags, dir_fd=dir_fd)
        except OSError as err:
            if err.errno == errno.ELOOP:
                raise self._corrupt(f"{name} is a symbolic link; a cache holds its own files") from None
            raise
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise self._corrupt(f"{name} is not a regular file")
        return fd

    def _read(self, name: str, dir_fd: int | None) -> bytes:
        with open(self._open_file(name, dir_fd), "rb") as handle:
            return handle.read()

    def _map(self, name: str, dir_fd: int | None) -> Any:
        fd = self._open_file(name, dir_fd)
        try:
            if os.fstat(fd).st_size == 0:
                return b""  # mmap refuses empty files
            return mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        finally:
            os.close(fd)

    def _replaced_or(self, dir_fd: int | None) -> None:
        """Raise :class:`_Replaced` if ``self.path`` no longer is the directory ``dir_fd`` opened."""
        if dir_fd is None:
            return
        try:
            same = os.path.samestat(os.fstat(dir_fd), os.stat(self.path))
        except OSError:
            same = False
        if not same:
            raise _Replaced

    def _corrupt(self, problem: str) -> CacheError:
        return CacheError(f"corrupt {self.where}: {problem}; {self.hint}")

    def _npy(self, name: str, shape: Sequence[int] | None, dtype: np.dtype | None) -> np.ndarray:
        """The array of a mapped ``.npy`` file, read-only, checked against ``shape``/``dtype`` if given."""
        buf = self._maps[name]
        try:
            prefix, size_format = (10, "<H") if bytes(buf[6:7]) == b"\x01" else (12, "<I")
            (header_len,) = struct.unpack(size_format, bytes(buf[8:prefix]))
            stream = io.BytesIO(bytes(buf[: prefix + header_len]))
            version = np.lib.format.read_magic(stream)
            read_header = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}[version]
            file_shape, fortran, file_dtype = read_header(stream)
        except (ValueError, KeyError, struct.error, TypeError) as err:
            raise self._corrupt(f"cannot read {name} (not a .npy array: {err})") from None
        if file_dtype.hasobject:
            raise self._corrupt(f"{name} holds Python objects, not numbers")
        if (shape is not None and list(file_shape) != list(shape)) or (dtype is not None and file_dtype != dtype):
            raise self._corrupt(f"{name} has shape {file_shape}/{file_dtype}, metadata says {list(shape or [])}/{dtype}")
        count = int(np.prod(file_shape, dtype=np.int64))
        if prefix + header_len + count * file_dtype.itemsize > len(buf):
            raise self._corrupt(f"{name} is truncated ({len(buf)} bytes for a {file_shape} {file_dtype} array)")
        flat = np.frombuffer(buf, dtype=file_dtype, count=count, offset=prefix + header_len)
        return flat.reshape(file_shape, order="F" if fortran else "C")

    def _check_rows(self, metric: str, block: dict[str, Any]) -> np.ndarray:
        name, n = block["rows"], self.meta["n_archs"]
        rows = self._npy(name, None, None)
        ok = rows.ndim == 1 and rows.dtype.kind in "iu" and len(rows) == block["shape"][0]
        if ok and rows.size:
            ok = bool(rows.min() >= 0 and rows.max() < n and (rows.size < 2 or (np.diff(rows) > 0).all()))
        if not ok:
            raise self._corrupt(f"{name} (rows of {metric} block {block['file']}) must hold {block['shape'][0]} "
                                f"strictly increasing architecture ids within 0..{n - 1}")
        return rows.astype(np.int64)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled as (path, identity, metadata): unpickling maps the directory again and refuses a
        different generation (maps cannot cross processes; the metadata holds every file's sha256)."""
        return _reopen, (self.path, self.meta["benchmark"], self.meta["dataset"], self.meta)

    # -- reading ---------------------------------------------------------------------------------------
    def buffer(self, name: str) -> Any:
        """The bytes of listed file ``name`` as a read-only buffer (the map itself)."""
        return self._maps[name]

    def array(self, block: dict[str, Any]) -> np.ndarray:
        """A metric block, read-only, shape and dtype as its metadata says (memory-mapped)."""
        return self._arrays[block["file"]]

    def rows(self, block: dict[str, Any]) -> np.ndarray | None:
        """Sorted int64 ids a partial block covers, or None for a block covering every architecture."""
        return None if block["rows"] is None else self._rows[block["rows"]]

    def verify(self) -> list[str]:
        """Names of files whose sha256 differs from the metadata (empty list: intact)."""
        return [name for name, info in self.meta["files"].items()
                if hashlib.sha256(self._maps[name]).hexdigest() != info["sha256"]]


def _reopen(path: Path, benchmark: str, dataset: str, meta: dict[str, Any]) -> CacheGeneration:
    cache = CacheGeneration(path, benchmark, dataset)
    if cache.meta != meta:
        raise CacheError(f"{cache.where} was re-imported after this object was opened; load it again")
    return cache


def iter_blocks(meta: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    """(metric name, block) pairs in metadata order."""
    for name, entry in meta["metrics"].items():
        for block in entry["blocks"]:
            yield name, block


def copy_contents(writer: CacheWriter, path: Path, meta: dict[str, Any], skip: Collection[str] = ()) -> None:
    """Copy the archs table and every metric block not named in ``skip`` from the cache at
    ``path`` into ``writer`` (how caches are extended: rewrite, then rename atomically)."""
    import pandas as pd
    import pyarrow as pa

    cache = CacheGeneration(path, meta["benchmark"], meta["dataset"])
    if cache.meta != meta:
        raise CacheError(f"{cache.where} was replaced while it was being read; run again")
    frame = pd.read_parquet(pa.BufferReader(cache.buffer(meta["archs"]["file"])))
    writer.write_archs(frame, meta["archs"]["columns"])
    for name, block in iter_blocks(meta):
        if name in skip:
            continue
        writer.add_metric(
            name,
            info_of(meta, name),
            np.asarray(cache.array(block)),
            schedule=block["schedule"],
            epochs=block["epochs"],
            seeds=block["seeds"],
            rows=cache.rows(block),
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
    try:  # which cache this claims to be; read_metadata then checks all of it
        raw = json.loads((Path(source) / METADATA).read_bytes())
    except OSError as err:
        raise CacheError(f"no cache at {source} ({METADATA}: {err.strerror or err}); rebuild it with "
                         f"`nas-suite data import ...` (see `nas-suite data list`)") from None
    except ValueError:
        raw = {}
    benchmark, dataset = (raw.get("benchmark"), raw.get("dataset")) if isinstance(raw, dict) else (None, None)
    if not (_plain_name(benchmark) and _plain_name(dataset)):
        raise CacheError(f"corrupt cache at {source}: {METADATA} names no benchmark/dataset; "
                         f"rebuild it with `nas-suite data import ...` (see `nas-suite data list`)")
    meta = read_metadata(Path(source), benchmark, dataset)
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
