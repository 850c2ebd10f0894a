"""Importer ``nb201-nats``: the NATS-Bench topology archive directory -> nb201 caches.

Source: ``NATS-tss-v1_0-3ffb9-simple/`` (unpacked from ``NATS-tss-v1_0-3ffb9-simple.tar``; the
layout is the one ``nats_bench.api_topology.NATStopology(dir, fast_mode=True)`` reads and
``exps/NATS-Bench/tss-collect.py`` of AutoDL-Projects writes)::

    NATS-tss-v1_0-3ffb9-simple/
        meta.pickle.pbz2      # bz2(pickle({"meta_archs": [15,625 cell strings, index order],
                              #             "total_archs": 15625, "arch2infos": None,
                              #             "evaluated_indexes": set()}))
        000000.pickle.pbz2    # bz2(pickle(OrderedDict({"12": ArchResults state,
        000001.pickle.pbz2    #                         "200": ArchResults state})))
        ...                   # one per architecture: "{index:06d}", or "{index}" (both are read)

Every file is a pickle, and unpickling can execute code, so nothing is read unless the caller
passes ``allow_pickle=True`` (CLI: ``--allow-pickle``); even then the files are parsed by
:mod:`suite.data.safe_pickle`, which refuses any object outside plain containers and numbers.

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
all of them (15,625 separate entries would bloat every cache's metadata).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Iterable

from ...errors import NasSuiteError, SourceFormatError
from ..cache import source_entry
from ..safe_pickle import loads_pickle_bz2
from .nb201_records import RecordTables, archs_table, canonical_datasets, write_caches

META_FILE = "meta.pickle.pbz2"
_RECORD_RE = re.compile(r"^(\d+)\.pickle\.pbz2$")
IMPORTER = "nb201-nats"


def convert(
    sources: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    out_root: str | os.PathLike[str],
    *,
    allow_pickle: bool = False,
    datasets: Iterable[str] | str | None = None,
) -> list[Path]:
    """Convert a ``NATS-tss-v1_0-3ffb9-simple/`` directory into nb201 caches under ``out_root``.

    Args:
        sources: the archive directory (or a one-element list of it). A directory holding
            exactly one ``NATS-tss-*-simple`` sub-directory is accepted too.
        out_root: cache root; caches go to ``out_root/nb201/<dataset>``.
        allow_pickle: must be ``True``: the archive is made of pickles (see module docstring).
        datasets: subset of ``cifar10``, ``cifar100``, ``ImageNet16-120`` (default: all).

    Returns:
        The cache directories written, one per dataset.

    Raises:
        NasSuiteError: ``allow_pickle`` not given; SourceFormatError / CorruptRecord /
        UnsafePickle for a wrong, damaged or unsafe archive. Nothing is written unless every
        file parsed.
    """
    directory = _archive_dir(sources)
    wanted = canonical_datasets(datasets)
    if not allow_pickle:
        raise NasSuiteError(
            f"{directory.name} is made of Python pickles, and loading a pickle can execute code; "
            "nas-suite reads them (with a restricted loader) only when asked: re-run with "
            "--allow-pickle (allow_pickle=True) if you trust the files"
        )
    meta_path = directory / META_FILE
    meta_bytes = meta_path.read_bytes()
    meta = loads_pickle_bz2(meta_bytes, source=str(meta_path))
    if not isinstance(meta, Mapping) or "meta_archs" not in meta:
        raise SourceFormatError(f"{meta_path} holds no 'meta_archs' list; is this a NATS-Bench archive?")
    archs = archs_table(meta["meta_archs"], str(meta_path))
    raw_archs = list(meta["meta_archs"])
    total = meta.get("total_archs")
    if total is not None and total != len(raw_archs):
        raise SourceFormatError(f"{meta_path}: total_archs={total!r} but meta_archs lists {len(raw_archs)} cells")

    records = _record_files(directory, len(raw_archs))
    tables = RecordTables(len(raw_archs), wanted, ids=[i for i, _ in records])
    lines = []
    total_bytes = 0
    for index, path in records:
        data = path.read_bytes()
        total_bytes += len(data)
        lines.append(f"{path.name} {hashlib.sha256(data).hexdigest()}\n")
        record = loads_pickle_bz2(data, source=str(path))
        tables.add(index, record, raw_archs[index], str(path))
    tables.check_coverage(str(directory))

    digest = hashlib.sha256("".join(sorted(lines)).encode("ascii")).hexdigest()
    provenance = [
        source_entry(meta_path, role="NATS-tss meta (meta_archs)"),
        {"file": f"{directory.name}/<index>.pickle.pbz2 ({len(records)} files)",
         "role": "NATS-tss per-architecture records; sha256 over sorted '<name> <sha256>' lines",
         "bytes": total_bytes, "sha256": digest},
    ]
    return write_caches(
        tables, archs, out_root, converter=IMPORTER, sources=provenance,
        rebuild=f"nas-suite data import {IMPORTER} {directory} --allow-pickle",
        notes=f"Converted from the NATS-Bench topology archive {directory.name}.",
    )


def _archive_dir(sources: Any) -> Path:
    """The one archive directory named by ``sources`` (with helpful errors for near misses)."""
    if isinstance(sources, (str, os.PathLike)):
        items = [sources]
    else:
        items = list(sources)
    if len(items) != 1:
        raise SourceFormatError(f"{IMPORTER} reads one NATS-tss-*-simple directory, got {len(items)} sources")
    path = Path(items[0])
    if path.is_file():
        hint = "unpack it with `tar xf` first and pass the directory" if path.suffix == ".tar" else \
            "pass the NATS-tss-v1_0-3ffb9-simple/ directory"
        raise SourceFormatError(f"{path} is a file; {IMPORTER} reads the archive directory: {hint}")
    if not path.is_dir():
        raise SourceFormatError(f"no such directory: {path}; pass the unpacked NATS-tss-v1_0-3ffb9-simple/ directory")
    if not (path / META_FILE).is_file():
        inner = [p for p in path.glob("NATS-tss-*-simple") if (p / META_FILE).is_file()]
        if len(inner) == 1:
            return inner[0]
        raise SourceFormatError(
            f"{path} has no {META_FILE}; pass the unpacked NATS-tss-v1_0-3ffb9-simple/ directory"
        )
    return path


def _record_files(directory: Path, n_archs: int) -> list[tuple[int, Path]]:
    """``(index, path)`` of every per-architecture file, sorted by index."""
    found: dict[int, Path] = {}
    for path in directory.iterdir():
        m = _RECORD_RE.match(path.name)
        if m is None:
            continue
        index = int(m.group(1))
        if index in found:
            raise SourceFormatError(f"{directory}: architecture {index} has two files ({found[index].name}, {path.name})")
        if index >= n_archs:
            raise SourceFormatError(f"{path}: index {index} is outside the {n_archs} architectures of {META_FILE}")
        found[index] = path
    if not found:
        raise SourceFormatError(f"{directory} has no <index>.pickle.pbz2 architecture files beside {META_FILE}")
    return sorted(found.items())

