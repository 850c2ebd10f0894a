"""Hostile and invalid inputs to the importers (issue 24): explicit limits, record validation, file types.

Every input here is crafted in ``tmp_path`` from the official-layout fixture writers
(``suite.testing.nb101`` / ``suite.testing.nb201``) and changed in one place, so each test checks
one refusal: a one-line :class:`~suite.errors.NasSuiteError` naming the problem (and, for a
limit, the limit and the environment variable that raises it), with nothing written.
"""

from __future__ import annotations

import base64
import bz2
import io
import json
import os
import pickle
import threading
from collections import OrderedDict

import numpy as np
import pytest

import suite
from suite.data.importers import nb101_tfrecord, nb201_nats, nb201_records
from suite.data.protobuf import EvaluationData, ModelMetrics, encode_model_metrics
from suite.data.safe_pickle import load_pickle, loads_pickle_bz2
from suite.data.tfrecord import write_records
from suite.errors import CorruptRecord, NasSuiteError, SourceFormatError, UnsafePickle
from suite.testing import nb201 as fx
from suite.testing.nb101 import Run, random_cells, record_bytes, write_nb101_tfrecord

from extras import needs_extra


def one_line(err: pytest.ExceptionInfo) -> str:
    msg = str(err.value)
    assert "\n" not in msg and len(msg) < 600, msg[:1000]
    return msg


def assert_limit(err: pytest.ExceptionInfo, name: str) -> str:
    """The error is a limit error naming ``name`` and its environment variable."""
    msg = one_line(err)
    assert type(err.value).__name__ == "LimitExceeded" and isinstance(err.value, SourceFormatError)
    assert name in msg and f"NAS_SUITE_{name.upper()}" in msg, msg
    return msg


def no_caches(root) -> bool:
    return not root.exists() or not any(p for p in root.rglob("metadata.json"))


def without_hanging(fn, fifo, timeout=10.0):
    """Run ``fn()`` in a thread; if it blocks (on opening ``fifo``), unblock it and fail."""
    box: dict = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as err:  # noqa: BLE001 - handed to the test
            box["error"] = err

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)  # a writer appears: the blocked open returns
        os.close(fd)
        thread.join(5)
        pytest.fail(f"the importer blocked on opening the FIFO {fifo}")
    if "error" in box:
        raise box["error"]
    return box.get("value")


# -- bz2 and pickles ----------------------------------------------------------------------------------


def _bz2_bomb(mib: int, streams: int = 1) -> bytes:
    """``streams`` concatenated bz2 streams of ``mib`` MiB of zero bytes each (~50 bytes a stream)."""
    return bz2.compress(b"\0" * (mib << 20), 9) * streams


def test_bz2_bomb_in_the_nats_meta_file_stops_at_the_decompression_limit(tmp_path, monkeypatch):
    src = fx.write_nats_tss_dir(tmp_path / "NATS-tss-v1_0-3ffb9-simple")
    bomb = _bz2_bomb(8, 5)
    assert len(bomb) < 1000  # expands to 40 MiB
    (src / "meta.pickle.pbz2").write_bytes(bomb)
    monkeypatch.setenv("NAS_SUITE_MAX_DECOMPRESSED_BYTES", str(1 << 20))
    with pytest.raises(NasSuiteError) as err:
        nb201_nats.convert(src, tmp_path / "out", allow_pickle=True)
    msg = assert_limit(err, "max_decompressed_bytes")
    assert "meta.pickle.pbz2" in msg and "1,048,576" in msg
    assert no_caches(tmp_path / "out")


def test_bz2_bomb_of_gigabytes_is_refused_under_the_default_limit(tmp_path):
    """The issue's 3 GB bomb, with the default limit (256 MiB): refused without expanding it all."""
    bomb = _bz2_bomb(8, 384)  # concatenated streams decompress as one: 3 GiB from ~20 kB
    assert len(bomb) < 40_000
    with pytest.raises(NasSuiteError) as err:
        loads_pickle_bz2(bomb, source="000001.pickle.pbz2")
    assert_limit(err, "max_decompressed_bytes")


def test_bounded_bz2_matches_bz2_decompress():
    from suite.data.limits import Limits, LimitExceeded, bz2_decompress

    one, two = bz2.compress(b"first stream " * 1000), bz2.compress(b"second")
    for data in (one, one + two, one + two + b"trailing junk", bz2.compress(b"")):
        assert bz2_decompress(data, source="x") == bz2.decompress(data)
    with pytest.raises(OSError):
        bz2_decompress(b"not bz2 at all", source="x")
    with pytest.raises(ValueError):
        bz2_decompress(one[:-10], source="x")
    assert bz2_decompress(one + two, source="x", limits=Limits(max_decompressed_bytes=13_006)) == b"first stream " * 1000 + b"second"
    with pytest.raises(LimitExceeded):
        bz2_decompress(one + two, source="x", limits=Limits(max_decompressed_bytes=13_005))


def _shared_list(levels: int) -> list:
    """A list whose tree expansion has 2**levels leaves but pickles in a few bytes per level."""
    x: list = [0]
    for _ in range(levels):
        x = [x, x]
    return x


def test_shared_list_in_nats_meta_total_gives_a_short_message(tmp_path):
    """``total_archs`` read back as a nested shared list: the error must not print it (nb201_nats)."""
    src = fx.write_nats_tss_dir(tmp_path / "NATS-tss-v1_0-3ffb9-simple")
    meta = {"meta_archs": list(fx.FIXTURE_ARCHS), "total_archs": _shared_list(19)}
    (src / "meta.pickle.pbz2").write_bytes(bz2.compress(pickle.dumps(meta, protocol=4)))
    with pytest.raises(SourceFormatError, match="total_archs") as err:
        nb201_nats.convert(src, tmp_path / "out", allow_pickle=True)
    one_line(err)


def test_shared_list_that_expands_past_the_item_limit_is_refused_while_loading(tmp_path):
    blob = pickle.dumps({"meta_archs": _shared_list(40)}, protocol=4)
    assert len(blob) < 2000  # 2**40 leaves: printing or iterating it would never finish
    with pytest.raises(NasSuiteError) as err:
        load_pickle(io.BytesIO(blob), source="meta.pickle")
    assert_limit(err, "max_pickle_items")


def test_pickle_nesting_and_self_reference_are_refused(monkeypatch):
    deep = b"\x80\x02" + b"]" * 5000 + b"a" * 4999 + b"."  # 5,000 lists, each appended to the one below
    with pytest.raises(NasSuiteError) as err:
        load_pickle(io.BytesIO(deep), source="deep.pickle")
    assert_limit(err, "max_nesting")
    loop: list = [1]
    loop.append(loop)
    with pytest.raises(NasSuiteError) as err:
        load_pickle(io.BytesIO(pickle.dumps({"x": loop}, protocol=4)), source="loop.pickle")
    assert_limit(err, "max_nesting")
    monkeypatch.setenv("NAS_SUITE_MAX_PICKLE_ITEMS", "100")
    with pytest.raises(NasSuiteError) as err:
        load_pickle(io.BytesIO(pickle.dumps(list(range(200)), protocol=4)), source="long.pickle")
    assert_limit(err, "max_pickle_items")
    assert load_pickle(io.BytesIO(pickle.dumps(list(range(50)), protocol=4))) == list(range(50))


class _Reduce:
    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def test_allowed_constructors_cannot_allocate_from_a_count():
    # bytes(n) / bytearray(n) allocate n bytes from a few pickle bytes
    for ctor in (bytes, bytearray):
        with pytest.raises(UnsafePickle, match=ctor.__name__) as err:
            load_pickle(io.BytesIO(pickle.dumps(_Reduce(ctor, 10**6), protocol=2)))
        one_line(err)
    # range(10**12) is cheap to build but anything that iterates it is not
    with pytest.raises(NasSuiteError) as err:
        load_pickle(io.BytesIO(pickle.dumps(range(10**12), protocol=4)))
    assert_limit(err, "max_pickle_items")
    with pytest.raises(NasSuiteError):
        load_pickle(io.BytesIO(pickle.dumps(range(10**30), protocol=4)))
    # str() of a container would print it (exponential for shared lists)
    with pytest.raises(UnsafePickle, match="str"):
        load_pickle(io.BytesIO(pickle.dumps(_Reduce(str, [1, 2]), protocol=4)))
    # plain uses of the same constructors still load
    ok = {"b": bytearray(b"ab"), "r": range(5), "s": slice(1, 2, None), "c": complex(1, 2), "f": frozenset({1})}
    for protocol in (3, 4, 5):  # protocol 2 spells range as __builtin__.xrange, which is not allowed
        assert load_pickle(io.BytesIO(pickle.dumps(ok, protocol=protocol))) == ok
    del ok["r"]
    assert load_pickle(io.BytesIO(pickle.dumps(ok, protocol=2))) == ok


def test_limits_come_from_the_environment_and_bad_values_are_named(monkeypatch):
    from suite.data import limits

    assert limits.current() == limits.Limits()
    monkeypatch.setenv("NAS_SUITE_MAX_EPOCHS", "500")
    assert limits.current().max_epochs == 500
    for bad in ("lots", "0", "-3", "1.5"):
        monkeypatch.setenv("NAS_SUITE_MAX_EPOCHS", bad)
        with pytest.raises(NasSuiteError, match="NAS_SUITE_MAX_EPOCHS must be a positive whole number") as err:
            limits.current()
        one_line(err)


def test_brief_is_bounded_for_any_object():
    from suite.data.limits import brief

    loop: list = [1]
    loop.append(loop)
    for obj in (_shared_list(60), loop, "x" * 10**6, 10**5000, {i: list(range(1000)) for i in range(1000)}):
        assert len(brief(obj)) <= 200


# -- NATS / .pth records: counts taken from the input ------------------------------------------------------


def _nats_dir_with_record(tmp_path, index, record):
    src = fx.write_nats_tss_dir(tmp_path / "NATS-tss-v1_0-3ffb9-simple")
    (src / f"{index:06d}.pickle.pbz2").write_bytes(fx.nats_tss_record_bytes(record))
    return src


def test_huge_hyper_parameter_key_is_refused_before_allocating(tmp_path):
    """A ~1 kB record with hp key "100000000" would allocate (n, 3, 1e8) float32 arrays per metric."""
    with pytest.raises(NasSuiteError) as err:
        nb201_records.schedule_of("100000000", "000001.pickle.pbz2")
    assert_limit(err, "max_epochs")
    with pytest.raises(NasSuiteError) as err:
        nb201_records.schedule_of(10**5000, "x")  # an int too long to print
    assert "2**16609" in assert_limit(err, "max_epochs")
    for bad in ("12.5", 12.5, True, "-12", "0", " 12", None):
        with pytest.raises(SourceFormatError):
            nb201_records.schedule_of(bad, "x")
    assert [nb201_records.schedule_of(k, "x") for k in ("12", "200", "less", "full", 12)] == [12, 200, 12, 200, 12]
    archs = list(fx.FIXTURE_ARCHS)
    state = fx.arch_results_state(1, archs[1], 12)
    for run in state["all_results"].values():
        run["epochs"] = 100_000_000
    src = _nats_dir_with_record(tmp_path, 1, OrderedDict([("100000000", state)]))
    with pytest.raises(NasSuiteError) as err:
        nb201_nats.convert(src, tmp_path / "out", allow_pickle=True)
    assert "000001.pickle.pbz2" in assert_limit(err, "max_epochs")
    assert no_caches(tmp_path / "out")


def test_many_seeds_are_refused(tmp_path):
    archs = list(fx.FIXTURE_ARCHS)
    state = fx.arch_results_state(1, archs[1], 12)
    run = next(iter(state["all_results"].values()))
    state["all_results"] = {("cifar10-valid", seed): dict(run, seed=str(seed)) for seed in range(1000, 1040)}
    src = _nats_dir_with_record(tmp_path, 1, OrderedDict([("12", state)]))
    with pytest.raises(NasSuiteError) as err:
        nb201_nats.convert(src, tmp_path / "out", allow_pickle=True)
    assert_limit(err, "max_seeds")
    state["all_results"] = {("cifar10-valid", "777.5"): run}
    src = _nats_dir_with_record(tmp_path / "b", 1, OrderedDict([("12", state)]))
    with pytest.raises(SourceFormatError, match="seed") as err:
        nb201_nats.convert(src, tmp_path / "out", allow_pickle=True)
    one_line(err)


def test_array_bytes_limit_covers_the_curves_an_import_allocates(tmp_path, monkeypatch):
    src = fx.write_nats_tss_dir(tmp_path / "NATS-tss-v1_0-3ffb9-simple")
    monkeypatch.setenv("NAS_SUITE_MAX_ARRAY_BYTES", "50000")
    with pytest.raises(NasSuiteError) as err:
        nb201_nats.convert(src, tmp_path / "out", allow_pickle=True)
    assert_limit(err, "max_array_bytes")
    monkeypatch.delenv("NAS_SUITE_MAX_ARRAY_BYTES")
    assert len(nb201_nats.convert(src, tmp_path / "out", allow_pickle=True, datasets=["cifar10"])) == 1


def test_nested_latency_lists_are_refused(tmp_path):
    archs = list(fx.FIXTURE_ARCHS)
    record = fx.nats_tss_record(1, archs)
    for run in record["200"]["all_results"].values():
        run["latency"] = [[0.01, 0.02], [0.03]]
    src = _nats_dir_with_record(tmp_path, 1, record)
    with pytest.raises(SourceFormatError, match="latency") as err:
        nb201_nats.convert(src, tmp_path / "out", allow_pickle=True)
    one_line(err)


def test_tar_member_larger_than_the_read_limit_is_refused(tmp_path, monkeypatch):
    tar = fx.write_nats_tss_tar(tmp_path / "NATS-tss-v1_0-3ffb9-simple.tar")
    monkeypatch.setenv("NAS_SUITE_MAX_READ_BYTES", "4096")
    with pytest.raises(NasSuiteError) as err:
        nb201_nats.convert(tar, tmp_path / "out", allow_pickle=True)
    assert ".pickle.pbz2" in assert_limit(err, "max_read_bytes")


def test_fifo_named_like_a_nats_record_is_refused_without_opening_it(tmp_path):
    src = fx.write_nats_tss_dir(tmp_path / "NATS-tss-v1_0-3ffb9-simple", indices=(0, 1))
    fifo = src / "000002.pickle.pbz2"
    os.mkfifo(fifo)
    with pytest.raises(SourceFormatError, match=r"000002\.pickle\.pbz2 is not a regular file") as err:
        without_hanging(lambda: nb201_nats.convert(src, tmp_path / "out", allow_pickle=True), fifo)
    one_line(err)


@pytest.mark.needs_torch
def test_pth_with_a_shared_list_total_gives_a_short_message(tmp_path):
    torch = needs_extra("torch")
    src = fx.write_nb201_pth(tmp_path / "NAS-Bench-201-v1_0-e61699.pth")
    data = torch.load(src, weights_only=False)
    data["total_archs"] = _shared_list(19)
    torch.save(data, src, _use_new_zipfile_serialization=False)
    from suite.data.importers import nb201_pth

    with pytest.raises(SourceFormatError, match="total_archs") as err:
        nb201_pth.convert(src, tmp_path / "out", allow_pickle=True)
    one_line(err)


@pytest.mark.needs_torch
def test_pth_zip_with_a_compressed_entry_past_the_limit_is_refused(tmp_path, monkeypatch):
    """A zip-format .pth whose entries are deflated: torch would inflate each to its declared size."""
    import zipfile

    torch = needs_extra("torch")
    plain = tmp_path / "plain.pth"
    torch.save({"meta_archs": list(fx.FIXTURE_ARCHS), "arch2infos": {}, "pad": "x" * 10_000}, plain)
    src = tmp_path / "NAS-Bench-201-v1_1-096897.pth"
    with zipfile.ZipFile(plain) as z_in, zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z_out:
        for info in z_in.infolist():
            z_out.writestr(info.filename, z_in.read(info))
    monkeypatch.setenv("NAS_SUITE_MAX_DECOMPRESSED_BYTES", "1000")
    from suite.data.importers import nb201_pth

    with pytest.raises(NasSuiteError) as err:
        nb201_pth.convert(src, tmp_path / "out", allow_pickle=True)
    assert "data.pkl" in assert_limit(err, "max_decompressed_bytes")


# -- NB-101 records ------------------------------------------------------------------------------------


def _cells_and_runs(n_cells=2, budgets=(108,), repeats=3):
    cells = random_cells(n_cells, np.random.default_rng(7))
    runs = [Run(m, o, b, (0.5, 0.45, 0.44, b * 5.0), (0.9, 0.85, 0.84, b * 10.0), 1_000_000)
            for m, o in cells for b in budgets for _ in range(repeats)]
    return cells, runs


def _rows(runs):
    return [json.loads(record_bytes(r)) for r in runs]


def _write_rows(path, rows, raw=()):
    write_records(path, [json.dumps(r).encode("utf-8") for r in rows] + list(raw))
    return path


def _payload(points, params=1_000_000):
    return base64.b64encode(encode_model_metrics(ModelMetrics(points, params, 100.0))).decode("ascii")


def _refused(tmp_path, rows, match, exc=NasSuiteError, raw=(), **kw):
    src = _write_rows(tmp_path / "bad.tfrecord", rows, raw)
    with pytest.raises(exc, match=match) as err:
        nb101_tfrecord.convert(src, tmp_path / "out", **kw)
    msg = one_line(err)
    assert no_caches(tmp_path / "out")
    return msg


def _mutated(index, value):
    _, runs = _cells_and_runs()
    rows = _rows(runs)
    rows[1][index] = value
    return rows


def test_nb101_valid_fixture_still_converts_with_default_checks(tmp_path):
    _, runs = _cells_and_runs(3, (4, 108))
    write_nb101_tfrecord(tmp_path / "ok.tfrecord", runs)
    nb101_tfrecord.convert(tmp_path / "ok.tfrecord", tmp_path / "out")
    bench = suite.load("nb101", "cifar10", root=tmp_path / "out")
    assert len(bench) == 3 and bench.metric("valid_acc", seed=2)[0] == pytest.approx(85.0, abs=1e-4)


@pytest.mark.parametrize("what, bits, ops, match", [
    ("non-binary adjacency", "0120000010000000", "input,conv3x3-bn-relu,conv1x1-bn-relu,output", "0 or 1"),
    ("lower-triangular edge", "0100001010010000", "input,conv3x3-bn-relu,conv1x1-bn-relu,output", "upper triangular"),
    ("ops not matching the matrix", "0100001000010000", "input,conv3x3-bn-relu,output", "4x4 matrix but 3 ops"),
    ("unknown op", "0100001000010000", "input,conv5x5,conv1x1-bn-relu,output", "unknown op 'conv5x5'"),
    ("not a square bit string", "01000010000100000", "input,conv3x3-bn-relu,conv1x1-bn-relu,output", "square"),
    ("unpruned cell", "0110001000000000", "input,conv3x3-bn-relu,conv1x1-bn-relu,output", "not pruned|output not reachable"),
])
def test_nb101_invalid_cells_are_refused_by_default(tmp_path, what, bits, ops, match):
    _, runs = _cells_and_runs()
    rows = _rows(runs)
    rows[0][2], rows[0][3] = bits, ops
    msg = _refused(tmp_path, rows, match, SourceFormatError, verify_hashes=False)
    assert "byte offset 0" in msg, what


@pytest.mark.parametrize("index, value, match", [
    (0, 12345, "hash"),
    (0, "not-a-hash", "hash"),
    (1, -108, "budget"),
    (1, 0, "budget"),
    (1, 10**30, "max_epochs"),
    (1, 108.5, "budget"),
    (1, True, "budget"),
    (1, "108", "budget"),
    (4, "!!!! not base64 !!!!", "base64"),
    (4, 42, "payload"),
])
def test_nb101_bad_record_fields_are_refused(tmp_path, index, value, match):
    _refused(tmp_path, _mutated(index, value), match, verify_hashes=False)


@pytest.mark.parametrize("text", [b"Infinity", b"NaN", b"-Infinity"])
def test_nb101_non_finite_json_numbers_are_a_one_line_error(tmp_path, text):
    _, runs = _cells_and_runs()
    good = record_bytes(runs[0])
    row = json.loads(good)
    raw = ("[" + json.dumps(row[0]) + ", " + text.decode() + ", " + ", ".join(json.dumps(v) for v in row[2:]) + "]").encode()
    _refused(tmp_path, [], "non-finite", SourceFormatError, raw=[good, raw])


@pytest.mark.parametrize("what, points, match", [
    ("accuracy above 1", [(54.0, 1.0, 0.5, 0.5, 0.5), (108.0, 2.0, 1.5, 0.5, 0.5)], "accuracy"),
    ("negative accuracy", [(108.0, 2.0, 0.5, -0.1, 0.5)], "accuracy"),
    ("NaN accuracy", [(108.0, 2.0, 0.5, 0.5, float("nan"))], "accuracy"),
    ("negative training time", [(108.0, -2.0, 0.5, 0.5, 0.5)], "training_time"),
    ("infinite training time", [(108.0, float("inf"), 0.5, 0.5, 0.5)], "training_time"),
    ("epoch past the budget", [(109.0, 2.0, 0.5, 0.5, 0.5)], "epoch"),
    ("negative epoch", [(-1.0, 2.0, 0.5, 0.5, 0.5)], "epoch"),
    ("fractional epoch", [(54.5, 2.0, 0.5, 0.5, 0.5)], "epoch"),
    ("missing epoch", [(None, 2.0, 0.5, 0.5, 0.5)], "epoch"),
    ("one epoch twice", [(108.0, 2.0, 0.5, 0.5, 0.5), (108.0, 3.0, 0.5, 0.5, 0.5)], "twice"),
    ("no evaluation data", [], "evaluation"),
])
def test_nb101_evaluation_values_are_range_checked(tmp_path, what, points, match):
    _, runs = _cells_and_runs()
    rows = _rows(runs)
    rows[2][4] = _payload([EvaluationData(*p) for p in points])
    _refused(tmp_path, rows, match, SourceFormatError, verify_hashes=False)


def test_nb101_negative_parameter_count_is_refused(tmp_path):
    _, runs = _cells_and_runs()
    rows = _rows(runs)
    rows[0][4] = _payload([EvaluationData(108.0, 2.0, 0.5, 0.5, 0.5)], params=-5)
    _refused(tmp_path, rows, "trainable_parameters", SourceFormatError)


def test_nb101_hashes_are_checked_by_default(tmp_path):
    _, runs = _cells_and_runs()
    rows = _rows(runs)
    rows[0][0] = "0" * 32
    _refused(tmp_path, rows, "stores hash 0{32} but its cell hashes to", CorruptRecord)
    # one hash, two different cells
    cells, runs = _cells_and_runs(2)
    rows = _rows(runs)
    rows[4][0] = rows[0][0]
    _refused(tmp_path, rows, "another cell", verify_hashes=False)


def test_nb101_repeats_beyond_three_are_refused_not_quadratic(tmp_path):
    """5,000 cells plus 5,000 repeats of one hash made a 764 MB cache; now the 4th repeat is refused."""
    _, runs = _cells_and_runs(3)
    rows = _rows(runs)
    rows.append(rows[0])
    msg = _refused(tmp_path, rows, "max_repeats")
    assert "4" in msg and rows[0][0] in msg


def test_nb101_same_file_twice_is_refused(tmp_path):
    _, runs = _cells_and_runs()
    src = tmp_path / "f.tfrecord"
    write_nb101_tfrecord(src, runs)
    (tmp_path / "link.tfrecord").symlink_to(src)
    (tmp_path / "copy.tfrecord").write_bytes(src.read_bytes())
    for again in (src, tmp_path / "." / "f.tfrecord", tmp_path / "link.tfrecord", tmp_path / "copy.tfrecord"):
        with pytest.raises(SourceFormatError, match="given twice") as err:
            nb101_tfrecord.convert([src, again], tmp_path / "out")
        one_line(err)
    assert no_caches(tmp_path / "out")
    # two different files with runs of the same cells add up (as EC-NAS-Bench's 4V and 5V files do)
    write_nb101_tfrecord(tmp_path / "more.tfrecord", runs[:2])
    nb101_tfrecord.convert([src, tmp_path / "more.tfrecord"], tmp_path / "out")
    assert suite.load("nb101", "cifar10", root=tmp_path / "out").metric("valid_acc", seed=4).shape == (2,)


def test_nb101_budgets_past_the_array_limit_are_refused_before_allocating(tmp_path, monkeypatch):
    _, runs = _cells_and_runs(40, budgets=tuple(range(2, 42, 2)), repeats=1)
    write_nb101_tfrecord(tmp_path / "many.tfrecord", runs)
    monkeypatch.setenv("NAS_SUITE_MAX_ARRAY_BYTES", "20000")  # 20 budgets x 40 cells x 2 epochs x 16 B
    with pytest.raises(NasSuiteError) as err:
        nb101_tfrecord.convert(tmp_path / "many.tfrecord", tmp_path / "out")
    assert_limit(err, "max_array_bytes")
    assert no_caches(tmp_path / "out")


def test_nb101_record_longer_than_the_read_limit_is_refused(tmp_path, monkeypatch):
    _, runs = _cells_and_runs()
    write_nb101_tfrecord(tmp_path / "f.tfrecord", runs)
    monkeypatch.setenv("NAS_SUITE_MAX_READ_BYTES", "100")
    with pytest.raises(NasSuiteError) as err:
        nb101_tfrecord.convert(tmp_path / "f.tfrecord", tmp_path / "out")
    assert "byte offset 0" in assert_limit(err, "max_read_bytes")


def test_nb101_directory_and_fifo_are_refused_in_one_line(tmp_path):
    (tmp_path / "dir.tfrecord").mkdir()
    with pytest.raises(SourceFormatError, match="is a directory") as err:
        nb101_tfrecord.convert(tmp_path / "dir.tfrecord", tmp_path / "out")
    one_line(err)
    fifo = tmp_path / "nasbench_full.tfrecord"
    os.mkfifo(fifo)
    with pytest.raises(SourceFormatError, match="not a regular file") as err:
        without_hanging(lambda: nb101_tfrecord.convert(fifo, tmp_path / "out"), fifo)
    one_line(err)
    with pytest.raises(SourceFormatError, match="no such file") as err:
        nb101_tfrecord.convert(tmp_path / "missing.tfrecord", tmp_path / "out")


def test_nb101_cli_prints_one_line_for_a_directory(tmp_path, capsys):
    from suite.cli import main

    (tmp_path / "d").mkdir()
    assert main(["data", "import", "nb101-tfrecord", str(tmp_path / "d"), "--out", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is a directory" in err[0]


# -- JSON tables -------------------------------------------------------------------------------------


def test_deeply_nested_json_is_a_limit_error_not_a_recursion_error(tmp_path):
    from suite.data.importers import nbmacro, zc_suite_zero

    path = tmp_path / "zc_nasbench201.json"
    path.write_text('{"cifar10": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(NasSuiteError) as err:
        zc_suite_zero.read_zc_file(path)
    assert_limit(err, "max_nesting")
    macro = tmp_path / "nas-bench-macro_cifar10.json"
    macro.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(NasSuiteError) as err:
        nbmacro.read_macro(macro)
    assert_limit(err, "max_nesting")


def test_json_brackets_inside_strings_do_not_count_as_nesting():
    from suite.data.limits import Limits, parse_json

    text = json.dumps({"key [[[": ["]]]{{{" * 50, "\\\"[[["], "x": [[1]]})
    assert parse_json(text, source="t", limits=Limits(max_nesting=3)) == json.loads(text)
    with pytest.raises(SourceFormatError):
        parse_json(text, source="t", limits=Limits(max_nesting=2))


def test_json_file_over_the_read_limit_is_refused(tmp_path, monkeypatch):
    from suite.data.importers import nbmacro

    macro = tmp_path / "nas-bench-macro_cifar10.json"
    macro.write_text(json.dumps({"x": list(range(1000))}))
    monkeypatch.setenv("NAS_SUITE_MAX_READ_BYTES", "1000")
    with pytest.raises(NasSuiteError) as err:
        nbmacro.read_macro(macro)
    assert_limit(err, "max_read_bytes")
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    with pytest.raises(SourceFormatError, match="not a regular file"):
        without_hanging(lambda: nbmacro.read_macro(fifo), fifo)


# -- the derived NB-201 tables -----------------------------------------------------------------------


def _derived_copy(shared_data, tmp_path, name):
    """The real tables as symlinks, except ``name``, which is copied so a test can change it."""
    out = tmp_path / "nb201"
    out.mkdir()
    for path in (shared_data / "nb201").iterdir():
        if path.name == name:
            (out / path.name).write_bytes(path.read_bytes())
        else:
            (out / path.name).symlink_to(path)
    return out


def _edit_csv(path, column, row, value):
    import pandas as pd

    frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    frame.loc[row, column] = value
    frame.to_csv(path, index=False)


@pytest.mark.parametrize("name, edit, match", [
    ("nats_test_acc_200ep.csv", ("CIFAR10TestAccuracy200Epochs", 5, 1e308), "CIFAR10TestAccuracy200Epochs"),
    ("nats_test_acc_200ep.csv", ("CIFAR10TestAccuracy200Epochs", 5, -3.0), "CIFAR10TestAccuracy200Epochs"),
    ("ctpe_metric_vals_flat_per_seed.csv", ("runtime", 3, -10.0), "runtime"),
    ("ctpe_metric_vals_flat_per_seed.csv", ("loss", 3, float("inf")), "loss"),
    ("mini_bench_hp12_acc.csv", ("cifar10-val", 7, 150.0), "cifar10-val"),
    ("simplehpo_val_acc_200ep_per_seed_cifar10.json", None, "null"),
])
def test_derived_table_values_are_checked(shared_data, tmp_path, name, edit, match):
    from suite.data.importers import nb201_derived

    src = _derived_copy(shared_data, tmp_path, name)
    if edit is None:
        table = json.loads((src / name).read_text())
        first = next(iter(table))
        table[first][1] = None
        (src / name).write_text(json.dumps(table))
    else:
        _edit_csv(src / name, *edit)
    with pytest.raises(SourceFormatError, match=match) as err:
        nb201_derived.convert(src, tmp_path / "out", datasets=["cifar10"])
    one_line(err)
    assert no_caches(tmp_path / "out")


def test_derived_table_fifo_is_refused(shared_data, tmp_path):
    from suite.data.importers import nb201_derived

    src = _derived_copy(shared_data, tmp_path, "mini_bench_hp12_acc.csv")
    (src / "mini_bench_hp12_acc.csv").unlink()
    os.mkfifo(src / "mini_bench_hp12_acc.csv")
    files = [src / n for n in nb201_derived.FILES.values() if (src / n).exists()]
    with pytest.raises(SourceFormatError, match="not a regular file") as err:
        without_hanging(lambda: nb201_derived.convert(files, tmp_path / "out", datasets=["cifar10"]),
                        src / "mini_bench_hp12_acc.csv")
    one_line(err)
