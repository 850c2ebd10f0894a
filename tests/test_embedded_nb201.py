"""The embedded NB-201 caches in data/ against facts stated in ../shared/data/README.md.

Every number below is quoted from that README (its "Known facts" and "Semantics confirmed"
paragraphs) or read from the named raw file, so a wrong split, seed or row alignment fails.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest

import suite
from suite.data.paths import EMBEDDED_DIR

CELL_9930 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


@pytest.fixture(scope="module")
def c10():
    return suite.load("nb201", "cifar10", root=EMBEDDED_DIR)


@pytest.fixture(scope="module")
def c100():
    return suite.load("nb201", "cifar100", root=EMBEDDED_DIR)


@pytest.fixture(scope="module")
def img():
    return suite.load("nb201", "ImageNet16-120", root=EMBEDDED_DIR)


def test_best_cifar10_test_accuracy(c10):
    # README: best cifar10 200-epoch test accuracy 94.37 (NATS index 6111)
    test = c10.metric("test_acc", schedule=200)
    assert int(np.nanargmax(test)) == 6111
    assert test[6111] == pytest.approx(94.37, abs=0.005)


def test_cell_9930(c10, c100, img):
    # README: index 9930 has 94.36 / 73.51 / 46.34 test, 1.2885 M parameters, ~2,935 s cifar10 training
    assert c10.index_of(CELL_9930) == 9930
    assert c10.index_of("333133") == 9930
    assert c10.metric("test_acc", schedule=200)[9930] == pytest.approx(94.36, abs=0.005)
    assert c100.metric("test_acc", schedule=200)[9930] == pytest.approx(73.51, abs=0.005)
    assert img.metric("test_acc", schedule=200)[9930] == pytest.approx(46.34, abs=0.005)
    assert c10.metric("params")[9930] == pytest.approx(1.2885, abs=5e-5)
    assert c10.metric("train_time", schedule=200)[9930] == pytest.approx(2935, abs=1)


def test_cell_0_validation_and_params(c10):
    # README: cell 0's final cifar10-valid validation accuracy is 81.983 in both the curves and simplehpo files;
    # cell 0 has 0.129306 M parameters
    assert c10.metric("valid_acc", schedule=200, seed="mean")[0] == pytest.approx(81.983, abs=5e-4)
    curve = c10.curves("valid_acc", ids=[0], schedule=200)
    assert curve.shape == (1, 200) and curve.iloc[0, -1] == pytest.approx(81.983, abs=5e-4)
    assert c10.metric("params")[0] == pytest.approx(0.129306, abs=1e-6)


def test_cell_0_per_seed_validation(c10, shared_data):
    # simplehpo_val_acc_200ep_per_seed_cifar10.json, key "421211" (cell 0): one value per seed 777, 888, 999
    raw = json.loads((shared_data / "nb201" / "simplehpo_val_acc_200ep_per_seed_cifar10.json").read_text())["421211"]
    got = [c10.metric("valid_acc", schedule=200, seed=s)[0] for s in (777, 888, 999)]
    np.testing.assert_allclose(got, raw, atol=1e-4)
    # README: cell 0 cifar10 ori-test per seed 85.79, 85.62, 86.18 -> 85.863 (seed mean, the NATS column)
    assert c10.metric("test_acc", schedule=200)[0] == pytest.approx(85.863, abs=5e-4)


def test_two_seed_cells_have_nan_for_seed_999(c10, shared_data):
    raw = json.loads((shared_data / "nb201" / "simplehpo_val_acc_200ep_per_seed_cifar10.json").read_text())
    two = {code for code, values in raw.items() if len(values) == 2}
    v999 = c10.metric("valid_acc", schedule=200, seed=999)
    codes = c10.archs["code"].to_numpy()
    missing = np.isnan(v999)
    assert missing.sum() == len(two) == 7456
    assert set(codes[missing]) == two
    assert not np.isnan(c10.metric("valid_acc", schedule=200, seed=888)).any()


def test_derived_per_seed_test_matches_published_mean(c100, img, shared_data):
    import pandas as pd

    nats = pd.read_csv(shared_data / "nb201" / "nats_test_acc_200ep.csv")
    for bench, column, tol in ((c100, "CIFAR100TestAccuracy200Epochs", 0.011), (img, "ImageNetTestAccuracy200Epochs", 0.085)):
        blocks = bench.info("test_acc")["blocks"]
        per_seed = [b for b in blocks if b["schedule"] == 200 and b["seeds"] == [777, 888, 999]]
        assert len(per_seed) == 1 and "DERIVED" in per_seed[0]["note"]
        derived = np.nanmean(np.stack([bench.metric("test_acc", schedule=200, seed=s) for s in (777, 888, 999)]), axis=0)
        gap = np.abs(derived - nats[column].to_numpy())
        assert gap.max() < tol
        assert np.median(gap) < 1e-4


def test_12_epoch_schedule(c10, shared_data):
    import pandas as pd

    mini = pd.read_csv(shared_data / "nb201" / "mini_bench_hp12_acc.csv")
    np.testing.assert_allclose(c10.metric("valid_acc", schedule=12), mini["cifar10-val"], atol=1e-4)
    np.testing.assert_allclose(c10.metric("test_acc", schedule=12), mini["cifar10-test"], atol=1e-4)
    assert c10.metric("valid_acc", schedule=12)[0] == pytest.approx(63.364, abs=1e-3)  # mini-bench row 0


def test_curves_cover_cells_0_to_199_only(c10):
    curves = c10.curves("train_acc", ids=[0, 199, 200], schedule=200)
    assert curves.notna().all(axis=1).tolist() == [True, True, False]
    assert curves.loc[0, 1] == pytest.approx(27.2067, abs=1e-3)  # lc200 train_accs[0] of cell 0


def test_zero_cost_blocks_present(c10, c100, img):
    for bench, n in ((c10, 725), (c100, 725), (img, 724)):  # README: 725 / 725 / 724 cells
        assert np.isfinite(bench.metric("zc_nbsz_params")).sum() == n
        assert "zc_nbsz_jacov" in bench.metrics
    assert np.isfinite(c10.metric("zc_zcnas_snip")).sum() == 200
    info = c10.info("zc_zcnas_log_synflow")
    assert "ln(1 + synflow)" in info["blocks"][0]["note"]


def test_metric_info_states_sources(c10):
    for name in c10.metrics:
        info = c10.info(name)
        assert info["split"] and info.get("source_file") and info.get("source_field"), name
    sources = {s["file"] for s in c10.meta["sources"]}
    assert "nats_test_acc_200ep.csv" in sources and "zc_nasbench201_partial.json" in sources


def test_embedded_build_is_reproducible(tmp_path):
    """A fresh build from ../shared/data is byte-identical to the committed data/."""
    repo = EMBEDDED_DIR.parent
    script = repo / "scripts" / "build_embedded.py"
    sys.path.insert(0, str(repo / "scripts"))
    try:
        import build_embedded
    finally:
        sys.path.pop(0)
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert build_embedded.size(EMBEDDED_DIR) <= build_embedded.LIMIT_BYTES
    meta = json.loads((EMBEDDED_DIR / "nb201" / "cifar10" / "metadata.json").read_text())
    for name, entry in meta["files"].items():
        assert hashlib.sha256((EMBEDDED_DIR / "nb201" / "cifar10" / name).read_bytes()).hexdigest() == entry["sha256"]


# -- the importer's alignment checks (nb201_derived) -------------------------------------------------


def _linked_copy(shared_data, tmp_path, skip=()):
    """Directory with symlinks to the real tables except the names in ``skip``."""
    out = tmp_path / "nb201"
    out.mkdir()
    for path in (shared_data / "nb201").iterdir():
        if path.name not in skip:
            (out / path.name).symlink_to(path)
    return out


def test_missing_table_is_named(shared_data, tmp_path):
    from suite.data.importers import nb201_derived
    from suite.errors import SourceFormatError

    src = _linked_copy(shared_data, tmp_path, skip={"mini_bench_hp12_acc.csv"})
    with pytest.raises(SourceFormatError, match="mini_bench_hp12_acc.csv"):
        nb201_derived.convert(src, tmp_path / "out", datasets=["cifar10"])


def test_misaligned_rows_are_refused(shared_data, tmp_path):
    import pandas as pd

    from suite.data.importers import nb201_derived
    from suite.errors import SourceFormatError

    src = _linked_copy(shared_data, tmp_path, skip={"mini_bench_hp12_acc.csv"})
    mini = pd.read_csv(shared_data / "nb201" / "mini_bench_hp12_acc.csv")
    mini.loc[[0, 1], "cellstr"] = mini.loc[[1, 0], "cellstr"].to_numpy()  # rows swapped
    mini.to_csv(src / "mini_bench_hp12_acc.csv", index=False)
    with pytest.raises(SourceFormatError, match="row 0 names another cell"):
        nb201_derived.convert(src, tmp_path / "out", datasets=["cifar10"])
    assert not (tmp_path / "out" / "nb201" / "cifar10").exists()


def test_shifted_ctpe_rows_are_refused(shared_data, tmp_path):
    import pandas as pd

    from suite.data.importers import nb201_derived
    from suite.errors import SourceFormatError

    src = _linked_copy(shared_data, tmp_path, skip={"ctpe_metric_vals_flat_per_seed.csv"})
    ctpe = pd.read_csv(shared_data / "nb201" / "ctpe_metric_vals_flat_per_seed.csv")
    sub = ctpe["dataset"] == "cifar100"
    ctpe.loc[sub, "loss"] = ctpe.loc[sub, "loss"].shift(1, fill_value=50.0).to_numpy()  # one-row shift
    ctpe.to_csv(src / "ctpe_metric_vals_flat_per_seed.csv", index=False)
    with pytest.raises(SourceFormatError, match="misaligned"):
        nb201_derived.convert(src, tmp_path / "out", datasets=["cifar100"])
