"""NAS-Bench-Graph: space canonicalisation and the importer of the PyPI wheel's light/*.bench pickles.

Tests that need the data skip when the optional ``nas-bench-graph`` package is not installed
(``pip install -e .[graph]``); the space tests run everywhere.
"""

from __future__ import annotations

import importlib.util
import itertools
import pickle

import numpy as np
import pytest

import suite
from suite.data.importers import nbgraph as importer
from suite.data.spaces import nbgraph
from suite.data.spaces.nbgraph import NBGraphSpace
from suite.errors import InvalidArchitecture, NasSuiteError, UnsafePickle

HAVE_PACKAGE = importlib.util.find_spec("nas_bench_graph") is not None
needs_package = pytest.mark.skipif(not HAVE_PACKAGE, reason="nas-bench-graph is not installed")
ALL_LINKS = list(itertools.product(range(1), range(2), range(3), range(4)))  # 24 link patterns


def test_equivalent_spellings_share_a_key():
    space = NBGraphSpace()
    # node numbering does not matter: gcn -> {gin -> fc, cheb}, written two ways
    a = space.key({"link": [0, 1, 2, 1], "ops": ["gcn", "gin", "fc", "cheb"]})
    b = space.key({"link": [0, 1, 1, 3], "ops": ["gcn", "cheb", "gin", "fc"]})
    assert a == b == "in(gcn*0(cheb*1(),gin*0(fc*1())))"
    assert space.key("0,1,2,1;gcn,gin,fc,cheb") == a
    assert space.key(([0, 1, 2, 1], ["gcn", "gin", "fc", "cheb"])) == a


def test_skip_rules():
    space = NBGraphSpace()
    # skip in the middle of a chain is contracted
    assert space.key({"link": [0, 1, 2, 0], "ops": ["gcn", "skip", "gat", "fc"]}) == "in(fc*1(),gcn*0(gat*1()))"
    # gcn -> skip (leaf) outputs gcn's value, like skip -> gcn
    assert space.key({"link": [0, 1, 0, 0], "ops": ["gcn", "skip", "gat", "fc"]}) == space.key(
        {"link": [0, 1, 0, 0], "ops": ["skip", "gcn", "gat", "fc"]}
    )
    # a skip leaf on the raw input is ignored, as in the benchmark
    assert space.key({"link": [0, 0, 0, 0], "ops": ["gat", "gat", "gat", "skip"]}) == "in(gat*1(),gat*1(),gat*1())"


def test_hash_round_trip():
    for h in (0, 1, 58000, 61237, 88887):
        link, ops = nbgraph.decode_hash(h)
        assert nbgraph.hash_of(link, ops) == h
    assert NBGraphSpace().key({"hash": 61237}) == "in(gcn*0(cheb*1(),gin*0(fc*1())))"


@pytest.mark.parametrize(
    "spec, rule",
    [
        ({"link": [0, 2, 0, 0], "ops": ["gcn"] * 4}, "node 2 reads 2"),
        ({"link": [0, 0, 0], "ops": ["gcn"] * 3}, "4 links and 4 ops"),
        ({"link": [0, 0, 0, 0], "ops": ["gcn", "gcn", "gcn", "mlp"]}, "unknown NAS-Bench-Graph op 'mlp'"),
        ({"link": [0, 0, 0, 0], "ops": ["skip"] * 4}, "at least one op"),
        ("gcn,gcn,gcn,gcn", "must look like"),
        ({"hash": 99999}, "not a NAS-Bench-Graph hash"),
        ({"ops": []}, "needs keys"),
        (7, "cannot read"),
        ([1, 2], "must be sequences"),
        ((None, ["gcn"] * 4), "must be sequences"),
    ],
)
def test_invalid_specs(spec, rule):
    with pytest.raises(InvalidArchitecture, match=rule.replace("(", r"\(")):
        NBGraphSpace().key(spec)


def _compare_partition(links, op_choices):
    from nas_bench_graph.architecture import Arch

    space = NBGraphSpace()
    theirs_to_mine: dict[int, str] = {}
    mine_to_theirs: dict[str, int] = {}
    for link in links:
        for ops in itertools.product(op_choices, repeat=4):
            if all(op == "skip" for op in ops):
                continue
            theirs = Arch(list(link), list(ops)).valid_hash()
            mine = space.key({"link": list(link), "ops": list(ops)})
            assert theirs_to_mine.setdefault(theirs, mine) == mine, (link, ops)
            assert mine_to_theirs.setdefault(mine, theirs) == theirs, (link, ops)
    return len(theirs_to_mine)


@needs_package
def test_partition_equals_package_valid_hash_sample():
    """On all 24 link patterns x 4^4 op choices (incl. skip) our key and valid_hash induce the same classes."""
    _compare_partition(ALL_LINKS, ("gcn", "gat", "fc", "skip"))


@needs_package
@pytest.mark.slow
def test_partition_equals_package_valid_hash_full():
    """All 157,440 spellings: exactly the benchmark's 26,206 classes."""
    assert _compare_partition(ALL_LINKS, nbgraph.OPS) == 26206


@pytest.fixture(scope="module")
def graph_root(tmp_path_factory):
    if not HAVE_PACKAGE:
        pytest.skip("nas-bench-graph is not installed")
    root = tmp_path_factory.mktemp("nbgraph")
    importer.convert(None, root, allow_pickle=True, datasets=["cora", "proteins"])
    return root


@needs_package
def test_refuses_without_allow_pickle(tmp_path):
    with pytest.raises(NasSuiteError, match="allow-pickle"):
        importer.convert(None, tmp_path)


@needs_package
def test_cora_values(graph_root):
    from nas_bench_graph.architecture import Arch
    from suite.data.safe_pickle import load_pickle

    bench = suite.load("nbgraph", "cora", root=graph_root)
    assert len(bench) == 26206  # NAS-Bench-Graph paper: 26,206 unique architectures
    with open(importer.package_light_dir() / "cora.bench", "rb") as handle:
        raw = load_pickle(handle)
    arch = Arch([0, 1, 2, 1], ["gcn", "gin", "fc", "cheb"])
    h = arch.valid_hash()
    i = bench.index_of({"link": [0, 1, 2, 1], "ops": ["gcn", "gin", "fc", "cheb"]})
    assert bench.archs.loc[i, "hash"] == h
    assert bench.metric("valid_acc")[i] == pytest.approx(100 * raw[h]["valid_perf"], abs=1e-4)
    assert bench.metric("test_acc")[i] == pytest.approx(100 * raw[h]["perf"], abs=1e-4)
    assert bench.metric("latency")[i] == pytest.approx(raw[h]["latency"], rel=1e-6)
    assert bench.metric("params")[i] == pytest.approx(raw[h]["para"], rel=1e-6)
    # seed means of 3 runs on 500 validation nodes: multiples of 1/1500
    valid = bench.metric("valid_acc") / 100 * 1500
    assert np.allclose(valid, np.round(valid), atol=1e-3)


@needs_package
def test_proteins_subset(graph_root):
    bench = suite.load("nbgraph", "proteins", root=graph_root)
    assert len(bench) == 2021
    used = set(np.unique(bench.archs[[f"op_{k}" for k in range(4)]].to_numpy()))
    assert {nbgraph.OPS[i] for i in used} <= {"gcn", "sage", "arma", "fc", "skip"}
    assert "ROC-AUC" in bench.info("test_acc")["description"]


def test_unsafe_pickle_is_refused(tmp_path):
    import os

    path = tmp_path / "cora.bench"

    class Evil:
        def __reduce__(self):
            return (os.getcwd, ())

    path.write_bytes(pickle.dumps({0: Evil()}))
    with pytest.raises(UnsafePickle):
        importer.convert(tmp_path, tmp_path / "out", allow_pickle=True)


# -- encodings, genome, predictors and searchers (issue 6) ------------------------------------------------------
def _frame(hashes):
    return importer.archs_frame(list(hashes), "test")


def test_encodings_of_one_architecture():
    from suite import encodings as enc

    assert enc.available("nbgraph") == ["onehot", "graph"] and enc.graph_shape("nas-bench-graph") == (6, 11)
    for alias in ("adjacency_onehot", "path"):
        assert enc.spec("nbgraph", alias) is enc.spec("nbgraph", "onehot")
    # hash 61237 = links (0, 1, 1, 2), ops gcn, gin, cheb, fc: gcn feeds gin and cheb, gin feeds fc
    frame = _frame([0, 61237])
    X = enc.encode_frame("nbgraph", frame, "onehot")
    assert X.shape == (2, 45) and X.dtype == np.float32
    # links of nodes 2-4 (2 + 3 + 4 columns), then 4 x 9 ops
    assert np.flatnonzero(X[1]).tolist() == [1, 2 + 1, 5 + 2, 9 + 1, 18 + 2, 27 + 3, 36 + 7]
    A, H = enc.unflatten_graph(enc.encode_frame("nbgraph", frame, "graph"), 6)
    expected = np.zeros((6, 6))
    expected[[0, 1, 1, 2, 3, 4], [1, 2, 3, 4, 5, 5]] = 1  # cheb and fc are leaves: they feed the output node 5
    np.testing.assert_array_equal(A[1], expected)
    assert H[1].argmax(axis=1).tolist() == [0, 2 + 1, 2 + 2, 2 + 3, 2 + 7, 1]
    np.testing.assert_array_equal(np.triu(A[0], 1), A[0])  # node order is topological
    for name, width in (("onehot", 45), ("graph", 102)):  # the registry documents the width
        assert enc.spec("nbgraph", name).shape.startswith(f"(n, {width})")
        assert enc.encode_frame("nbgraph", frame.iloc[:0], name).shape == (0, width)


def test_encodings_of_the_whole_space_are_distinct():
    from suite import encodings as enc

    by_key = {}  # one spelling per computation, as in the benchmark's table
    for link in nbgraph.LINKS:
        for ops in itertools.product(("gcn", "fc", "skip"), repeat=4):
            if set(ops) != {"skip"}:
                by_key.setdefault(nbgraph.canonical(link, ops), nbgraph.hash_of(link, ops))
    hashes = sorted(by_key.values())
    X = enc.encode_frame("nbgraph", _frame(hashes), "onehot")
    assert (X.sum(axis=1) == 7).all() and len(np.unique(X, axis=0)) == len(hashes)


@needs_package
def test_genome(graph_root):
    from suite.encodings.genome import genome_for
    from suite.encodings.nbgraph import NBGraphGenome

    bench = suite.load("nbgraph", "cora", root=graph_root)
    g = genome_for(bench)
    assert isinstance(g, NBGraphGenome) and list(g.cardinalities) == [2, 3, 4, 9, 9, 9, 9]
    ids = np.arange(len(bench))
    np.testing.assert_array_equal(g.decode(g.encode(ids)), ids)
    # another spelling of hash 61237 decodes to its row
    i = bench.index_of({"hash": 61237})
    assert g.decode(np.array([[1, 2, 1, 1, 2, 7, 3]])).tolist() == [i]  # links (0,1,2,1), ops gcn gin fc cheb
    assert g.decode(np.array([[0, 0, 0, 8, 8, 8, 8], [2, 0, 0, 0, 0, 0, 0]])).tolist() == [-1, -1]  # all skip; link out of range
    parent, found = g.neighbours(ids[:20])
    assert (found != ids[parent]).all() and set(parent) == set(range(20))
    mutated = g.mutate(ids[:50], np.random.default_rng(0))
    assert (mutated != ids[:50]).all()
    subset = suite.load("nbgraph", "proteins", root=graph_root)
    gs = genome_for(subset)
    sub_ids = np.arange(len(subset))
    np.testing.assert_array_equal(gs.decode(gs.encode(sub_ids)), sub_ids)
    assert (gs.decode(g.encode(ids)) == -1).sum() == len(bench) - len(subset)  # the rest of the space is missing there


@needs_package
def test_encoding_predictors_run(graph_root):
    import suite.predictors as P

    bench = suite.load("nbgraph", "cora", root=graph_root)
    ids = np.random.default_rng(0).permutation(len(bench))
    train, test = ids[:40], ids[40:140]
    y = bench.metric("valid_acc")
    for name in ("ols", "ridge", "rf", "nusvr", "gp", "bananas", "params"):
        inputs = P.spec(name).inputs
        model = P.make(name, bench).fit(P.build_features(bench, inputs, train), y[train])
        assert np.isfinite(model.predict(P.build_features(bench, inputs, test, train=False))).all(), name


@needs_package
@pytest.mark.parametrize("method", ["random", "rea", "local", "tpe", "reinforce", "bananas"])
def test_searchers_run(graph_root, method):
    from suite.search import Budget, Objective, run_search

    bench = suite.load("nbgraph", "cora", root=graph_root)
    params = {"bananas": {"num_init": 5, "k": 5, "predictor_params": {"hidden": (16,), "max_iter": 30}}}.get(method, {})
    result = run_search(bench, method, Objective(metric="valid_acc", noise="mean", test_metric="test_acc"),
                        Budget(queries=20), seed=1, params=params)
    ids = result.trajectory["id"].to_numpy()
    assert 0 < len(ids) <= 20 and ((ids >= 0) & (ids < len(bench))).all()


def test_quick_config_parses():
    from pathlib import Path

    from suite.experiment.kinds import load_spec

    spec = load_spec(Path(__file__).resolve().parents[1] / "configs" / "nbgraph-quick.toml")
    assert (spec.benchmark, spec.dataset, spec.target_metric) == ("nbgraph", "cora", "valid_acc")
