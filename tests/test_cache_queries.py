"""The cache format and Benchmark queries, on a toy cache with hand-made known values.

Values follow suite.testing.toy.write_toy_cache: acc[i, seed, epoch] = 10*i + seed + epoch/10,
seed 2 missing for odd ids.
"""

from __future__ import annotations

import json
import os
import stat

import numpy as np
import pytest

import suite
from suite.data import registry
from suite.data.benchmark import load
from suite.errors import CacheError, InvalidArchitecture, NotInBenchmark, UnknownMetric
from suite.testing.toy import TOY, write_toy_cache


@pytest.fixture
def toy(tmp_path, monkeypatch):
    monkeypatch.setitem(registry.BENCHMARKS, "toy", TOY)
    write_toy_cache(tmp_path)
    return load("toy", "d1", root=tmp_path)


def test_final_epoch_seed_mean_is_nan_aware(toy):
    got = toy.metric("acc")
    # even ids: mean of seeds 0,1,2 -> +1; odd ids: seeds 0,1 -> +0.5; final epoch 4 -> +0.4
    want = 10 * np.arange(6) + np.where(np.arange(6) % 2 == 0, 1.0, 0.5) + 0.4
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)
    assert got.dtype == np.float64 and got.shape == (6,)


def test_specific_epoch_and_seed(toy):
    np.testing.assert_allclose(toy.metric("acc", epoch=2, seed=1), 10 * np.arange(6) + 1.2, atol=1e-5)
    seed2 = toy.metric("acc", epoch=1, seed=2)
    assert np.isnan(seed2[1::2]).all()
    np.testing.assert_allclose(seed2[0::2], 10 * np.arange(0, 6, 2) + 2.1, atol=1e-5)


def test_sample_draws_only_measured_seeds_and_is_reproducible(toy):
    a = toy.metric("acc", seed="sample", rng=np.random.default_rng(3))
    b = toy.metric("acc", seed="sample", rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    seeds_drawn = np.round(a - 10 * np.arange(6) - 0.4).astype(int)
    assert set(seeds_drawn[1::2]) <= {0, 1}  # odd ids never get the missing seed 2
    many = np.stack([toy.metric("acc", seed="sample", rng=np.random.default_rng(s)) for s in range(60)])
    assert len(np.unique(np.round(many[:, 0] - 0.4))) == 3  # all three seeds of id 0 get drawn


def test_schedules_are_separate_runs(toy):
    assert toy.schedules("acc") == [4, 8]
    np.testing.assert_allclose(toy.metric("acc", schedule=8)[0], 1000 + 1.4, atol=1e-4)
    with pytest.raises(UnknownMetric, match="schedule 12"):
        toy.metric("acc", schedule=12)
    with pytest.raises(UnknownMetric, match="no epoch 7"):
        toy.metric("acc", epoch=7)


def test_partial_block_fills_nan_and_curves(toy):
    got = toy.metric("curve", epoch=3, seed=0)
    assert np.isnan(got[[0, 2, 3, 5]]).all()
    np.testing.assert_allclose(got[[1, 4]], [10.3, 40.3], atol=1e-5)
    curves = toy.curves("curve", ids=[4, 0, 1])
    assert list(curves.columns) == [1, 2, 3, 4] and list(curves.index) == [4, 0, 1]
    np.testing.assert_allclose(curves.loc[4].to_numpy(), 40.5 + np.arange(1, 5) / 10, atol=1e-5)
    assert curves.loc[0].isna().all()


def test_curves_sample_keeps_one_run_per_architecture(toy):
    curves = toy.curves("acc", seed="sample", rng=np.random.default_rng(0))
    offsets = curves.to_numpy() - 10 * np.arange(6)[:, None] - np.arange(1, 5)[None, :] / 10
    assert np.allclose(offsets, offsets[:, :1], atol=1e-5)  # same seed across all epochs


def test_scalar_metric_and_errors(toy):
    np.testing.assert_allclose(toy.metric("params"), np.arange(6) / 2)
    with pytest.raises(UnknownMetric, match="not recorded per epoch"):
        toy.metric("params", epoch=3)
    with pytest.raises(UnknownMetric, match="available: acc, curve, params"):
        toy.metric("loss")
    with pytest.raises(UnknownMetric, match="recorded seeds"):
        toy.metric("acc", seed=5)


def test_index_of_and_named_errors(toy):
    assert toy.index_of("A3") == 3
    np.testing.assert_array_equal(toy.index_of(["a5", "a0"]), [5, 0])
    with pytest.raises(NotInBenchmark, match="valid but not in"):
        toy.index_of("a99")
    with pytest.raises(InvalidArchitecture, match="look like"):
        toy.index_of("zz")
    with pytest.raises(NotInBenchmark, match="out of range"):
        toy.index_of(6)


def test_sample_without_replacement(toy):
    ids = toy.sample(6, rng=0)
    assert sorted(ids) == list(range(6))
    np.testing.assert_array_equal(toy.sample(3, rng=1), toy.sample(3, rng=1))


def test_resolution_order(tmp_path, monkeypatch):
    monkeypatch.setitem(registry.BENCHMARKS, "toy", TOY)
    env_root, arg_root = tmp_path / "env", tmp_path / "arg"
    write_toy_cache(env_root)
    write_toy_cache(arg_root)
    monkeypatch.setenv("NAS_SUITE_DATA", str(env_root))
    assert load("toy", "d1").path == env_root / "toy" / "d1"
    assert load("toy", "d1", root=arg_root).path == arg_root / "toy" / "d1"
    monkeypatch.delenv("NAS_SUITE_DATA")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    write_toy_cache(tmp_path / "xdg" / "nas-suite")
    assert load("toy", "d1").path == tmp_path / "xdg" / "nas-suite" / "toy" / "d1"
    with pytest.raises(CacheError, match="no toy/d2 cache found"):
        load("toy", "d2")


def _meta(path):
    return json.loads((path / "metadata.json").read_text())


def test_stale_foreign_and_corrupt_caches_are_refused(tmp_path, monkeypatch):
    monkeypatch.setitem(registry.BENCHMARKS, "toy", TOY)
    path = write_toy_cache(tmp_path)
    meta = _meta(path)
    meta["schema_version"] = 0
    (path / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(CacheError, match="stale .* schema version 0 .*write_toy_cache"):
        load("toy", "d1", root=tmp_path)

    path = write_toy_cache(tmp_path)
    meta = _meta(path)
    meta["dataset"] = "d2"
    (path / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(CacheError, match="foreign .* holds toy/d2"):
        load("toy", "d1", root=tmp_path)

    path = write_toy_cache(tmp_path)
    block = _meta(path)["metrics"]["acc"]["blocks"][0]["file"]
    with open(path / block, "r+b") as handle:
        handle.truncate(100)
    with pytest.raises(CacheError, match=f"corrupt .*{block}"):
        load("toy", "d1", root=tmp_path)

    path = write_toy_cache(tmp_path)
    (path / "metadata.json").write_text("{not json")
    with pytest.raises(CacheError, match="unreadable metadata.json"):
        load("toy", "d1", root=tmp_path)


def test_verify_detects_flipped_byte(tmp_path, monkeypatch):
    monkeypatch.setitem(registry.BENCHMARKS, "toy", TOY)
    path = write_toy_cache(tmp_path)
    bench = load("toy", "d1", root=tmp_path)
    bench.verify()
    target = path / _meta(path)["metrics"]["params"]["blocks"][0]["file"]
    data = bytearray(target.read_bytes())
    data[-1] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(CacheError, match="checksum mismatch"):
        load("toy", "d1", root=tmp_path).verify()


def test_failed_write_leaves_previous_cache_intact(tmp_path, monkeypatch):
    monkeypatch.setitem(registry.BENCHMARKS, "toy", TOY)
    write_toy_cache(tmp_path)
    before = load("toy", "d1", root=tmp_path).metric("acc")
    from suite.data.cache import CacheWriter

    with pytest.raises(RuntimeError):
        with CacheWriter(tmp_path, "toy", "d1", converter="x", converter_version="1", citation="", licence="",
                         sources=[], rebuild="") as w:
            w.write_archs(load("toy", "d1", root=tmp_path).archs, {"id": "", "arch": "", "key": ""})
            raise RuntimeError("killed mid-conversion")
    np.testing.assert_array_equal(load("toy", "d1", root=tmp_path).metric("acc"), before)
    assert sorted(p.name for p in (tmp_path / "toy").iterdir()) == ["d1"]  # no temp dir left


def test_read_only_root_is_a_clear_error(tmp_path):
    if os.geteuid() == 0:  # root ignores permission bits; sysfs is read-only even for root
        ro = tmp_path.anchor + "sys/nas-suite-readonly-test"
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(stat.S_IRUSR | stat.S_IXUSR)
    with pytest.raises(CacheError, match="cannot write a cache under .* choose a writable directory"):
        write_toy_cache(ro)


def test_public_api_exports_load():
    assert suite.load is load


KILLED_WRITER = r"""
import sys, time
from pathlib import Path
import numpy as np
from suite.data.cache import CacheWriter, MetricInfo
from suite.testing.toy import write_toy_cache
root = Path(sys.argv[1])
with CacheWriter(root, "toy", "d1", converter="x", converter_version="1", citation="", licence="",
                 sources=[], rebuild="") as w:
    import pandas as pd
    w.write_archs(pd.DataFrame({"id": [0], "arch": ["a0"], "key": ["a0"]}), {"id": "", "arch": "", "key": ""})
    w.add_metric("acc", MetricInfo("x"), np.zeros((1, 1, 1)), schedule=None, epochs=None, seeds=["mean"])
    (root / "ready").write_text("1")
    time.sleep(60)  # killed here, mid-conversion
"""


def test_killed_conversion_leaves_no_visible_cache(tmp_path, monkeypatch):
    import signal
    import subprocess
    import sys
    import time

    monkeypatch.setitem(registry.BENCHMARKS, "toy", TOY)
    write_toy_cache(tmp_path)
    before = load("toy", "d1", root=tmp_path).metric("acc")
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(tmp_path)])
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "ready").exists():
            assert proc.poll() is None and time.monotonic() < deadline, "writer did not start"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        proc.kill()
    # the old cache is still the one readers see; the half-written one is a hidden temp dir
    np.testing.assert_array_equal(load("toy", "d1", root=tmp_path).metric("acc"), before)
    hidden = [p.name for p in (tmp_path / "toy").iterdir() if p.name.startswith(".")]
    # its lock file stays too, but the OS released the lock with the process: no stale lock blocks the next writer
    assert ".d1.lock" in hidden and all(".d1.tmp-" in name for name in hidden if name != ".d1.lock")
    assert any(".d1.tmp-" in name for name in hidden)
    write_toy_cache(tmp_path)  # the next conversion cleans the leftover up
    assert sorted(p.name for p in (tmp_path / "toy").iterdir()) == ["d1"]


# -- lazy architecture table and the fixed-width key index ---------------------------------------------
def test_opening_reads_no_architecture_column_and_index_of_reads_only_keys():
    bench = suite.load("nb201", "cifar10")
    assert "archs" not in vars(bench) and not bench._arrow
    first = bench.arch(0)
    assert bench.index_of(first) == 0 and set(bench._arrow) == {"arch", "key"}
    assert "archs" not in vars(bench)
    assert list(bench.columns(["op_0", "op_1"]).columns) == ["op_0", "op_1"]
    assert bench.archs["arch"].iat[0] == first  # the full table, on demand, agrees


def test_columns_names_the_missing_column():
    bench = suite.load("nb201", "cifar10")
    with pytest.raises(KeyError, match="no column.*'nope'.*columns:"):
        bench.columns(["op_0", "nope"])


def test_key_index_is_exact_on_mixed_lengths_unicode_nul_and_misses():
    from suite.data.keys import KeyIndex

    table = ["abc", "a", "", "zz|é", "abcd", "b" * 40, "abc"]  # duplicate "abc": lowest id wins
    index = KeyIndex(table)
    queries = ["abc", "abcd", "abcde", "", "zz|é", "zz|e", "b" * 40, "b" * 41, "a\x00"]
    expect = [0, 4, -1, 2, 3, -1, 5, -1, -1]
    np.testing.assert_array_equal(index.get_indexer(queries), expect)
    np.testing.assert_array_equal(index.get_indexer(np.array(queries, dtype=object)), expect)
    assert not index.is_unique and KeyIndex(table[:-1]).is_unique
    assert list(KeyIndex([]).get_indexer(["x"])) == [-1]


# -- what counts as an architecture or an id: anything else is a named error --------------------------------
# (suite.data.benchmark: index_of / find / arch; a bool is never an id although bool subclasses int)
NOT_AN_ARCHITECTURE = [
    pytest.param(None, "NoneType", id="None"),
    pytest.param(5.5, "float", id="float"),
    pytest.param(float("nan"), "float nan", id="nan"),
    pytest.param(np.float64(3.0), "numpy.float64", id="np.float64"),
    pytest.param(np.array(2.0), "numpy.float64", id="0d-float-array"),
    pytest.param(1 + 2j, "complex", id="complex"),
    pytest.param(object(), "object", id="object"),
    pytest.param(b"bytes", "bytes", id="bytes"),
    pytest.param(bytearray(b"x"), "bytearray", id="bytearray"),
]
BOOLS = [
    pytest.param(True, "bool True", id="True"),
    pytest.param(False, "bool False", id="False"),
    pytest.param(np.bool_(True), "numpy.bool", id="np.True_"),
    pytest.param(np.bool_(False), "numpy.bool", id="np.False_"),
    pytest.param(np.array(True), "numpy.bool", id="0d-bool-array"),
]


@pytest.fixture(scope="module")
def nb201():
    return suite.load("nb201", "cifar10")


@pytest.mark.parametrize("value, shown", NOT_AN_ARCHITECTURE + BOOLS)
def test_index_of_refuses_non_specs_with_a_named_error(nb201, value, shown):
    with pytest.raises(InvalidArchitecture) as err:
        nb201.index_of(value)
    msg = str(err.value)
    assert shown in msg and "expected an integer id in 0..15624" in msg and "\n" not in msg


@pytest.mark.parametrize("value, shown", BOOLS)
def test_a_bool_is_never_an_id(nb201, value, shown):
    with pytest.raises(InvalidArchitecture, match="a bool is not an architecture id"):
        nb201.index_of(value)
    with pytest.raises(InvalidArchitecture, match="a bool is not an architecture id"):
        nb201.arch(value)


@pytest.mark.parametrize("value", [[1, 2], [None], [5.5], [True], [b"x"], np.array([True] * 6), {"x": 1}])
def test_index_of_refuses_sequences_of_non_specs(nb201, value):
    with pytest.raises(InvalidArchitecture, match="NB-201"):  # the space names the broken rule
        nb201.index_of(value)


@pytest.mark.parametrize(
    "value, shown",
    NOT_AN_ARCHITECTURE
    + [
        pytest.param("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "str", id="spec-str"),
        pytest.param({"arch": "x"}, "dict", id="dict"),
        pytest.param([True, 1], "list", id="list-with-bool"),
        pytest.param([1.5], "list", id="list-of-float"),
        pytest.param([None], "list", id="list-of-None"),
        pytest.param(np.array([True]), "numpy.ndarray", id="bool-array"),
        pytest.param(np.array([1.0, 2.0]), "numpy.ndarray", id="float-array"),
    ],
)
def test_arch_refuses_non_ids(nb201, value, shown):
    with pytest.raises(InvalidArchitecture) as err:
        nb201.arch(value)
    msg = str(err.value)
    assert shown in msg and "integer id in 0..15624" in msg and "not bool" in msg


@pytest.mark.parametrize("value", [None, 5, np.int64(5), True, 5.5, object(), "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
                                   b"bytes", {"arch": "x"}])
def test_find_refuses_what_is_not_a_sequence_of_specs(nb201, value):
    with pytest.raises(InvalidArchitecture, match=r"find takes a sequence of nb201 architecture specs, got .*find\(\[spec\]\)"):
        nb201.find(value)


def test_find_still_maps_invalid_elements_to_minus_one(nb201):
    cell = nb201.arch(9930)
    got = nb201.find([None, 5.5, float("nan"), True, np.bool_(False), object(), b"x", 3, cell, "333133"])
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, [-1] * 8 + [9930, 9930])
    np.testing.assert_array_equal(nb201.find(iter([cell])), [9930])


@pytest.mark.parametrize("value", [-1, 15625, np.int64(15625), np.uint64(2**63), 10**30, np.array(-3)])
def test_out_of_range_ids_are_not_in_benchmark(nb201, value):
    with pytest.raises(NotInBenchmark, match=r"out of range: nb201/cifar10 has ids 0\.\.15624"):
        nb201.index_of(value)
    with pytest.raises(NotInBenchmark, match="out of range"):
        nb201.arch(value)
    with pytest.raises(NotInBenchmark, match="out of range"):
        nb201.arch([0, value])


@pytest.mark.parametrize("value", [7, np.int64(7), np.int32(7), np.uint16(7), np.array(7)])
def test_integer_ids_of_any_integer_type_still_work(nb201, value):
    assert nb201.index_of(value) == 7 and type(nb201.index_of(value)) is int
    assert nb201.arch(value) == nb201.arch(7) and isinstance(nb201.arch(value), str)


def test_valid_spellings_still_work(nb201):
    cell = nb201.arch(9930)
    assert nb201.index_of(cell) == 9930 and nb201.index_of("333133") == 9930
    assert nb201.index_of({"code": "333133"}) == 9930
    np.testing.assert_array_equal(nb201.index_of([cell, nb201.arch(0)]), [9930, 0])
    assert nb201.index_of([]).shape == (0,)
    np.testing.assert_array_equal(nb201.arch(np.array([1, 2], dtype=np.uint8)), nb201.arch([1, 2]))
    assert nb201.arch([]).shape == (0,) and nb201.arch(()).shape == (0,)


def test_nb101_hash_is_a_spec_and_non_specs_are_refused():
    bench = suite.load("nb101", "cifar10")
    key = bench.columns(["key"])["key"].iat[3]
    assert bench.index_of(key) == 3 and bench.index_of(key.upper()) == 3
    np.testing.assert_array_equal(bench.find([key, None, True, key.encode()]), [3, -1, -1, -1])
    for bad in (None, True, np.bool_(True), 5.5, key.encode()):
        with pytest.raises(InvalidArchitecture, match="expected an integer id in 0..291"):
            bench.index_of(bad)


# -- query arguments of the wrong type or range give named one-line errors (regressions) -----------


@pytest.mark.parametrize("n", [-1, 20_000, 1.5, True, None, "3"])
def test_sample_refuses_bad_counts(n):
    from suite.errors import InvalidArgument

    bench = suite.load("nb201", "cifar10")
    with pytest.raises(InvalidArgument) as err:
        bench.sample(n, rng=0)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("rng", ["abc", 1.5, -3, True, object()])
def test_sample_refuses_bad_generators(rng):
    from suite.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match="sample\\(rng=\\)"):
        suite.load("nb201", "cifar10").sample(5, rng=rng)


def test_sample_accepts_generators_seeds_and_numpy_ints():
    bench = suite.load("nb201", "cifar10")
    a = bench.sample(np.int64(5), rng=np.random.default_rng(0))
    assert np.array_equal(a, bench.sample(5, rng=0)) and len(bench.sample(0, rng=1)) == 0
    assert len(bench.sample(20_000, rng=0, replace=True)) == 20_000


def test_columns_and_epochs_and_load_refuse_bad_input():
    from suite.errors import InvalidArgument, UnknownBenchmark, UnknownMetric

    bench = suite.load("nb201", "cifar10")
    with pytest.raises(UnknownMetric, match="no column"):
        bench.columns(["x"])
    with pytest.raises(InvalidArgument, match="list of column names"):
        bench.columns("arch")
    with pytest.raises(InvalidArgument, match="epoch must be an integer"):
        bench.metric("valid_acc", epoch=True)
    with pytest.raises(InvalidArgument, match="epoch must be an integer"):
        bench.metric("valid_acc", epoch=1.0)
    assert bench.metric("valid_acc", epoch=np.int64(200))[0] == bench.metric("valid_acc", epoch=200)[0]
    with pytest.raises(UnknownBenchmark, match="named by a string"):
        suite.load(None, "cifar10")


# -- metadata.json is validated before anything it names is opened (issue 24) ---------------------------
def _outside(path):
    """A file beside the cache root, i.e. outside the cache directory."""
    target = path.parents[1] / "outside.npy"
    np.save(target, np.zeros((6, 3, 4), dtype=np.float32))
    return target


def _set(*keys, value):
    def edit(meta, path):
        node = meta
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value(meta, path) if callable(value) else value
    return edit


def _del(*keys):
    def edit(meta, path):
        node = meta
        for key in keys[:-1]:
            node = node[key]
        del node[keys[-1]]
    return edit


def _list_file(name_of):
    def edit(meta, path):
        name = name_of(path)
        meta["files"][name] = {"bytes": (path / name).stat().st_size, "sha256": "0" * 64}
    return edit


ACC0 = ("metrics", "acc", "blocks", 0)
BAD_METADATA = {
    "block file outside the cache": (_set(*ACC0, "file", value="../../outside.npy"), "metrics.acc.blocks[0].file"),
    "block file absolute": (_set(*ACC0, "file", value=lambda m, p: str(_outside(p))), "metrics.acc.blocks[0].file"),
    "listed file outside the cache": (_list_file(lambda p: os.path.relpath(_outside(p), p)), "files"),
    "listed file absolute": (_list_file(lambda p: str(_outside(p))), "files"),
    "rows file outside the cache": (_set("metrics", "curve", "blocks", 0, "rows", value="../../outside.npy"),
                                    "metrics.curve.blocks[0].rows"),
    "archs file outside the cache": (_set("archs", "file", value="../d1/../../outside.npy"), "archs.file"),
    "block file not listed": (_set(*ACC0, "file", value="metadata.json"), "metrics.acc.blocks[0].file"),
    "schema version as a string": (_set("schema_version", value="1"), "schema_version"),
    "schema version as a bool": (_set("schema_version", value=True), "schema_version"),
    "n_archs as a string": (_set("n_archs", value="6"), "n_archs"),
    "files as a list": (_set("files", value=[]), "files"),
    "file size as a string": (_set("files", "archs.parquet", "bytes", value="9"), "files['archs.parquet'].bytes"),
    "metrics as a list": (_set("metrics", value=[]), "metrics"),
    "metric as a string": (_set("metrics", "acc", value="x"), "metrics.acc"),
    "metric without description": (_del("metrics", "acc", "description"), "metrics.acc.description"),
    "blocks as a dict": (_set("metrics", "acc", "blocks", value={}), "metrics.acc.blocks"),
    "block as a list": (_set(*ACC0, value=[]), "metrics.acc.blocks[0]"),
    "block without file": (_del(*ACC0, "file"), "metrics.acc.blocks[0].file"),
    "epochs as a string": (_set(*ACC0, "epochs", value="1234"), "metrics.acc.blocks[0].epochs"),
    "an epoch as a string": (_set(*ACC0, "epochs", value=["1", 2, 3, 4]), "metrics.acc.blocks[0].epochs"),
    "seeds missing": (_set(*ACC0, "seeds", value=None), "metrics.acc.blocks[0].seeds"),
    "seeds shorter than the shape": (_set(*ACC0, "seeds", value=[0, 1]), "metrics.acc.blocks[0]"),
    "shape of strings": (_set(*ACC0, "shape", value=["6", 3, 4]), "metrics.acc.blocks[0].shape"),
    "shape 2-d": (_set(*ACC0, "shape", value=[6, 3]), "metrics.acc.blocks[0].shape"),
    "dtype unknown": (_set(*ACC0, "dtype", value="nonsense"), "metrics.acc.blocks[0].dtype"),
    "dtype object": (_set(*ACC0, "dtype", value="object"), "metrics.acc.blocks[0].dtype"),
    "schedule as a string": (_set(*ACC0, "schedule", value="4"), "metrics.acc.blocks[0].schedule"),
    "default schedule as a string": (_set("default_schedule", value="4"), "default_schedule"),
    "archs missing": (_del("archs"), "archs"),
    "archs columns as a list": (_set("archs", "columns", value=[]), "archs.columns"),
    "converter as a string": (_set("converter", value="x"), "converter"),
}


@pytest.mark.parametrize("edit, field", BAD_METADATA.values(), ids=list(BAD_METADATA))
def test_damaged_metadata_is_one_line_error_naming_the_field(tmp_path, monkeypatch, edit, field):
    monkeypatch.setitem(registry.BENCHMARKS, "toy", TOY)
    path = write_toy_cache(tmp_path / "root")
    meta = _meta(path)
    edit(meta, path)
    (path / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(CacheError) as info:
        bench = load("toy", "d1", root=tmp_path / "root")
        for name in bench.metrics:  # the old code failed only here, with a traceback
            bench.metric(name)
        bench.verify()
    message = str(info.value)
    assert "\n" not in message and f"metadata.json {field} " in message, message
    assert "write_toy_cache()" in message  # how to rebuild it


@pytest.mark.parametrize("rows", [[1, 100], [4, 1], [-1, 4]])
def test_rows_outside_the_table_are_refused_on_open(tmp_path, monkeypatch, rows):
    monkeypatch.setitem(registry.BENCHMARKS, "toy", TOY)
    path = write_toy_cache(tmp_path)
    np.save(path / _meta(path)["metrics"]["curve"]["blocks"][0]["rows"], np.array(rows, dtype=np.int64))
    with pytest.raises(CacheError, match=r"corrupt .*curve.*rows.*ids within 0\.\.5.*write_toy_cache"):
        load("toy", "d1", root=tmp_path).metric("curve")


# -- imports never write into the embedded data/ (issue 24) ----------------------------------------------
def test_writes_into_the_embedded_data_are_refused(tmp_path, monkeypatch):
    from suite.data import paths

    monkeypatch.setitem(registry.BENCHMARKS, "toy", TOY)
    embedded = tmp_path / "repo" / "data"
    embedded.mkdir(parents=True)
    monkeypatch.setattr(paths, "EMBEDDED_DIR", embedded)
    (tmp_path / "link").symlink_to(embedded)
    monkeypatch.chdir(tmp_path / "repo")
    for root in (embedded, embedded / "nb201", tmp_path / "link", tmp_path / "repo" / "x" / ".." / "data", "data"):
        with pytest.raises(CacheError, match="refusing to write .* embedded data/.*scripts/build_embedded.py") as info:
            write_toy_cache(root)
        assert "\n" not in str(info.value)
    monkeypatch.setenv("NAS_SUITE_DATA", str(embedded))
    with pytest.raises(CacheError, match="embedded"):
        write_toy_cache(paths.write_root())
    assert list(embedded.iterdir()) == []  # nothing was created, not even a directory
    with paths.writing_embedded():  # what scripts/build_embedded.py does
        write_toy_cache(embedded)
    assert load("toy", "d1", root=embedded).metric("params")[2] == 1.0
    write_toy_cache(tmp_path / "elsewhere")  # and the flag does not outlive its block
    with pytest.raises(CacheError, match="embedded"):
        write_toy_cache(embedded)


def test_out_data_in_the_repository_is_refused(monkeypatch):
    from suite.data.cache import CacheWriter
    from suite.data.paths import EMBEDDED_DIR

    monkeypatch.chdir(EMBEDDED_DIR.parent)
    existed = (EMBEDDED_DIR / "toy").exists()
    try:
        with pytest.raises(CacheError, match="refusing to write"):
            with CacheWriter("data", "toy", "d1", converter="x", converter_version="1", citation="", licence="",
                             sources=[], rebuild=""):
                pass
        assert not (EMBEDDED_DIR / "toy").exists()
    finally:
        if not existed and (EMBEDDED_DIR / "toy").is_dir():  # the unfixed code made it
            import shutil

            shutil.rmtree(EMBEDDED_DIR / "toy")


@pytest.mark.parametrize("benchmark, dataset", [("..", "d1"), ("toy", "../d1"), ("toy", "a/b"), ("toy", "")])
def test_cache_names_stay_inside_the_root(tmp_path, benchmark, dataset):
    from suite.data.cache import CacheWriter

    with pytest.raises(ValueError, match="plain name"):
        CacheWriter(tmp_path / "root", benchmark, dataset, converter="x", converter_version="1", citation="",
                    licence="", sources=[], rebuild="")
    assert not (tmp_path / "root").exists()


def test_cache_files_must_be_regular_files_of_the_cache(tmp_path, monkeypatch):
    monkeypatch.setitem(registry.BENCHMARKS, "toy", TOY)
    path = write_toy_cache(tmp_path / "root")
    name = _meta(path)["metrics"]["params"]["blocks"][0]["file"]
    outside = tmp_path / "outside.npy"
    (path / name).rename(outside)
    (path / name).symlink_to(outside)  # same bytes, but from outside the cache directory
    with pytest.raises(CacheError, match=rf"corrupt .*{name} is a symbolic link.*write_toy_cache"):
        load("toy", "d1", root=tmp_path / "root")
    (path / name).unlink()
    os.mkfifo(path / name)  # would block a plain open() forever
    with pytest.raises(CacheError, match=rf"corrupt .*{name} is not a regular file"):
        load("toy", "d1", root=tmp_path / "root")
