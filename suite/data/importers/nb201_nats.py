"""Importer ``nb201-nats``: the NATS-Bench topology archive (tar or directory) -> nb201 caches.

Source: ``NATS-tss-v1_0-3ffb9-simple.tar`` as downloaded, or the directory it unpacks to (the
layout is the one ``nats_bench.api_topology.NATStopology(dir, fast_mode=True)`` reads and
``exps/NATS-Bench/tss-collect.py`` of AutoDL-Projects writes)::

    NATS-tss-v1_0-3ffb9-simple/
        meta.pickle.pbz2      # bz2(pickle({"meta_archs": [15,625 cell strings, index order],
                              #             "total_archs": 15625, "arch2infos": None,
                              #             "evaluated_indexes": set()}))
        000000.pickle.pbz2    # bz2(pickle(OrderedDict({"12": ArchResults state,
        000001.pickle.pbz2    #                         "200": ArchResults state})))
        ...                   # one per architecture: "{index:06d}", or "{index}" (both are read)

The tar is read in place, in streaming mode, with :mod:`tarfile`: members are read into memory
one at a time and nothing is extracted to disk (so member names cannot write anywhere). Both
containers feed the same code path, a sequence of ``(file name, bytes)``; a tar costs one
extra sequential read (see :class:`_TarArchive`).

Every file is a pickle, and unpickling can execute code, so nothing is read unless the caller
passes ``allow_pickle=True`` (CLI: ``--allow-pickle``); even then the files are parsed by
:mod:`suite.data.safe_pickle`, which refuses any object outside plain containers and numbers.

Sizes are bounded (:mod:`suite.data.limits`): a file or tar member is read only if it is a
regular file of at most ``max_read_bytes`` (a FIFO named like a record is refused without being
opened), its bz2 stream may expand to at most ``max_decompressed_bytes``, and the unpickled
object is checked against ``max_pickle_items`` / ``max_nesting`` before it is used.

Output: one cache per dataset, ``nb201/cifar10``, ``nb201/cifar100``, ``nb201/ImageNet16-120``;
row i = NATS index i = ``meta_archs[i]``. Which official field feeds which metric (and the NB-201
split semantics) is tabulated in :mod:`.nb201_records`; in short::

    cifar10          train_*, valid_* <- ("cifar10-valid", seed): train / eval "x-valid"
                     test_*           <- ("cifar10", seed): eval "ori-test"
    cifar100, ImageNet16-120: train_* <- train, valid_* <- "x-valid", test_* <- "x-test"
    train_acc/loss: train_acc1es/train_losses[e-1]; *_acc/*_loss: eval_acc1es/eval_losses["<set>@<e-1>"]
    train_time: cumsum(train_times); params: params; flops: flop; latency: mean(latency)

Blocks per dataset: schedule 200 (epochs 1..200) and schedule 12 (epochs 1..12), seeds 777, 888,
999 (NaN where a seed was not run), plus params/flops/latency with ``schedule=None``.

Provenance: ``meta.pickle.pbz2`` is recorded with its sha256; the per-architecture files are
recorded as one entry whose sha256 is taken over the sorted ``"<name> <sha256>\\n"`` lines of
all of them (15,625 separate entries would bloat every cache's metadata). From a tar, an entry
with the sha256 of the tar file itself comes first; the two entries after it are the same as
from the unpacked directory, so the two caches can be seen to hold the same files.
"""

from __future__ import annotations

import abc
import hashlib
import os
import re
import tarfile
from collections.abc import Callable, Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable

from ...errors import CorruptRecord, NasSuiteError, SourceFormatError
from ..limits import Limits, brief, current, read_bytes
from ..safe_pickle import loads_pickle_bz2
from .nb201_records import RecordTables, archs_table, canonical_datasets, write_caches

META_FILE = "meta.pickle.pbz2"
_RECORD_RE = re.compile(r"^(\d+)\.pickle\.pbz2$")
IMPORTER = "nb201-nats"
_BLOCK = tarfile.BLOCKSIZE  # 512


def convert(
    sources: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    out_root: str | os.PathLike[str],
    *,
    allow_pickle: bool = False,
    datasets: Iterable[str] | str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> list[Path]:
    """Convert the NATS-tss ``-simple`` archive (directory or ``.tar``) into nb201 caches.

    Args:
        sources: ``NATS-tss-v1_0-3ffb9-simple.tar`` as downloaded, or the directory it unpacks
            to (or a one-element list of either). A directory holding exactly one
            ``NATS-tss-*-simple`` sub-directory (or else one ``NATS-tss-*-simple.tar``) is
            accepted too.
        out_root: cache root; caches go to ``out_root/nb201/<dataset>``.
        allow_pickle: must be ``True``: the archive is made of pickles (see module docstring).
        datasets: subset of ``cifar10``, ``cifar100``, ``ImageNet16-120`` (default: all).
        progress: optional ``callback(records_done, records_total)``.

    Returns:
        The cache directories written, one per dataset.

    Raises:
        NasSuiteError: ``allow_pickle`` not given; SourceFormatError / CorruptRecord /
        UnsafePickle for a wrong, damaged or unsafe archive. Nothing is written unless every
        file parsed.
    """
    limits = current()
    archive = _open_archive(sources, limits)
    wanted = canonical_datasets(datasets)
    if not allow_pickle:
        raise NasSuiteError(
            f"{archive.path.name} is made of Python pickles, and loading a pickle can execute code; "
            "nas-suite reads them (with a restricted loader) only when asked: re-run with "
            "--allow-pickle (allow_pickle=True) if you trust the files"
        )
    meta_where, meta_bytes = archive.meta()
    meta = loads_pickle_bz2(meta_bytes, source=meta_where, limits=limits)
    if not isinstance(meta, Mapping) or "meta_archs" not in meta:
        raise SourceFormatError(f"{meta_where} holds no 'meta_archs' list; is this a NATS-Bench archive?")
    archs = archs_table(meta["meta_archs"], meta_where)
    raw_archs = list(meta["meta_archs"])
    total = meta.get("total_archs")
    if total is not None and total != len(raw_archs):
        raise SourceFormatError(f"{meta_where}: total_archs={brief(total)} but meta_archs lists {len(raw_archs)} cells")

    ids = archive.record_ids()
    if ids[-1] >= len(raw_archs):
        raise SourceFormatError(
            f"{archive.path}: record index {ids[-1]} is outside the {len(raw_archs)} architectures of {META_FILE}"
        )
    tables = RecordTables(len(raw_archs), wanted, ids=ids, limits=limits)
    lines = []
    total_bytes = 0
    for done, (index, name, where, data) in enumerate(archive.records(), start=1):
        total_bytes += len(data)
        lines.append(f"{name} {hashlib.sha256(data).hexdigest()}\n")
        record = loads_pickle_bz2(data, source=where, limits=limits)
        tables.add(index, record, raw_archs[index], where)
        if progress is not None:
            progress(done, len(ids))
    tables.check_coverage(str(archive.path))

    digest = hashlib.sha256("".join(sorted(lines)).encode("ascii")).hexdigest()
    provenance = archive.container_sources() + [
        {"file": META_FILE, "role": "NATS-tss meta (meta_archs)", "bytes": len(meta_bytes),
         "sha256": hashlib.sha256(meta_bytes).hexdigest()},
        {"file": f"{archive.top}/<index>.pickle.pbz2 ({len(lines)} files)",
         "role": "NATS-tss per-architecture records; sha256 over sorted '<name> <sha256>' lines",
         "bytes": total_bytes, "sha256": digest},
    ]
    return write_caches(
        tables, archs, out_root, converter=IMPORTER, sources=provenance,
        rebuild=f"nas-suite data import {IMPORTER} {archive.path} --allow-pickle",
        notes=f"Converted from the NATS-Bench topology archive {archive.path.name}.",
    )


# -- the two containers of one archive: a directory or the official tar --------------------------------


class _Archive(abc.ABC):
    """The files of one NATS-tss ``-simple`` archive, whatever holds them.

    ``path`` is what the user passed (after resolving a parent directory); ``top`` the archive
    directory's name (``NATS-tss-v1_0-3ffb9-simple``).
    """

    path: Path

    @property
    @abc.abstractmethod
    def top(self) -> str:
        """Name of the directory holding the archive's files."""

    @abc.abstractmethod
    def meta(self) -> tuple[str, bytes]:
        """``(where, bytes)`` of ``meta.pickle.pbz2`` (``where`` names it in error messages)."""

    @abc.abstractmethod
    def record_ids(self) -> list[int]:
        """Sorted indices of the per-architecture files."""

    @abc.abstractmethod
    def records(self) -> Iterator[tuple[int, str, str, bytes]]:
        """``(index, file name, where, bytes)`` of each per-architecture file, one at a time."""

    def container_sources(self) -> list[dict[str, Any]]:
        """Provenance entries of the container itself (none for a directory)."""
        return []


def _open_archive(sources: Any, limits: Limits) -> _Archive:
    """The one archive named by ``sources`` (with helpful errors for near misses)."""
    if isinstance(sources, (str, os.PathLike)):
        items = [sources]
    else:
        items = list(sources)
    if len(items) != 1:
        raise SourceFormatError(
            f"{IMPORTER} reads one NATS-tss-*-simple directory or .tar, got {len(items)} sources"
        )
    path = Path(items[0])
    if path.is_file():
        return _TarArchive(path, limits)
    if not path.is_dir():
        what = "not a regular file or directory" if path.exists() else "no such file or directory"
        raise SourceFormatError(
            f"{what}: {path}; pass NATS-tss-v1_0-3ffb9-simple.tar or the directory it unpacks to"
        )
    if not (path / META_FILE).is_file():
        inner = [p for p in path.glob("NATS-tss-*-simple") if (p / META_FILE).is_file()]
        if len(inner) == 1:
            return _DirArchive(inner[0], limits)
        tars = [p for p in path.glob("NATS-tss-*-simple.tar") if p.is_file()]
        if not inner and len(tars) == 1:
            return _TarArchive(tars[0], limits)
        raise SourceFormatError(
            f"{path} has no {META_FILE}; pass NATS-tss-v1_0-3ffb9-simple.tar or the directory it unpacks to"
        )
    return _DirArchive(path, limits)


def _index_of(name: str, where: str, seen: dict[int, str]) -> int | None:
    """Architecture index of a record file name (None if not a record); refuses duplicates."""
    m = _RECORD_RE.match(name)
    if m is None:
        return None
    index = int(m.group(1))
    if index in seen:
        raise SourceFormatError(f"{where}: architecture {index} has two files ({seen[index]}, {name})")
    seen[index] = name
    return index


class _DirArchive(_Archive):
    """The unpacked directory: files are read one by one, in index order (each must be a regular
    file of at most ``max_read_bytes``; anything else named like a record is refused unopened)."""

    def __init__(self, directory: Path, limits: Limits) -> None:
        self.path = directory
        self.limits = limits
        found: dict[int, str] = {}
        for p in directory.iterdir():
            if _index_of(p.name, str(directory), found) is not None and not p.is_file():
                raise SourceFormatError(
                    f"{p} is not a regular file (a directory, FIFO, socket or device); the NATS-Bench archive "
                    "holds only plain files: remove it or point at an intact copy"
                )
        if not found:
            raise SourceFormatError(f"{directory} has no <index>.pickle.pbz2 architecture files beside {META_FILE}")
        self._files = dict(sorted(found.items()))

    @property
    def top(self) -> str:
        return self.path.name

    def meta(self) -> tuple[str, bytes]:
        meta_path = self.path / META_FILE
        return str(meta_path), read_bytes(meta_path, limits=self.limits)

    def record_ids(self) -> list[int]:
        return list(self._files)

    def records(self) -> Iterator[tuple[int, str, str, bytes]]:
        for index, name in self._files.items():
            path = self.path / name
            yield index, name, str(path), read_bytes(path, limits=self.limits)


class _TarArchive(_Archive):
    """``NATS-tss-v1_0-3ffb9-simple.tar`` read in streaming mode; nothing is extracted to disk.

    Two sequential passes over the file, so memory stays at one record whatever the member
    order (``tar`` stores files in directory-listing order, so ``meta.pickle.pbz2`` may come
    last, and the record indices must be known before the first record is parsed):

    1. *index*: member headers are read (data skipped unread by :mod:`tarfile`), the meta
       file's bytes kept, the whole file hashed, and the archive checked for a clean end;
    2. *records*: the per-architecture members are read one at a time.

    Only regular-file members named ``<top>/meta.pickle.pbz2`` and ``<top>/<index>.pickle.pbz2``
    are used, for the one directory ``<top>`` that holds the meta file. An absolute member
    name or one with a ``..`` component, a link where a data file is expected, or a second
    meta file is refused: the official tar has none, and refusing is safer than guessing.
    """

    def __init__(self, path: Path, limits: Limits) -> None:
        self.path = path  # read on first use, so cheap refusals (no --allow-pickle) come first
        self.limits = limits

    @cached_property
    def _indexed(self) -> tuple[str, int, tuple[str, bytes], str, dict[int, str]]:
        return self._index()

    @property
    def top(self) -> str:
        return self._indexed[3]

    def _open(self, digest: Any = None) -> tuple[Any, tarfile.TarFile]:
        """Open the tar in streaming (forward-only) mode; every byte read goes through ``digest``."""
        handle = _HashingReader(open(self.path, "rb"), digest)
        try:
            return handle, tarfile.open(fileobj=handle, mode="r|")
        except tarfile.ReadError as err:
            handle.close()
            raise SourceFormatError(
                f"{self.path} is not a tar archive ({err}); pass NATS-tss-v1_0-3ffb9-simple.tar as "
                "downloaded (not compressed again), or the directory it unpacks to"
            ) from None

    def _damaged(self, err: BaseException) -> CorruptRecord:
        return CorruptRecord(f"{self.path} is a damaged tar archive ({type(err).__name__}: {err}); re-download it")

    def _members(self, tar: tarfile.TarFile) -> Iterator[tuple[tarfile.TarInfo, str, str]]:
        """``(member, parent dir, file name)`` of every member, with unsafe names refused."""
        for member in tar:
            parts = [p for p in member.name.split("/") if p not in ("", ".")]
            if member.name.startswith("/") or ".." in parts:
                raise SourceFormatError(
                    f"{self.path}: member {brief(member.name)} points outside the archive; this is not an official "
                    "NATS-Bench tar (refusing it)"
                )
            if parts:
                yield member, "/".join(parts[:-1]), parts[-1]

    def _index(self) -> tuple[str, int, tuple[str, bytes], str, dict[int, str]]:
        digest = hashlib.sha256()
        raw, tar = self._open(digest)
        metas: list[tuple[str, str, bytes]] = []
        records: dict[str, dict[int, str]] = {}
        try:
            with raw, tar:
                for member, parent, name in self._members(tar):
                    if name != META_FILE and _RECORD_RE.match(name) is None:
                        continue
                    self._check_file(member)
                    if name == META_FILE:
                        metas.append((parent, member.name, self._read(tar, member)))
                    else:
                        seen = records.setdefault(parent, {})
                        _index_of(name, f"{self.path}:{parent}", seen)
                end = tar.offset
                raw.drain()
        except tarfile.TarError as err:
            raise self._damaged(err) from None
        except OSError as err:
            raise SourceFormatError(f"cannot read {self.path}: {err.strerror or err}") from None
        size = self.path.stat().st_size
        self._check_end(end, size)
        if not metas:
            raise SourceFormatError(
                f"{self.path} holds no {META_FILE}; pass NATS-tss-v1_0-3ffb9-simple.tar (the topology archive)"
            )
        if len(metas) > 1:
            raise SourceFormatError(
                f"{self.path} holds {len(metas)} {META_FILE} files ({metas[0][1]}, {metas[1][1]}); "
                "pass a single NATS-tss-*-simple archive"
            )
        top, meta_name, meta_bytes = metas[0]
        found = records.get(top, {})
        if not found:
            raise SourceFormatError(f"{self.path}:{top or '.'} has no <index>.pickle.pbz2 architecture files beside {META_FILE}")
        return digest.hexdigest(), size, (f"{self.path}:{meta_name}", meta_bytes), top, dict(sorted(found.items()))

    def _check_file(self, member: tarfile.TarInfo) -> None:
        if not member.isreg():
            raise SourceFormatError(
                f"{self.path}: {member.name} is a {'link' if member.issym() or member.islnk() else 'non-file entry'}, "
                "not a plain file as in the official NATS-Bench tar (refusing it)"
            )

    def _read(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
        """A member's bytes; one larger than ``max_read_bytes`` is refused before it is read."""
        self.limits.check("max_read_bytes", member.size, f"{self.path}:{member.name}", "the member's size in bytes")
        handle = tar.extractfile(member)
        assert handle is not None  # regular file, checked by _check_file
        data = handle.read()
        if len(data) != member.size:
            raise tarfile.ReadError(f"{member.name}: {len(data)} of {member.size} bytes")
        return data

    def _check_end(self, end: int, size: int) -> None:
        """A tar ends with zero blocks; :mod:`tarfile` silently stops at a damaged header or at a
        cut between members, so anything but zeros after the last member means damage."""
        if size - end < _BLOCK:
            raise CorruptRecord(
                f"{self.path} is truncated after {end:,} bytes (no end-of-archive blocks); re-download it"
            )
        with open(self.path, "rb") as handle:
            handle.seek(end)
            while chunk := handle.read(1 << 20):
                if chunk.count(0) != len(chunk):
                    raise CorruptRecord(
                        f"{self.path} is a damaged tar archive (unreadable member header at byte {end:,}); re-download it"
                    )

    def meta(self) -> tuple[str, bytes]:
        return self._indexed[2]

    def record_ids(self) -> list[int]:
        return list(self._indexed[4])

    def records(self) -> Iterator[tuple[int, str, str, bytes]]:
        expected = self._indexed[4]
        seen = 0
        raw, tar = self._open()
        try:
            with raw, tar:
                for member, parent, name in self._members(tar):
                    m = _RECORD_RE.match(name)
                    if parent != self.top or m is None:
                        continue
                    index = int(m.group(1))
                    if expected.get(index) != name:
                        raise SourceFormatError(f"{self.path} changed while it was being read; run the import again")
                    self._check_file(member)
                    seen += 1
                    yield index, name, f"{self.path}:{member.name}", self._read(tar, member)
        except tarfile.TarError as err:
            raise self._damaged(err) from None
        except OSError as err:
            raise SourceFormatError(f"cannot read {self.path}: {err.strerror or err}") from None
        if seen != len(expected):
            raise SourceFormatError(f"{self.path} changed while it was being read; run the import again")

    def container_sources(self) -> list[dict[str, Any]]:
        return [{"file": self.path.name, "role": "NATS-tss archive (tar, read in place; its files are listed below)",
                 "bytes": self._indexed[1], "sha256": self._indexed[0]}]


class _HashingReader:
    """Read-only file wrapper that feeds every byte read through ``digest`` (if any), so one
    sequential read of the tar both indexes and hashes it."""

    def __init__(self, raw: Any, digest: Any = None) -> None:
        self._raw, self._digest = raw, digest

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        if self._digest is not None:
            self._digest.update(data)
        return data

    def drain(self) -> None:
        """Read (and hash) what the tar reader left unread: end blocks and padding."""
        while self.read(1 << 20):
            pass

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> "_HashingReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
