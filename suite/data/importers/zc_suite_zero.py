"""NAS-Bench-Suite-Zero zero-cost proxy files -> ``zc_nbsz_<proxy>`` metric blocks.

The published scores keep a prefix of their own (:data:`PREFIX`) so that they sit beside, and are
compared with, the ``zc_<proxy>`` columns that :mod:`suite.proxies` computes on the benchmark's
own networks.

Source format (NASLib's ``zc_nasbench201.json`` / ``zc_nasbench101.json``)::

    {<space>?: {<dataset>: {<naslib key>: {<proxy>: {"score": float, "time": float} | float,
                                            "val_accuracy": float, "idx"?: str, "arch"?: str}}}}

The ``<space>`` level (``"nasbench101"``, ``"nasbench201"``) is optional. Keys are NASLib
tuples written as Python tuple text:

* NB-201: the 6 NASLib op indices, converted with :func:`suite.data.spaces.nb201.naslib_to_codes`
  (NASLib op and edge order differ from the benchmark's; see that module). The ``idx`` field is
  *not* the NATS index and is ignored.
* NB-101: the 7x7 adjacency matrix flattened row-major (49 ints) followed by 7 op indices in
  NASLib's order :data:`NB101_NASLIB_OPS` (``0 input, 1 output, 2 maxpool3x3, 3 conv1x1-bn-relu,
  4 conv3x3-bn-relu``). The matrices are NASLib's *unpruned* random specs: several keys prune to
  the same cell (the shared 500-entry file holds 292 distinct module hashes; 55 keys are the bare
  input->output cell). Entries sharing a hash have ``val_accuracy`` values drawn from at most 3
  distinct numbers — the 3 official repeats, one drawn at random
  per query by ``nasbench.api.query`` — which confirms both the matrix orientation and the
  pruning. Their ``params`` agree except for 3 hashes, whose keys list the vertices in different
  orders: NB-101 gives the channel remainder to the lowest-numbered vertices, so the order changes
  the network (``suite.networks.nb101``); the cache holds the mean over the keys.

Only ``score`` is imported (``time`` is the proxy's compute time on NASLib's machine).
Values of several keys of one cell are averaged (their count is in the block note).

Two uses:

* :func:`add_zc_blocks` adds the proxy blocks of one dataset to an open :class:`CacheWriter`
  (``nb201_derived`` uses it while it builds a cache);
* :func:`convert` appends them to an *existing* cache by rewriting it atomically (all existing
  blocks copied, ``zc_nbsz_*`` metrics of the same name replaced). For NB-101, where no full cache
  can be built here, a missing cache is created standalone from the file's own cells: archs from
  the keys, ``zc_nbsz_*`` and ``valid_acc`` (schedule 108, epoch 108, seed label ``"mean"``; it is
  the mean of the distinct repeat values observed among the file's entries of the cell: one
  random repeat for most cells, see the block note).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from ...errors import CacheError, InvalidArchitecture, SourceFormatError
from ..cache import CacheWriter, MetricInfo, copy_contents, read_metadata, source_entry
from ..limits import LimitExceeded, brief, read_json
from ..registry import NB101_CITATION, ZC_CITATION, benchmark_spec

CONVERTER = "zc-suite-zero"
CONVERTER_VERSION = "1"
LICENCE = "Apache-2.0 (NASLib / NAS-Bench-Suite-Zero)"
#: metric-name prefix of the published scores (``zc_nbsz_nwot``, ``zc_nbsz_synflow``, ...)
PREFIX = "zc_nbsz_"

#: space name in the file -> benchmark registry name
SPACE_TO_BENCHMARK = {"nasbench101": "nb101", "nasbench201": "nb201"}
#: NASLib's NB-101 op numbering (index -> nasbench op name)
NB101_NASLIB_OPS: tuple[str, ...] = ("input", "output", "maxpool3x3", "conv1x1-bn-relu", "conv3x3-bn-relu")
FLOAT32_MAX = float(np.finfo(np.float32).max)
#: record fields that are not proxies
NON_PROXY_FIELDS = frozenset({"val_accuracy", "idx", "arch", "test_accuracy", "train_accuracy"})

#: what each NAS-Bench-Suite-Zero proxy measures (at initialisation, one training minibatch)
PROXY_DOC: dict[str, str] = {
    "flops": "FLOPs of the network (NASLib's count, MFLOPs)",
    "params": "parameters of the network (NASLib's count, millions)",
    "synflow": "SynFlow: sum of |theta * dR/dtheta| with all-ones input and |theta| weights (data-free)",
    "grasp": "GraSP: -theta * H g (Hessian-gradient product) summed",
    "fisher": "Fisher: sum over activations of (activation * gradient)^2",
    "grad_norm": "L2 norm of the loss gradient w.r.t. the weights",
    "l2_norm": "L2 norm of the weights at initialisation",
    "plain": "sum of theta * dL/dtheta",
    "nwot": "NASWOT: log-determinant of the ReLU activation-pattern kernel",
    "epe_nas": "EPE-NAS: class-wise Jacobian correlation score",
    "jacov": "Jacobian covariance score (NASWOT v1)",
    "snip": "SNIP: sum of |theta * dL/dtheta|",
    "zen": "Zen-score: expected feature-map change under Gaussian input perturbation",
}


@dataclass
class ProxyBlock:
    """One ``<prefix><name>`` block: values (n,) for the ids ``rows`` (sorted ascending)."""

    name: str
    info: MetricInfo
    values: np.ndarray
    rows: np.ndarray
    note: str


# -- reading the source -----------------------------------------------------------------------------


def read_zc_file(path: str | os.PathLike[str]) -> tuple[str | None, dict[str, dict[str, dict[str, Any]]]]:
    """``(space or None, {dataset: {naslib key: record}})`` of one Suite-Zero JSON file."""
    p = Path(path)
    try:  # under the size and nesting limits of suite.data.limits; a regular file only
        data = read_json(p, hint="pass a NAS-Bench-Suite-Zero zc_<space>.json file")
    except LimitExceeded:
        raise
    except SourceFormatError as err:
        reason = str(err).removeprefix(f"{p}: ")
        raise SourceFormatError(f"{p}: not a readable NAS-Bench-Suite-Zero JSON file ({reason})") from None
    if not isinstance(data, dict) or not data:
        raise SourceFormatError(f"{p}: expected a JSON object {{dataset: {{arch key: {{proxy: ...}}}}}}")
    space = None
    if len(data) == 1 and next(iter(data)) in SPACE_TO_BENCHMARK:
        space, data = next(iter(data.items()))
    for dataset, records in data.items():
        if not isinstance(records, dict) or not records:
            raise SourceFormatError(f"{p}: dataset {brief(dataset)} must map arch keys to proxy records")
        first = next(iter(records.values()))
        if not isinstance(first, dict):
            raise SourceFormatError(f"{p}: records of {brief(dataset)} must be objects of proxy scores")
    return space, data


def parse_tuple_key(key: str, length: int | None = None) -> list[int]:
    """Ints of a NASLib key ``"(0, 1, ...)"``; raises :class:`SourceFormatError` otherwise."""
    body = key.strip()
    if not (body.startswith("(") and body.endswith(")")):
        raise SourceFormatError(f"NASLib key {key[:60]!r} is not a tuple of ints")
    try:
        values = [int(x) for x in body[1:-1].split(",") if x.strip()]
    except ValueError:
        raise SourceFormatError(f"NASLib key {key[:60]!r} is not a tuple of ints") from None
    if length is not None and len(values) != length:
        raise SourceFormatError(f"NASLib key {key[:60]!r} has {len(values)} entries, expected {length}")
    return values


def guess_space(keys: Iterable[str]) -> str:
    """Space of a file without a space level, from its key length (6: NB-201, 56: NB-101)."""
    first = next(iter(keys))
    n = len(parse_tuple_key(first))
    if n == 6:
        return "nasbench201"
    if n == 56:
        return "nasbench101"
    raise SourceFormatError(f"cannot tell the search space of NASLib keys with {n} entries; pass benchmark=")


def nb201_keys(naslib_keys: Sequence[str]) -> np.ndarray:
    """Canonical NB-201 cell strings of NASLib NB-201 keys (object array)."""
    from ..spaces import nb201

    tuples = np.array([parse_tuple_key(k, 6) for k in naslib_keys], dtype=np.int64).reshape(-1, 6)
    try:
        return nb201.strings_from_codes(nb201.naslib_to_codes(tuples))
    except InvalidArchitecture as err:
        raise SourceFormatError(f"invalid NASLib NB-201 key in the zero-cost file: {err}") from None


def nb101_cells(naslib_keys: Sequence[str]) -> list[tuple[Any, Any]]:
    """Pruned ``(matrix rows, ops)`` NB-101 cells of NASLib NB-101 keys (49 matrix + 7 op ints)."""
    from ..spaces import nb101

    cells = []
    for key in naslib_keys:
        values = parse_tuple_key(key, 56)
        matrix = np.array(values[:49], dtype=np.int64).reshape(7, 7)
        if min(values[49:]) < 0 or max(values[49:]) >= len(NB101_NASLIB_OPS):
            raise SourceFormatError(f"NASLib NB-101 key {key[:40]!r}...: op indices must be in 0..4")
        ops = [NB101_NASLIB_OPS[i] for i in values[49:]]
        try:
            cells.append(nb101.canonical_cell((matrix, ops)))
        except InvalidArchitecture as err:
            raise SourceFormatError(f"invalid NASLib NB-101 key {key[:40]!r}...: {err}") from None
    return cells


def arch_keys(benchmark: str, naslib_keys: Sequence[str]) -> np.ndarray:
    """Canonical lookup keys (``archs.key``) of NASLib keys of ``benchmark``."""
    if benchmark == "nb201":
        return nb201_keys(naslib_keys)
    if benchmark == "nb101":
        from ..spaces import nb101

        return np.array([nb101.hash_cell(*cell) for cell in nb101_cells(naslib_keys)], dtype=object)
    raise SourceFormatError(f"NAS-Bench-Suite-Zero files are supported for nb101 and nb201, not {benchmark!r}")


def score_table(records: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """One row per key (file order), one float64 column per proxy score plus ``val_accuracy``."""
    names: list[str] = []
    for rec in records.values():
        for name in rec:
            if name not in names and name not in NON_PROXY_FIELDS - {"val_accuracy"}:
                names.append(name)
    out = {name: np.full(len(records), np.nan) for name in names}
    for i, (key, rec) in enumerate(records.items()):
        for name, value in rec.items():
            if name not in out:
                continue
            if isinstance(value, dict):
                value = value.get("score")
            if value is None:
                continue
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise SourceFormatError(f"zero-cost record {key[:40]!r}: {name} is {type(value).__name__}, expected a number")
            out[name][i] = float(value)
    return pd.DataFrame(out, index=pd.Index(list(records), dtype=object))


# -- building blocks --------------------------------------------------------------------------------


def proxy_info(name: str, dataset: str, source_file: str, field_path: str, description: str | None = None) -> MetricInfo:
    """MetricInfo of a zero-cost proxy (no training; schedule None)."""
    return MetricInfo(
        description=description or f"zero-cost proxy {name}: {PROXY_DOC.get(name, 'NAS-Bench-Suite-Zero score')}",
        unit="score",
        split="none (computed at initialisation on a training minibatch)",
        higher_is_better=True,
        extra={
            "trained_on": "not trained (network at initialisation)",
            "evaluated_on": f"{dataset} training data (one minibatch)",
            "source_file": source_file,
            "source_field": field_path,
            "orientation": "as published; not re-signed",
        },
    )


def proxy_blocks(
    scores: pd.DataFrame,
    ids: np.ndarray,
    *,
    dataset: str,
    source_file: str,
    field_path: Callable[[str], str],
    prefix: str = PREFIX,
    describe: Callable[[str], str] | None = None,
    note: str = "",
) -> list[ProxyBlock]:
    """Blocks ``prefix + column`` for every score column; rows = sorted unique ``ids``.

    ``scores`` has one row per source entry and ``ids[i]`` is the architecture id of row i;
    entries of the same id are averaged (NaN-aware) and counted in the note.
    """
    ids = np.asarray(ids, dtype=np.int64)
    unique, inverse, counts = np.unique(ids, return_inverse=True, return_counts=True)
    dup_note = ""
    if (counts > 1).any():
        dup_note = (
            f" {int((counts > 1).sum())} of {len(unique)} architectures have several source entries "
            f"(up to {int(counts.max())}); their values are averaged."
        )
    blocks = []
    for column in scores.columns:
        vals = scores[column].to_numpy(dtype=np.float64)
        grouped = pd.Series(vals).groupby(inverse).mean().reindex(range(len(unique))).to_numpy()
        if np.isnan(grouped).all():
            continue
        desc = describe(column) if describe else f"zero-cost proxy {column}: {PROXY_DOC.get(column, 'NAS-Bench-Suite-Zero score')}"
        name, extra_note = prefix + column, ""
        finite = grouped[np.isfinite(grouped)]
        n_inf = int(np.isinf(grouped).sum())
        if n_inf:
            extra_note += f" {n_inf} infinite score(s) kept as published (e.g. log-determinant of a singular kernel)."
        if finite.size and np.abs(finite).max() > FLOAT32_MAX:
            if np.nanmin(grouped) < 0:
                raise SourceFormatError(f"{source_file}: {column} exceeds float32 range and has negative values; cannot store it")
            grouped = np.log1p(grouped)
            name = f"{prefix}log_{column}"
            desc = f"ln(1 + score) of {desc}"
            extra_note += (
                f" Stored as ln(1 + {column}): raw scores reach {np.expm1(np.nanmax(grouped)):.3g}, beyond float32; "
                "the transform is monotone, so rankings are unchanged."
            )
        blocks.append(
            ProxyBlock(
                name=name,
                info=proxy_info(column, dataset, source_file, field_path(column), desc),
                values=grouped,
                rows=unique,
                note=(note + dup_note + extra_note).strip(),
            )
        )
    return blocks


def write_blocks(writer: CacheWriter, blocks: Sequence[ProxyBlock]) -> list[str]:
    """Add proxy blocks to an open writer; returns the metric names written."""
    for block in blocks:
        writer.add_metric(
            block.name,
            block.info,
            block.values.reshape(-1, 1, 1),
            schedule=None,
            epochs=None,
            seeds=["mean"],
            rows=block.rows,
            note=block.note,
        )
    return [b.name for b in blocks]


def suite_zero_blocks(
    records: Mapping[str, Mapping[str, Any]],
    archs_keys: pd.Index,
    *,
    benchmark: str,
    dataset: str,
    source_file: str,
    space_field: str | None,
    file_dataset: str,
) -> tuple[list[ProxyBlock], pd.DataFrame, np.ndarray]:
    """Proxy blocks of one dataset's records mapped onto an archs table.

    ``archs_keys`` is the ``key`` column of the archs table (position = id). Entries whose cell the table does
    not hold are dropped (counted in the note). Returns ``(blocks, score table, ids)``, the
    latter two restricted to the mapped entries so callers can also use ``val_accuracy``.
    """
    keys = list(records)
    canon = arch_keys(benchmark, keys)
    ids = archs_keys.get_indexer(canon)
    found = ids >= 0
    scores = score_table(records)[found]
    ids = np.asarray(ids, dtype=np.int64)[found]
    note = f"NAS-Bench-Suite-Zero scores from {source_file}."
    if (~found).any():
        note += f" {int((~found).sum())} source entries whose cell this table lacks were skipped."
    prefix = f"[{space_field!r}]" if space_field else ""
    field = lambda proxy: f"{prefix}[{file_dataset!r}][<NASLib key>][{proxy!r}]['score']"  # noqa: E731
    proxies = scores.drop(columns=[c for c in ("val_accuracy",) if c in scores.columns])
    blocks = proxy_blocks(proxies, ids, dataset=dataset, source_file=source_file, field_path=field, note=note)
    return blocks, scores, ids


def add_zc_blocks(
    writer: CacheWriter,
    path: str | os.PathLike[str],
    archs_keys: Sequence[str],
    *,
    benchmark: str,
    dataset: str,
) -> list[str]:
    """Add ``zc_nbsz_*`` blocks of ``dataset`` from a Suite-Zero file to an open writer.

    ``archs_keys`` is the ``key`` column of the archs table being written (row i = id i).
    Returns the metric names added (empty if the file has no records for ``dataset``).
    """
    space, data = read_zc_file(path)
    file_dataset = _match_dataset(data, benchmark, dataset)
    if file_dataset is None:
        return []
    blocks, _, _ = suite_zero_blocks(
        data[file_dataset],
        pd.Index(list(archs_keys), dtype=object),
        benchmark=benchmark,
        dataset=dataset,
        source_file=Path(path).name,
        space_field=space,
        file_dataset=file_dataset,
    )
    return write_blocks(writer, blocks)


def _match_dataset(data: Mapping[str, Any], benchmark: str, dataset: str) -> str | None:
    """The file's spelling of ``dataset`` (None if absent)."""
    spec = benchmark_spec(benchmark)
    for name in data:
        try:
            if spec.canonical_dataset(name) == dataset:
                return name
        except Exception:  # noqa: BLE001 - an unknown spelling simply does not match
            continue
    return None


# -- appending to existing caches -------------------------------------------------------------------


def _append(out_root: Path, benchmark: str, dataset: str, src: Path, space: str | None,
            file_dataset: str, records: Mapping[str, Any]) -> Path:
    """Rewrite the existing cache with the proxy blocks of ``records`` added (atomic)."""
    cache = out_root / benchmark / dataset
    meta = read_metadata(cache, benchmark, dataset)
    frame_keys = pd.read_parquet(cache / meta["archs"]["file"], columns=["key"])["key"]
    blocks, _, _ = suite_zero_blocks(
        records, pd.Index(frame_keys.to_numpy(), dtype=object), benchmark=benchmark, dataset=dataset,
        source_file=src.name, space_field=space, file_dataset=file_dataset,
    )
    names = {b.name for b in blocks}
    with CacheWriter(
        out_root, benchmark, dataset,
        converter=meta["converter"]["name"],
        converter_version=meta["converter"]["version"],
        citation=_join(meta.get("citation", ""), ZC_CITATION),
        licence=_join(meta.get("licence", ""), f"zc_nbsz_* proxies: {LICENCE}"),
        sources=[s for s in meta.get("sources", []) if s.get("file") != src.name] + [source_entry(src, "zero-cost proxies")],
        rebuild=_join(meta.get("rebuild", ""), f"nas-suite data import zc-suite-zero {src}", sep=" && "),
        default_schedule=meta.get("default_schedule"),
        notes=_join(meta.get("notes", ""), f"zc_nbsz_* metrics appended by {CONVERTER} v{CONVERTER_VERSION} from {src.name}."),
    ) as writer:
        copy_contents(writer, cache, meta, names)
        write_blocks(writer, blocks)
    return cache


def _join(old: str, new: str, sep: str = "; ") -> str:
    if not old:
        return new
    return old if new in old else f"{old}{sep}{new}"


NB101_ARCHS_NOTE = (
    "Standalone NB-101 table of the cells in a NAS-Bench-Suite-Zero file (not the full 423,624-cell "
    "benchmark): one row per distinct module hash, in order of first appearance among the file's keys."
)


def build_nb101_cache(path: str | os.PathLike[str], out_root: str | os.PathLike[str], *, dataset: str = "cifar10") -> Path:
    """Create a standalone ``nb101/<dataset>`` cache from a Suite-Zero NB-101 file."""
    from ..spaces import nb101

    src = Path(path)
    space, data = read_zc_file(src)
    file_dataset = _match_dataset(data, "nb101", dataset)
    if file_dataset is None:
        raise SourceFormatError(f"{src}: no {dataset} records; it holds {', '.join(data)}")
    records = data[file_dataset]
    keys = list(records)
    cells = nb101_cells(keys)
    hashes = [nb101.hash_cell(*cell) for cell in cells]
    first: dict[str, int] = {}
    for i, h in enumerate(hashes):
        first.setdefault(h, i)
    reps = list(first.values())
    arch_strings = [nb101.arch_string(*cells[i]) for i in reps]
    enc = nb101.encode_columns(
        [",".join(cells[i][1]) for i in reps],
        ["".join(str(v) for row in cells[i][0] for v in row) for i in reps],
    )
    frame = pd.DataFrame({"id": np.arange(len(reps), dtype=np.int64), "arch": arch_strings, "key": list(first)})
    for col, values in enc.items():
        frame[col] = values
    frame["arch"] = frame["arch"].astype(object)
    frame["key"] = frame["key"].astype(object)
    columns = dict(nb101.COLUMNS_DOC)
    columns["id"] = "row number 0..n-1 (order of first appearance among the zero-cost file's keys)"
    id_of = {h: i for i, h in enumerate(first)}
    ids = np.array([id_of[h] for h in hashes], dtype=np.int64)

    field_prefix = f"[{space!r}]" if space else ""
    scores = score_table(records)
    proxies = scores.drop(columns=[c for c in ("val_accuracy",) if c in scores.columns])
    blocks = proxy_blocks(
        proxies, ids, dataset=dataset, source_file=src.name,
        field_path=lambda p: f"{field_prefix}[{file_dataset!r}][<NASLib key>][{p!r}]['score']",
        note=f"NAS-Bench-Suite-Zero scores from {src.name}.",
    )
    with CacheWriter(
        out_root, "nb101", dataset,
        converter=CONVERTER, converter_version=CONVERTER_VERSION,
        citation=f"{NB101_CITATION}; {ZC_CITATION}",
        licence="Apache-2.0 (NAS-Bench-101 values and NASLib proxies)",
        sources=[source_entry(src, "zero-cost proxies + 108-epoch validation accuracy")],
        rebuild=f"nas-suite data import zc-suite-zero {src}",
        default_schedule=108,
        notes=NB101_ARCHS_NOTE,
    ) as writer:
        writer.write_archs(frame, columns)
        write_blocks(writer, blocks)
        if "val_accuracy" in scores.columns:
            values, counts = _distinct_repeat_mean(scores["val_accuracy"].to_numpy(dtype=np.float64), ids, len(reps))
            seen = np.bincount(counts, minlength=4)
            writer.add_metric(
                "valid_acc",
                MetricInfo(
                    description="validation accuracy after the 108-epoch schedule (NASLib's query of the official NAS-Bench-101 data)",
                    unit="%",
                    split="valid (official NB-101 validation split of the CIFAR-10 training set)",
                    higher_is_better=True,
                    extra={
                        "trained_on": "NB-101 train split (40k CIFAR-10 training images)",
                        "evaluated_on": "NB-101 validation split (10k CIFAR-10 training images)",
                        "source_file": src.name,
                        "source_field": f"{field_prefix}[{file_dataset!r}][<NASLib key>]['val_accuracy']",
                    },
                ),
                values.reshape(-1, 1, 1),
                schedule=108,
                epochs=[108],
                seeds=["mean"],
                note=(
                    "NASLib stored one of the 3 official repeats, drawn at random per entry (nasbench query()); "
                    "value = mean of the distinct values seen among the file's entries of the cell, i.e. of "
                    f"1 repeat for {int(seen[1])} cells, 2 for {int(seen[2])}, all 3 for {int(seen[3])}. "
                    "Not the official 3-repeat mean unless all 3 were seen."
                ),
            )
    return Path(out_root) / "nb101" / dataset


def _distinct_repeat_mean(values: np.ndarray, ids: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per id: mean of the distinct non-NaN values and how many there were."""
    frame = pd.DataFrame({"id": ids, "v": values}).dropna().drop_duplicates()
    grouped = frame.groupby("id")["v"]
    mean = grouped.mean().reindex(range(n)).to_numpy()
    count = grouped.size().reindex(range(n), fill_value=0).to_numpy().astype(np.int64)
    return mean, np.minimum(count, 3)


def convert(
    sources: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    out_root: str | os.PathLike[str],
    *,
    benchmark: str | None = None,
    dataset: str | None = None,
    datasets: Sequence[str] | None = None,
) -> list[Path]:
    """Append ``zc_nbsz_*`` blocks from Suite-Zero files to existing caches (see module docstring).

    ``benchmark`` defaults to the file's space level (or its key length); ``dataset`` (or
    ``datasets``, as the CLI's repeatable ``--dataset`` passes it) limits the import. NB-201
    needs an existing cache (import ``nb201-derived`` or an official NB-201 file first); NB-101
    builds a standalone cache when none exists.
    """
    paths = [Path(sources)] if isinstance(sources, (str, os.PathLike)) else [Path(s) for s in sources]
    root = Path(out_root)
    written: list[Path] = []
    for src in paths:
        space, data = read_zc_file(src)
        bench = benchmark or (SPACE_TO_BENCHMARK[space] if space else SPACE_TO_BENCHMARK[guess_space(next(iter(data.values())))])
        spec = benchmark_spec(bench)
        targets = [dataset] if dataset else list(datasets) if datasets else list(data)
        for name in targets:
            canonical = spec.canonical_dataset(name)
            file_dataset = _match_dataset(data, spec.name, canonical)
            if file_dataset is None:
                raise SourceFormatError(f"{src}: no records for {canonical}; it holds {', '.join(data)}")
            cache = root / spec.name / canonical
            if (cache / "metadata.json").exists():
                written.append(_append(root, spec.name, canonical, src, space, file_dataset, data[file_dataset]))
            elif spec.name == "nb101":
                written.append(build_nb101_cache(src, root, dataset=canonical))
            else:
                raise CacheError(
                    f"no {spec.name}/{canonical} cache under {root} to add zero-cost proxies to; import the benchmark "
                    f"first (e.g. `nas-suite data import nb201-derived ../shared/data/nb201`)"
                )
    return written
