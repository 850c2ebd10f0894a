"""Fisher: estimated loss increase from removing each output channel, summed over the network.

Definition (Theis, Korshunova, Tejani & Huszár, "Faster gaze prediction with dense networks and
Fisher pruning", arXiv:1801.05787, 2018 (Fisher pruning of feature maps); Turner, Crowley,
O'Boyle, Storkey & Gray, "BlockSwap", ICLR 2020; as a NAS proxy Abdelfattah et al., ICLR 2021, Section 3): for the
output activation ``a`` of a layer and ``g = ∂L/∂a``, channel ``k``'s saliency is

    Δ_k = 1/2 · mean_n ( Σ_{spatial} a_{nk} g_{nk} )²,

with ``n`` the images of the batch. Activations are taken at the output of every ``nn.Conv2d``
and ``nn.Linear`` (before BatchNorm), where the reference implementation hooks them. The
network's score follows the reference's reduction (zero-cost-nas / NASLib ``fisher``, whose
values NAS-Bench-Suite-Zero publishes): each channel's ``Δ_k`` is broadcast over that channel's
``prod(weight.shape[1:])`` weights (``C_in/groups · kh · kw`` for a conv, ``in_features`` for a linear
layer) and everything is summed,

    score = Σ_layers prod(W.shape[1:]) · Σ_k Δ_k.

Higher is better; every term is non-negative. ``L`` is the mean cross-entropy after one forward
in **train mode** (BatchNorm with batch statistics), as in the references; the caller's state is
restored afterwards. A layer used twice in one forward contributes once per use (the reference
would keep only the last activation).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ._common import check_batch, cross_entropy, preserved, scored_weights, seeded, weight_layers

NAME = "fisher"
CITATION = (
    'Theis, Korshunova, Tejani & Huszár, "Faster gaze prediction with dense networks and Fisher '
    'pruning", arXiv:1801.05787 (2018); Turner et al., "BlockSwap", ICLR 2020; as a NAS '
    'proxy Abdelfattah et al., "Zero-Cost Proxies for Lightweight NAS", ICLR 2021, Section 3'
)


def score(network: nn.Module, batch: tuple[torch.Tensor, torch.Tensor], *, rng: np.random.Generator) -> float:
    """Channel-wise Fisher saliency summed over conv and linear outputs; see the module docstring."""
    images, labels = check_batch(network, batch)
    layers = weight_layers(network)
    saliency: list[torch.Tensor] = []  # float64 scalars: prod(W.shape[1:]) * Σ_k Δ_k, one per use

    def forward_hook(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        if not output.requires_grad:
            return
        act = output.detach()
        fan = math.prod(module.weight.shape[1:])

        def grad_hook(grad: torch.Tensor) -> None:
            prod = act * grad.detach()
            per_channel = prod.sum(dim=tuple(range(2, prod.ndim))) if prod.ndim > 2 else prod  # (N, C)
            delta = 0.5 * per_channel.double().pow(2).mean(dim=0)  # (C,)
            saliency.append(fan * delta.sum())

        output.register_hook(grad_hook)

    with preserved(network), seeded(rng, images.device):
        network.train()
        weights = scored_weights(network)
        handles = [layer.register_forward_hook(forward_hook) for layer in layers]
        try:
            loss = cross_entropy(network(images), labels)
            torch.autograd.grad(loss, weights, allow_unused=True)
        finally:
            for h in handles:
                h.remove()
    if not saliency:
        return 0.0
    return float(torch.stack(saliency).sum())
