"""suite.encodings against hand-computed cells, slow reference implementations and invariants.

Hand-computed values: every expected bit below is derived in the comment next to it from the
cell's matrix/ops (NB-101) or cell string (NB-201) and the column layout documented in the
registry; they are not outputs of the code under test.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest

import suite
from suite import encodings as enc
from suite.data.paths import EMBEDDED_DIR
from suite.data.spaces import nb101 as space101
from suite.data.spaces import nb201 as space201
from suite.encodings import nb101 as e101
from suite.encodings import nb201 as e201
from suite.errors import InvalidArchitecture, NasSuiteError, NotInBenchmark, UnknownBenchmark

CONV3, CONV1, POOL = "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"
CELL_9930 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
ALL_NONE = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"

# A real 6-vertex NB-101 cell (one of the 292 embedded ones): edges 0->1, 0->4, 1->2, 1->3,
# 2->4, 3->4, 4->5.
CELL_101 = {
    "matrix": [
        [0, 1, 0, 0, 1, 0],
        [0, 0, 1, 1, 0, 0],
        [0, 0, 0, 0, 1, 0],
        [0, 0, 0, 0, 1, 0],
        [0, 0, 0, 0, 0, 1],
        [0, 0, 0, 0, 0, 0],
    ],
    "ops": ["input", CONV1, CONV3, CONV1, CONV3, "output"],
}


@pytest.fixture(scope="module")
def b101():
    return suite.load("nb101", "cifar10", root=EMBEDDED_DIR)


@pytest.fixture(scope="module")
def b201():
    return suite.load("nb201", "cifar10", root=EMBEDDED_DIR)


def nb101_frame(cells: list[tuple]) -> pd.DataFrame:
    """archs-style frame (adjacency, ops, n_vertices) of matrix+ops cells, pruned as the converter does."""
    pruned = [space101.canonical_cell(c) for c in cells]
    cols = space101.encode_columns(
        [",".join(ops) for _, ops in pruned],
        ["".join(str(v) for row in rows for v in row) for rows, _ in pruned],
    )
    return pd.DataFrame({"adjacency": cols["adjacency"], "ops": cols["ops"], "n_vertices": cols["n_vertices"]})


def nb201_frame(strings: list[str]) -> pd.DataFrame:
    return space201.archs_frame(strings)


# -- slow per-cell references (plain Python, written from the definitions) -------------------------


def ref101_padded(rows: tuple, ops: tuple) -> tuple[np.ndarray, list[str | None]]:
    """7x7 padded matrix and per-vertex op (None = padding) of a pruned cell."""
    v = len(ops)
    where = [i if i < v - 1 else 6 for i in range(v)]
    mat = np.zeros((7, 7), dtype=int)
    names: list[str | None] = [None] * 7
    for i in range(v):
        names[where[i]] = ops[i]
        for j in range(v):
            if rows[i][j]:
                mat[where[i], where[j]] = 1
    return mat, names


def ref101_paths(rows: tuple, ops: tuple) -> set[tuple[str, ...]]:
    v = len(ops)
    found: set[tuple[str, ...]] = set()

    def walk(node: int, seq: tuple[str, ...]) -> None:
        if node == v - 1:
            found.add(seq)
            return
        for nxt in range(node + 1, v):
            if rows[node][nxt]:
                walk(nxt, seq + ((ops[nxt],) if nxt != v - 1 else ()))

    walk(0, ())
    return found


def ref101_onehot(rows: tuple, ops: tuple) -> np.ndarray:
    mat, names = ref101_padded(rows, ops)
    bits = [mat[i, j] for i in range(7) for j in range(i + 1, 7)]
    slots = []
    for name in names[1:6]:
        slots += [int(name == op) for op in space101.OPS]
    return np.array(bits + slots, dtype=np.float32)


def random_valid_cells(n: int, seed: int) -> list[tuple]:
    """Random valid NB-101 specs of 3..7 vertices, many of which lose vertices to pruning."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        v = int(rng.integers(3, 8))
        m = np.triu(rng.integers(0, 2, (v, v)), 1) * (rng.random((v, v)) < 0.5)
        ops = ["input", *(space101.OPS[i] for i in rng.integers(0, 3, v - 2)), "output"]
        try:
            space101.canonical_cell((m, ops))
        except InvalidArchitecture:
            continue
        out.append((m.tolist(), ops))
    return out


# -- registry and API ---------------------------------------------------------------------------------


def test_available_and_specs():
    assert enc.available("nb101") == ["adjacency_onehot", "path", "graph"]
    assert enc.available("nb201") == ["adjacency_onehot", "path", "graph"]
    assert enc.available() == [f"{b}:{n}" for b in ("nb101", "nb201") for n in ("adjacency_onehot", "path", "graph")] + [
        "nbnlp:adjacency_onehot", "fcnet:onehot", "fcnet:ordinal", "nbmacro:onehot", "nbmacro:graph", "nbgraph:onehot",
        "nbgraph:graph"]
    assert enc.spec("nb201", "onehot") is enc.spec("nb201", "adjacency_onehot")
    s = enc.spec("nb101", "path")
    assert s.benchmark == "nb101" and "BANANAS" in s.citation and s.shape.startswith("(n, 364)")
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize("item", enc.available())
def test_shape_doc_dtype_and_width(item, b101, b201):
    bench_name, name = item.split(":")
    benches = {"nb101": b101, "nb201": b201}
    embedded = {"nbnlp": "wikitext2", "fcnet": "protein_structure", "nbmacro": "cifar10"}
    if bench_name == "nbgraph":
        pytest.skip("no embedded NAS-Bench-Graph cache; tests/test_nbgraph.py checks its encodings")
    bench = benches[bench_name] if bench_name in benches else suite.load(bench_name, embedded[bench_name], root=EMBEDDED_DIR)
    X = enc.encode(bench, name)
    documented = int(enc.spec(bench_name, name).shape.split(",")[1].split(")")[0])
    assert X.dtype == np.float32 and X.shape == (len(bench), documented)
    assert set(np.unique(X)) <= {0.0, 1.0} if name != "ordinal" else (X.min() >= 0.0 and X.max() <= 1.0)
    ids = [5, 2, 5, 0]
    np.testing.assert_array_equal(enc.encode(bench, name, ids=ids), X[ids])
    assert enc.encode(bench, name, ids=np.array([], dtype=np.int64)).shape == (0, documented)


def test_unknown_names_raise_listing_choices(b201):
    with pytest.raises(enc.UnknownEncoding, match="available: adjacency_onehot, path, graph") as info:
        enc.encode(b201, "paths")
    assert isinstance(info.value, NasSuiteError) and "onehot" in str(info.value)
    with pytest.raises(UnknownBenchmark, match="nb101, nb201"):
        enc.available("nb999")
    with pytest.raises(UnknownBenchmark, match="nb101, nb201"):
        enc.graph_shape("darts")
    with pytest.raises(enc.InvalidEncodingOption, match="options: truncate"):
        enc.encode(b201, "path", depth=2)
    with pytest.raises(enc.InvalidEncodingOption, match="options: none"):
        enc.encode(b201, "graph", truncate=3)
    for bad in (0, 85, True, 2.5):
        with pytest.raises(enc.InvalidEncodingOption, match=r"1\.\.84"):
            enc.encode(b201, "path", truncate=bad)
    with pytest.raises(NotInBenchmark, match="0..15624"):
        enc.encode(b201, "path", ids=[15625])


def test_bad_frames_raise_named_errors():
    with pytest.raises(NasSuiteError, match="lacks column"):
        enc.encode_frame("nb101", pd.DataFrame({"ops": ["input,output"]}), "path")
    with pytest.raises(InvalidArchitecture, match="unknown NB-101 op"):
        enc.encode_frame("nb101", pd.DataFrame({"adjacency": [3], "ops": ["input,conv5x5,output"]}), "path")
    with pytest.raises(InvalidArchitecture, match="bits beyond"):
        enc.encode_frame("nb101", pd.DataFrame({"adjacency": [2], "ops": ["input,output"]}), "graph")
    frame = nb201_frame([CELL_9930])
    frame.loc[0, "op_2"] = 7
    with pytest.raises(InvalidArchitecture, match="0..4"):
        enc.encode_frame("nb201", frame, "adjacency_onehot")


# -- NB-201 -------------------------------------------------------------------------------------------


def test_nb201_cell_9930_by_hand(b201):
    i = b201.index_of(CELL_9930)
    assert i == 9930
    # edges (0->1, 0->2, 1->2, 0->3, 1->3, 2->3) = (conv3, conv3, conv3, skip, conv3, conv3);
    # op codes none 0, skip 1, conv1 2, conv3 3, pool 4; column 5*k + op
    onehot = enc.encode(b201, "onehot", ids=[i])[0]
    assert np.flatnonzero(onehot).tolist() == [0 + 3, 5 + 3, 10 + 3, 15 + 1, 20 + 3, 25 + 3]
    # routes: 0->3 (skip); 0->1->3 (conv3, conv3); 0->2->3 (conv3, conv3); 0->1->2->3 (conv3 x3):
    # four routes but three distinct op sequences. Columns over (skip, conv1, conv3, pool):
    # (skip,) = 0; (conv3, conv3) = 4 + 2*4 + 2 = 14; (conv3,)*3 = 4 + 16 + 2*16 + 2*4 + 2 = 62
    paths = enc.encode(b201, "path", ids=[i])[0]
    assert np.flatnonzero(paths).tolist() == [0, 14, 62]
    assert [e201.PATHS[c] for c in (0, 14, 62)] == [
        ("skip_connect",), ("nor_conv_3x3",) * 2, ("nor_conv_3x3",) * 3
    ]


def test_nb201_none_cuts_paths():
    frame = nb201_frame([ALL_NONE, "|none~0|+|skip_connect~0|none~1|+|nor_conv_1x1~0|none~1|avg_pool_3x3~2|"])
    paths = enc.encode_frame("nb201", frame, "path")
    assert paths[0].sum() == 0  # no route survives
    # only 0->3 (conv1) = column 1 and 0->2->3 (skip, pool) = 4 + 0*4 + 3 = 7 are alive
    assert np.flatnonzero(paths[1]).tolist() == [1, 7]
    onehot = enc.encode_frame("nb201", frame, "adjacency_onehot")
    assert np.flatnonzero(onehot[0]).tolist() == [0, 5, 10, 15, 20, 25]


def test_nb201_path_matches_reference_on_whole_space(b201):
    X = enc.encode(b201, "path")
    codes = b201.archs[[f"op_{k}" for k in range(6)]].to_numpy()
    column = {p: c for c, p in enumerate(e201.PATHS)}
    expected = np.zeros_like(X)
    for r, row in enumerate(codes):
        for route in ((3,), (0, 4), (1, 5), (0, 2, 5)):
            names = tuple(space201.OPS[row[e]] for e in route)
            if "none" not in names:
                expected[r, column[names]] = 1
    np.testing.assert_array_equal(X, expected)
    assert len(e201.PATHS) == 4 + 16 + 64


def test_nb201_graph(b201):
    X = enc.encode(b201, "graph")
    V, F = enc.graph_shape("nb201")
    assert (V, F) == (8, 7) and X.shape[1] == V * V + V * F
    A, H = enc.unflatten_graph(X, V)
    # nodes: 0 input, 1..6 = edges 0->1, 0->2, 1->2, 0->3, 1->3, 2->3, 7 output
    edges = {(0, 1), (0, 2), (0, 4), (1, 3), (1, 5), (2, 6), (3, 6), (4, 7), (5, 7), (6, 7)}
    hand = np.zeros((8, 8), dtype=np.float32)
    for i, j in edges:
        hand[i, j] = 1
    assert (A == hand).all()
    assert (H.sum(axis=2) == 1).all()
    i = b201.index_of(CELL_9930)
    # node types (input, output, none, skip, conv1, conv3, pool)
    assert H[i].argmax(axis=1).tolist() == [0, 5, 5, 5, 3, 5, 5, 1]


# -- NB-101 -------------------------------------------------------------------------------------------


def test_nb101_hand_cell(b101):
    i = b101.index_of(CELL_101)
    # padded: interior vertices stay at 1..4, slot 5 is padding, output 5 -> 6; edges
    # 0->1, 0->4, 1->2, 1->3, 2->4, 3->4, 4->6. Row-major triu columns: row 0 starts at 0, row 1
    # at 6, row 2 at 11, row 3 at 15, row 4 at 18, row 5 at 20; column of (i, j) = start_i + j - i - 1
    onehot = enc.encode(b101, "adjacency_onehot", ids=[i])[0]
    bits = [0, 3, 6, 7, 12, 15, 19]
    # slots v1..v5 x (conv3, conv1, pool) at 21 + 3*s + o: conv1 -> 22, conv3 -> 24, conv1 -> 28, conv3 -> 30
    assert np.flatnonzero(onehot).tolist() == bits + [22, 24, 28, 30]
    # paths 0-4-5 (conv3); 0-1-2-4-5 (conv1, conv3, conv3); 0-1-3-4-5 (conv1, conv1, conv3);
    # ops indexed conv3 0, conv1 1, pool 2; columns of length 1 start at 1, of length 3 at 13:
    # 1 + 0; 13 + 1*9 + 0*3 + 0; 13 + 1*9 + 1*3 + 0
    paths = enc.encode(b101, "path", ids=[i])[0]
    assert np.flatnonzero(paths).tolist() == [1, 22, 25]
    assert [e101.PATHS[c] for c in (1, 22, 25)] == [(CONV3,), (CONV1, CONV3, CONV3), (CONV1, CONV1, CONV3)]
    A, H = enc.unflatten_graph(enc.encode(b101, "graph", ids=[i]), 7)
    assert sorted(zip(*np.nonzero(A[0]))) == [(0, 1), (0, 4), (1, 2), (1, 3), (2, 4), (3, 4), (4, 6)]
    # features (input, conv1, conv3, pool, output); node 5 is padding
    assert H[0].tolist() == [
        [1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 1]
    ]


def test_nb101_same_pruned_cell_same_encoding(b101):
    # CELL_101 plus a dangling vertex (fed by the input, feeding nothing): pruned away
    m = np.zeros((7, 7), dtype=int)
    m[:5, :5] = np.array(CELL_101["matrix"])[:5, :5]
    m[:5, 6] = np.array(CELL_101["matrix"])[:5, 5]
    m[0, 5] = 1
    dangling = {"matrix": m.tolist(), "ops": CELL_101["ops"][:5] + [POOL, "output"]}
    # the same cell with interior vertices 2 and 3 swapped (still topologically ordered)
    perm = [0, 1, 3, 2, 4, 5]
    swapped = {
        "matrix": np.array(CELL_101["matrix"])[np.ix_(perm, perm)].tolist(),
        "ops": [CELL_101["ops"][p] for p in perm],
    }
    assert b101.index_of(dangling) == b101.index_of(swapped) == b101.index_of(CELL_101)
    frame = nb101_frame([(c["matrix"], c["ops"]) for c in (CELL_101, dangling, swapped)])
    for name in ("adjacency_onehot", "path", "graph"):
        X = enc.encode_frame("nb101", frame, name)
        np.testing.assert_array_equal(X[0], X[1])
    paths = enc.encode_frame("nb101", frame, "path")
    np.testing.assert_array_equal(paths[0], paths[2])  # paths ignore vertex labels...
    onehot = enc.encode_frame("nb101", frame, "adjacency_onehot")
    assert not np.array_equal(onehot[0], onehot[2])  # ...the one-hot of ops per slot does not


def test_nb101_matches_reference_on_real_and_random_cells(b101):
    real = [space101.parse_spec(a) for a in b101.archs["arch"]]  # stored cells are already pruned
    cells = real + [space101.canonical_cell(c) for c in random_valid_cells(400, seed=0)]
    frame = nb101_frame(cells)
    onehot = enc.encode_frame("nb101", frame, "adjacency_onehot")
    paths = enc.encode_frame("nb101", frame, "path")
    A, H = enc.unflatten_graph(enc.encode_frame("nb101", frame, "graph"), 7)
    column = {p: c for c, p in enumerate(e101.PATHS)}
    for r, (rows, ops) in enumerate(cells):
        np.testing.assert_array_equal(onehot[r], ref101_onehot(rows, ops))
        assert set(np.flatnonzero(paths[r])) == {column[p] for p in ref101_paths(rows, ops)}
        mat, names = ref101_padded(rows, ops)
        np.testing.assert_array_equal(A[r], mat)
        assert [e101.NODE_TYPES[f] if H[r, k].any() else None for k, f in enumerate(H[r].argmax(1))] == names
    np.testing.assert_array_equal(enc.encode(b101, "path"), paths[: len(real)])


def test_nb101_path_invariant_under_relabelling():
    rng = np.random.default_rng(1)
    originals, relabelled = [], []
    for rows, ops in (space101.canonical_cell(c) for c in random_valid_cells(200, seed=2)):
        v = len(ops)
        m = np.array(rows)
        # random topological order of the interior vertices (Kahn's algorithm, random pick)
        order, indeg = [0], m.sum(axis=0).copy()
        indeg[list(m[0].nonzero()[0])] -= 1
        ready = [j for j in range(1, v - 1) if indeg[j] == 0]
        while ready:
            j = ready.pop(int(rng.integers(len(ready))))
            order.append(j)
            for k in m[j].nonzero()[0]:
                indeg[k] -= 1
                if indeg[k] == 0 and k != v - 1:
                    ready.append(int(k))
        order.append(v - 1)
        new = m[np.ix_(order, order)]
        assert not np.tril(new).any()
        new_ops = [ops[k] for k in order]
        assert space101.module_hash(new, new_ops) == space101.module_hash(m, list(ops))
        originals.append((rows, ops))
        relabelled.append((new.tolist(), new_ops))
    a = enc.encode_frame("nb101", nb101_frame(originals), "path")
    b = enc.encode_frame("nb101", nb101_frame(relabelled), "path")
    np.testing.assert_array_equal(a, b)


def test_nb101_padding_and_tiny_cells():
    frame = nb101_frame([([[0, 1], [0, 0]], ["input", "output"]), ([[0, 1, 1], [0, 0, 1], [0, 0, 0]], ["input", POOL, "output"])])
    onehot = enc.encode_frame("nb101", frame, "adjacency_onehot")
    # input->output only: edge 0->6 is column 5; no ops
    assert np.flatnonzero(onehot[0]).tolist() == [5]
    # edges 0->1 (0), 0->6 (5), 1->6 (10); slot 1 maxpool -> 21 + 2
    assert np.flatnonzero(onehot[1]).tolist() == [0, 5, 10, 23]
    paths = enc.encode_frame("nb101", frame, "path")
    assert np.flatnonzero(paths[0]).tolist() == [0]  # the empty path ()
    assert np.flatnonzero(paths[1]).tolist() == [0, 3]  # () and (maxpool,) = 1 + 2


# -- invariants and options ---------------------------------------------------------------------------


@pytest.mark.parametrize("bench_name", ["nb101", "nb201"])
def test_graph_is_dag_in_topological_order_and_round_trips(bench_name, b101, b201):
    bench = {"nb101": b101, "nb201": b201}[bench_name]
    X = enc.encode(bench, "graph")
    V, F = enc.graph_shape(bench_name)
    A, H = enc.unflatten_graph(X, V)
    assert A.shape == (len(bench), V, V) and H.shape == (len(bench), V, F)
    assert not np.tril(A).any()  # strictly upper triangular for every row
    assert (A.sum(axis=(1, 2)) >= 1).all()
    assert (H.sum(axis=2) <= 1).all()
    np.testing.assert_array_equal(enc.flatten_graph(A, H), X)
    assert np.shares_memory(A, X)
    with pytest.raises(ValueError, match="not V\\*V"):
        enc.unflatten_graph(X[:, :-1], V)


@pytest.mark.parametrize("bench_name,width", [("nb101", 364), ("nb201", 84)])
def test_truncate_is_a_prefix(bench_name, width, b101, b201):
    bench = {"nb101": b101, "nb201": b201}[bench_name]
    full = enc.encode(bench, "path")
    assert full.shape[1] == width
    for k in (1, 4, 13, 40, width - 1, width):
        part = enc.encode(bench, "path", truncate=k)
        assert part.shape == (len(bench), k) and part.flags.c_contiguous
        np.testing.assert_array_equal(part, full[:, :k])


def test_shorter_paths_are_more_common_on_real_nb101(b101):
    # the truncation order's premise, on the 292 real cells: mean frequency per column by length
    P = enc.encode(b101, "path")
    starts = [0, 1, 4, 13, 40, 121, 364]
    means = [P[:, a:b].mean() for a, b in itertools.pairwise(starts)]
    assert all(x > y for x, y in itertools.pairwise(means[:5])), means


def test_full_size_nb101_frame(b101):
    # 423,624 rows (the size of the real space), built by tiling the 292 embedded cells
    n = 423_624
    tiled = b101.archs.iloc[np.arange(n) % len(b101)].reset_index(drop=True)
    small = enc.encode(b101, "adjacency_onehot")
    big = enc.encode_frame("nb101", tiled, "adjacency_onehot")
    assert big.shape == (n, 36)
    np.testing.assert_array_equal(big[-292:], small[np.arange(n - 292, n) % 292])
    paths = enc.encode_frame("nb101", tiled, "path", truncate=40)
    np.testing.assert_array_equal(paths[::1000], enc.encode(b101, "path", truncate=40)[np.arange(0, n, 1000) % 292])
