"""Zero-cost proxies (suite.proxies): the registry, the contract every proxy keeps, and each
definition against a value computed independently here (by hand, with NumPy, or with plain
autograd), plus NAS-Bench-201's published FLOPs/parameter counts."""

from __future__ import annotations

import copy
import math
import subprocess
import sys

import numpy as np
import pytest

from extras import needs_extra  # noqa: E402

pytestmark = pytest.mark.needs_torch
torch = needs_extra("torch")
from torch import nn  # noqa: E402

import suite.proxies as proxies  # noqa: E402
from suite.errors import NasSuiteError  # noqa: E402
from suite.networks.nb201 import NB201Network  # noqa: E402
from suite.proxies import fisher, flops, grad_norm, grasp, jacov, naswot, params, snip, synflow  # noqa: E402

BEST_CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


# -- fixtures ---------------------------------------------------------------------------------


class TinyNet(nn.Module):
    """Conv -> BN -> ReLU -> Conv -> BN -> ReLU -> avg-pool -> Linear, with a Dropout so that the
    rng-seeding of stochastic layers is exercised too."""

    def __init__(self, classes: int = 3) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(4, 5, 3, padding=1, bias=True)
        self.bn2 = nn.BatchNorm2d(5)
        self.relu2 = nn.ReLU()
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(5, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.relu1(self.bn1(self.conv1(x)))
        h = self.relu2(self.bn2(self.conv2(h)))
        return self.fc(self.drop(h.mean(dim=(2, 3))))


def tiny_net(seed: int = 0) -> TinyNet:
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        net = TinyNet()
        for bn in (net.bn1, net.bn2):  # non-trivial affine parameters
            nn.init.uniform_(bn.weight, 0.5, 1.5)
            nn.init.uniform_(bn.bias, -0.2, 0.2)
    return net


def make_batch(n: int = 6, size: int = 8, classes: int = 3, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, size, size, generator=g), torch.randint(0, classes, (n,), generator=g)


def small_nb201(seed: int = 0) -> NB201Network:
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return NB201Network(BEST_CELL, C=4, N=1, num_classes=3)


def snapshot(net: nn.Module) -> dict:
    return {
        "state": {k: v.detach().clone() for k, v in net.state_dict().items()},
        "dtypes": {k: v.dtype for k, v in net.state_dict().items()},
        "modes": [m.training for m in net.modules()],
        "grads": [None if p.grad is None else p.grad.clone() for p in net.parameters()],
        "requires_grad": [p.requires_grad for p in net.parameters()],
    }


def assert_same(before: dict, after: dict) -> None:
    assert before["dtypes"] == after["dtypes"]
    for k, v in before["state"].items():
        assert torch.equal(v, after["state"][k]), f"{k} changed"
    assert before["modes"] == after["modes"]
    assert before["requires_grad"] == after["requires_grad"]
    for g0, g1 in zip(before["grads"], after["grads"]):
        assert (g0 is None) == (g1 is None)
        if g0 is not None:
            assert torch.equal(g0, g1)


# -- registry ---------------------------------------------------------------------------------


def test_import_suite_does_not_import_torch():
    code = "import sys, suite, suite.proxies; print(sorted(suite.proxies.PROXIES)); assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_registry_lists_modules_with_name_and_citation():
    assert proxies.available() == sorted(proxies.PROXIES)
    assert {"naswot", "jacov", "synflow", "snip", "grasp", "grad_norm", "fisher", "params", "flops"} <= set(proxies.PROXIES)
    for name in proxies.available():
        module = __import__(proxies.PROXIES[name].module, fromlist=["score"])
        assert module.NAME == name
        assert proxies.citation(name) == module.CITATION and len(module.CITATION) > 20
        assert callable(module.score)


def test_unknown_proxy_names_the_known_ones():
    with pytest.raises(proxies.UnknownProxy) as info:
        proxies.score("nwot_typo", tiny_net(), make_batch(), rng=np.random.default_rng(0))
    assert isinstance(info.value, NasSuiteError) and isinstance(info.value, KeyError)
    assert "nwot_typo" in str(info.value) and "naswot" in str(info.value) and "synflow" in str(info.value)
    with pytest.raises(proxies.UnknownProxy):
        proxies.citation("nope")


def test_bad_batches_are_refused():
    net = tiny_net()
    x, y = make_batch()
    with pytest.raises(ValueError, match="int64"):
        proxies.score("snip", net, (x, y.int()), rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="N = 6"):
        proxies.score("snip", net, (x, y[:3]), rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="pair"):
        proxies.score("snip", net, x, rng=np.random.default_rng(0))


# -- the contract, for every registered proxy -------------------------------------------------


@pytest.mark.parametrize("name", sorted(proxies.PROXIES))
@pytest.mark.parametrize("build", [tiny_net, small_nb201], ids=["tiny", "nb201"])
@pytest.mark.parametrize("start_mode", ["train", "eval"])
def test_contract_deterministic_and_network_unchanged(name, build, start_mode):
    net = build()
    net.train(start_mode == "train")
    batch = make_batch()
    # state the proxy must hand back untouched: a stale gradient, a frozen parameter, moved BN stats
    first = next(net.parameters())
    first.grad = torch.full_like(first, 0.25)
    frozen = list(net.parameters())[-1]
    frozen.requires_grad_(False)
    before = snapshot(net)
    rng_state = torch.get_rng_state()

    a = proxies.score(name, net, batch, rng=np.random.default_rng(7))
    assert_same(before, snapshot(net))
    b = proxies.score(name, net, batch, rng=np.random.default_rng(7))
    assert_same(before, snapshot(net))
    assert torch.equal(rng_state, torch.get_rng_state()), "global torch RNG state moved"
    assert isinstance(a, float) and a == b  # bit-identical on the same weights, batch and seed
    assert math.isfinite(a)
    # and a fresh copy of the network gives the same value (no hidden state left behind)
    assert proxies.score(name, copy.deepcopy(net), batch, rng=np.random.default_rng(7)) == a


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("name", sorted(proxies.PROXIES))
def test_runs_on_cuda_like_on_cpu(name):
    net, (x, y) = no_dropout_net(), make_batch()  # dropout masks differ between devices
    cpu = proxies.score(name, net, (x, y), rng=np.random.default_rng(0))
    gpu = proxies.score(name, net.cuda(), (x.cuda(), y.cuda()), rng=np.random.default_rng(0))
    assert gpu == pytest.approx(cpu, rel=1e-3)


# -- naswot -----------------------------------------------------------------------------------


class ReLUBank(nn.Module):
    """Two ReLUs on the same tensor (the shared-input path) and one on its negation."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b, self.c = nn.ReLU(), nn.ReLU(), nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.a(x).sum() + self.b(x).sum() + self.c(-x).sum()


def hamming_kernel(codes: np.ndarray) -> np.ndarray:
    """N_A - Hamming distance, straight from the definition."""
    n = codes.shape[0]
    return np.array([[codes.shape[1] - np.sum(codes[i] != codes[j]) for j in range(n)] for i in range(n)], float)


def test_naswot_equals_logdet_of_the_hand_built_kernel():
    rng = np.random.default_rng(3)
    signs = rng.choice([-1.0, 1.0], size=(5, 2, 3, 3))  # 5 images, 18 units per ReLU
    x = torch.tensor(signs * rng.uniform(0.5, 2.0, size=signs.shape), dtype=torch.float32)
    codes = (signs > 0).reshape(5, -1)
    K = 2 * hamming_kernel(codes) + hamming_kernel(~codes)  # ReLUs a and b see x, c sees -x
    sign, expected = np.linalg.slogdet(K)
    assert sign > 0
    got = naswot.score(ReLUBank(), (x, torch.zeros(5, dtype=torch.int64)), rng=np.random.default_rng(0))
    assert got == pytest.approx(expected, rel=1e-12)


def test_naswot_kernel_of_duplicate_images_is_singular():
    x = torch.randn(4, 2, 3, 3)
    x[3] = x[0]
    got = naswot.score(ReLUBank(), (x, torch.zeros(4, dtype=torch.int64)), rng=np.random.default_rng(0))
    assert got == -math.inf


def test_naswot_uses_batch_statistics_even_on_an_eval_mode_network():
    # BN -> ReLU on positive inputs: in eval mode at initialisation (running stats 0/1) every unit
    # fires for every image, K is all N_A and singular; with batch statistics it is not.
    net = nn.Sequential(nn.BatchNorm2d(2), nn.ReLU()).eval()
    x = torch.rand(6, 2, 4, 4) + 0.1
    batch = (x, torch.zeros(6, dtype=torch.int64))
    score_eval_started = naswot.score(net, batch, rng=np.random.default_rng(0))
    assert math.isfinite(score_eval_started) and not net.training
    with torch.no_grad():
        codes = (nn.functional.batch_norm(x, None, None, training=True) > 0).reshape(6, -1).numpy()
    assert score_eval_started == pytest.approx(np.linalg.slogdet(hamming_kernel(codes))[1], rel=1e-12)


def test_naswot_shared_input_reuse_is_exact_on_nb201():
    net, (x, _) = small_nb201(), make_batch(n=8)
    kernels = []

    def plain(module, inputs, output):  # the definition, no caching
        c = (inputs[0].reshape(8, -1) > 0).double()
        kernels.append(c @ c.T + (1 - c) @ (1 - c).T)

    handles = [m.register_forward_hook(plain) for m in net.modules() if isinstance(m, nn.ReLU)]
    with torch.no_grad():
        net.train()(x.contiguous(memory_format=torch.channels_last))
    for h in handles:
        h.remove()
    expected = np.linalg.slogdet(sum(kernels).numpy())[1]
    assert naswot.score(net, (x, torch.zeros(8, dtype=torch.int64)), rng=np.random.default_rng(0)) == pytest.approx(
        expected, rel=1e-12
    )


# -- synflow ----------------------------------------------------------------------------------


def test_synflow_of_a_two_layer_linear_net_by_hand():
    # R = sum_k |v_k| sum_j |W_kj| on an all-ones input; by SynFlow's conservation law each of the
    # two layers carries the whole flow, so the score is 2R. The BatchNorm in between is bypassed.
    W = torch.tensor([[1.0, -2.0, 0.5], [-0.25, 3.0, -1.0]])
    v = torch.tensor([[-2.0, 0.5]])
    net = nn.Sequential(nn.Linear(3, 2, bias=False), nn.BatchNorm1d(2), nn.ReLU(), nn.Linear(2, 1, bias=False))
    with torch.no_grad():
        net[0].weight.copy_(W)
        net[3].weight.copy_(v)
        net[1].weight.fill_(5.0)
        net[1].bias.fill_(-3.0)
    R = float((v.abs() @ W.abs().sum(dim=1, keepdim=True)).item())  # 2*3.5 + 0.5*4.25 = 9.125
    batch = (torch.randn(4, 3), torch.zeros(4, dtype=torch.int64))
    before = snapshot(net)
    assert synflow.score(net, batch, rng=np.random.default_rng(0)) == pytest.approx(2 * R, rel=1e-12)
    assert_same(before, snapshot(net))  # signs, float32 dtype and the BatchNorm are all still there


def test_synflow_ignores_the_batch_values():
    net = tiny_net()
    (x, y), (x2, y2) = make_batch(seed=1), make_batch(seed=2)
    assert synflow.score(net, (x, y), rng=np.random.default_rng(0)) == synflow.score(net, (x2, y2), rng=np.random.default_rng(1))


# -- gradient proxies against plain autograd --------------------------------------------------


def reference_grads(net: nn.Module, batch, *, create_graph: bool = False):
    """Train-mode CE gradients of the conv/linear weights of a copy, with dropout off."""
    net = copy.deepcopy(net).train()
    net.drop.p = 0.0
    layers = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    weights = [m.weight for m in layers]
    loss = nn.functional.cross_entropy(net(batch[0]), batch[1])
    return net, weights, torch.autograd.grad(loss, weights, create_graph=create_graph)


def no_dropout_net() -> TinyNet:
    net = tiny_net()
    net.drop.p = 0.0
    return net


def test_snip_and_grad_norm_match_manual_autograd():
    net, batch = no_dropout_net(), make_batch()
    _, weights, grads = reference_grads(net, batch)
    expected_snip = sum(float((w.detach() * g).abs().sum()) for w, g in zip(weights, grads))
    expected_norm = sum(float(g.norm()) for g in grads)  # per-layer norms, summed
    assert snip.score(net, batch, rng=np.random.default_rng(0)) == pytest.approx(expected_snip, rel=1e-6)
    assert grad_norm.score(net, batch, rng=np.random.default_rng(0)) == pytest.approx(expected_norm, rel=1e-6)
    assert expected_norm > math.sqrt(sum(float(g.norm()) ** 2 for g in grads))  # not the global norm


def test_grasp_matches_a_finite_difference_hessian_vector_product():
    net, batch = no_dropout_net().double(), make_batch()
    batch = (batch[0].double(), batch[1])
    copy_, weights, grads = reference_grads(net, batch)
    eps = 1e-5

    def grads_at(shift: float):
        shifted = copy.deepcopy(copy_)
        ws = [m.weight for m in shifted.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
        with torch.no_grad():
            for w, g in zip(ws, grads):
                w.add_(shift * g)
        loss = nn.functional.cross_entropy(shifted(batch[0]), batch[1])
        return torch.autograd.grad(loss, ws)

    plus, minus = grads_at(eps), grads_at(-eps)
    expected = sum(float((-w.detach() * (p - m) / (2 * eps)).sum()) for w, p, m in zip(weights, plus, minus))
    got = grasp.score(net, batch, rng=np.random.default_rng(0))
    assert got == pytest.approx(expected, rel=1e-5)


def test_fisher_matches_manual_activation_gradients():
    net, (x, y) = no_dropout_net(), make_batch()
    net.train()
    a1 = net.conv1(x)
    a2 = net.conv2(net.relu1(net.bn1(a1)))
    a3 = net.fc(net.relu2(net.bn2(a2)).mean(dim=(2, 3)))
    g1, g2, g3 = torch.autograd.grad(nn.functional.cross_entropy(a3, y), [a1, a2, a3])

    def channel_fisher(a, g):
        a = a.detach()
        per = (a * g).sum(dim=(2, 3)) if a.ndim == 4 else a * g
        return 0.5 * per.double().pow(2).mean(dim=0).sum()

    expected = float(
        channel_fisher(a1, g1) * 3 * 9  # each channel's value spread over C_in * k * k weights
        + channel_fisher(a2, g2) * 4 * 9
        + channel_fisher(a3, g3) * 5
    )
    net2 = no_dropout_net()
    assert fisher.score(net2, (x, y), rng=np.random.default_rng(0)) == pytest.approx(expected, rel=1e-6)


def test_jacov_matches_the_numpy_reference_formula():
    net, (x, y) = no_dropout_net(), make_batch(n=5)
    xr = x.clone().requires_grad_(True)
    out = copy.deepcopy(net).train()(xr)
    out.backward(torch.ones_like(out))
    J = xr.grad.reshape(5, -1).double().numpy()
    eig = np.linalg.eig(np.corrcoef(J))[0].real
    expected = -np.sum(np.log(eig + 1e-5) + 1.0 / (eig + 1e-5))
    assert jacov.score(net, (x, y), rng=np.random.default_rng(0)) == pytest.approx(expected, rel=1e-8)
    assert math.isnan(jacov.score_from_jacobian(np.array([[1.0, 1.0, 1.0], [0.0, 1.0, 2.0]])))


# -- params and flops -------------------------------------------------------------------------


def test_params_counts_trainable_parameters_in_millions():
    net = tiny_net()
    expected = sum(p.numel() for p in net.parameters()) / 1e6
    assert params.score(net, make_batch(), rng=np.random.default_rng(0)) == expected
    net.fc.bias.requires_grad_(False)
    assert params.score(net, make_batch(), rng=np.random.default_rng(0)) == pytest.approx(expected - 3e-6)


def test_flops_of_single_layers_by_hand():
    conv = nn.Conv2d(3, 8, kernel_size=3, stride=2, padding=1, bias=True)  # 9x9 -> 5x5
    batch = (torch.randn(4, 3, 9, 9), torch.zeros(4, dtype=torch.int64))
    assert flops.score(conv, batch, rng=np.random.default_rng(0)) == pytest.approx((3 * 9 * 8 * 25 + 8 * 25) / 1e6)
    grouped = nn.Conv2d(4, 8, kernel_size=3, padding=1, groups=2, bias=False)  # 6x6 stays 6x6
    batch = (torch.randn(2, 4, 6, 6), torch.zeros(2, dtype=torch.int64))
    assert flops.score(grouped, batch, rng=np.random.default_rng(0)) == pytest.approx(2 * 9 * 8 * 36 / 1e6)
    net = nn.Sequential(nn.Flatten(), nn.Linear(12, 5), nn.ReLU(), nn.Linear(5, 2, bias=False))
    batch = (torch.randn(3, 3, 2, 2), torch.zeros(3, dtype=torch.int64))
    assert flops.score(net, batch, rng=np.random.default_rng(0)) == pytest.approx((12 * 5 + 5 + 5 * 2) / 1e6)


@pytest.mark.parametrize(
    ("cell", "classes", "size", "mflops", "mparams"),
    [
        # NATS-Bench issue #24 (cell 0, cifar10-valid / cifar100 / ImageNet16-120 FLOPs) and
        # issue #36 (get_cost_info of this cell on CIFAR-10: flops 113.95137, params 0.802426)
        ("|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|", 10, 32, 15.64737, 0.129306),
        ("|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|", 100, 32, 15.65322, None),
        ("|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|", 120, 16, 3.91948, None),
        ("|skip_connect~0|+|none~0|nor_conv_3x3~1|+|avg_pool_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|", 10, 32, 113.95137, 0.802426),
    ],
)
def test_flops_and_params_reproduce_nas_bench_201(cell, classes, size, mflops, mparams):
    net = NB201Network(cell, num_classes=classes)
    batch = (torch.randn(2, 3, size, size), torch.zeros(2, dtype=torch.int64))
    assert flops.score(net, batch, rng=np.random.default_rng(0)) == pytest.approx(mflops, abs=5e-6)
    if mparams is not None:
        assert params.score(net, batch, rng=np.random.default_rng(0)) == pytest.approx(mparams, abs=5e-7)
