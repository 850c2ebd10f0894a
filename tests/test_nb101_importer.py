"""NAS-Bench-101 without TensorFlow: framing, payload, hash and conversion, on real files and fixtures."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import suite
from suite.data.importers.nb101_tfrecord import convert
from suite.data.protobuf import decode_model_metrics
from suite.data.spaces.nb101 import NB101Space, module_hash, parse_spec
from suite.data.tfrecord import iter_records, py_crc32c
from suite.errors import CorruptRecord, InvalidArchitecture, NotInBenchmark, SourceFormatError
from suite.testing.nb101 import Run, random_cells, write_nb101_tfrecord

REAL = ("ecnas_energy_5V9E.tfrecord", "ecnas_energy_4V9E.tfrecord")


def test_crc32c_known_vector():
    assert py_crc32c(b"123456789") == 0xE3069283  # RFC 3720 check value


@pytest.mark.parametrize("name", REAL)
def test_every_real_record_hash_is_recomputed_exactly(shared_data, name):
    """The official module_hash of each record equals our hash of its adjacency + ops."""
    count = 0
    for _, data in iter_records(shared_data / "nb101" / name):
        key, _, bits, ops, payload = json.loads(data)
        dim = int(round(len(bits) ** 0.5))
        matrix = np.array([int(c) for c in bits]).reshape(dim, dim)
        assert module_hash(matrix, ops.split(",")) == key
        assert len(decode_model_metrics(base64.b64decode(payload)).evaluation_data) == 3  # 0, halfway, final
        count += 1
    assert count == {"ecnas_energy_5V9E.tfrecord": 2532, "ecnas_energy_4V9E.tfrecord": 1092}[name]


def test_real_files_convert_and_query(shared_data, tmp_path):
    paths = [shared_data / "nb101" / n for n in REAL]
    convert(paths, tmp_path, verify_hashes=True)
    bench = suite.load("nb101", "cifar10", root=tmp_path)
    # independent expectation: distinct hashes and the first record's final validation accuracy
    hashes, first = [], None
    for path in paths:
        for _, data in iter_records(path):
            row = json.loads(data)
            hashes.append(row[0])
            if first is None:
                first = row
    assert len(bench) == len(set(hashes))
    final = decode_model_metrics(base64.b64decode(first[4])).evaluation_data[-1]
    got = bench.metric("valid_acc", schedule=first[1], seed=0)[bench.index_of(first[0])]
    assert got == pytest.approx(final.validation_accuracy * 100, abs=1e-4)
    assert bench.index_of(f"{first[3]};{first[2]}") == bench.index_of(first[0])


def _runs():
    cells = random_cells(3, np.random.default_rng(0))
    runs = []
    for c, (matrix, ops) in enumerate(cells):
        for budget in (12, 108):
            for r in range(3):
                base = 0.5 + c / 10 + r / 100 + budget / 1000
                runs.append(Run(matrix, ops, budget, (base - 0.1, base - 0.2, base - 0.21, budget * 5.0),
                                (base, base - 0.05, base - 0.06, budget * 10.0 + r), 1_000_000 + c))
    return cells, runs


def test_fixture_round_trip_exact_values(tmp_path):
    cells, runs = _runs()
    src = tmp_path / "nasbench_fixture.tfrecord"
    assert write_nb101_tfrecord(src, runs) == 18
    convert(src, tmp_path / "cache")
    bench = suite.load("nb101", "cifar10", root=tmp_path / "cache")
    assert len(bench) == 3 and bench.schedules("valid_acc") == [12, 108]
    c, r = 2, 1
    base = 0.5 + c / 10 + r / 100 + 108 / 1000
    i = bench.index_of({"matrix": cells[c][0], "ops": list(cells[c][1])})
    assert bench.metric("valid_acc", seed=r)[i] == pytest.approx((base - 0.05) * 100, abs=1e-4)  # default: 108, final
    assert bench.metric("test_acc", epoch=54, seed=r)[i] == pytest.approx((base - 0.21) * 100, abs=1e-4)  # halfway
    assert bench.metric("train_time", schedule=12, seed=r)[i] == pytest.approx(12 * 10.0 + r)
    assert bench.metric("params")[i] == pytest.approx(1.000002)
    mean = np.mean([0.5 + c / 10 + k / 100 + 12 / 1000 - 0.05 for k in range(3)]) * 100
    assert bench.metric("valid_acc", schedule=12)[i] == pytest.approx(mean, abs=1e-4)


def _flip(path, offset):
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_corrupt_and_truncated_records_name_the_offset_and_keep_old_cache(tmp_path):
    _, runs = _runs()
    src = tmp_path / "f.tfrecord"
    write_nb101_tfrecord(src, runs)
    convert(src, tmp_path / "cache")
    before = suite.load("nb101", "cifar10", root=tmp_path / "cache").metric("valid_acc")
    offsets = [off for off, _ in iter_records(src)]

    _flip(src, offsets[4] + 20)  # inside record 4's data
    with pytest.raises(CorruptRecord, match=f"byte offset {offsets[4]} .*data CRC"):
        convert(src, tmp_path / "cache")
    write_nb101_tfrecord(src, runs)
    _flip(src, offsets[2] + 1)  # record 2's length field
    with pytest.raises(CorruptRecord, match=f"byte offset {offsets[2]} .*length CRC"):
        convert(src, tmp_path / "cache")
    write_nb101_tfrecord(src, runs)
    src.write_bytes(src.read_bytes()[: offsets[5] + 30])
    with pytest.raises(CorruptRecord, match=f"byte offset {offsets[5]} .*truncated"):
        convert(src, tmp_path / "cache")
    np.testing.assert_array_equal(suite.load("nb101", "cifar10", root=tmp_path / "cache").metric("valid_acc"), before)
    assert [p.name for p in (tmp_path / "cache" / "nb101").iterdir()] == ["cifar10"]


def test_wrong_format_and_tampered_hash(tmp_path):
    from suite.data.tfrecord import write_records

    src = tmp_path / "other.tfrecord"
    write_records(src, [b'{"not": "nasbench"}'])
    with pytest.raises(SourceFormatError, match="not an NB-101 row"):
        convert(src, tmp_path)
    _, runs = _runs()
    from suite.testing.nb101 import record_bytes

    row = json.loads(record_bytes(runs[0]))
    row[0] = "0" * 32
    write_records(src, [json.dumps(row).encode()])
    with pytest.raises(CorruptRecord, match="stores hash 0{32} but its cell hashes to"):
        convert(src, tmp_path, verify_hashes=True)
    assert not (tmp_path / "nb101").exists() or not any((tmp_path / "nb101").iterdir())


def test_cli_reports_corruption_in_one_line(tmp_path, capsys):
    from suite.cli import main

    _, runs = _runs()
    src = tmp_path / "f.tfrecord"
    write_nb101_tfrecord(src, runs)
    src.write_bytes(src.read_bytes()[:-3])
    assert main(["data", "import", "nb101-tfrecord", str(src), "--out", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "corrupt record at byte offset" in err[0]
    assert not (tmp_path / "c" / "nb101" / "cifar10").exists()


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), data=st.data())
def test_hash_invariant_under_interior_permutations(seed, data):
    (matrix, ops), = random_cells(1, np.random.default_rng(seed))
    m = np.array(matrix)
    n = len(ops)
    interior = data.draw(st.permutations(list(range(1, n - 1))))
    perm = [0, *interior, n - 1]  # new vertex k is old vertex perm[k]
    pm = m[np.ix_(perm, perm)]
    pops = [ops[p] for p in perm]
    if np.any(np.tril(pm)):  # relabelling must keep the matrix upper-triangular to be a valid spec
        pm = _topological(pm)
        if pm is None:
            return
        pm, order = pm
        pops = [pops[o] for o in order]
    assert module_hash(pm, pops) == module_hash(m, list(ops))


def _topological(m):
    """Re-order a permuted DAG topologically (with input first/output last) so it is upper-triangular."""
    n = len(m)
    indeg = m.sum(axis=0).tolist()
    order, ready = [], [0]
    while ready:
        v = ready.pop(0)
        order.append(v)
        for w in np.flatnonzero(m[v]):
            indeg[w] -= 1
            if indeg[w] == 0:
                ready.append(int(w))
        ready.sort(key=lambda w: (w == n - 1, w))
    if len(order) != n or order[-1] != n - 1:
        return None
    return m[np.ix_(order, order)], order


def test_different_cells_have_different_hashes():
    cells = random_cells(200, np.random.default_rng(1))
    assert len({module_hash(np.array(m), list(o)) for m, o in cells}) == 200


@pytest.mark.parametrize("spec, why", [
    ({"matrix": [[0, 1], [1, 0]], "ops": ["input", "output"]}, "upper"),
    ({"matrix": [[0, 1, 0], [0, 0, 1], [0, 0, 0]], "ops": ["input", "conv5x5", "output"]}, "conv5x5"),
    ({"matrix": [[0, 1, 0], [0, 0, 0], [0, 0, 0]], "ops": ["input", "conv3x3-bn-relu", "output"]}, "reach"),
    ({"matrix": np.triu(np.ones((8, 8), int), 1).tolist(), "ops": ["input"] + ["conv3x3-bn-relu"] * 6 + ["output"]}, "7"),
    ("not-a-hash", "module hash"),
])
def test_invalid_specs_say_why(spec, why):
    with pytest.raises(InvalidArchitecture, match=why):
        NB101Space().key(spec)


def test_unknown_valid_cell_is_not_in_benchmark(tmp_path):
    _, runs = _runs()
    write_nb101_tfrecord(tmp_path / "f.tfrecord", runs)
    convert(tmp_path / "f.tfrecord", tmp_path)
    bench = suite.load("nb101", "cifar10", root=tmp_path)
    with pytest.raises(NotInBenchmark, match="valid but not in"):
        bench.index_of({"matrix": [[0, 1], [0, 0]], "ops": ["input", "output"]})


# -- index_of without hashing: structure codes and vectorised relabellings -------------------------------
def _relabel_all(bench, rng):
    """Every embedded cell respelt in a random topological order of its interior vertices."""
    specs, ids = [], []
    for i in range(len(bench)):
        ops, bits = bench.arch(i).split(";")
        ops = ops.split(",")
        n = len(ops)
        m = np.array([int(b) for b in bits]).reshape(n, n)
        interior = rng.permutation(np.arange(1, n - 1))
        perm = [0, *interior.tolist(), n - 1]
        got = _topological(m[np.ix_(perm, perm)])
        pm, order = got
        specs.append({"matrix": pm.tolist(), "ops": [ops[perm[o]] for o in order]})
        ids.append(i)
    return specs, np.array(ids)


def test_relabelled_cells_are_found_without_hashing_and_agree_with_the_hash():
    bench = suite.load("nb101", "cifar10")
    specs, ids = _relabel_all(bench, np.random.default_rng(3))
    stored = [parse_spec(a) for a in bench.arch(ids)]
    moved = sum(tuple(map(tuple, s["matrix"])) != m or tuple(s["ops"]) != o for s, (m, o) in zip(specs, stored))
    assert moved > 50  # many spellings differ from the stored one
    np.testing.assert_array_equal(bench.index_of(specs), ids)
    assert "_key_index" not in vars(bench)  # answered by structure codes alone
    np.testing.assert_array_equal(bench._key_index.get_indexer(bench.space.keys(specs)), ids)  # = official hash


def test_structure_lookup_keeps_the_hash_path_and_the_errors():
    bench = suite.load("nb101", "cifar10")
    h = bench.archs["key"].iat[5]
    spec = bench.arch(7)
    assert list(bench.index_of([h, spec, h.upper()])) == [5, 7, 5]
    with pytest.raises(InvalidArchitecture, match="upper"):
        bench.index_of([spec, {"matrix": [[0, 1], [1, 0]], "ops": ["input", "output"]}])
    stored = set(bench.archs["key"])
    absent = next(c for c in random_cells(50, np.random.default_rng(0)) if module_hash(*c) not in stored)
    with pytest.raises(NotInBenchmark, match=r"spec #1\)"):
        bench.index_of([spec, {"matrix": absent[0], "ops": list(absent[1])}])
