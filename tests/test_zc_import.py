"""NAS-Bench-Suite-Zero importer: key mapping, appending to caches, the standalone NB-101 cache."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

import suite
from suite.data.importers import nb201_derived, zc_suite_zero
from suite.data.spaces.nb101 import NB101Space
from suite.errors import CacheError, SourceFormatError

# The first cifar10 record of shared/data/nb201/zc_nasbench201_partial.json (NAS-Bench-Suite-Zero,
# automl/NASLib @ 44c8cc2). Decoded by hand, independently of suite.data.spaces.nb201: NASLib's op
# order is (skip_connect, none, nor_conv_3x3, nor_conv_1x1, avg_pool_3x3) and its edge order is
# 0->1, 0->2, 0->3, 1->2, 1->3, 2->3 (node 1 <- 0, node 2 <- 0,1, node 3 <- 0,1,2).
NASLIB_KEY = "(0, 2, 3, 2, 3, 1)"
NASLIB_CELL = "|skip_connect~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_1x1~0|nor_conv_1x1~1|none~2|"


@pytest.fixture(scope="module")
def nb201_without_zc(tmp_path_factory, shared_data):
    """cifar10 cache built from the derived tables minus the zero-cost file."""
    root = tmp_path_factory.mktemp("nb201")
    files = [p for p in (shared_data / "nb201").iterdir() if p.name != "zc_nasbench201_partial.json"]
    nb201_derived.convert(files, root, datasets=["cifar10"])
    return root


def _copy(root, tmp_path):
    dst = tmp_path / "root"
    shutil.copytree(root, dst)
    return dst


def test_key_mapping_and_values(shared_data):
    """The embedded cache holds the raw file's scores of the cell the NASLib key names.

    Expected values are read from the raw published file, not copied here; ``rel=1e-6`` because
    the cache stores float32.
    """
    keys = zc_suite_zero.nb201_keys([NASLIB_KEY])
    assert keys.tolist() == [NASLIB_CELL]
    raw = json.loads((shared_data / "nb201" / "zc_nasbench201_partial.json").read_text())["cifar10"][NASLIB_KEY]
    scores = {name: rec["score"] for name, rec in raw.items() if isinstance(rec, dict)}
    assert {"flops", "params", "synflow", "nwot", "jacov"} <= set(scores)
    bench = suite.load("nb201", "cifar10", root=suite.data.paths.EMBEDDED_DIR)
    i = bench.index_of(NASLIB_CELL)
    for name, score in scores.items():
        assert bench.metric(f"zc_nbsz_{name}")[i] == pytest.approx(score, rel=1e-6), name


def test_zc_params_agree_with_benchmark_params():
    """Row alignment: NASLib's params proxy equals the NATS parameter count for 714 of 725 cells.

    (The 11 others differ by exactly one conv's parameters; see tests/test_nb201_space.py.)
    """
    bench = suite.load("nb201", "cifar10", root=suite.data.paths.EMBEDDED_DIR)
    zc, params = bench.metric("zc_nbsz_params"), bench.metric("params")
    have = np.isfinite(zc)
    assert have.sum() == 725
    assert np.isclose(zc[have], params[have], atol=1e-6).sum() == 714


def test_append_to_existing_cache(nb201_without_zc, shared_data, tmp_path):
    root = _copy(nb201_without_zc, tmp_path)
    before = suite.load("nb201", "cifar10", root=root)
    assert not any(m.startswith("zc_") and "zcnas" not in m for m in before.metrics)
    valid = before.metric("valid_acc", schedule=200, seed=777)
    src = shared_data / "nb201" / "zc_nasbench201_partial.json"
    written = zc_suite_zero.convert(src, root, dataset="cifar10")
    assert written == [root / "nb201" / "cifar10"]
    after = suite.load("nb201", "cifar10", root=root)
    assert {"zc_nbsz_synflow", "zc_nbsz_nwot", "zc_nbsz_jacov"} <= set(after.metrics)
    np.testing.assert_array_equal(after.metric("valid_acc", schedule=200, seed=777), valid)
    np.testing.assert_array_equal(after.curves("train_acc", ids=[0, 1]).to_numpy(), before.curves("train_acc", ids=[0, 1]).to_numpy())
    assert "zc_nasbench201_partial.json" in {s["file"] for s in after.meta["sources"]}
    after.verify()
    # importing again replaces the blocks instead of adding duplicates
    zc_suite_zero.convert(src, root, dataset="cifar10")
    again = suite.load("nb201", "cifar10", root=root)
    assert len(again.info("zc_nbsz_synflow")["blocks"]) == 1
    np.testing.assert_array_equal(again.metric("zc_nbsz_synflow"), after.metric("zc_nbsz_synflow"))


def test_append_matches_direct_import(nb201_without_zc, shared_data, tmp_path):
    root = _copy(nb201_without_zc, tmp_path)
    zc_suite_zero.convert(shared_data / "nb201" / "zc_nasbench201_partial.json", root, dataset="cifar10")
    appended = suite.load("nb201", "cifar10", root=root)
    direct = suite.load("nb201", "cifar10", root=suite.data.paths.EMBEDDED_DIR)
    for name in ("zc_nbsz_snip", "zc_nbsz_nwot", "zc_nbsz_l2_norm"):
        np.testing.assert_array_equal(appended.metric(name), direct.metric(name))


def test_nb201_needs_an_existing_cache(shared_data, tmp_path):
    with pytest.raises(CacheError, match="import the benchmark first"):
        zc_suite_zero.convert(shared_data / "nb201" / "zc_nasbench201_partial.json", tmp_path)


def test_standalone_nb101_cache(shared_data, tmp_path):
    written = zc_suite_zero.convert(shared_data / "nb101" / "zc_nasbench101_partial.json", tmp_path)
    assert written == [tmp_path / "nb101" / "cifar10"]
    bench = suite.load("nb101", "cifar10", root=tmp_path)
    # 500 NASLib keys prune to 292 distinct module hashes
    assert len(bench) == 292 and bench.archs["key"].is_unique
    assert {"zc_nbsz_synflow", "zc_nbsz_jacov", "valid_acc"} <= set(bench.metrics)
    # the bare input->output cell (55 keys in the file); its val_accuracy values are the 3 repeats
    # 83.163059..., 83.463544..., 83.583736... (file records), so the stored value is their mean
    i = bench.index_of({"matrix": [[0, 1], [0, 0]], "ops": ["input", "output"]})
    assert bench.metric("valid_acc", epoch=108)[i] == pytest.approx((83.163059 + 83.463544 + 83.583736) / 3, abs=1e-4)
    # first key of the file: ops (input, maxpool, maxpool, conv3, conv3, conv3, output); vertex 5 has no path to
    # the output and is pruned; its val_accuracy (92.578125) was drawn once, so it is stored as is
    raw = json.loads((shared_data / "nb101" / "zc_nasbench101_partial.json").read_text())["nasbench101"]["cifar10"]
    first = bench.archs.loc[0]
    assert first["arch"].startswith("input,maxpool3x3,maxpool3x3,conv3x3-bn-relu,conv3x3-bn-relu,output;")
    assert bench.metric("valid_acc")[0] == pytest.approx(next(iter(raw.values()))["val_accuracy"], abs=1e-4)
    assert first["key"] == NB101Space().key(first["arch"])
    note = bench.info("valid_acc")["blocks"][0]["note"]
    assert "1 repeat for 257 cells, 2 for 22, all 3 for 13" in note


def test_nb101_op_convention(shared_data):
    """NASLib's NB-101 op codes: 0 input, 1 output, 2 maxpool, 3 conv1x1, 4 conv3x3.

    Evidence: every key starts with op 0 and ends with op 1, and a cell's params proxy grows most
    with code-4 ops (conv3x3 has 9x the weights of conv1x1, maxpool has none).
    """
    data = json.loads((shared_data / "nb101" / "zc_nasbench101_partial.json").read_text())["nasbench101"]["cifar10"]
    ops = np.array([zc_suite_zero.parse_tuple_key(k, 56)[49:] for k in data])
    assert (ops[:, 0] == 0).all() and (ops[:, -1] == 1).all()
    cells = zc_suite_zero.nb101_cells(list(data))
    counts = np.array([[c[1].count(op) for op in ("maxpool3x3", "conv1x1-bn-relu", "conv3x3-bn-relu")] + [1] for c in cells])
    coef = np.linalg.lstsq(counts.astype(float), np.array([r["params"] for r in data.values()]), rcond=None)[0]
    assert coef[2] > coef[1] and coef[2] > coef[0]


def test_bad_sources(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(SourceFormatError):
        zc_suite_zero.read_zc_file(bad)
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps({"cifar10": {"(1, 2, 3)": {"snip": 1.0}}}))
    with pytest.raises(SourceFormatError, match="search space"):
        zc_suite_zero.convert(odd, tmp_path)
    with pytest.raises(SourceFormatError, match="3 entries, expected 6"):
        zc_suite_zero.nb201_keys(["(1, 2, 3)"])
    text = tmp_path / "text.json"
    text.write_text(json.dumps({"cifar10": {"(0, 0, 0, 0, 0, 1)": {"snip": "high"}}}))
    with pytest.raises(SourceFormatError, match="expected a number"):
        zc_suite_zero.score_table(zc_suite_zero.read_zc_file(text)[1]["cifar10"])


def test_score_table_accepts_plain_numbers():
    table = zc_suite_zero.score_table({"(0, 0, 0, 0, 0, 1)": {"snip": 2.5, "grasp": {"score": -1.0, "time": 0.1}, "val_accuracy": 80.0}})
    assert table.loc["(0, 0, 0, 0, 0, 1)", "snip"] == 2.5
    assert table.loc["(0, 0, 0, 0, 0, 1)", "grasp"] == -1.0
    assert table.loc["(0, 0, 0, 0, 0, 1)", "val_accuracy"] == 80.0
