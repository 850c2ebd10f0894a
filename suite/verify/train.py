"""Re-train one cell network under a benchmark's protocol and measure its accuracy.

:func:`train_cell` is the whole loop: parameter check against the table, optimizer and LR
schedule of the :class:`~suite.verify.protocols.Protocol`, epochs over a
:class:`~suite.verify.data.DeviceLoader`, a final evaluation. It returns per-epoch train loss and
accuracy, the final evaluation accuracy, wall seconds and training images per second.

Devices. On CUDA the network and batches use ``channels_last`` memory, forward passes run under
bf16 autocast (``amp``; no loss scaler is needed for bf16) and cuDNN autotuning is switched on for
the duration of the call (and restored after). On the CPU everything is plain float32 NCHW, which
is also what makes a CPU run bit-reproducible: given ``seed`` and the same thread count, two runs
give identical losses and accuracies. CUDA runs are not bit-reproducible (autotuned kernels,
atomics) - their batch sequence is still the seed's.

Randomness. Weight initialisation is torch's default initialisers, run inside
``torch.random.fork_rng`` with a seed derived from ``seed`` (:func:`build_network`), so the global
generator is left as it was; data order and augmentation come from a CPU ``torch.Generator``
seeded from ``seed``. Nothing here seeds a global generator.

Per-step work stays on the device: losses and correct counts are accumulated as device tensors
and read once per epoch, so a CUDA run does not synchronise every step.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any, Iterable, Iterator

import numpy as np
import torch
from torch import nn

from ..networks import NUM_CLASSES, build, count_parameters
from .data import DeviceDataset, DeviceLoader
from .params import check_parameters
from .protocols import Protocol

__all__ = ["TFRMSprop", "build_network", "make_optimizer", "train_cell", "evaluate", "derive_seed"]


def derive_seed(*parts: int) -> int:
    """A 63-bit seed that is a stable function of the integers ``parts`` (run seed, cell id, role)."""
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


class TFRMSprop(torch.optim.Optimizer):
    """RMSProp exactly as TF1's ``tf.train.RMSPropOptimizer`` computes it (NAS-Bench-101's optimizer).

    Per parameter: ``ms = decay * ms + (1 - decay) * g^2`` with ``ms`` initialised to **ones**;
    ``mom = momentum * mom + lr * g / sqrt(ms + eps)`` (epsilon *inside* the root); ``w -= mom``.
    ``weight_decay`` adds ``weight_decay * w`` to the gradient first, which is the gradient of the
    ``weight_decay * sum(tf.nn.l2_loss(w))`` term nasbench adds to its loss. torch's ``RMSprop``
    differs in all three details (zeros init, epsilon outside the root, ``alpha`` 0.99).
    """

    def __init__(self, params: Iterable[Any], lr: float, *, decay: float = 0.9, momentum: float = 0.0,
                 eps: float = 1e-10, weight_decay: float = 0.0) -> None:
        if lr < 0 or not 0 <= decay < 1 or momentum < 0 or eps <= 0 or weight_decay < 0:
            raise ValueError(f"invalid TFRMSprop settings lr={lr}, decay={decay}, momentum={momentum}, eps={eps}, "
                             f"weight_decay={weight_decay}")
        super().__init__(params, {"lr": lr, "decay": decay, "momentum": momentum, "eps": eps,
                                  "weight_decay": weight_decay})

    @torch.no_grad()
    def step(self, closure: Any = None) -> Any:  # noqa: D102 - torch.optim.Optimizer API
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, decay, momentum = group["lr"], group["decay"], group["momentum"]
            eps, wd = group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad if wd == 0 else p.grad.add(p, alpha=wd)
                state = self.state[p]
                if not state:
                    state["ms"] = torch.ones_like(p, memory_format=torch.preserve_format)
                    state["mom"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                ms, mom = state["ms"], state["mom"]
                ms.mul_(decay).addcmul_(grad, grad, value=1.0 - decay)
                mom.mul_(momentum).addcdiv_(grad, ms.add(eps).sqrt_(), value=lr)
                p.sub_(mom)
        return loss


def build_network(benchmark: str, arch: Any, *, dataset: str, seed: int) -> nn.Module:
    """The cell's network with weights initialised from ``seed`` (global RNG state untouched)."""
    with torch.random.fork_rng(devices=[]):  # restores the CPU generator on exit
        # the CPU generator only: torch.manual_seed would also reseed CUDA's, which fork_rng(devices=[]) leaves changed
        torch.default_generator.manual_seed(derive_seed(seed, 1))
        return build(benchmark, arch, dataset=dataset)


def make_optimizer(protocol: Protocol, params: Iterable[Any]) -> torch.optim.Optimizer:
    """The protocol's optimizer over ``params`` (every trainable parameter is decayed, BN included)."""
    params = list(params)
    if protocol.optimizer == "sgd":
        return torch.optim.SGD(params, lr=protocol.lr, momentum=protocol.momentum, nesterov=protocol.nesterov,
                               weight_decay=protocol.weight_decay)
    if protocol.optimizer == "rmsprop-tf":
        return TFRMSprop(params, protocol.lr, decay=protocol.rmsprop_decay or 0.9, momentum=protocol.momentum,
                         eps=protocol.rmsprop_eps or 1e-10, weight_decay=protocol.weight_decay)
    raise ValueError(f"unknown optimizer {protocol.optimizer!r} in protocol {protocol.name}")


@contextlib.contextmanager
def _cudnn_autotune(enabled: bool) -> Iterator[None]:
    """Switch cuDNN's autotuner for the block and restore the previous setting after."""
    old = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = enabled
    try:
        yield
    finally:
        torch.backends.cudnn.benchmark = old


def _autocast(device: torch.device, amp: bool) -> Any:
    if device.type == "cuda" and amp:
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@torch.no_grad()
def evaluate(network: nn.Module, data: DeviceDataset, *, batch_size: int = 1000, device: torch.device | str = "cpu",
             amp: bool = False) -> tuple[float, float]:
    """``(accuracy %, mean cross-entropy)`` of ``network`` in eval mode (BN running statistics)."""
    device = torch.device(device)
    network.eval()
    loader = DeviceLoader(data, batch_size, channels_last=device.type == "cuda")
    correct = torch.zeros((), dtype=torch.long, device=device)
    loss_sum = torch.zeros((), dtype=torch.float64, device=device)
    with _autocast(device, amp):
        for x, y in loader:
            logits = network(x).float()
            loss_sum += nn.functional.cross_entropy(logits, y, reduction="sum").double()
            correct += (logits.argmax(1) == y).sum()
    n = len(data)
    return 100.0 * float(correct.item()) / n, float(loss_sum.item()) / n


def train_cell(network: nn.Module, protocol: Protocol, train_data: DeviceDataset, test_data: DeviceDataset, *,
               seed: int, device: str | torch.device = "cpu", epochs: int | None = None, amp: bool | None = None,
               recorded_params: int | None = None, cell: int | None = None, dataset: str = "cifar10",
               eval_batch_size: int = 1000) -> dict[str, Any]:
    """Train ``network`` under ``protocol`` on ``train_data``; evaluate it on ``test_data``.

    Args:
        network: a freshly initialised cell network (:func:`build_network`); moved to ``device``.
        protocol: optimizer, schedule, batch size, augmentation.
        train_data, test_data: on ``device``; ``train_data`` padded for the protocol's crop.
        seed: drives data order and augmentation (weights are the caller's, see :func:`build_network`).
        device: ``"cpu"`` or a CUDA device.
        epochs: train this many epochs instead of the protocol's (the cosine decays over them).
        amp: bf16 autocast; default on for CUDA. Ignored on the CPU (always float32).
        recorded_params: the table's parameter count for the cell; checked before any training
            (:func:`suite.verify.params.check_parameters` raises ``ParameterMismatch``).
        cell: the cell's id (names it in errors; selects documented table errors).
        dataset: the dataset the head was built for (for the analytic parameter count).

    Returns:
        dict with ``epochs``, ``train_loss`` and ``train_acc`` (per epoch; mean over the epoch's
        augmented batches, accuracy in %), ``test_acc`` (%), ``test_loss``, ``params``,
        ``params_note``, ``seconds`` (wall, training + evaluation), ``train_seconds``,
        ``images_per_second`` (training images / training seconds), ``device``, ``amp``,
        ``n_train``, ``n_test``, ``steps``, ``final_lr``.
    """
    t_start = time.perf_counter()
    device = torch.device(device)
    cuda = device.type == "cuda"
    amp = bool(cuda if amp is None else amp) and cuda
    arch = str(getattr(network, "arch", "?"))
    params = count_parameters(network)
    note = check_parameters(params, recorded_params, benchmark=protocol.benchmark, cell=cell, arch=arch,
                            num_classes=NUM_CLASSES.get(dataset, 10))
    n_epochs = protocol.epochs if epochs is None else int(epochs)
    if n_epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {n_epochs}")
    if train_data.padding < protocol.padding(dataset):
        raise ValueError(f"training data padded by {train_data.padding} pixels; the protocol crops with padding "
                         f"{protocol.padding(dataset)}")

    network = network.to(device, memory_format=torch.channels_last) if cuda else network.to(device)
    optimizer = make_optimizer(protocol, (p for p in network.parameters() if p.requires_grad))
    generator = torch.Generator().manual_seed(derive_seed(seed, 2))
    loader = DeviceLoader(train_data, protocol.batch_size, shuffle=True, augment=True, flip=protocol.hflip,
                          drop_last=protocol.drop_last and len(train_data) >= protocol.batch_size,
                          generator=generator, channels_last=cuda)
    steps_per_epoch = len(loader)
    criterion = nn.CrossEntropyLoss(label_smoothing=protocol.label_smoothing)

    train_loss: list[float] = []
    train_acc: list[float] = []
    train_seconds = 0.0
    images_seen = 0
    lr = protocol.lr
    with _cudnn_autotune(cuda):
        for epoch in range(n_epochs):
            network.train()
            _sync(device)
            t0 = time.perf_counter()
            loss_sum = torch.zeros((), dtype=torch.float64, device=device)
            correct = torch.zeros((), dtype=torch.long, device=device)
            seen = 0
            for step, (x, y) in enumerate(loader):
                lr = protocol.lr_at(epoch, step, steps_per_epoch, n_epochs)
                for group in optimizer.param_groups:
                    group["lr"] = lr
                with _autocast(device, amp):
                    logits = network(x)
                    loss = criterion(logits.float(), y)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                b = y.shape[0]
                loss_sum += loss.detach().double() * b
                correct += (logits.detach().argmax(1) == y).sum()
                seen += b
            epoch_loss, epoch_correct = float(loss_sum.item()), int(correct.item())  # one sync per epoch
            _sync(device)
            train_seconds += time.perf_counter() - t0
            images_seen += seen
            train_loss.append(epoch_loss / max(seen, 1))
            train_acc.append(100.0 * epoch_correct / max(seen, 1))
        test_acc, test_loss = evaluate(network, test_data, batch_size=eval_batch_size, device=device, amp=amp)
    return {
        "epochs": n_epochs,
        "train_loss": train_loss,
        "train_acc": train_acc,
        "test_acc": test_acc,
        "test_loss": test_loss,
        "params": int(params),
        "params_note": note,
        "seconds": time.perf_counter() - t_start,
        "train_seconds": train_seconds,
        "images_per_second": images_seen / train_seconds if train_seconds > 0 else float("nan"),
        "device": str(device) if not cuda else f"{device} ({torch.cuda.get_device_name(device)})",
        "amp": amp,
        "n_train": len(train_data),
        "n_test": len(test_data),
        "steps": steps_per_epoch * n_epochs,
        "final_lr": float(lr),
    }
