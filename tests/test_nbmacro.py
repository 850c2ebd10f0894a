"""NAS-Bench-Macro: space validation, equivalence classes and the JSON importer."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, strategies as st

import suite
from suite.data.importers import nbmacro as importer
from suite.data.paths import EMBEDDED_DIR
from suite.data.spaces import nbmacro
from suite.data.spaces.nbmacro import NBMacroSpace
from suite.errors import InvalidArchitecture, SourceFormatError


@pytest.fixture(scope="module")
def bench(tmp_path_factory, shared_data):
    root = tmp_path_factory.mktemp("macro")
    importer.convert(shared_data / "nasbench_macro" / "nas-bench-macro_cifar10.json", root)
    return suite.load("nbmacro", "cifar10", root=root)


def test_space_spellings():
    space = NBMacroSpace()
    assert space.key("02012100") == "02012100"
    assert space.key([0, 2, 0, 1, 2, 1, 0, 0]) == "02012100"
    assert space.key(["Identity", "MB6_K5", "Identity", "MB3_K3", "MB6_K5", "MB3_K3", "Identity", "Identity"]) == "02012100"
    assert space.is_single((0, 2, 0, 1, 2, 1, 0, 0)) and not space.is_single(["02012100", "11111111"])


@pytest.mark.parametrize(
    "spec, rule",
    [("0201210", "8 characters"), ("02012103", "only contain 0, 1, 2"), ([0, 1, 2], "8 layer choices"),
     ([0, 1, 2, 3, 0, 0, 0, 0], "must be 0, 1, 2"), (12, "cannot read")],
)
def test_space_rejects(spec, rule):
    with pytest.raises(InvalidArchitecture, match=rule):
        NBMacroSpace().key(spec)


@given(st.text(alphabet="012", min_size=8, max_size=8))
def test_real_code_is_idempotent_and_keeps_blocks(code):
    real = nbmacro.real_code(code)
    assert nbmacro.real_code(real) == real
    assert sorted(real) == sorted(code)
    for start, size in ((0, 2), (2, 3), (5, 3)):
        assert real[start] == code[start]  # a stage's first layer stays in place
        assert sorted(real[start:start + size]) == sorted(code[start:start + size])


def test_published_values(bench, shared_data):
    raw = json.loads((shared_data / "nasbench_macro" / "nas-bench-macro_cifar10.json").read_text())
    assert len(bench) == 6561
    i = bench.index_of("02012100")
    assert i == int("02012100", 3)
    # record "02012100": test_acc [89.47, 88.95, 89.17], params 890666, flops 47327744
    got = [bench.metric("test_acc", seed=s)[i] for s in (0, 1, 2)]
    np.testing.assert_allclose(got, raw["02012100"]["test_acc"], atol=1e-4)
    assert bench.metric("params")[i] == pytest.approx(0.890666, abs=1e-6)
    assert bench.metric("flops")[i] == pytest.approx(47.327744, abs=1e-5)
    mean = bench.metric("test_acc")
    np.testing.assert_allclose(mean, [raw[c]["mean_acc"] for c in bench.archs["arch"]], atol=1e-4)


def test_equivalence_classes(bench):
    archs = bench.archs
    assert archs["iso"].nunique() == 3969  # distinct networks trained (codes with equal real code share results)
    acc = bench.metric("test_acc", seed=1)
    np.testing.assert_array_equal(acc, acc[archs["iso"].to_numpy()])
    # stage 2 is layers 2-4: "00010000" trains as itself, "00001000" as "00010000"
    assert archs.loc[int("00010000", 3), "real"] == "00010000"
    assert archs.loc[int("00001000", 3), "real"] == "00010000"  # identity at layer 3 moves behind layer 4


def test_metadata(bench):
    info = bench.info("test_acc")
    assert info["blocks"][0]["schedule"] == 50 and info["blocks"][0]["seeds"] == [0, 1, 2]
    assert "best" in info["description"]


def test_embedded_copy_matches(bench):
    embedded = suite.load("nbmacro", "cifar10", root=EMBEDDED_DIR)
    np.testing.assert_array_equal(embedded.metric("test_acc", seed=2), bench.metric("test_acc", seed=2))


def test_rejects_incomplete_file(tmp_path):
    path = tmp_path / "nas-bench-macro_cifar10.json"
    path.write_text(json.dumps({"00000000": {"test_acc": [1, 2, 3], "params": 1, "flops": 1}}))
    with pytest.raises(SourceFormatError, match="6,561"):
        importer.convert(path, tmp_path / "out")


def test_only_cifar10(shared_data, tmp_path):
    from suite.errors import UnknownBenchmark

    with pytest.raises(UnknownBenchmark, match="cifar10"):
        importer.convert(shared_data / "nasbench_macro", tmp_path, datasets=["cifar100"])


# -- encodings, genome, predictors and searchers (issue 6) ------------------------------------------------------
@pytest.fixture(scope="module")
def embedded():
    return suite.load("nbmacro", "cifar10", root=EMBEDDED_DIR)


def test_encodings(embedded):
    from suite import encodings as enc

    assert enc.available("nbmacro") == ["onehot", "graph"]
    code = "02012100"
    i = embedded.index_of(code)
    X = enc.encode(embedded, "onehot")
    assert X.shape == (6561, 24) and X.dtype == np.float32 and (X.sum(axis=1) == 8).all()
    assert np.flatnonzero(X[i]).tolist() == [3 * k + int(c) for k, c in enumerate(code)]
    assert len(np.unique(X, axis=0)) == 6561
    # the predictors' default and BANANAS' path resolve to the one-hot (a chain has one path)
    for alias in ("adjacency_onehot", "path"):
        assert enc.spec("nbmacro", alias) is enc.spec("nbmacro", "onehot")
    assert enc.graph_shape("nbmacro") == (10, 5)
    A, H = enc.unflatten_graph(enc.encode(embedded, "graph", ids=[i]), 10)
    np.testing.assert_array_equal(A[0], np.eye(10, k=1))  # input -> layer 0 -> ... -> layer 7 -> output
    assert H[0].argmax(axis=1).tolist() == [0, *(2 + int(c) for c in code), 1]


def test_genome(embedded):
    from suite.encodings.genome import genome_for
    from suite.encodings.nbmacro import NBMacroGenome

    g = genome_for(embedded)
    assert isinstance(g, NBMacroGenome) and list(g.cardinalities) == [3] * 8
    ids = np.arange(len(embedded))
    G = g.encode(ids)
    assert G.dtype == np.int8 and G.shape == (6561, 8)
    np.testing.assert_array_equal(g.decode(G), ids)
    assert "".join(map(str, G[embedded.index_of("02012100")])) == "02012100"
    assert g.decode(np.array([[3, 0, 0, 0, 0, 0, 0, 0]])).tolist() == [-1]
    parent, found = g.neighbours(np.array([0, 6560]))
    assert np.bincount(parent).tolist() == [16, 16] and (g.distance(np.repeat([0, 6560], 16), found) == 1).all()
    assert (g.distance(ids[:50], g.mutate(ids[:50], np.random.default_rng(0))) == 1).all()


def test_every_encoding_predictor_runs(embedded):
    import suite.predictors as P

    rng = np.random.default_rng(0)
    ids = rng.permutation(len(embedded))
    train, test = ids[:40], ids[40:140]
    y = embedded.metric("test_acc")
    for name in ("ols", "ridge", "rf", "nusvr", "gp", "bananas", "flops"):
        inputs = P.spec(name).inputs
        model = P.make(name, embedded).fit(P.build_features(embedded, inputs, train), y[train])
        pred = model.predict(P.build_features(embedded, inputs, test, train=False))
        assert pred.shape == (100,) and np.isfinite(pred).all(), name


@pytest.mark.parametrize("method", ["random", "rea", "local", "tpe", "bohb", "reinforce", "bananas", "predictor"])
def test_searchers_run(embedded, method):
    from suite.search import Budget, Objective, run_search

    params = {"bohb": {"schedules": [50]}, "bananas": {"num_init": 5, "k": 5, "predictor_params": {"hidden": (16,), "max_iter": 30}},
              "predictor": {"predictor": "ridge", "n_init": 5, "batch": 5}}.get(method, {})
    objective = Objective(metric="test_acc", schedule=50, noise="query", test_metric="test_acc")
    result = run_search(embedded, method, objective, Budget(queries=20), seed=1, params=params)
    ids = result.trajectory["id"].to_numpy()
    assert 0 < len(ids) <= 20 and ((ids >= 0) & (ids < 6561)).all()


def test_quick_config_reads_the_embedded_cache():
    from pathlib import Path

    from suite.experiment.kinds import load_spec

    spec = load_spec(Path(__file__).resolve().parents[1] / "configs" / "nbmacro-quick.toml")
    assert (spec.benchmark, spec.dataset, spec.target_metric) == ("nbmacro", "cifar10", "test_acc")
    assert "bananas" in spec.predictors and len(spec.seeds) <= 3
