"""Verification by re-training (suite.verify): protocols, on-device data, selection, training, runs.

The end-to-end run is the CPU smoke configuration (2 cells, 1 epoch, 512 training images, 1,000
evaluation images) on the JPEG copy of CIFAR-10 in ../shared/data/cifar10; the determinism check
uses an even smaller one (64 training images, 100 evaluation images) so that it can run twice.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from extras import needs_extra  # noqa: E402

pytestmark = pytest.mark.needs_torch
torch = needs_extra("torch")

import suite  # noqa: E402
from suite.errors import NasSuiteError, UnknownBenchmark  # noqa: E402
from suite.networks import count_parameters  # noqa: E402
from suite.verify import PROTOCOLS, protocol_for, stratified_cells  # noqa: E402
from suite.verify.data import DeviceDataset, DeviceLoader, balanced_subset, load_split  # noqa: E402
from suite.verify.params import KNOWN_WRONG_TABLE_PARAMS, ParameterMismatch, analytic_parameters, check_parameters  # noqa: E402
from suite.verify.train import TFRMSprop, build_network, train_cell  # noqa: E402

TIMING_COLUMNS = ["seconds", "images_per_s"]
#: a cheap NB-201 cell (skip / pool / none edges only): fast to train on a CPU
CHEAP_CELL = "|skip_connect~0|+|avg_pool_3x3~0|none~1|+|none~0|none~1|none~2|"


@pytest.fixture(scope="module")
def cifar(shared_data):
    root = shared_data / "cifar10"
    return root, root / "cifar10_train_50k_jpeg_bytes.npz", root / "cifar10_test_10k_jpeg_bytes.npz"


# -- protocols ---------------------------------------------------------------------------------------
def test_nb201_protocols_as_published():
    """NAS-Bench-201 (Dong & Yang, ICLR 2020, Section 2.3, Table 1) and NATS-Bench hp=12/hp=200, checked
    against the authors' configs D-X-Y/AutoDL-Projects configs/nas-benchmark/hyper-opts/{200E,12E}.config
    (SGD, nesterov 1, momentum 0.9, LR 0.1, cos, eta_min 0.0, decay 0.0005, batch_size 256, criterion
    Softmax) and xautodl/datasets/get_dataset_with_transform.py (flip + RandomCrop(32, padding=4))."""
    for epochs in (200, 12):
        p = protocol_for("nb201", epochs)
        assert p is PROTOCOLS[f"nb201-{epochs}"]
        assert (p.epochs, p.batch_size, p.optimizer, p.lr, p.lr_min) == (epochs, 256, "sgd", 0.1, 0.0)
        assert (p.momentum, p.nesterov, p.weight_decay, p.label_smoothing) == (0.9, True, 5e-4, 0.0)
        assert (p.lr_schedule, p.crop_padding, p.hflip, p.padding("ImageNet16-120")) == ("cosine-epoch", 4, True, 2)
        assert (p.table_metric, p.eval_split, p.train_images) == ("test_acc", "test", None)
        assert "Section 2.3" in p.citation and "NATS-Bench" in p.citation


def test_nb101_protocols_as_published():
    """NAS-Bench-101 (Ying et al., ICML 2019, Section 2.3) checked against google-research/nasbench:
    lib/config.py (batch 256, learning_rate 0.1 scaled by tpu_num_shards 2, momentum 0.9, weight decay
    1e-4, COSINE_BY_STEP, 108 epochs), lib/model_builder.py (RMSProp epsilon 1.0, LR 0 at step 0),
    lib/cifar.py (pad 4 + crop + flip, RGB mean/std, 40k train / 10k validation); budgets 4/12/36/108."""
    for epochs in (4, 12, 36, 108):
        p = protocol_for("nb101", epochs)
        assert (p.epochs, p.batch_size, p.optimizer, p.lr, p.lr_min) == (epochs, 256, "rmsprop-tf", 0.2, 0.0)
        assert (p.momentum, p.weight_decay, p.rmsprop_decay, p.rmsprop_eps) == (0.9, 1e-4, 0.9, 1.0)
        assert (p.lr_schedule, p.zero_lr_first_step, p.drop_last) == ("cosine-step", True, True)
        assert (p.train_images, p.eval_split, p.holdout_images, p.table_metric) == (40_000, "holdout", 10_000, "valid_acc")
        assert p.normalisation == ((125.31, 122.95, 113.87), (62.99, 62.09, 66.70))
    with pytest.raises(UnknownBenchmark, match="schedules are 4, 12, 36, 108"):
        protocol_for("nb101", 200)
    with pytest.raises(UnknownBenchmark, match="no training protocol"):
        protocol_for("nbmacro", 200)


def test_learning_rate_schedules():
    nb201 = protocol_for("nb201", 200)
    assert nb201.lr_at(0, 0, 196) == pytest.approx(0.1)
    assert nb201.lr_at(100, 0, 196) == pytest.approx(0.05)
    assert nb201.lr_at(7, 0, 196) == nb201.lr_at(7, 195, 196)  # per epoch, as AutoDL's scheduler
    assert 0 < nb201.lr_at(199, 0, 196) < 1e-4
    assert nb201.lr_at(0, 0, 2, epochs=1) == pytest.approx(0.1)  # a shortened run decays over its own length
    nb101 = protocol_for("nb101", 108)
    assert nb101.lr_at(0, 0, 156) == 0.0
    steps = [nb101.lr_at(e, s, 156) for e in (0, 50, 107) for s in (1, 100)]
    assert all(a > b for a, b in zip(steps, steps[1:]))
    assert nb101.lr_at(54, 0, 156) == pytest.approx(0.1)


def test_tf_rmsprop_matches_tf1_update_rule():
    """tf.train.RMSPropOptimizer: ms starts at 1; ms = d*ms + (1-d) g^2; mom = m*mom + lr g / sqrt(ms + eps)."""
    w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    opt = TFRMSprop([w], 0.2, decay=0.9, momentum=0.9, eps=1.0, weight_decay=1e-4)
    ref_w, ms, mom = np.array([1.0, -2.0]), np.ones(2), np.zeros(2)
    for grad in (np.array([0.5, -1.0]), np.array([2.0, 0.25])):
        w.grad = torch.tensor(grad, dtype=torch.float32)
        opt.step()
        g = grad + 1e-4 * ref_w
        ms = 0.9 * ms + 0.1 * g * g
        mom = 0.9 * mom + 0.2 * g / np.sqrt(ms + 1.0)
        ref_w = ref_w - mom
    np.testing.assert_allclose(w.detach().numpy(), ref_w, rtol=1e-6)


# -- on-device data ------------------------------------------------------------------------------------
def _toy(n=8, size=6, pad=2):
    rng = np.random.default_rng(0)
    images = rng.integers(1, 256, size=(n, size, size, 3), dtype=np.uint8)  # no zero pixel: padding is visible
    return images, DeviceDataset(images, np.arange(n) % 3, mean=[0.5, 0.4, 0.3], std=[0.2, 0.25, 0.3], padding=pad)


def test_crop_keeps_shape_and_centre_is_the_image():
    images, data = _toy()
    idx = torch.arange(len(data))
    centre = data.gather(idx)
    assert centre.shape == (8, 6, 6, 3) and centre.dtype == torch.uint8
    np.testing.assert_array_equal(centre.numpy(), images)
    corner = data.gather(idx, torch.zeros(8, dtype=torch.long), torch.zeros(8, dtype=torch.long))
    assert corner.shape == (8, 6, 6, 3)
    assert (corner[:, :2] == 0).all() and (corner[:, :, :2] == 0).all()  # 2 rows / cols of padding
    np.testing.assert_array_equal(corner[:, 2:, 2:].numpy(), images[:, :4, :4])
    far = data.gather(idx, torch.full((8,), 4), torch.full((8,), 4))
    np.testing.assert_array_equal(far[:, :4, :4].numpy(), images[:, 2:, 2:])
    x = data.normalise(centre, channels_last=False)
    assert x.shape == (8, 3, 6, 6) and x.is_contiguous()
    mean, std = np.array([0.5, 0.4, 0.3]), np.array([0.2, 0.25, 0.3])
    expect = ((images / 255.0 - mean) / std).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(x.numpy(), expect, atol=1e-5)
    assert data.normalise(centre, channels_last=True).is_contiguous(memory_format=torch.channels_last)


def test_flip_is_an_exact_mirror():
    _, data = _toy()
    idx = torch.arange(len(data))
    oy, ox = torch.tensor([0, 1, 2, 3, 4, 0, 2, 4]), torch.tensor([4, 3, 2, 1, 0, 2, 2, 0])
    plain = data.gather(idx, oy, ox, torch.zeros(8, dtype=torch.bool))
    flipped = data.gather(idx, oy, ox, torch.ones(8, dtype=torch.bool))
    assert torch.equal(flipped, plain.flip(2))  # (B, H, W, 3): width is dim 2
    mixed = data.gather(idx, oy, ox, torch.tensor([True, False] * 4))
    assert torch.equal(mixed[0::2], plain[0::2].flip(2)) and torch.equal(mixed[1::2], plain[1::2])


def test_batches_are_deterministic_given_seed():
    _, data = _toy(n=20)

    def epochs(seed, n=2):
        loader = DeviceLoader(data, 8, shuffle=True, augment=True, generator=torch.Generator().manual_seed(seed))
        return [[(x.clone(), y.clone()) for x, y in loader] for _ in range(n)]

    a, b, c = epochs(3), epochs(3), epochs(4)
    assert len(a[0]) == 3 and [x.shape[0] for x, _ in a[0]] == [8, 8, 4]
    for ea, eb in zip(a, b):
        for (xa, ya), (xb, yb) in zip(ea, eb):
            assert torch.equal(xa, xb) and torch.equal(ya, yb)
    assert not all(torch.equal(xa, xc) for (xa, _), (xc, _) in zip(a[0], c[0]))
    assert not all(torch.equal(x0, x1) for (x0, _), (x1, _) in zip(a[0], a[1]))  # each epoch draws afresh
    labels = torch.cat([y for _, y in a[0]]).sort().values
    assert torch.equal(labels, data.labels.sort().values)  # an epoch is a permutation
    assert len(DeviceLoader(data, 8, drop_last=True)) == 2
    with pytest.raises(ValueError, match="Generator"):
        DeviceLoader(data, 8, shuffle=True)


def test_subset_decoding_and_balanced_subsets(cifar):
    _, _, test_npz = cifar
    index = np.array([0, 1234, 5000, 9999])
    part = load_split("cifar10", "test", test_npz, index=index)
    full = suite.data.images.load_images("cifar10", split="test", root=test_npz)
    np.testing.assert_array_equal(part.images, full.images[index])
    np.testing.assert_array_equal(part.labels, full.labels[index])
    assert part.lossy and "JPEG" in part.source
    first = balanced_subset(full.labels, 1000)
    assert np.bincount(full.labels[first]).tolist() == [100] * 10
    assert first[:100].tolist() == list(range(100))  # the first 100 of class 0, in stored order
    drawn = balanced_subset(full.labels, 55, rng=np.random.default_rng(0))
    assert np.bincount(full.labels[drawn]).tolist() == [6] * 5 + [5] * 5


def test_nb101_holdout_plan(cifar):
    from suite.verify.run import _plan_data

    _, train_npz, test_npz = cifar
    plan = _plan_data(protocol_for("nb101", 108), "cifar10", train_npz, test_npz, 0, None, None)
    labels = np.load(train_npz)["labels"]
    assert len(plan["train_index"]) == 40_000 and len(plan["eval_index"]) == 10_000
    assert not np.intersect1d(plan["train_index"], plan["eval_index"]).size
    assert np.bincount(labels[plan["eval_index"]]).tolist() == [1000] * 10
    again = _plan_data(protocol_for("nb101", 4), "cifar10", train_npz, test_npz, 5, 512, None)
    np.testing.assert_array_equal(again["eval_index"][:100], plan["eval_index"][labels[plan["eval_index"]] == 0][:100])
    assert len(again["train_index"]) == 512 and len(again["eval_index"]) == 1000


# -- selection -------------------------------------------------------------------------------------------
def test_stratified_selection_covers_the_accuracy_range():
    bench = suite.load("nb201", "cifar10")
    acc = bench.metric("test_acc", schedule=12)
    ids = stratified_cells(bench, 10, metric="test_acc", schedule=12, seed=0)
    assert len(set(ids.tolist())) == 10
    np.testing.assert_array_equal(ids, stratified_cells(bench, 10, metric="test_acc", schedule=12, seed=0))
    assert not np.array_equal(ids, stratified_cells(bench, 10, metric="test_acc", schedule=12, seed=1))
    edges = np.linspace(acc.min(), acc.max(), 11)
    width = edges[1] - edges[0]
    chosen = acc[ids]
    assert chosen.min() < edges[1] and chosen.max() >= edges[-2]  # lowest and highest bins both drawn
    for k in range(10):  # every non-empty bin holds a chosen cell
        in_bin = (acc >= edges[k]) & ((acc < edges[k + 1]) if k < 9 else (acc <= edges[k + 1]))
        if in_bin.any():
            assert in_bin[ids].any(), f"bin {k} has cells but none was chosen"
    assert np.ptp(chosen) > 0.85 * (acc.max() - acc.min()) and width > 0
    q = stratified_cells(bench, 10, metric="test_acc", schedule=12, seed=0, bins="quantile")
    assert len(set(q.tolist())) == 10 and np.median(acc[q]) > np.median(chosen)
    with pytest.raises(NasSuiteError, match="cannot select"):
        stratified_cells(bench, 20_000, metric="test_acc", schedule=12, seed=0)


# -- parameter check ----------------------------------------------------------------------------------------
def test_known_wrong_param_rows_are_exactly_the_table_mismatches():
    bench = suite.load("nb201", "cifar10")
    table = np.round(bench.metric("params") * 1e6).astype(np.int64)
    analytic = np.array([analytic_parameters("nb201", a, 10) for a in bench.archs["arch"]])
    assert set(np.flatnonzero(table != analytic).tolist()) == set(KNOWN_WRONG_TABLE_PARAMS["nb201"])
    assert analytic[0] == 129_306 and round(analytic[9930] / 1e6, 4) == 1.2885  # ../shared/data/README.md


def test_param_mismatch_aborts_with_the_cell_named():
    bench = suite.load("nb201", "cifar10")
    protocol = protocol_for("nb201", 12)
    arch = bench.arch(0)
    net = build_network("nb201", arch, dataset="cifar10", seed=0)
    n = count_parameters(net)
    images = np.zeros((4, 32, 32, 3), dtype=np.uint8)
    data = DeviceDataset(images, np.zeros(4, dtype=np.int64), mean=[0.5] * 3, std=[0.25] * 3, padding=4)
    with pytest.raises(ParameterMismatch, match=r"nb201 cell 0 \(.*\).*table row is wrong.*not in the documented list"):
        train_cell(net, protocol, data, data, seed=0, device="cpu", recorded_params=n + 1, cell=0)
    # a network that disagrees with both the table and the analytic count: the builder is at fault
    with pytest.raises(ParameterMismatch, match="network builder is wrong"):
        check_parameters(n + 7, n, benchmark="nb201", cell=0, arch=arch, num_classes=10)
    # one of the 150 documented rows: accepted, with a note saying which side is wrong
    wrong = 327
    table = int(round(bench.metric("params")[wrong] * 1e6))
    actual = analytic_parameters("nb201", bench.arch(wrong), 10)
    note = check_parameters(actual, table, benchmark="nb201", cell=wrong, arch=bench.arch(wrong), num_classes=10)
    assert note and "cell 327" in note and "table row is wrong" in note and "documented" in note
    assert check_parameters(n, n, benchmark="nb201", cell=0, arch=arch, num_classes=10) is None


def test_weights_come_from_the_seed_and_leave_global_rng_alone():
    state = torch.random.get_rng_state()
    a, b, c = (build_network("nb201", CHEAP_CELL, dataset="cifar10", seed=s) for s in (3, 3, 4))
    assert torch.equal(state, torch.random.get_rng_state())
    assert all(torch.equal(x, y) for x, y in zip(a.parameters(), b.parameters()))
    assert not all(torch.equal(x, y) for x, y in zip(a.parameters(), c.parameters()))


def test_train_cell_reports_and_is_deterministic_on_cpu():
    protocol = protocol_for("nb201", 12)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(32, 32, 32, 3), dtype=np.uint8)
    labels = rng.integers(0, 10, size=32)
    train = DeviceDataset(images, labels, mean=[0.5] * 3, std=[0.25] * 3, padding=4)
    test = DeviceDataset(images[:16], labels[:16], mean=[0.5] * 3, std=[0.25] * 3)
    results = []
    for _ in range(2):
        net = build_network("nb201", CHEAP_CELL, dataset="cifar10", seed=11)
        results.append(train_cell(net, protocol, train, test, seed=11, device="cpu", epochs=2,
                                  recorded_params=count_parameters(net), cell=None))
    a, b = results
    assert a["train_loss"] == b["train_loss"] and a["test_acc"] == b["test_acc"] and a["test_loss"] == b["test_loss"]
    assert a["epochs"] == 2 and len(a["train_acc"]) == 2 and a["n_train"] == 32 and a["n_test"] == 16
    assert a["images_per_second"] > 0 and a["amp"] is False and a["device"] == "cpu"
    assert a["final_lr"] == pytest.approx(protocol.lr_at(1, 0, 1, 2))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_path_runs_in_bf16_channels_last():
    protocol = protocol_for("nb201", 12)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(512, 32, 32, 3), dtype=np.uint8)
    labels = rng.integers(0, 10, size=512)
    train = DeviceDataset(images, labels, mean=[0.5] * 3, std=[0.25] * 3, padding=4, device="cuda")
    test = DeviceDataset(images[:256], labels[:256], mean=[0.5] * 3, std=[0.25] * 3, device="cuda")
    x, _ = next(iter(DeviceLoader(train, 256, shuffle=True, augment=True, generator=torch.Generator().manual_seed(0),
                                  channels_last=True)))
    assert x.is_cuda and x.is_contiguous(memory_format=torch.channels_last) and x.dtype == torch.float32
    net = build_network("nb201", CHEAP_CELL, dataset="cifar10", seed=0)
    out = train_cell(net, protocol, train, test, seed=0, device="cuda", epochs=1)
    assert out["amp"] is True and out["device"].startswith("cuda") and math.isfinite(out["train_loss"][0])
    # same seed -> same batches on CPU and CUDA (randomness is drawn on the CPU)
    cpu = DeviceDataset(images, labels, mean=[0.5] * 3, std=[0.25] * 3, padding=4)
    xc, _ = next(iter(DeviceLoader(cpu, 256, shuffle=True, augment=True, generator=torch.Generator().manual_seed(0))))
    torch.testing.assert_close(x.cpu().contiguous(), xc)


# -- whole runs -------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def smoke(tmp_path_factory, cifar):
    """The CPU smoke configuration: 2 cells, 1 epoch, 512 training images."""
    from suite.verify.run import run_verification

    root, _, _ = cifar
    out = tmp_path_factory.mktemp("verify")
    directory = run_verification("nb201", "cifar10", 12, 2, 0, device="cpu", results_root=out, image_root=root,
                                 epochs=1, n_train=512)
    return directory, root


def test_smoke_run_writes_records_and_report(smoke):
    directory, _ = smoke
    records = pd.read_parquet(directory / "records.parquet")
    for column in ("id", "arch", "table_acc", "retrained_acc", "params", "seconds", "images_per_s", "device"):
        assert column in records.columns
    bench = suite.load("nb201", "cifar10")
    np.testing.assert_array_equal(records["id"], stratified_cells(bench, 2, metric="test_acc", schedule=12, seed=0))
    np.testing.assert_allclose(records["table_acc"], bench.metric("test_acc", schedule=12)[records["id"]])
    assert (records["n_train"] == 512).all() and (records["n_eval"] == 1000).all() and (records["epochs"] == 1).all()
    assert records["retrained_acc"].between(0, 100).all() and (records["device"] == "cpu").all()
    assert len(pd.read_parquet(directory / "curves.parquet")) == 2
    meta = json.loads((directory / "meta.json").read_text())
    assert meta["protocol"]["name"] == "nb201-12" and meta["images"]["lossy"] is True and meta["run"]["reduced"]
    report = directory / "report"
    for name in ("summary.md", "stats.json", "scatter.png", "scatter.pdf"):
        assert (report / name).stat().st_size > 0
    summary = (report / "summary.md").read_text()
    assert "JPEG-compressed CIFAR-10" in summary and "quality 75" in summary and "6.2" in summary
    assert "lower" in summary and "Ranks are what is compared" in summary
    stats = json.loads((report / "stats.json").read_text())
    assert {"spearman", "kendall", "mean_abs_diff", "mean_diff"} <= set(stats)


def test_smoke_run_resumes_without_training(smoke, monkeypatch):
    from suite.verify import data as vdata
    from suite.verify import train as vtrain
    from suite.verify.run import run_verification

    directory, root = smoke
    before = pd.read_parquet(directory / "records.parquet")
    journal = (directory / "cells.jsonl").read_text()

    def refuse(*args, **kwargs):
        raise AssertionError("a finished cell was trained again")

    monkeypatch.setattr(vtrain, "train_cell", refuse)
    monkeypatch.setattr(vdata, "load_split", refuse)
    again = run_verification("nb201", "cifar10", 12, 2, 0, device="cpu", results_root=directory.parent,
                             image_root=root, epochs=1, n_train=512)
    assert again == directory
    assert (directory / "cells.jsonl").read_text() == journal
    pd.testing.assert_frame_equal(pd.read_parquet(directory / "records.parquet"), before)
    with pytest.raises(NasSuiteError, match="different spec"):
        run_verification("nb201", "cifar10", 12, 2, 1, device="cpu", results_root=directory.parent, image_root=root,
                         epochs=1, n_train=512, name=directory.name)


def test_same_seed_gives_identical_records_on_cpu(tmp_path, cifar):
    from suite.verify.run import run_verification

    root, _, _ = cifar
    frames = []
    for k in range(2):
        d = run_verification("nb201", "cifar10", 12, 2, 3, device="cpu", results_root=tmp_path / str(k), image_root=root,
                             epochs=1, n_train=64, n_eval=100)
        frames.append(pd.read_parquet(d / "records.parquet").drop(columns=TIMING_COLUMNS))
        frames.append(pd.read_parquet(d / "curves.parquet"))
    pd.testing.assert_frame_equal(frames[0], frames[2])
    pd.testing.assert_frame_equal(frames[1], frames[3])


def test_cli_verify_errors_are_one_line(tmp_path, capsys):
    from suite.cli import main

    base = ["verify", "--benchmark", "nb201", "--n-archs", "2", "--device", "cpu", "--results", str(tmp_path)]
    assert main(base + ["--schedule", "7"]) == 2
    assert "no nb201 training protocol with a 7-epoch schedule; its schedules are 12, 200" in capsys.readouterr().err
    assert main(base + ["--schedule", "12", "--images", str(tmp_path / "missing")]) == 2
    assert "is not a directory" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # nothing written for bad input
