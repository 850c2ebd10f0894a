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
