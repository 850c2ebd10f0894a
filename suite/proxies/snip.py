"""SNIP: connection sensitivity summed over the network.

Definition (Lee, Ajanthan & Torr, "SNIP", ICLR 2019, Section 4.1, connection sensitivity): the sensitivity of the
loss to a multiplicative mask ``c`` on each weight, at ``c = 1``, is ``∂L/∂c = ∂L/∂θ ⊙ θ``. As a NAS
proxy (Abdelfattah et al., ICLR 2021, Section 3; NASLib's ``snip``, as in NAS-Bench-Suite-Zero) the
score is the sum of its magnitudes over the weights of every ``nn.Conv2d`` and ``nn.Linear``:

    score = Σ_layers Σ | θ ⊙ ∂L/∂θ |.

Higher is better. ``L`` is the mean cross-entropy of the batch's logits and labels after one
forward in **train mode** (BatchNorm kept, normalising with batch statistics), as in the
references; the running statistics it moves, the caller's mode and the parameters' ``.grad`` are
left as they were. Biases and BatchNorm affine parameters are not scored.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ._common import train_mode_loss_gradients

NAME = "snip"
CITATION = (
    'Lee, Ajanthan & Torr, "SNIP: Single-shot Network Pruning based on Connection Sensitivity", '
    'ICLR 2019, Section 4.1 (connection sensitivity); as a NAS proxy Abdelfattah et al., "Zero-Cost Proxies for '
    'Lightweight NAS", ICLR 2021, Section 3'
)


def score(network: nn.Module, batch: tuple[torch.Tensor, torch.Tensor], *, rng: np.random.Generator) -> float:
    """Σ |θ ⊙ ∂L/∂θ| over conv and linear weights; see the module docstring."""
    weights, grads = train_mode_loss_gradients(network, batch, rng)
    total = sum((w * g).abs().sum(dtype=torch.float64) for w, g in zip(weights, grads))
    return float(total)
