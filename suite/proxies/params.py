"""Parameter count, a baseline "proxy" (bigger networks tend to be more accurate in these spaces).

Definition: the number of trainable parameters (``requires_grad``) of the network, in millions,

    score = Σ_{p trainable} numel(p) / 1e6.

All of a network's parameters count: conv and linear weights and biases and BatchNorm affine
parameters; buffers (BatchNorm running statistics) do not. This is NAS-Bench-201's ``params``
(Dong & Yang, ICLR 2020; ``count_parameters_in_MB`` divides by 1e6) and NASLib's ``params`` as
published by NAS-Bench-Suite-Zero (e.g. 0.802426 for a cell with three 3x3 convolutions on
CIFAR-10). Higher is "better" in the baseline's sense. The batch and ``rng`` are not used.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

NAME = "params"
CITATION = (
    'Dong & Yang, "NAS-Bench-201: Extending the Scope of Reproducible Neural Architecture Search", '
    "ICLR 2020 (parameters in millions); as a baseline proxy Krishnakumar et al., "
    '"NAS-Bench-Suite-Zero", NeurIPS 2022 Datasets and Benchmarks'
)


def score(network: nn.Module, batch: tuple[torch.Tensor, torch.Tensor], *, rng: np.random.Generator) -> float:
    """Trainable parameters of ``network`` in millions (the batch is not used)."""
    return sum(p.numel() for p in network.parameters() if p.requires_grad) / 1e6
