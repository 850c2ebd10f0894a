"""Helpers shared by the proxy modules: batch checks, layer selection, and leaving the network as
it was found.

Every proxy runs through :func:`preserved`, which snapshots what a forward/backward pass can
change on the caller's network (module train/eval flags, buffers such as BatchNorm running
statistics, ``.grad`` and ``requires_grad`` of every parameter) and puts it back on exit, even
when the proxy raises. Proxies that change *weights* (synflow) work on a deep copy instead.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

import numpy as np
import torch
from torch import nn

__all__ = [
    "check_batch",
    "cross_entropy",
    "loss_gradients",
    "preserved",
    "scored_weights",
    "seeded",
    "weight_layers",
]

#: layers whose ``weight`` the gradient proxies score (as in Abdelfattah et al.'s zero-cost-nas
#: and NASLib: ``nn.Conv2d`` and ``nn.Linear``; BatchNorm affine parameters are not scored)
SCORED_LAYERS: tuple[type[nn.Module], ...] = (nn.Conv2d, nn.Linear)


def check_batch(network: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """``(images, labels)`` after checking the proxy contract.

    ``images`` is a floating tensor ``(N, C, H, W)`` (already normalised), ``labels`` an int64
    tensor ``(N,)``; both on the device of the network's parameters.

    Raises:
        ValueError: wrong shapes, dtypes or devices (the message says which).
    """
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        raise ValueError("batch must be a pair (images, labels) of tensors")
    images, labels = batch
    if not isinstance(images, torch.Tensor) or not isinstance(labels, torch.Tensor):
        raise ValueError("batch must be a pair (images, labels) of torch tensors")
    if images.ndim < 2 or not images.is_floating_point():
        raise ValueError(f"images must be a floating tensor (N, C, H, W), got {images.dtype} of shape {tuple(images.shape)}")
    if labels.ndim != 1 or labels.dtype != torch.int64 or labels.shape[0] != images.shape[0]:
        raise ValueError(
            f"labels must be an int64 tensor (N,) with N = {images.shape[0]}, got {labels.dtype} of shape {tuple(labels.shape)}"
        )
    if images.shape[0] < 1:
        raise ValueError("the batch is empty")
    param = next(network.parameters(), None)
    if param is not None and (param.device != images.device or labels.device != images.device):
        raise ValueError(
            f"network ({param.device}), images ({images.device}) and labels ({labels.device}) must be on one device"
        )
    return images, labels


def weight_layers(network: nn.Module) -> list[nn.Module]:
    """The conv and linear layers (:data:`SCORED_LAYERS`) in ``network.modules()`` order."""
    return [m for m in network.modules() if isinstance(m, SCORED_LAYERS)]


def cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """The loss of the loss-based proxies: mean cross-entropy over the batch (``F.cross_entropy``
    defaults, as zero-cost-nas and NASLib use)."""
    return nn.functional.cross_entropy(logits, labels)


@contextlib.contextmanager
def preserved(network: nn.Module) -> Iterator[nn.Module]:
    """Run a proxy on ``network`` and restore, on exit, everything a pass can change but weights.

    Restored: each module's ``training`` flag; every buffer's values (BatchNorm running mean,
    variance and batch counter move in a train-mode forward); every parameter's ``.grad``
    (values, or ``None``) and ``requires_grad``. Parameter *values* are not snapshotted: a
    proxy that changes weights must work on a copy.
    """
    modes = [(m, m.training) for m in network.modules()]
    buffers = [(b, b.detach().clone()) for b in network.buffers()]
    params = [(p, p.requires_grad, None if p.grad is None else p.grad.detach().clone()) for p in network.parameters()]
    try:
        yield network
    finally:
        with torch.no_grad():
            for buf, saved in buffers:
                buf.copy_(saved)
        for p, requires_grad, grad in params:
            p.requires_grad_(requires_grad)
            p.grad = grad
        for m, training in modes:
            m.training = training


@contextlib.contextmanager
def seeded(rng: np.random.Generator, device: torch.device) -> Iterator[None]:
    """Seed torch's generators (CPU and ``device``) from ``rng`` inside, restore them on exit.

    None of the registered proxies draws random numbers itself; this only makes stochastic
    layers of a caller's network (dropout, drop-path) repeatable from ``rng`` without touching
    torch's global state outside the proxy.
    """
    seed = int(rng.integers(0, 2**63 - 1))
    devices = [device.index if device.index is not None else torch.cuda.current_device()] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield



def scored_weights(network: nn.Module) -> list[nn.Parameter]:
    """The ``weight`` of every scored layer, with ``requires_grad`` switched on (the caller runs
    inside :func:`preserved`, which restores the flags).

    Raises:
        ValueError: the network has no conv or linear layer.
    """
    weights = [layer.weight for layer in weight_layers(network)]
    if not weights:
        raise ValueError("this proxy scores conv and linear weights; the network has none")
    for w in weights:
        w.requires_grad_(True)
    return weights


def loss_gradients(
    network: nn.Module, images: torch.Tensor, labels: torch.Tensor, weights: list[nn.Parameter], *, create_graph: bool = False
) -> list[torch.Tensor]:
    """``∂L/∂W`` for each of ``weights`` (zeros for a weight the loss does not reach), with ``L``
    the mean cross-entropy of one forward of ``images`` in the network's current mode.

    Uses :func:`torch.autograd.grad`, so no ``.grad`` attribute is written.
    """
    loss = cross_entropy(network(images), labels)
    grads = torch.autograd.grad(loss, weights, allow_unused=True, create_graph=create_graph)
    return [torch.zeros_like(w) if g is None else g for w, g in zip(weights, grads)]


def train_mode_loss_gradients(
    network: nn.Module, batch: tuple[torch.Tensor, torch.Tensor], rng: np.random.Generator
) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """(detached conv/linear weights, their ``∂L/∂W``) from one train-mode pass on ``batch``, with
    the network restored afterwards: the shared first step of the gradient-saliency proxies."""
    images, labels = check_batch(network, batch)
    with preserved(network), seeded(rng, images.device):
        network.train()
        weights = scored_weights(network)
        grads = loss_gradients(network, images, labels, weights)
        return [w.detach() for w in weights], grads
