"""GraSP: how removing each weight would change the gradient flow.

Definition (Wang, Zhang & Grosse, "Picking Winning Tickets Before Training by Preserving Gradient
Flow", ICLR 2020, Section 4: ``S(-θ) = -θ ⊙ H g``); as a NAS proxy (Abdelfattah et al., ICLR 2021,
Section 3; NASLib's ``grasp``, as in NAS-Bench-Suite-Zero) summed over the weights of every
``nn.Conv2d`` and ``nn.Linear``:

    score = Σ_layers Σ ( -θ ⊙ H g ),    g = ∂L/∂θ,  H = ∂²L/∂θ²  (over the scored weights).

Higher is better, with the references' sign: Abdelfattah et al. keep the minus of GraSP's
``S(-θ)`` (their code notes that accuracy correlated negatively with the score without it). No
absolute value is taken; the score can be negative.

``L`` is the mean cross-entropy (temperature 1) after a forward in **train mode** (BatchNorm with
batch statistics), as in the references. ``Hg`` is the gradient of ``z = Σ stopgrad(g) · g`` (a
Hessian-vector product by double backward). The references run two identical forwards, one for
``g`` and one with ``create_graph``; one forward gives the same ``g`` (no dropout, same batch),
so we run one. Weights are not modified; the caller's state is restored afterwards.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ._common import check_batch, loss_gradients, preserved, scored_weights, seeded

NAME = "grasp"
CITATION = (
    'Wang, Zhang & Grosse, "Picking Winning Tickets Before Training by Preserving Gradient Flow", '
    'ICLR 2020, Section 4 (S(-θ) = -θ ⊙ Hg); as a NAS proxy Abdelfattah et al., "Zero-Cost Proxies '
    'for Lightweight NAS", ICLR 2021, Section 3'
)


def score(network: nn.Module, batch: tuple[torch.Tensor, torch.Tensor], *, rng: np.random.Generator) -> float:
    """Σ -θ ⊙ Hg over conv and linear weights; see the module docstring."""
    images, labels = check_batch(network, batch)
    with preserved(network), seeded(rng, images.device):
        network.train()
        weights = scored_weights(network)
        grads = loss_gradients(network, images, labels, weights, create_graph=True)
        terms = [(g.detach() * g).sum() for g in grads if g.requires_grad]
        if not terms:
            return 0.0  # the loss is linear in every scored weight: H g = 0
        z = torch.stack(terms).sum()
        hg = torch.autograd.grad(z, weights, allow_unused=True)
        total = sum((-w.detach() * h).sum(dtype=torch.float64) for w, h in zip(weights, hg) if h is not None)
    return float(total)
