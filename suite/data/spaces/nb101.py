"""NAS-Bench-101 cells: validation, pruning and the official isomorphism-invariant module hash.

A cell is a DAG of at most 7 vertices and 9 edges given as an upper-triangular 0/1 adjacency
matrix plus one op per vertex: ``input`` first, ``output`` last, interior ops from
:data:`OPS`. Accepted spellings (:meth:`NB101Space.key`):

* ``{"matrix": [[0, 1, ...], ...], "ops": ["input", ..., "output"]}``
* a ``(matrix, ops)`` tuple
* a 32-hex ``module_hash`` (returned as-is, lower-cased)
* the canonical ``arch`` string of ``archs.parquet``: ``"<ops>;<row-major adjacency bits>"``,
  e.g. ``"input,conv3x3-bn-relu,output;010001000"``

Validation follows nasbench's ``ModelSpec`` + ``NASBench._check_spec``: the matrix must be
square, 0/1 and strictly upper triangular with one op per vertex; vertices not on an
input->output path are pruned (an unreachable output is an error); the *pruned* cell must have
<= 7 vertices, <= 9 edges, ``input``/``output`` at the ends and only known interior ops (ops of
pruned vertices are not checked, as in nasbench).

The key is the official ``module_hash`` (nasbench ``graph_util.hash_module``), so it equals the
first field of every record of the official tfrecords: each vertex starts from md5 of the text
``str((out_degree, in_degree, label))`` with label -1 for input, -2 for output and the op's index
in :data:`OPS` otherwise; then, V times, every vertex is re-hashed from the sorted hashes of its
in-neighbours, ``|``, the sorted hashes of its out-neighbours, ``|`` and its own hash; the key is
md5 of ``str(sorted(final hashes))``. It is invariant under relabelling the interior vertices.

Fixed-width encodings for ``archs.parquet`` (:func:`encode_columns`): ``adjacency`` is the int64
bit mask of the pruned upper triangle in nasbench's dimension-agnostic order (edge ``i -> j``,
``i < j``, is bit ``i + j * (j - 1) // 2``: 21 bits for 7 vertices), ``ops`` the comma-joined op
names, ``n_vertices`` and ``n_edges`` small ints.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
try:  # CPython's built-in HACL* md5 costs ~half of OpenSSL's per call on these short inputs
    from _md5 import md5
except ImportError:  # pragma: no cover - other interpreters
    from hashlib import md5
from typing import Any, Callable

import numpy as np

from ...errors import InvalidArchitecture
from . import SearchSpace

__all__ = ["NB101Space", "OPS", "MAX_VERTICES", "MAX_EDGES", "Cell", "parse_spec", "prune", "module_hash",
           "hash_cell", "arch_string", "encode_columns", "COLUMNS_DOC"]

#: Interior ops in nasbench's ``available_ops`` order; the hash labels them 0, 1, 2.
OPS: tuple[str, ...] = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")
INPUT, OUTPUT = "input", "output"
MAX_VERTICES = 7
MAX_EDGES = 9

_LABEL = {op: i for i, op in enumerate(OPS)}
_HEX32 = re.compile(r"[0-9a-f]{32}")

#: A cell as plain Python: (tuple of out-neighbour lists per vertex is derived), matrix rows, ops.
Cell = tuple[tuple[tuple[int, ...], ...], tuple[str, ...]]

COLUMNS_DOC = {
    "id": "row number 0..n-1 (order of first appearance in the source file)",
    "arch": "canonical cell string '<ops>;<adjacency>': comma-joined ops of the pruned cell, then its "
            "V*V adjacency matrix row-major as 0/1 digits (the official record's fields 4 and 3)",
    "key": "official NAS-Bench-101 module_hash (md5 hex), = NB101Space().key(spec)",
    "adjacency": "int64 bit mask of the pruned adjacency: edge i->j (i<j) is bit i + j*(j-1)//2 "
                 "(nasbench's dimension-agnostic order; decode with n_vertices)",
    "ops": "comma-joined ops of the pruned cell, 'input,...,output'",
    "n_vertices": "vertices of the pruned cell (2..7)",
    "n_edges": "edges of the pruned cell (1..9)",
}


# -- parsing and validation --------------------------------------------------------------------

_BINARY = frozenset((0, 1))


def parse_spec(spec: Any) -> Cell:
    """(matrix rows, ops) of a matrix+ops spec or arch string, checked for shape and entries.

    Not pruned. Rows hold Python ints. Raises :class:`InvalidArchitecture`.
    """
    if isinstance(spec, dict):
        if "matrix" not in spec or "ops" not in spec:
            raise InvalidArchitecture(
                f"NB-101 spec dict needs keys 'matrix' and 'ops', got {sorted(map(str, spec))}"
            )
        matrix, ops = spec["matrix"], spec["ops"]
    elif isinstance(spec, str):
        return _parse_arch_string(spec)
    elif isinstance(spec, (tuple, list)) and len(spec) == 2:
        matrix, ops = spec
    else:
        raise InvalidArchitecture(
            f"cannot read {type(spec).__name__} as an NB-101 cell; give {{'matrix': ..., 'ops': [...]}}, "
            "a (matrix, ops) tuple, a module hash or an 'ops;bits' arch string"
        )
    if isinstance(ops, str) or not isinstance(ops, Sequence):
        raise InvalidArchitecture(f"NB-101 ops must be a list of op names, got {type(ops).__name__}")
    ops_t = tuple(ops)
    rows = _matrix_rows(matrix)
    n = len(rows)
    if n != len(ops_t):
        raise InvalidArchitecture(f"NB-101 cell has a {n}x{n} matrix but {len(ops_t)} ops; give one op per vertex")
    if n < 2:
        raise InvalidArchitecture(f"NB-101 cell needs at least 2 vertices (input and output), got {n}")
    return rows, ops_t


def _matrix_rows(matrix: Any) -> tuple[tuple[int, ...], ...]:
    """Square strictly-upper-triangular 0/1 matrix as a tuple of Python-int tuples.

    Python ints matter: the hash is computed from the text of degree tuples, and numpy
    scalars or floats would print differently.
    """
    if isinstance(matrix, np.ndarray):
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise InvalidArchitecture(f"NB-101 adjacency must be a square matrix, got shape {matrix.shape}")
        if matrix.dtype.kind not in "biuf":
            raise InvalidArchitecture(f"NB-101 adjacency must hold 0/1 integers, got dtype {matrix.dtype}")
        matrix = matrix.tolist()
    try:
        rows = [tuple(row) for row in matrix]
    except TypeError:
        raise InvalidArchitecture(
            f"NB-101 adjacency must be a square matrix (list of rows), got {type(matrix).__name__}"
        ) from None
    n = len(rows)
    out = []
    for i, row in enumerate(rows):
        if len(row) != n:
            raise InvalidArchitecture(
                f"NB-101 adjacency must be a square matrix, got rows of lengths {[len(r) for r in rows]}"
            )
        try:
            binary = _BINARY.issuperset(row)
        except TypeError:  # unhashable entries
            binary = False
        if not binary:
            bad = next(v for v in row if not _is_binary(v))
            raise InvalidArchitecture(f"NB-101 adjacency entries must be 0 or 1, got {bad!r} in row {i}")
        if any(row[: i + 1]):
            j = next(j for j in range(i + 1) if row[j])
            raise InvalidArchitecture(
                f"NB-101 adjacency must be strictly upper triangular (edges go from lower to higher "
                f"vertex), got an edge {i}->{j}"
            )
        out.append(row if all(type(v) is int for v in row) else tuple(1 if v else 0 for v in row))
    return tuple(out)


def _is_binary(value: Any) -> bool:
    try:
        return value in _BINARY and not isinstance(value, str)
    except TypeError:
        return False


def _parse_arch_string(text: str) -> Cell:
    ops_part, sep, bits = text.partition(";")
    ops = tuple(ops_part.split(","))
    n = len(ops)
    if not sep or len(bits) != n * n or set(bits) - {"0", "1"}:
        raise InvalidArchitecture(
            f"cannot read {text[:60]!r} as an NB-101 cell: expected a 32-hex module hash or "
            f"'<op>,...,<op>;<{n}x{n} adjacency as {n * n} row-major 0/1 digits>'"
        )
    rows = tuple(tuple(int(c) for c in bits[i * n : (i + 1) * n]) for i in range(n))
    return parse_spec((rows, ops))


def _successors(rows: tuple[tuple[int, ...], ...]) -> list[list[int]]:
    n = len(rows)
    return [[j for j in range(i + 1, n) if row[j]] for i, row in enumerate(rows)]


def _prune(succ: list[list[int]], ops: tuple[str, ...]) -> tuple[list[list[int]], tuple[str, ...]]:
    """Drop vertices not on an input->output path (nasbench ``ModelSpec._prune``), on successor lists.

    Raises :class:`InvalidArchitecture` if the output is not reachable from the input.
    """
    n = len(succ)
    fwd = [False] * n
    fwd[0] = True
    for i in range(n):  # edges only go upwards, so index order is a topological order
        if fwd[i]:
            for j in succ[i]:
                fwd[j] = True
    if not fwd[n - 1]:
        raise InvalidArchitecture("invalid NB-101 cell: output not reachable from input; connect the output to the input")
    bwd = [False] * n
    bwd[n - 1] = True
    for i in range(n - 2, -1, -1):
        for j in succ[i]:
            if bwd[j]:
                bwd[i] = True
                break
    keep = [i for i in range(n) if fwd[i] and bwd[i]]
    if len(keep) == n:
        return succ, ops
    new = {old: k for k, old in enumerate(keep)}
    return [[new[j] for j in succ[i] if j in new] for i in keep], tuple(ops[i] for i in keep)


def _check_ends(ops: tuple[str, ...]) -> None:
    if ops[0] != INPUT:
        raise InvalidArchitecture(f"invalid NB-101 cell: first op must be 'input', got {ops[0]!r}")
    if ops[-1] != OUTPUT:
        raise InvalidArchitecture(f"invalid NB-101 cell: last op must be 'output', got {ops[-1]!r}")


def _check_pruned(succ: list[list[int]], ops: tuple[str, ...]) -> None:
    n = len(succ)
    if n > MAX_VERTICES:
        raise InvalidArchitecture(f"invalid NB-101 cell: {n} vertices after pruning (max {MAX_VERTICES})")
    edges = sum(map(len, succ))
    if edges > MAX_EDGES:
        raise InvalidArchitecture(f"invalid NB-101 cell: {edges} edges after pruning (max {MAX_EDGES})")
    for op in ops[1:-1]:
        if op not in _LABEL:
            raise InvalidArchitecture(f"invalid NB-101 cell: unknown op {op!r}; interior ops must be one of {', '.join(OPS)}")


def _canonical(spec: Any) -> tuple[list[list[int]], tuple[str, ...]]:
    """Validated, pruned (successor lists, ops) of a matrix+ops spec or arch string."""
    rows, ops = parse_spec(spec)
    _check_ends(ops)
    succ, ops = _prune(_successors(rows), ops)
    _check_pruned(succ, ops)
    return succ, ops


def _rows_of(succ: list[list[int]]) -> tuple[tuple[int, ...], ...]:
    n = len(succ)
    return tuple(tuple(1 if j in s else 0 for j in range(n)) for s in succ)


def canonical_cell(spec: Any) -> Cell:
    """Validated, pruned (matrix rows, ops) of a matrix+ops spec or arch string (not of a hash)."""
    succ, ops = _canonical(spec)
    return _rows_of(succ), ops


def prune(rows: tuple[tuple[int, ...], ...], ops: tuple[str, ...]) -> Cell:
    """Pruned (matrix rows, ops); raises :class:`InvalidArchitecture` if output is unreachable."""
    succ, ops = _prune(_successors(rows), tuple(ops))
    return _rows_of(succ), ops


# -- hashing -----------------------------------------------------------------------------------------

_INITIAL: dict[tuple[int, int, int], str] = {}


def _initial_hash(out_deg: int, in_deg: int, label: int) -> str:
    key = (out_deg, in_deg, label)
    h = _INITIAL.get(key)
    if h is None:
        h = _INITIAL[key] = md5(str(key).encode("utf-8")).hexdigest()
    return h


def _hash_succ(succ: list[list[int]], ops: tuple[str, ...]) -> str:
    """Official module hash from successor lists of a pruned, valid cell (the hot path)."""
    n = len(succ)
    pred: list[list[int]] = [[] for _ in range(n)]
    for i, s in enumerate(succ):
        for j in s:
            pred[j].append(i)
    label = _LABEL
    labels = [-1] + [label[op] for op in ops[1:-1]] + [-2]
    hashes = [_initial_hash(len(succ[v]), len(pred[v]), labels[v]) for v in range(n)]
    join = "".join
    for _ in range(n):
        get = hashes.__getitem__
        ins = [join(sorted(map(get, p))) if len(p) > 1 else (hashes[p[0]] if p else "") for p in pred]
        outs = [join(sorted(map(get, s))) if len(s) > 1 else (hashes[s[0]] if s else "") for s in succ]
        hashes = [md5(f"{a}|{b}|{c}".encode("ascii")).hexdigest() for a, b, c in zip(ins, outs, hashes)]
    return md5(str(sorted(hashes)).encode("ascii")).hexdigest()


def hash_cell(rows: tuple[tuple[int, ...], ...], ops: tuple[str, ...]) -> str:
    """Official module hash of an already pruned, valid cell given as matrix rows."""
    return _hash_succ(_successors(rows), tuple(ops))


def module_hash(matrix: Any, ops: Sequence[str]) -> str:
    """Official module hash of any valid matrix+ops cell (validated and pruned first)."""
    return _hash_succ(*_canonical((matrix, ops)))


def arch_string(rows: tuple[tuple[int, ...], ...], ops: Sequence[str]) -> str:
    """Canonical ``'<ops>;<row-major bits>'`` string of a (pruned) cell."""
    return ",".join(ops) + ";" + "".join("1" if v else "0" for row in rows for v in row)


# -- fixed-width encodings for archs.parquet ------------------------------------------------------------


def encode_columns(ops_strings: Sequence[str], bit_strings: Sequence[str]) -> dict[str, np.ndarray]:
    """Vectorised ``adjacency``/``n_vertices``/``n_edges`` columns from official record fields.

    ``ops_strings[i]`` is ``"input,...,output"`` (V names) and ``bit_strings[i]`` the V*V
    row-major 0/1 string of the same cell. Returns int64 ``adjacency`` and int8 counts.
    """
    n = len(bit_strings)
    lengths = np.fromiter((len(b) for b in bit_strings), dtype=np.int64, count=n)
    dims = np.rint(np.sqrt(lengths)).astype(np.int64)
    adjacency = np.zeros(n, dtype=np.int64)
    n_edges = np.zeros(n, dtype=np.int8)
    bits_arr = np.asarray(bit_strings, dtype=object)
    for dim in np.unique(dims):
        idx = np.flatnonzero(dims == dim)
        if dim * dim != lengths[idx[0]] or np.any(lengths[idx] != dim * dim):
            raise ValueError("adjacency bit strings must have a square length")
        joined = "".join(bits_arr[idx].tolist()).encode("ascii")
        mats = (np.frombuffer(joined, dtype=np.uint8).reshape(len(idx), dim, dim) - ord("0")).astype(np.int64)
        i, j = np.triu_indices(dim, k=1)
        weights = np.left_shift(np.int64(1), i + j * (j - 1) // 2)
        adjacency[idx] = mats[:, i, j] @ weights
        n_edges[idx] = mats.sum(axis=(1, 2))
    return {
        "adjacency": adjacency,
        "ops": np.asarray(ops_strings, dtype=object),
        "n_vertices": dims.astype(np.int8),
        "n_edges": n_edges,
    }


def decode_adjacency(mask: int, n_vertices: int) -> np.ndarray:
    """Inverse of the ``adjacency`` column: (V, V) int8 matrix."""
    out = np.zeros((n_vertices, n_vertices), dtype=np.int8)
    for j in range(1, n_vertices):
        for i in range(j):
            out[i, j] = (int(mask) >> (i + j * (j - 1) // 2)) & 1
    return out


# -- the search space ------------------------------------------------------------------------------------


class NB101Space(SearchSpace):
    """NAS-Bench-101 cells; key = official module hash."""

    name = "nb101"

    def key(self, spec: Any) -> str:
        if isinstance(spec, str):
            low = spec.strip().lower()
            if _HEX32.fullmatch(low):
                return low
            if ";" not in spec:
                raise InvalidArchitecture(
                    f"{spec[:60]!r} is not an NB-101 module hash (32 hex digits) nor an 'ops;bits' arch string"
                )
        return _hash_succ(*_canonical(spec))

    structure_columns = ("adjacency", "n_vertices", "ops")

    def structure_lookup(self, specs: Sequence[Any], match: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """Match each pruned cell as given, then every relabelling of the misses.

        Code = ``adjacency | V << 21 | interior ops (base 3) << 24``, as :meth:`structure_codes`
        builds for stored rows. Every isomorphic spelling of a pruned cell (one source, one
        sink) is a relabelling of its interior vertices that keeps the matrix upper triangular,
        so the second pass is exact graph isomorphism, vectorised, at a fraction of the cost
        of module hashes. Module-hash strings get no codes.
        """
        cells = [None if isinstance(s, str) and ";" not in s else _canonical(s) for s in specs]
        literal = np.full((len(cells), 1), -1, dtype=np.int64)
        for i, cell in enumerate(cells):
            if cell is not None:
                succ, ops = cell
                mask = 0
                for a, targets in enumerate(succ):
                    for b in targets:
                        mask |= 1 << (a + b * (b - 1) // 2)
                literal[i, 0] = mask | len(ops) << 21 | _ops_code(ops) << 24
        ids = match(literal)
        todo = np.flatnonzero((ids < 0) & (literal[:, 0] >= 0))
        if len(todo):
            ids[todo] = match(relabelled_codes([cells[i] for i in todo]))
        return ids

    def structure_codes(self, columns: dict[str, Any]) -> np.ndarray:
        import pyarrow as pa
        import pyarrow.compute as pc

        ops = pc.dictionary_encode(pa.chunked_array([pa.array(columns["ops"])]) if isinstance(columns["ops"], (list, np.ndarray)) else columns["ops"])
        if isinstance(ops, pa.ChunkedArray):
            ops = ops.unify_dictionaries().combine_chunks() if ops.num_chunks else pa.DictionaryArray.from_arrays(pa.array([], pa.int32()), pa.array([], pa.string()))
        per_unique = np.array([_ops_code(tuple(str(o).split(","))) for o in ops.dictionary.to_pylist()], dtype=np.int64)
        op_codes = per_unique[np.asarray(ops.indices, dtype=np.int64)] if len(per_unique) else np.zeros(len(ops), np.int64)
        adjacency = np.asarray(columns["adjacency"], dtype=np.int64)
        n_vertices = np.asarray(columns["n_vertices"], dtype=np.int64)
        return adjacency | n_vertices << 21 | op_codes << 24

    def keys(self, specs: Sequence[Any]) -> np.ndarray:
        """Keys of many specs; identical cells given twice are hashed once."""
        out = np.empty(len(specs), dtype=object)
        memo: dict[Any, str] = {}
        for i, spec in enumerate(specs):
            memo_key = _memo_key(spec)
            if memo_key is None:
                out[i] = self.key(spec)
                continue
            hit = memo.get(memo_key)
            if hit is None:
                hit = memo[memo_key] = self.key(spec)
            out[i] = hit
        return out

    def structure_miss_is_final(self, spec: Any) -> bool:
        """True for matrix+ops specs and arch strings: the lookup tried every relabelling (exact isomorphism)."""
        return not (isinstance(spec, str) and ";" not in spec)

    def is_valid(self, spec: Any) -> bool:
        """Validity without hashing: parse, prune and check the pruned cell (hashes are always valid)."""
        if isinstance(spec, str) and _HEX32.fullmatch(spec.strip().lower()):
            return True
        try:
            _canonical(spec)
        except InvalidArchitecture:
            return False
        return True

    def is_single(self, spec: Any) -> bool:
        """A dict, a string, or a ``(matrix, ops)`` tuple whose second item is a list of op names."""
        if isinstance(spec, (str, dict)):
            return True
        return (
            isinstance(spec, tuple)
            and len(spec) == 2
            and isinstance(spec[1], (list, tuple))
            and len(spec[1]) > 0
            and all(isinstance(op, str) for op in spec[1])
        )


_PERMS: dict[int, np.ndarray] = {}


def _interior_permutations(v: int) -> np.ndarray:
    """``(P, v)`` vertex orders keeping input first and output last; row 0 is the identity."""
    perms = _PERMS.get(v)
    if perms is None:
        inner = list(itertools.permutations(range(1, v - 1))) or [()]
        perms = _PERMS[v] = np.array([(0, *p, v - 1) for p in inner], dtype=np.int64).reshape(len(inner), v)
    return perms


def relabelled_codes(cells: Sequence[tuple[list[list[int]], tuple[str, ...]] | None], chunk: int = 512) -> np.ndarray:
    """``(n, 120)`` structure codes of each pruned cell's upper-triangular relabellings, -1 padded.

    ``cells[i]`` is ``(successor lists, ops)`` of a pruned valid cell, or None (no codes).
    """
    width = len(_interior_permutations(MAX_VERTICES))
    out = np.full((len(cells), width), -1, dtype=np.int64)
    sizes = np.array([0 if c is None else len(c[1]) for c in cells], dtype=np.int64)
    for v in np.unique(sizes[sizes > 0]):
        v = int(v)
        perms = _interior_permutations(v)
        iu, ju = np.triu_indices(v, k=1)
        weights = np.left_shift(np.int64(1), iu + ju * (ju - 1) // 2)
        powers = 3 ** np.arange(v - 3, -1, -1, dtype=np.int64)
        lower = np.tril(np.ones((v, v), dtype=bool))
        rows = np.flatnonzero(sizes == v)
        for start in range(0, len(rows), chunk):
            idx = rows[start : start + chunk]
            adj = np.zeros((len(idx), v, v), dtype=bool)
            labels = np.zeros((len(idx), v), dtype=np.int64)
            for k, i in enumerate(idx):
                succ, ops = cells[i]  # type: ignore[misc]
                for a, targets in enumerate(succ):
                    adj[k, a, targets] = True
                labels[k, 1:-1] = [_LABEL[o] for o in ops[1:-1]]
            # relabelled[c, p, i, j] = adj[c, perm_p[i], perm_p[j]]: new vertex i is old perm_p[i]
            relabelled = adj[:, perms[:, :, None], perms[:, None, :]]
            upper = ~(relabelled & lower).any(axis=(2, 3))
            codes = relabelled[:, :, iu, ju].astype(np.int64) @ weights
            codes |= v << 21
            codes |= (labels[:, perms][:, :, 1:-1] @ powers) << 24
            out[idx, : len(perms)] = np.where(upper, codes, -1)
    return out


def _ops_code(ops: Sequence[str]) -> int:
    """Interior ops of a valid cell as one base-3 integer (< 3**5), most significant first."""
    code = 0
    for op in ops[1:-1]:
        code = code * 3 + _LABEL[op]
    return code


def _memo_key(spec: Any) -> Any:
    """Hashable identity of a spec's literal content, or None when not cheaply available."""
    if isinstance(spec, str):
        return spec
    if isinstance(spec, dict):
        matrix, ops = spec.get("matrix"), spec.get("ops")
    elif isinstance(spec, tuple) and len(spec) == 2:
        matrix, ops = spec
    else:
        return None
    try:
        if isinstance(matrix, np.ndarray):
            mkey: Any = (matrix.shape, matrix.dtype.str, matrix.tobytes())
        else:
            mkey = tuple(tuple(r) for r in matrix)
        return (mkey, tuple(ops))
    except TypeError:
        return None
