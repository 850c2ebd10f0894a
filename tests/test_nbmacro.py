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
