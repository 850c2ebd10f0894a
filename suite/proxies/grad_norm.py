"""Gradient norm: how large the loss gradients of the layers are at initialisation.

Definition (Abdelfattah, Mehrotra, Dudziak & Lane, "Zero-Cost Proxies for Lightweight NAS",
ICLR 2021, Section 3, "grad_norm"; NASLib's ``grad_norm``, as in NAS-Bench-Suite-Zero): the
**sum over layers** of the Euclidean norm of each layer's weight gradient,

    score = Σ_{conv, linear layers l} || ∂L/∂W_l ||_2,

not the norm of the concatenated gradient (which would be ``sqrt(Σ_l ||∂L/∂W_l||²)``). Higher is
better. ``L`` is the mean cross-entropy after one forward in **train mode** (BatchNorm with batch
statistics), as in the references; the caller's network state is restored afterwards. Only
``nn.Conv2d`` and ``nn.Linear`` weights count (no biases, no BatchNorm parameters).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ._common import train_mode_loss_gradients

NAME = "grad_norm"
CITATION = (
    'Abdelfattah, Mehrotra, Dudziak & Lane, "Zero-Cost Proxies for Lightweight NAS", ICLR 2021, '
    "Section 3 (grad_norm: sum of the layers' gradient Euclidean norms)"
)


def score(network: nn.Module, batch: tuple[torch.Tensor, torch.Tensor], *, rng: np.random.Generator) -> float:
    """Σ_l ||∂L/∂W_l||_2 over conv and linear layers; see the module docstring."""
    weights, grads = train_mode_loss_gradients(network, batch, rng)
    total = sum(torch.linalg.vector_norm(g.double()) for g in grads)
    return float(total)
