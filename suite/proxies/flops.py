"""FLOPs, a baseline "proxy": multiply-accumulates of one forward of one image, in millions.

Definition (NAS-Bench-201's ``flops``, Dong & Yang, ICLR 2020; counted by its
``get_model_infos`` hooks): one image of the batch's shape is passed through the network in
eval mode and forward hooks add, per image,

* ``nn.Conv1d/2d/3d``: ``C_in/groups · prod(kernel) · C_out · prod(output spatial)``
  multiply-accumulates, plus ``C_out · prod(output spatial)`` additions when the conv has a bias;
* ``nn.Linear``: ``in_features · out_features`` per output row, plus ``out_features`` per row when
  it has a bias.

Nothing else is counted: BatchNorm, activations, pooling, the element-wise additions of cell
nodes and the ``none`` op are free, as in NAS-Bench-201 (whose hooks also visit pooling layers but
leave them out of the total). The total is divided by 1e6, so one multiply-add counts once (a
"MAC"), as the benchmark's "MFLOPs" do. Check against a published value: NATS-Bench reports
113.95137 for ``|skip_connect~0|+|none~0|nor_conv_3x3~1|+|avg_pool_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|``
on CIFAR-10 (NATS-Bench issue #36), which this count reproduces.

NAS-Bench-Suite-Zero's ``flops`` comes from another counter (NASLib's model statistics, which also
charges other layers): for ``|none~0|+|skip_connect~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|none~2|``,
whose three 3x3 convolutions give the same 113.95137 here, it reports 115.402432. The conv and
linear terms dominate both counts. Higher is "better" in the baseline's sense. ``rng`` is not used.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from ._common import check_batch, preserved

NAME = "flops"
CITATION = (
    'Dong & Yang, "NAS-Bench-201: Extending the Scope of Reproducible Neural Architecture Search", '
    "ICLR 2020 (FLOPs in millions of multiply-accumulates of conv and linear layers); as a baseline "
    'proxy Krishnakumar et al., "NAS-Bench-Suite-Zero", NeurIPS 2022 Datasets and Benchmarks'
)

_CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)


def _layer_macs(module: nn.Module, output: torch.Tensor) -> int:
    """Multiply-accumulates (+ bias additions) of one call of a conv or linear layer, all images."""
    if isinstance(module, _CONVS):
        positions = output.numel() // module.out_channels  # images x output spatial positions
        macs = positions * module.out_channels * (module.in_channels // module.groups) * math.prod(module.kernel_size)
        return macs + (positions * module.out_channels if module.bias is not None else 0)
    rows = output.numel() // module.out_features
    macs = rows * module.in_features * module.out_features
    return macs + (rows * module.out_features if module.bias is not None else 0)


def count_macs(network: nn.Module, images: torch.Tensor) -> int:
    """Total conv and linear multiply-accumulates (+ bias additions) of ``network(images)``
    (all images together; the caller sets the mode)."""
    total = 0

    def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        nonlocal total
        total += _layer_macs(module, output)

    handles = [m.register_forward_hook(hook) for m in network.modules() if isinstance(m, (*_CONVS, nn.Linear))]
    try:
        with torch.no_grad():
            network(images)
    finally:
        for h in handles:
            h.remove()
    return total


def score(network: nn.Module, batch: tuple[torch.Tensor, torch.Tensor], *, rng: np.random.Generator) -> float:
    """Millions of conv + linear multiply-accumulates for one image of the batch's shape."""
    images, _ = check_batch(network, batch)
    with preserved(network):
        network.eval()
        macs = count_macs(network, images[:1])
    return macs / 1e6
