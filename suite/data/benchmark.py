"""Vectorised queries over one (benchmark, dataset) cache.

Loading is a read, not a parse: opening a cache reads ``metadata.json``, the ``.npy`` headers
and the parquet footer only. Architecture columns are read on first use (the key column for
``index_of``, the arch column for ``arch``, the whole table for ``archs``), metric blocks are
memory-mapped and only touched when a metric is asked for, so a full NB-101 cache opens in well
under 300 MB. Every query returns arrays aligned with the architecture ids (row i = id i), with
NaN where the table has no measurement.

A :class:`Benchmark` pins the cache generation it opened (:class:`~suite.data.cache.CacheGeneration`):
every file is mapped at open time, so a re-import of the same cache never changes what an open
object returns; load again to see the new one.
"""

from __future__ import annotations

import os
import reprlib
from collections.abc import Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import CacheError, InvalidArchitecture, InvalidArgument, NotInBenchmark, UnknownMetric
from . import cache as cache_format
from .keys import KeyIndex
from .paths import cache_dir, search_roots
from .registry import benchmark_spec

SeedArg = int | str

#: types that are iterable but never a sequence of architectures or ids
_NOT_SEQUENCES = (str, bytes, bytearray, memoryview, Mapping)


class Benchmark:
    """One tabular benchmark on one dataset, read from a validated cache directory.

    Use :func:`suite.load` rather than constructing this directly.
    """

    def __init__(self, path: str | os.PathLike[str], benchmark: str, dataset: str) -> None:
        self.path = Path(path)
        self.name = benchmark
        self.dataset = dataset
        self._cache = cache_format.CacheGeneration(self.path, benchmark, dataset)
        self.meta: dict[str, Any] = self._cache.meta
        self._where = self._cache.where
        self._hint = self._cache.hint
        self.spec = benchmark_spec(benchmark)
        self.space = self.spec.make_space()
        self._arrow: dict[str, pa.ChunkedArray] = {}
        try:
            footer = pq.read_metadata(self._archs_source())
        except Exception as err:  # pyarrow raises several unrelated types for damaged files
            raise CacheError(f"corrupt {self._where}: cannot read {cache_format.ARCHS} ({type(err).__name__}); {self._hint}") from None
        self.arch_columns: list[str] = list(footer.schema.to_arrow_schema().names)
        if footer.num_rows != self.meta["n_archs"]:
            raise CacheError(f"corrupt {self._where}: {footer.num_rows} architectures, metadata says {self.meta['n_archs']}; {self._hint}")

    # -- description ------------------------------------------------------------------------------
    def __repr__(self) -> str:
        return f"Benchmark({self.name!r}, {self.dataset!r}, n_archs={len(self)}, metrics={self.metrics})"

    def __len__(self) -> int:
        return int(self.meta["n_archs"])

    @property
    def metrics(self) -> list[str]:
        """Metric names held by this cache."""
        return list(self.meta["metrics"])

    def info(self, name: str) -> dict[str, Any]:
        """What a metric means (split, unit, source) and which blocks hold it."""
        try:
            return self.meta["metrics"][name]
        except KeyError:
            raise UnknownMetric(f"{self.name}/{self.dataset} has no metric {name!r}; available: {', '.join(self.metrics)}") from None

    def schedules(self, name: str) -> list[int | None]:
        """Training schedules (total epochs) for which ``name`` was recorded."""
        seen: list[int | None] = []
        for block in self.info(name)["blocks"]:
            if block["schedule"] not in seen:
                seen.append(block["schedule"])
        return seen

    # -- metric queries -----------------------------------------------------------------------------
    def metric(
        self,
        name: str,
        epoch: int | None = None,
        seed: SeedArg = "mean",
        *,
        schedule: int | None = None,
        rng: np.random.Generator | None = None,
    ) -> np.ndarray:
        """Values of ``name`` for every architecture, shape ``(n_archs,)``, float64, NaN if unmeasured.

        ``schedule`` picks the training run (total epochs; default: the cache's default schedule
        if the metric has it, else its only schedule). ``epoch`` picks the point on that run
        (default: its last recorded epoch, i.e. the final value). ``seed`` is ``"mean"`` (NaN-aware
        mean over the recorded seeds), a seed value as listed in the block (e.g. 777 or repeat 0),
        or ``"sample"``: one recorded seed drawn per architecture with ``rng`` — the usual way to
        simulate a single noisy training run.
        """
        schedule = self._resolve_schedule(name, schedule)
        blocks = [b for b in self.info(name)["blocks"] if b["schedule"] == schedule]
        epoch = self._resolve_epoch(name, blocks, epoch)
        candidates = [b for b in blocks if _column(b, epoch) is not None]
        block = _prefer(candidates, seed)
        if block is None:
            seeds = sorted({str(s) for b in candidates for s in b["seeds"]})
            raise UnknownMetric(
                f"{name} at schedule={schedule}, epoch={epoch} has no seed {seed!r}; recorded seeds: {', '.join(seeds)} (or 'mean'/'sample')"
            )
        col = _column(block, epoch)
        values = self._reduce_seeds(self._array(block)[:, :, col : col + 1], block, seed, rng)[:, 0]
        rows = self._block_rows(block)
        if rows is None:
            return values
        out = np.full(len(self), np.nan)
        out[rows] = values
        return out

    def curves(
        self,
        name: str,
        ids: Sequence[int] | np.ndarray | None = None,
        seed: SeedArg = "mean",
        *,
        schedule: int | None = None,
        rng: np.random.Generator | None = None,
    ) -> pd.DataFrame:
        """Per-epoch values of ``name``: rows = ids (default: all), columns = epochs, NaN where unknown.

        Uses the block with the most epochs for the schedule; architectures it does not cover
        get NaN rows (e.g. NB-201 learning curves published for 200 cells only).
        """
        schedule = self._resolve_schedule(name, schedule)
        blocks = [b for b in self.info(name)["blocks"] if b["schedule"] == schedule and b["epochs"]]
        if not blocks:
            raise UnknownMetric(f"{name} (schedule {schedule}) is not recorded per epoch in {self.name}/{self.dataset}")
        block = max(blocks, key=lambda b: (len(b["epochs"]), b["rows"] is None))
        ids_arr = np.arange(len(self)) if ids is None else self._check_ids(ids)
        rows = self._block_rows(block)
        out = np.full((len(ids_arr), len(block["epochs"])), np.nan)
        if rows is None:
            pos, have = ids_arr, np.ones(len(ids_arr), bool)
        else:
            pos = np.minimum(np.searchsorted(rows, ids_arr), len(rows) - 1)
            have = rows[pos] == ids_arr
        if have.any():
            picked = np.asarray(self._array(block)[pos[have]])
            out[have] = self._reduce_seeds(picked, block, seed, rng)
        return pd.DataFrame(out, index=pd.Index(ids_arr, name="id"), columns=pd.Index(block["epochs"], name="epoch"))

    # -- architectures ------------------------------------------------------------------------------
    def sample(self, n: int, rng: np.random.Generator | int | None = None, *, replace: bool = False) -> np.ndarray:
        """``n`` architecture ids drawn uniformly (without replacement unless ``replace``), int64 ``(n,)``.

        ``n`` is a non-negative integer (at most the number of architectures without replacement);
        ``rng`` a :class:`numpy.random.Generator`, an integer seed, a ``SeedSequence`` or None.
        Anything else raises :class:`InvalidArgument`.
        """
        if _is_bool(n) or not _is_id(n) or int(n) < 0:
            raise InvalidArgument(f"sample(n): n must be a non-negative integer, got {_describe(n)}")
        if not (rng is None or isinstance(rng, (np.random.Generator, np.random.SeedSequence, np.random.BitGenerator))
                or (_is_id(rng) and not _is_bool(rng) and int(rng) >= 0)):
            raise InvalidArgument(f"sample(rng=): give a numpy Generator, a non-negative integer seed or None, "
                                  f"got {_describe(rng)}")
        n = int(n)
        gen = np.random.default_rng(rng)
        if replace:
            return gen.integers(0, len(self), n)
        if n > len(self):
            raise InvalidArgument(f"cannot sample {n} distinct architectures from {len(self)} (use replace=True)")
        return gen.choice(len(self), size=n, replace=False)

    def index_of(self, spec: Any) -> Any:
        """Id(s) of architecture spec(s): one spec -> int, a sequence of specs -> int64 array.

        Accepted: an integer id (Python or numpy int, also a 0-d integer array), returned as is
        after a range check; one spec in any spelling the search space accepts (e.g. NB-201 cell
        string, op codes; NB-101 matrix+ops or module hash); or an iterable of specs.

        Raises :class:`InvalidArchitecture` for anything else — ``None``, floats (NaN included),
        bools and ``numpy.bool_`` (a bool is never an id), bytes, arbitrary objects — and for a
        spec that is not a valid cell; :class:`NotInBenchmark` for an id out of range or a valid
        cell the table does not hold. Never a bare ``TypeError``/``KeyError``.
        """
        spec = _unwrap_0d(spec)
        if _is_bool(spec):
            raise InvalidArchitecture(f"a bool is not an architecture id or spec, got {_describe(spec)}; {self._accepted_specs()}")
        if _is_id(spec):
            return self._check_id(spec)
        single = not isinstance(spec, (bytes, bytearray, memoryview)) and self.space.is_single(spec)
        if not single and (isinstance(spec, _NOT_SEQUENCES) or not isinstance(spec, Iterable)):
            raise InvalidArchitecture(f"cannot look up an architecture from {_describe(spec)}; {self._accepted_specs()}")
        specs = [spec] if single else list(spec)
        ids = self._structure_lookup(specs)
        todo = np.flatnonzero(ids < 0)
        keys = np.empty(len(specs), dtype=object)
        if len(todo):  # not stored with this exact structure: canonical keys (e.g. NB-101 hashes)
            keys[todo] = self.space.keys([specs[i] for i in todo])
            ids[todo] = self._key_index.get_indexer(keys[todo])
        if (ids < 0).any():
            bad = int(np.flatnonzero(ids < 0)[0])
            raise NotInBenchmark(
                f"architecture {keys[bad]} (spec #{bad}) is valid but not in the {self.name}/{self.dataset} table "
                f"({len(self)} architectures)"
            )
        return int(ids[0]) if single else ids.astype(np.int64)

    def find(self, specs: Sequence[Any]) -> np.ndarray:
        """Ids of many specs, -1 for a spec that is invalid or not in the table (never raises for those).

        The search loops' lookup: mutations and crossovers produce invalid cells and, on
        partial tables, valid cells the table lacks; both are simply "not available". Returns
        int64 of shape ``(len(specs),)``. ``specs`` itself must be an iterable of specs: ``None``,
        a number, a bool, a str, bytes or a dict (one spec, not a sequence) raise
        :class:`InvalidArchitecture` — wrap one spec as ``find([spec])`` or use :meth:`index_of`.
        """
        specs = _unwrap_0d(specs)
        if isinstance(specs, _NOT_SEQUENCES) or not isinstance(specs, Iterable):
            raise InvalidArchitecture(
                f"find takes a sequence of {self.name} architecture specs, got {_describe(specs)}; "
                f"for one spec use find([spec]) or index_of(spec)"
            )
        specs = list(specs)
        ids = np.full(len(specs), -1, dtype=np.int64)
        valid = np.array([self.space.is_valid(s) for s in specs], dtype=bool)
        pos = np.flatnonzero(valid)
        if not len(pos):
            return ids
        chosen = [specs[i] for i in pos]
        found = self._structure_lookup(chosen)
        coded = bool(self.space.structure_columns) and set(self.space.structure_columns) <= set(self.arch_columns)
        # a structure miss is final where the space says so (NB-101: every isomorphic spelling was tried),
        # which spares hashing the many mutants a partial table lacks
        todo = [i for i in np.flatnonzero(found < 0) if not (coded and self.space.structure_miss_is_final(chosen[i]))]
        if todo:
            found[todo] = self._key_index.get_indexer(self.space.keys([chosen[i] for i in todo]))
        ids[pos] = found
        return ids

    def arch(self, ids: int | np.integer | Sequence[int] | np.ndarray) -> Any:
        """Canonical architecture string(s) of id(s): one id -> str, several -> object array.

        An id is a Python or numpy integer (a 0-d integer array counts as one id); several ids
        are a sequence or integer array. Raises :class:`InvalidArchitecture` for anything else
        (bools, floats, ``None``, strings — look specs up with :meth:`index_of`) and
        :class:`NotInBenchmark` for an id out of range.
        """
        ids = _unwrap_0d(ids)
        if _is_bool(ids):
            raise InvalidArchitecture(f"a bool is not an architecture id, got {_describe(ids)}; {self._accepted_ids()}")
        if _is_id(ids):
            return str(self._arrow_column("arch")[self._check_id(ids)].as_py())
        if isinstance(ids, _NOT_SEQUENCES) or not isinstance(ids, Iterable):
            raise InvalidArchitecture(f"arch takes architecture ids, got {_describe(ids)}; {self._accepted_ids()}")
        checked = self._check_ids(ids)
        return self._arrow_column("arch").take(pa.array(checked)).to_numpy(zero_copy_only=False)

    @cached_property
    def archs(self) -> pd.DataFrame:
        """The whole architecture table (row i = id i), read on first access.

        For NB-101 this is the one expensive object (~350 MB as pandas); use :meth:`columns` or
        :meth:`arch` when a few columns or rows are enough.
        """
        return self._read_table(None)

    def columns(self, names: Sequence[str]) -> pd.DataFrame:
        """Some columns of the architecture table as a DataFrame (row i = id i), reading only those."""
        if isinstance(names, (str, bytes)) or not isinstance(names, Iterable):
            raise InvalidArgument(f"columns() takes a list of column names, got {_describe(names)}")
        names = list(names)
        missing = [n for n in names if n not in self.arch_columns]
        if missing:
            raise UnknownMetric(f"{self.name}/{self.dataset} architecture table has no column(s) {missing}; "
                                f"columns: {self.arch_columns}")
        if "archs" in self.__dict__:
            return self.__dict__["archs"][names]
        return self._read_table(names)

    def verify(self) -> None:
        """Full integrity check (sha256 of every file of the generation this object opened);
        raises :class:`CacheError` on damage."""
        bad = self._cache.verify()
        if bad:
            raise CacheError(f"corrupt {self._where}: checksum mismatch in {', '.join(bad)}; {self._hint}")

    # -- internals ----------------------------------------------------------------------------------
    @cached_property
    def _key_index(self) -> KeyIndex:
        return KeyIndex(self._arrow_column("key"))

    @cached_property
    def _structure_index(self) -> tuple[np.ndarray, np.ndarray]:
        """Sorted structure codes of the stored rows and their ids (see ``SearchSpace.structure_code``)."""
        names = self.space.structure_columns
        codes = self.space.structure_codes({n: self._arrow_column(n, keep=False) for n in names})
        order = np.argsort(codes, kind="stable")
        return codes[order], order

    def _structure_lookup(self, specs: list[Any]) -> np.ndarray:
        """Ids of specs the space finds by structure code, -1 elsewhere (no hashing)."""
        if not specs or not self.space.structure_columns or not set(self.space.structure_columns) <= set(self.arch_columns):
            return np.full(len(specs), -1, dtype=np.int64)
        return self.space.structure_lookup(specs, self._match_codes)

    def _match_codes(self, codes: np.ndarray) -> np.ndarray:
        """Id of the first code per row found in the table, -1 where none is."""
        ids = np.full(len(codes), -1, dtype=np.int64)
        if not codes.size or not (codes >= 0).any():
            return ids
        table, order = self._structure_index
        pos = np.minimum(np.searchsorted(table, codes), len(table) - 1)
        hit = (table[pos] == codes) & (codes >= 0)
        found = hit.any(axis=1)
        ids[found] = order[pos[found, hit.argmax(axis=1)[found]]]
        return ids

    def _arrow_column(self, name: str, keep: bool = True) -> pa.ChunkedArray:
        """One column kept as Arrow (no Python objects), decoded in batches.

        Batches roughly halve the transient peak of decoding NB-101's string columns in one go.
        """
        column = self._arrow.get(name)
        if column is None:
            try:
                reader = pq.ParquetFile(self._archs_source())
                chunks = [b.column(0) for b in reader.iter_batches(batch_size=1 << 15, columns=[name], use_threads=False)]
            except Exception as err:  # damaged pages surface only when the columns are decoded
                raise CacheError(f"corrupt {self._where}: cannot read {cache_format.ARCHS} ({type(err).__name__}); {self._hint}") from None
            column = pa.chunked_array(chunks, type=reader.schema_arrow.field(name).type)
            if len(column) != len(self):
                raise CacheError(f"corrupt {self._where}: {len(column)} architectures, metadata says {len(self)}; {self._hint}")
            if keep:
                self._arrow[name] = column
        return column

    def _read_arrow(self, names: list[str] | None) -> pa.Table:
        try:
            table = pq.read_table(self._archs_source(), columns=names)
        except Exception as err:  # damaged pages surface only when the columns are decoded
            raise CacheError(f"corrupt {self._where}: cannot read {cache_format.ARCHS} ({type(err).__name__}); {self._hint}") from None
        if table.num_rows != len(self):
            raise CacheError(f"corrupt {self._where}: {table.num_rows} architectures, metadata says {len(self)}; {self._hint}")
        return table

    def _archs_source(self) -> pa.BufferReader:
        """A fresh reader of the pinned architecture table (one per read: readers keep a position)."""
        return pa.BufferReader(self._cache.buffer(self.meta["archs"]["file"]))

    def _read_table(self, names: list[str] | None) -> pd.DataFrame:
        return self._read_arrow(names).to_pandas(self_destruct=True, split_blocks=True)

    def _accepted_specs(self) -> str:
        return (
            f"expected an integer id in 0..{len(self) - 1}, one {self.name} architecture spec "
            f"(a str, a dict or a sequence spelling the space accepts) or a sequence of specs"
        )

    def _accepted_ids(self) -> str:
        return f"expected an integer id in 0..{len(self) - 1} (Python or numpy int, not bool) or a sequence/array of them"

    def _check_id(self, value: int | np.integer) -> int:
        """One id as a Python int; :class:`NotInBenchmark` if out of ``0..n_archs - 1``."""
        i = int(value)
        if not 0 <= i < len(self):
            raise NotInBenchmark(f"id {i} is out of range: {self.name}/{self.dataset} has ids 0..{len(self) - 1}")
        return i

    def _check_ids(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Ids as a flat int64 array, shape ``(n,)``; an empty sequence gives an empty array.

        Raises :class:`InvalidArchitecture` unless every entry is an integer (bools, also mixed
        into a list of ints, are refused) and :class:`NotInBenchmark` for an id out of range.
        """
        if _is_bool(ids) or isinstance(ids, _NOT_SEQUENCES):
            raise InvalidArchitecture(f"architecture ids must be integers, got {_describe(ids)}; {self._accepted_ids()}")
        arr = np.asarray(ids)
        if arr.size == 0 and arr.dtype.kind in "fO":  # [] and () come out float64
            return np.zeros(0, dtype=np.int64)
        if arr.dtype.kind in "fO" and isinstance(ids, (list, tuple)) and all(_is_id(x) for x in ids):
            # ints numpy cannot hold together (10**30, uint64 beside negatives): range-check one by one
            arr = np.array([self._check_id(x) for x in ids], dtype=np.int64)
        mixed_bool = arr.dtype.kind in "iu" and isinstance(ids, (list, tuple)) and any(_is_bool(x) for x in ids)  # [1, True]
        if arr.dtype.kind not in "iu" or mixed_bool:
            raise InvalidArchitecture(
                f"architecture ids must be integers, got {_describe(ids)} (dtype {arr.dtype}); {self._accepted_ids()}"
            )
        arr = arr.astype(np.int64, copy=False).reshape(-1)
        if arr.size and (arr.min() < 0 or arr.max() >= len(self)):
            bad = int(arr[(arr < 0) | (arr >= len(self))][0])
            raise NotInBenchmark(f"id {bad} is out of range: {self.name}/{self.dataset} has ids 0..{len(self) - 1}")
        return arr

    def _resolve_schedule(self, name: str, schedule: int | None) -> int | None:
        schedules = self.schedules(name)
        if schedule is not None:
            if schedule not in schedules:
                raise UnknownMetric(f"{name} was not recorded for schedule {schedule}; recorded: {schedules}")
            return schedule
        default = self.meta.get("default_schedule")
        if default in schedules:
            return default
        if len(schedules) == 1:
            return schedules[0]
        raise UnknownMetric(f"{name} has several schedules {schedules}; pass schedule=")

    def _resolve_epoch(self, name: str, blocks: list[dict[str, Any]], epoch: int | None) -> int | None:
        recorded = sorted({e for b in blocks for e in (b["epochs"] or [])})
        if not recorded:
            if epoch is not None:
                raise UnknownMetric(f"{name} is not recorded per epoch; call metric({name!r}) without epoch")
            return None
        if epoch is None:
            return recorded[-1]
        if _is_bool(epoch) or not _is_id(epoch):
            raise InvalidArgument(f"{name}: epoch must be an integer epoch or None, got {_describe(epoch)}")
        epoch = int(epoch)
        if epoch not in recorded:
            shown = recorded if len(recorded) <= 8 else recorded[:3] + ["..."] + recorded[-3:]
            raise UnknownMetric(f"{name} has no epoch {epoch} for this schedule; recorded epochs: {shown}")
        return epoch

    def _array(self, block: dict[str, Any]) -> np.ndarray:
        return self._cache.array(block)

    def _block_rows(self, block: dict[str, Any]) -> np.ndarray | None:
        return self._cache.rows(block)

    @staticmethod
    def _reduce_seeds(values: np.ndarray, block: dict[str, Any], seed: SeedArg, rng: np.random.Generator | None) -> np.ndarray:
        """(n, n_seeds, n_epochs) -> (n, n_epochs) by the seed rule of :meth:`metric`.

        ``"sample"`` draws one seed per architecture among those with any measurement, so a
        sampled curve is one real training run, not a mix of runs.
        """
        vals = np.asarray(values, dtype=np.float64)
        valid = ~np.isnan(vals)
        if seed == "mean":
            count = valid.sum(axis=1)
            total = np.where(valid, vals, 0.0).sum(axis=1)
            return np.where(count > 0, total / np.maximum(count, 1), np.nan)
        if seed == "sample":
            gen = rng if rng is not None else np.random.default_rng()
            has = valid.any(axis=2)  # (n, n_seeds)
            count = has.sum(axis=1)
            pick = np.floor(gen.random(len(vals)) * count).astype(np.int64)  # k-th measured seed
            hit = has & ((np.cumsum(has, axis=1) - 1) == pick[:, None])
            out = vals[np.arange(len(vals)), hit.argmax(axis=1)]
            out[count == 0] = np.nan
            return out
        return vals[:, block["seeds"].index(seed)]


def _describe(value: Any) -> str:
    """``type repr`` of a user input for a one-line error message (repr shortened)."""
    kind = type(value)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__.split('.')[0]}.{kind.__name__}"
    return f"{name} {reprlib.repr(value)}".replace("\n", " ")


def _unwrap_0d(value: Any) -> Any:
    """A 0-d numpy array as its scalar (``np.array(3)`` -> ``np.int64(3)``); anything else unchanged."""
    return value[()] if isinstance(value, np.ndarray) and value.ndim == 0 else value


def _is_bool(value: Any) -> bool:
    """Python or numpy bool: never an architecture id, although ``bool`` subclasses ``int``."""
    return isinstance(value, (bool, np.bool_))


def _is_id(value: Any) -> bool:
    """Whether ``value`` is one architecture id: a Python or numpy integer, not a bool."""
    return isinstance(value, (int, np.integer)) and not _is_bool(value)


def _column(block: dict[str, Any], epoch: int | None) -> int | None:
    """Column index of ``epoch`` in a block (0 for non-per-epoch blocks), None if absent."""
    if block["epochs"] is None:
        return 0 if epoch is None else None
    try:
        return block["epochs"].index(epoch)
    except ValueError:
        return None


def _prefer(blocks: list[dict[str, Any]], seed: SeedArg) -> dict[str, Any] | None:
    """Pick the block answering a seed request.

    Full coverage wins first. Then, for ``"mean"``, a block the source published as a seed
    mean wins over one whose mean we would compute (the published number is the reference);
    for ``"sample"`` per-seed blocks win (sampling from a mean is no sample); for a named seed
    only blocks recording it qualify.
    """
    if seed == "mean":
        rank = lambda b: (b["rows"] is None, b["seeds"] == ["mean"], len(b["seeds"]))  # noqa: E731
        ok = blocks
    elif seed == "sample":
        rank = lambda b: (b["rows"] is None, b["seeds"] != ["mean"], len(b["seeds"]))  # noqa: E731
        ok = blocks
    else:
        rank = lambda b: (b["rows"] is None, len(b["seeds"]))  # noqa: E731
        ok = [b for b in blocks if seed in b["seeds"]]
    return max(ok, key=rank) if ok else None


def locate(benchmark: str, dataset: str, root: str | os.PathLike[str] | None = None) -> Path:
    """Directory of the cache to read, by the resolution order of :mod:`suite.data.paths`."""
    roots = search_roots(root)
    for base in roots:
        path = cache_dir(base, benchmark, dataset)
        if (path / cache_format.METADATA).exists():
            return path
    searched = ", ".join(str(r) for r in roots)
    raise CacheError(
        f"no {benchmark}/{dataset} cache found (searched {searched}); import one with "
        f"`nas-suite data import ...` (see `nas-suite data list`)"
    )


def load(benchmark: str, dataset: str = "cifar10", root: str | os.PathLike[str] | None = None) -> Benchmark:
    """Open a benchmark cache: ``suite.load("nb201", "cifar100")``.

    ``dataset`` accepts the usual spellings (``cifar10-valid``, ``ImageNet16-120``,
    ``imagenet``...), resolved once by the benchmark registry. ``root`` overrides the cache
    search order (argument > ``$NAS_SUITE_DATA`` > per-user default > embedded ``data/``).
    """
    spec = benchmark_spec(benchmark)
    dataset = spec.canonical_dataset(dataset)
    return Benchmark(locate(spec.name, dataset, root), spec.name, dataset)
