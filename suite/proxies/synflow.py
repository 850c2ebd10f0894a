"""SynFlow: data-free synaptic saliency of the linearised network.

Definition (Tanaka, Kunin, Yamins & Ganguli, NeurIPS 2020, Section 6 and Algorithm 1; used as a NAS
proxy by Abdelfattah et al., ICLR 2021, Section 3): replace every parameter by its absolute value,
feed an all-ones input ``1`` and let ``R = 1^T f(1; |θ|)`` be the sum of the outputs; the
saliency of a weight is ``∂R/∂θ ⊙ θ`` and the score is its sum over the weights of every
``nn.Conv2d`` and ``nn.Linear`` layer,

    score = Σ_layers Σ | θ ⊙ ∂R/∂θ |    (evaluated at |θ|).

Higher is better. The absolute value is the reference code's (``torch.abs(w * w.grad)``); with
non-negative weights and an all-ones input every term of a ReLU/pool/add network is already
non-negative, so it hides no sign there.

Choices fixed by the reference implementations (Abdelfattah et al.'s zero-cost-nas and NASLib's
``synflow``, whose values NAS-Bench-Suite-Zero publishes):

* BatchNorm is **bypassed** (each BatchNorm layer replaced by the identity; ``bn=False`` in the
  references), so the network really is the product of its |weights|;
* every parameter and buffer becomes ``|.|`` (biases included), in **float64**;
* the input is **one** all-ones image of the batch's image shape (the batch's values and labels
  are unused);
* the work happens on a deep copy, so the caller's weights, dtype and signs are untouched. The
  copy runs in eval mode (with BatchNorm gone this only switches off dropout-like layers, which
  have no place in a linearised network).

The raw sum is returned; it is astronomically large for deep networks (about 1e20 to 1e35 on
NAS-Bench-201). NASLib stores ``log`` of it, a monotone change that leaves rank correlations as
they are.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from ._common import check_batch, seeded, weight_layers

NAME = "synflow"
CITATION = (
    'Tanaka, Kunin, Yamins & Ganguli, "Pruning neural networks without any data by iteratively '
    'conserving synaptic flow", NeurIPS 2020, Section 6 (R = 1^T prod|θ| 1, S = ∂R/∂θ ⊙ θ); '
    'as a NAS proxy Abdelfattah, Mehrotra, Dudziak & Lane, "Zero-Cost Proxies for Lightweight NAS", '
    "ICLR 2021, Section 3"
)

_BATCHNORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)


def linearised_copy(network: nn.Module) -> nn.Module:
    """A float64 deep copy with BatchNorm layers replaced by identities and every parameter and
    buffer replaced by its absolute value, in eval mode."""
    net = copy.deepcopy(network)
    for name, module in list(net.named_modules()):
        if isinstance(module, _BATCHNORMS):
            parent_name, _, child = name.rpartition(".")
            parent = net.get_submodule(parent_name) if parent_name else net
            setattr(parent, child, nn.Identity())
    net = net.double().eval()
    with torch.no_grad():
        for tensor in list(net.parameters()) + list(net.buffers()):
            if tensor.is_floating_point():
                tensor.abs_()
    for p in net.parameters():
        p.requires_grad_(True)
        p.grad = None
    return net


def score(network: nn.Module, batch: tuple[torch.Tensor, torch.Tensor], *, rng: np.random.Generator) -> float:
    """SynFlow score of ``network`` (data-free: only the batch's image shape is used)."""
    images, _ = check_batch(network, batch)
    net = linearised_copy(network)
    weights = [layer.weight for layer in weight_layers(net)]
    if not weights:
        raise ValueError("synflow scores conv and linear weights; the network has none")
    ones = torch.ones((1, *images.shape[1:]), dtype=torch.float64, device=images.device)
    with seeded(rng, images.device):
        R = net(ones).sum()
    grads = torch.autograd.grad(R, weights, allow_unused=True)
    total = torch.zeros((), dtype=torch.float64, device=images.device)
    for w, g in zip(weights, grads):
        if g is not None:
            total += (w.detach() * g).abs().sum()
    return float(total)
