"""Importers of the official NAS-Bench-201 / NATS-Bench formats, on fixtures in those formats.

Expected values come from the fixture's own generator functions (``suite.testing.nb201``: each
(source dataset, eval set, seed, cell, schedule, epoch) has a distinct value, so a value that
lands in the wrong array or slot is caught), plus real anchors: cell 0's official 200-epoch
cifar10 ``ori-test`` accuracies 85.79 / 85.62 / 86.18 (mean 85.863, the NATS test column of
``nats_test_acc_200ep.csv``) and its 0.129306 M parameters (``shared/data/README.md``).
"""

from __future__ import annotations

import bz2
import json
import os
import pickle
import sys

import numpy as np
import pandas as pd
import pytest

import suite
from suite.data.importers import nb201_nats, nb201_pth
from suite.data.registry import importer_spec
from suite.errors import CorruptRecord, NasSuiteError, SourceFormatError, UnknownBenchmark, UnknownMetric, UnsafePickle
from suite.testing import nb201 as fx

from extras import needs_extra

DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
#: nas-suite split -> (source dataset, eval set) per output dataset (the documented mapping)
MAPPING = {
    "cifar10": {"train": ("cifar10-valid", "train"), "valid": ("cifar10-valid", "x-valid"), "test": ("cifar10", "ori-test")},
    "cifar100": {"train": ("cifar100", "train"), "valid": ("cifar100", "x-valid"), "test": ("cifar100", "x-test")},
    "ImageNet16-120": {"train": ("ImageNet16-120", "train"), "valid": ("ImageNet16-120", "x-valid"),
                       "test": ("ImageNet16-120", "x-test")},
}
F32 = dict(rel=1e-12, abs=0)  # cache holds float32: compare with the float32 of the expected value


def f32(x: float) -> float:
    return float(np.float32(x))


def nats_dir(tmp_path, **kw):
    return fx.write_nats_tss_dir(tmp_path / "NATS-tss-v1_0-3ffb9-simple", **kw)


@pytest.fixture(scope="module")
def nats_caches(tmp_path_factory):
    base = tmp_path_factory.mktemp("nats")
    src = fx.write_nats_tss_dir(base / "NATS-tss-v1_0-3ffb9-simple")
    written = nb201_nats.convert(src, base / "out", allow_pickle=True)
    return base / "out", written, src


def visible_caches(root) -> list[str]:
    d = root / "nb201"
    return sorted(p.name for p in d.iterdir() if not p.name.startswith(".")) if d.exists() else []


# -- NATS archive: exact values in the right places --------------------------------------------------


def test_nats_writes_one_cache_per_dataset_with_real_cells(nats_caches):
    root, written, _ = nats_caches
    assert [p.name for p in written] == list(DATASETS)
    assert importer_spec("nb201-nats").load() is nb201_nats.convert
    for d in DATASETS:
        b = suite.load("nb201", d, root=root)
        assert len(b) == 3
        assert list(b.archs["arch"]) == list(fx.FIXTURE_ARCHS)
        assert b.index_of(fx.FIXTURE_ARCHS[2]) == 2
        assert set(b.metrics) == {"train_acc", "train_loss", "valid_acc", "valid_loss", "test_acc", "test_loss",
                                  "train_time", "params", "flops", "latency"}
        assert b.schedules("valid_acc") == [200, 12]


def test_nats_real_anchor_values_of_cell_0(nats_caches):
    b = suite.load("nb201", "cifar10", root=nats_caches[0])
    for seed, official in {777: 85.79, 888: 85.62, 999: 86.18}.items():
        assert b.metric("test_acc", seed=seed)[0] == pytest.approx(official, abs=1e-5)
    assert b.metric("test_acc")[0] == pytest.approx(85.8633, abs=1e-3)  # NATS csv: 85.86333
    assert b.metric("params")[0] == pytest.approx(0.129306, abs=1e-7)


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("schedule", [200, 12])
def test_nats_curves_land_in_the_documented_split_seed_and_epoch(nats_caches, dataset, schedule):
    b = suite.load("nb201", dataset, root=nats_caches[0])
    epochs = sorted({1, 2, schedule // 3, schedule - 1, schedule})
    for split, (source, eval_set) in MAPPING[dataset].items():
        for kind, gen in (("acc", fx.acc_value), ("loss", fx.loss_value)):
            for seed in (777, 888, 999):
                curves = b.curves(f"{split}_{kind}", seed=seed, schedule=schedule)
                assert list(curves.columns) == list(range(1, schedule + 1))
                for i in range(3):
                    for e in epochs:
                        got = curves.at[i, e]
                        if fx.run_exists(i, schedule, source, seed):
                            assert got == pytest.approx(f32(gen(i, source, eval_set, seed, schedule, e)), **F32), (split, kind, seed, i, e)
                        else:
                            assert np.isnan(got), (split, kind, seed, i, e)


def test_cifar10_valid_and_test_come_from_the_two_different_nats_datasets(nats_caches):
    b = suite.load("nb201", "cifar10", root=nats_caches[0])
    valid, test = b.metric("valid_acc", seed=777), b.metric("test_acc", seed=777)
    for i in range(3):
        assert valid[i] == pytest.approx(f32(fx.acc_value(i, "cifar10-valid", "x-valid", 777, 200, 200)), **F32)
        # the cifar10-valid runs also evaluated ori-test; test_* must NOT come from them
        assert test[i] != pytest.approx(fx.acc_value(i, "cifar10-valid", "ori-test", 777, 200, 200), abs=0.01)
    assert test[1] == pytest.approx(f32(fx.acc_value(1, "cifar10", "ori-test", 777, 200, 200)), **F32)
    info_v, info_t = b.info("valid_acc"), b.info("test_acc")
    assert (info_v["source_dataset"], info_v["source_split"]) == ("cifar10-valid", "x-valid")
    assert (info_t["source_dataset"], info_t["source_split"]) == ("cifar10", "ori-test")
    c100 = suite.load("nb201", "cifar100", root=nats_caches[0])
    assert (c100.info("test_acc")["source_dataset"], c100.info("test_acc")["source_split"]) == ("cifar100", "x-test")


def test_nats_missing_seeds_are_nan(nats_caches):
    root = nats_caches[0]
    c10 = suite.load("nb201", "cifar10", root=root)
    assert np.isnan(c10.metric("valid_acc", seed=888)[1])  # cell 1 has no cifar10-valid seed 888
    assert not np.isnan(c10.metric("test_acc", seed=888)[1])  # ... but has cifar10 seed 888
    c100 = suite.load("nb201", "cifar100", root=root)
    assert np.isnan(c100.metric("test_acc", seed=999)[2])
    # the 12-epoch schedule ran cifar100 with seed 777 only; the mean is that run
    assert np.isnan(c100.metric("valid_acc", seed=888, schedule=12)).all()
    assert c100.metric("valid_acc", schedule=12)[0] == pytest.approx(f32(fx.acc_value(0, "cifar100", "x-valid", 777, 12, 12)), **F32)


def test_nats_train_time_is_cumulative_and_costs_have_no_schedule(nats_caches):
    root = nats_caches[0]
    for d, (source, _) in ((d, MAPPING[d]["train"]) for d in DATASETS):
        b = suite.load("nb201", d, root=root)
        t = b.curves("train_time", seed=777, schedule=200)
        for i in range(3):
            assert t.at[i, 1] == pytest.approx(f32(fx.epoch_time(i, source)), rel=1e-6)
            assert t.at[i, 200] == pytest.approx(200 * fx.epoch_time(i, source), rel=1e-6)
        cost_source = "cifar10" if d == "cifar10" else d
        assert b.schedules("flops") == [None]
        np.testing.assert_allclose(b.metric("flops"), [fx.flops_value(i, cost_source) for i in range(3)], rtol=1e-6)
        np.testing.assert_allclose(b.metric("latency"), [fx.latency_value(i, cost_source) for i in range(3)], rtol=1e-6)


def test_nats_metadata_records_provenance(nats_caches):
    root, _, src = nats_caches
    meta = json.loads((root / "nb201" / "cifar100" / "metadata.json").read_text())
    assert meta["converter"]["name"] == "nb201-nats" and meta["default_schedule"] == 200
    assert meta["sources"][0]["file"] == "meta.pickle.pbz2"
    import hashlib

    assert meta["sources"][0]["sha256"] == hashlib.sha256((src / "meta.pickle.pbz2").read_bytes()).hexdigest()
    assert "3 files" in meta["sources"][1]["file"]
    assert "--allow-pickle" in meta["rebuild"]
    valid = meta["metrics"]["valid_acc"]
    assert valid["source_field"] == "eval_acc1es['x-valid@<epoch-1>']" and valid["unit"] == "%"
    assert [b["seeds"] for b in valid["blocks"]] == [[777, 888, 999]] * 2


def test_nats_full_meta_unpadded_names_and_a_parent_directory(tmp_path, shared_data):
    real = pd.read_csv(shared_data / "nb201" / "nats_test_acc_200ep.csv")["ArchitectureString"].tolist()
    fx.write_nats_tss_dir(tmp_path / "NATS-tss-v1_0-3ffb9-simple", real, indices=(0, 1, 9930), zero_pad=False)
    # the directory `tar xf` leaves the archive in is accepted too
    nb201_nats.convert(tmp_path, tmp_path / "out", allow_pickle=True, datasets=["cifar10-valid"])
    assert visible_caches(tmp_path / "out") == ["cifar10"]
    b = suite.load("nb201", "cifar10", root=tmp_path / "out")
    assert len(b) == 15625
    assert b.index_of("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|") == 9930
    acc = b.metric("valid_acc", seed=777)
    assert np.flatnonzero(~np.isnan(acc)).tolist() == [0, 1, 9930]
    assert acc[9930] == pytest.approx(f32(fx.acc_value(9930, "cifar10-valid", "x-valid", 777, 200, 200)), **F32)
    meta = json.loads((tmp_path / "out" / "nb201" / "cifar10" / "metadata.json").read_text())
    assert all(blk["rows"] for m in meta["metrics"].values() for blk in m["blocks"])


# -- refusals: explicit pickle opt-in, damaged or foreign archives --------------------------------------


def test_nats_refuses_without_allow_pickle(tmp_path):
    src = nats_dir(tmp_path)
    with pytest.raises(NasSuiteError) as err:
        nb201_nats.convert(src, tmp_path / "out")
    msg = str(err.value)
    assert "--allow-pickle" in msg and "execute code" in msg and "\n" not in msg
    assert not (tmp_path / "out").exists()


def _assert_fails_cleanly(tmp_path, src, exc, match):
    with pytest.raises(exc, match=match) as err:
        nb201_nats.convert(src, tmp_path / "out", allow_pickle=True)
    assert "\n" not in str(err.value)
    assert visible_caches(tmp_path / "out") == []


def test_nats_corrupt_bz2_record(tmp_path):
    src = nats_dir(tmp_path)
    (src / "000001.pickle.pbz2").write_bytes(b"BZh91AY&SY definitely not bzip2")
    _assert_fails_cleanly(tmp_path, src, CorruptRecord, r"000001\.pickle\.pbz2 is not a valid bz2 stream")


def test_nats_truncated_record(tmp_path):
    src = nats_dir(tmp_path)
    path = src / "000002.pickle.pbz2"
    path.write_bytes(path.read_bytes()[:-100])
    _assert_fails_cleanly(tmp_path, src, CorruptRecord, "000002")


def test_nats_missing_meta_file(tmp_path):
    src = nats_dir(tmp_path)
    (src / "meta.pickle.pbz2").unlink()
    _assert_fails_cleanly(tmp_path, src, SourceFormatError, r"has no meta\.pickle\.pbz2")


def test_nats_meta_of_the_wrong_shape(tmp_path):
    src = nats_dir(tmp_path)
    (src / "meta.pickle.pbz2").write_bytes(bz2.compress(pickle.dumps(["not", "a", "dict"], protocol=4)))
    _assert_fails_cleanly(tmp_path, src, SourceFormatError, "no 'meta_archs'")


def test_nats_size_space_archive_is_recognised_as_foreign(tmp_path):
    src = nats_dir(tmp_path)
    meta = {"meta_archs": ["64:64:64:64:64", "8:8:8:8:8", "16:16:16:16:16"], "total_archs": 3}
    (src / "meta.pickle.pbz2").write_bytes(bz2.compress(pickle.dumps(meta, protocol=4)))
    _assert_fails_cleanly(tmp_path, src, SourceFormatError, r"not NAS-Bench-201 cells .*topology \(tss\)")


def test_nats_record_that_is_not_an_arch_results_state(tmp_path):
    src = nats_dir(tmp_path)
    (src / "000001.pickle.pbz2").write_bytes(bz2.compress(pickle.dumps({"200": {"foo": 1}}, protocol=4)))
    _assert_fails_cleanly(tmp_path, src, SourceFormatError, "not an ArchResults state")


def test_nats_record_filed_under_the_wrong_index(tmp_path):
    src = nats_dir(tmp_path)
    os.replace(src / "000002.pickle.pbz2", src / "000000.pickle.pbz2")
    _assert_fails_cleanly(tmp_path, src, SourceFormatError, r"meta_archs\[0\]")


def test_nats_malicious_record_is_refused_before_running(tmp_path):
    src = nats_dir(tmp_path)
    marker = tmp_path / "pwned"

    class Shell:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    (src / "000001.pickle.pbz2").write_bytes(bz2.compress(pickle.dumps({"200": Shell()}, protocol=4)))
    _assert_fails_cleanly(tmp_path, src, UnsafePickle, "system")
    assert not marker.exists()


def test_nats_source_errors_name_the_fix(tmp_path):
    with pytest.raises(SourceFormatError, match="no such file or directory"):
        nb201_nats.convert(tmp_path / "nope", tmp_path / "out", allow_pickle=True)
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceFormatError, match="has no meta"):
        nb201_nats.convert(tmp_path / "empty", tmp_path / "out", allow_pickle=True)
    with pytest.raises(UnknownBenchmark, match="no dataset 'mnist'"):
        nb201_nats.convert(nats_dir(tmp_path), tmp_path / "out", allow_pickle=True, datasets=["mnist"])


# -- the official tar, read in place ----------------------------------------------------------------


def _cache_files(root):
    """{relative path: bytes} of every file of every visible cache (metadata.json aside)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "nb201").rglob("*"))
            if p.is_file() and p.name != "metadata.json" and not any(part.startswith(".") for part in p.relative_to(root).parts)}


@pytest.mark.parametrize("meta_last", [False, True])
def test_nats_tar_gives_the_same_caches_as_its_directory(tmp_path, meta_last):
    src = nats_dir(tmp_path)
    tar = fx.write_nats_tss_tar(tmp_path / "NATS-tss-v1_0-3ffb9-simple.tar", meta_last=meta_last)
    nb201_nats.convert(src, tmp_path / "from_dir", allow_pickle=True)
    before = sorted(tmp_path.rglob("*"))
    written = nb201_nats.convert(tar, tmp_path / "from_tar", allow_pickle=True)
    assert [p.name for p in written] == list(DATASETS)
    # nothing was extracted: the only new files are the caches
    assert [p for p in sorted(tmp_path.rglob("*")) if not p.is_relative_to(tmp_path / "from_tar")] == before
    from_dir, from_tar = _cache_files(tmp_path / "from_dir"), _cache_files(tmp_path / "from_tar")
    assert len(from_dir) >= 3 * 10 and from_dir.keys() == from_tar.keys()
    for name in from_dir:
        if name.endswith(".npy"):
            np.testing.assert_array_equal(np.load(tmp_path / "from_tar" / name), np.load(tmp_path / "from_dir" / name), err_msg=name)
        else:
            assert from_tar[name] == from_dir[name], name
    import hashlib

    for d in DATASETS:
        m_dir = json.loads((tmp_path / "from_dir" / "nb201" / d / "metadata.json").read_text())
        m_tar = json.loads((tmp_path / "from_tar" / "nb201" / d / "metadata.json").read_text())
        assert m_tar["metrics"] == m_dir["metrics"]
        # provenance: the tar's own sha256 first, then the very same member digests as the directory
        assert m_tar["sources"][0]["file"] == tar.name
        assert m_tar["sources"][0]["sha256"] == hashlib.sha256(tar.read_bytes()).hexdigest()
        assert m_tar["sources"][0]["bytes"] == tar.stat().st_size
        assert m_tar["sources"][1:] == m_dir["sources"]
        assert str(tar) in m_tar["rebuild"] and "--allow-pickle" in m_tar["rebuild"]
    b = suite.load("nb201", "cifar10", root=tmp_path / "from_tar")
    assert b.metric("test_acc", seed=888)[0] == pytest.approx(85.62, abs=1e-5)  # real anchor, via the tar
    # the download folder holding the tar is accepted too (when it holds no unpacked copy)
    (tmp_path / "downloads").mkdir()
    tar.rename(tmp_path / "downloads" / tar.name)
    nb201_nats.convert(tmp_path / "downloads", tmp_path / "again", allow_pickle=True, datasets=["cifar100"])
    assert visible_caches(tmp_path / "again") == ["cifar100"]


def test_nats_tar_refuses_without_allow_pickle_before_reading(tmp_path):
    tar = fx.write_nats_tss_tar(tmp_path / "NATS-tss-v1_0-3ffb9-simple.tar")
    with pytest.raises(NasSuiteError, match="--allow-pickle") as err:
        nb201_nats.convert(tar, tmp_path / "out")
    assert "NATS-tss-v1_0-3ffb9-simple.tar" in str(err.value)
    assert not (tmp_path / "out").exists()


def _tar_layout(tar):
    """(name, header offset, data offset, size) of each member, from a random-access read."""
    import tarfile

    with tarfile.open(tar) as t:
        return [(m.name, m.offset, m.offset_data, m.size) for m in t.getmembers()]


def test_nats_non_tar_file_is_refused(tmp_path):
    for content in (b"x", b"", b"just some text, not a tar\n" * 100, bz2.compress(b"\0" * 10240)):
        path = tmp_path / "NATS-tss-v1_0-3ffb9-simple.tar"
        path.write_bytes(content)
        _assert_fails_cleanly(tmp_path, path, SourceFormatError, r"is not a tar archive")


def test_nats_tar_cut_inside_a_member(tmp_path):
    tar = fx.write_nats_tss_tar(tmp_path / "NATS-tss-v1_0-3ffb9-simple.tar")
    name, _, data_at, size = _tar_layout(tar)[2]  # [0] is the directory, [1] meta, [2] record 0
    tar.write_bytes(tar.read_bytes()[: data_at + size // 2])
    _assert_fails_cleanly(tmp_path, tar, CorruptRecord, r"damaged tar archive .*re-download")


def test_nats_tar_cut_between_members(tmp_path):
    # tarfile alone would stop quietly here and yield a smaller, valid-looking archive
    tar = fx.write_nats_tss_tar(tmp_path / "NATS-tss-v1_0-3ffb9-simple.tar")
    _, next_header, _, _ = _tar_layout(tar)[-1]
    tar.write_bytes(tar.read_bytes()[:next_header])
    _assert_fails_cleanly(tmp_path, tar, CorruptRecord, r"truncated after")


def test_nats_tar_with_a_damaged_member_header(tmp_path):
    tar = fx.write_nats_tss_tar(tmp_path / "NATS-tss-v1_0-3ffb9-simple.tar")
    _, header, _, _ = _tar_layout(tar)[3]  # record 1
    blob = bytearray(tar.read_bytes())
    blob[header + 5] ^= 0x20  # one bit of the member name: the header checksum no longer matches
    tar.write_bytes(bytes(blob))
    _assert_fails_cleanly(tmp_path, tar, CorruptRecord, rf"unreadable member header at byte {header:,}")


def test_nats_tar_with_a_corrupt_record(tmp_path):
    tar = fx.write_nats_tss_tar(tmp_path / "NATS-tss-v1_0-3ffb9-simple.tar")
    _, _, data_at, _ = _tar_layout(tar)[3]
    blob = bytearray(tar.read_bytes())
    blob[data_at + 100: data_at + 110] = b"0123456789"
    tar.write_bytes(bytes(blob))
    _assert_fails_cleanly(tmp_path, tar, CorruptRecord, r"\.tar:NATS-tss-v1_0-3ffb9-simple/000001\.pickle\.pbz2 ")


def _tar_of(path, members):
    """A tar of ``(TarInfo kwargs, bytes | None)`` members."""
    import io
    import tarfile

    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as t:
        for kw, data in members:
            info = tarfile.TarInfo(kw.pop("name"))
            for k, v in kw.items():
                setattr(info, k, v)
            if data is not None:
                info.size = len(data)
            t.addfile(info, None if data is None else io.BytesIO(data))
    return path


def test_nats_tar_without_meta_or_records(tmp_path):
    src = nats_dir(tmp_path)
    top = "NATS-tss-v1_0-3ffb9-simple"
    record = (src / "000000.pickle.pbz2").read_bytes()
    meta = (src / "meta.pickle.pbz2").read_bytes()
    no_meta = _tar_of(tmp_path / "a.tar", [({"name": f"{top}/000000.pickle.pbz2"}, record)])
    _assert_fails_cleanly(tmp_path, no_meta, SourceFormatError, r"holds no meta\.pickle\.pbz2")
    other_dir = _tar_of(tmp_path / "b.tar", [({"name": f"{top}/meta.pickle.pbz2"}, meta),
                                             ({"name": f"elsewhere/000000.pickle.pbz2"}, record)])
    _assert_fails_cleanly(tmp_path, other_dir, SourceFormatError, r"has no <index>\.pickle\.pbz2 architecture files")
    two_metas = _tar_of(tmp_path / "c.tar", [({"name": f"{top}/meta.pickle.pbz2"}, meta),
                                             ({"name": f"copy/meta.pickle.pbz2"}, meta)])
    _assert_fails_cleanly(tmp_path, two_metas, SourceFormatError, r"holds 2 meta\.pickle\.pbz2 files")


def test_nats_tar_members_that_escape_or_link_are_refused(tmp_path):
    import tarfile

    src = nats_dir(tmp_path)
    top = "NATS-tss-v1_0-3ffb9-simple"
    meta = (src / "meta.pickle.pbz2").read_bytes()
    record = (src / "000000.pickle.pbz2").read_bytes()
    escape = _tar_of(tmp_path / "a.tar", [({"name": f"{top}/meta.pickle.pbz2"}, meta),
                                          ({"name": f"{top}/../../000000.pickle.pbz2"}, record)])
    _assert_fails_cleanly(tmp_path, escape, SourceFormatError, r"points outside the archive")
    link = _tar_of(tmp_path / "b.tar", [({"name": f"{top}/meta.pickle.pbz2"}, meta),
                                        ({"name": f"{top}/000000.pickle.pbz2", "type": tarfile.SYMTYPE,
                                          "linkname": "/etc/passwd"}, None)])
    _assert_fails_cleanly(tmp_path, link, SourceFormatError, r"000000\.pickle\.pbz2 is a link")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["NATS-tss-v1_0-3ffb9-simple", "a.tar", "b.tar"]


# -- NAS-Bench-201 .pth (v1_0 style) --------------------------------------------------------------------


@pytest.fixture(scope="module")
def pth_caches(tmp_path_factory):
    needs_extra("torch")
    base = tmp_path_factory.mktemp("pth")
    src = fx.write_nb201_pth(base / "NAS-Bench-201-v1_0-e61699.pth")
    return base / "out", nb201_pth.convert(src, base / "out", allow_pickle=True)


@pytest.mark.needs_torch
def test_pth_round_trip_with_v1_0_gaps(pth_caches):
    root, written = pth_caches
    assert [p.name for p in written] == list(DATASETS)
    c10 = suite.load("nb201", "cifar10", root=root)
    for seed, official in {777: 85.79, 888: 85.62, 999: 86.18}.items():  # numpy.core.* scalars loaded
        assert c10.metric("test_acc", seed=seed)[0] == pytest.approx(official, abs=1e-5)
    assert c10.metric("params")[0] == pytest.approx(0.129306, abs=1e-7)
    # `less` (12 epochs) exists only for cifar10-valid in v1_0: cifar10 valid yes, test no
    assert c10.schedules("valid_acc") == [200, 12] and c10.schedules("test_acc") == [200]
    v12 = c10.curves("valid_acc", seed=888, schedule=12)
    assert v12.at[2, 5] == pytest.approx(f32(fx.acc_value(2, "cifar10-valid", "x-valid", 888, 12, 5)), **F32)
    assert "train_time" not in c10.metrics  # v1_0 runs carry no train_times

    c100 = suite.load("nb201", "cifar100", root=root)
    with pytest.raises(UnknownMetric):
        c100.metric("valid_acc", schedule=12)
    # v1_0 evaluated cifar100 x-valid / x-test only after the last epoch
    v = c100.curves("valid_acc", seed=777)
    assert np.isnan(v.loc[:, 1:199].to_numpy()).all()
    assert v.at[1, 200] == pytest.approx(f32(fx.acc_value(1, "cifar100", "x-valid", 777, 200, 200)), **F32)
    t = c100.curves("train_acc", seed=999)
    assert t.at[0, 57] == pytest.approx(f32(fx.acc_value(0, "cifar100", "train", 999, 200, 57)), **F32)
    assert np.isnan(t.loc[2]).all()  # cell 2 has no cifar100 seed 999
    # latency: mean of the per-batch measurements
    img = suite.load("nb201", "ImageNet16-120", root=root)
    np.testing.assert_allclose(img.metric("latency"), [fx.latency_value(i, "ImageNet16-120") for i in range(3)], rtol=1e-6)


@pytest.mark.needs_torch
def test_pth_refusals(tmp_path):
    torch = needs_extra("torch")
    src = fx.write_nb201_pth(tmp_path / "NAS-Bench-201-v1_1-096897.pth")
    with pytest.raises(NasSuiteError, match="--allow-pickle"):
        nb201_pth.convert(src, tmp_path / "out")

    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"\x00not a torch file" * 10)
    with pytest.raises(CorruptRecord, match="not a readable torch file") as err:
        nb201_pth.convert(garbage, tmp_path / "out", allow_pickle=True)
    assert "\n" not in str(err.value)

    truncated = tmp_path / "truncated.pth"
    truncated.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    with pytest.raises((CorruptRecord, UnsafePickle)):
        nb201_pth.convert(truncated, tmp_path / "out", allow_pickle=True)

    other = tmp_path / "weights.pth"
    torch.save({"state_dict": {"w": [1.0]}}, other)
    with pytest.raises(SourceFormatError, match="not a NAS-Bench-201 benchmark file"):
        nb201_pth.convert(other, tmp_path / "out", allow_pickle=True)

    marker = tmp_path / "pwned"

    class Shell:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    evil = tmp_path / "evil.pth"
    torch.save({"meta_archs": [Shell()]}, evil, _use_new_zipfile_serialization=False)
    with pytest.raises(UnsafePickle, match="system") as err:
        nb201_pth.convert(evil, tmp_path / "out", allow_pickle=True)
    assert "\n" not in str(err.value) and not marker.exists()
    assert visible_caches(tmp_path / "out") == []


def test_pth_without_torch_says_how_to_install(tmp_path, monkeypatch):
    fake = tmp_path / "NAS-Bench-201-v1_0-e61699.pth"
    fake.write_bytes(b"x")
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    with pytest.raises(NasSuiteError, match=r"pip install 'nas-suite\[torch\]'"):
        nb201_pth.convert(fake, tmp_path / "out", allow_pickle=True)
