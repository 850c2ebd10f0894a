"""NAS-Bench-201 cell network in PyTorch (Dong & Yang, ICLR 2020, Section 2.1 and Figure 1).

The macro skeleton is fixed: a 3x3 conv stem (C = 16 channels), three stages of N = 5 copies of the
searched cell, and between stages a residual reduction block that doubles the channels and halves
the resolution; then BN + ReLU, global average pooling and a linear classifier. The cell is a DAG
of 4 nodes whose 6 edges each carry one of ``none, skip_connect, nor_conv_1x1, nor_conv_3x3,
avg_pool_3x3``; node j sums its incoming edges and node 3 is the cell's output.

Every module is built so that its parameter count equals the one NATS-Bench recorded (cell 0:
129,306 parameters on CIFAR-10). ``tests/test_networks_nb201.py`` checks all 15,625 cells: NASLib's
independently computed counts (NAS-Bench-Suite-Zero, 725 cells) agree exactly, and the embedded
table's ``params`` (NATS-Bench ``size_in_mb`` as transcoded by constrained-tpe) agrees for 15,475;
its other 150 rows hold the count of a cell with one conv edge more or fewer, while the same rows'
training times follow the counts built here (median gap to the mean time of cells with that count:
156 s for ours, 285 s for the table's), so those table rows are what is off.
Convolutions are pre-activation ``ReLU -> Conv -> BN`` with affine BN and no conv bias, as in the
benchmark's own code; ReLUs are ``nn.ReLU`` modules (never functional, never in place) so that
activation-based proxies such as NASWOT can hook every one of them.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from ..data.spaces.nb201 import EDGES, N_EDGES, OPS, cell_string, parse_cell_string
from ..errors import InvalidArchitecture

#: Input channels of the three stages; the reduction blocks sit between them.
STEM_CHANNELS = 16
CELLS_PER_STAGE = 5


class ReLUConvBN(nn.Sequential):
    """Pre-activation conv: ``ReLU -> Conv(no bias) -> BN(affine)``."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, padding: int) -> None:
        super().__init__(
            nn.ReLU(),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, bias=False),
            nn.BatchNorm2d(c_out),
        )


class Zero(nn.Module):
    """The ``none`` op: contributes nothing, but keeps the input in the graph (zero gradients)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)


def make_op(name: str, channels: int) -> nn.Module:
    """One edge operation at constant resolution and width (cells never change either)."""
    if name == "none":
        return Zero()
    if name == "skip_connect":
        return nn.Identity()
    if name == "nor_conv_1x1":
        return ReLUConvBN(channels, channels, 1, 1, 0)
    if name == "nor_conv_3x3":
        return ReLUConvBN(channels, channels, 3, 1, 1)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    raise ValueError(f"unknown NB-201 op {name!r}; ops are {', '.join(OPS)}")


class ReductionBlock(nn.Module):
    """Residual block between stages: two 3x3 ReLUConvBN (first with stride 2) plus a shortcut
    of 2x2 average pooling and a 1x1 conv (NB-201 Section 2.1, "basic residual block")."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, 2, 1)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1, 1)
        self.shortcut = nn.Sequential(
            nn.AvgPool2d(kernel_size=2, stride=2, padding=0),
            nn.Conv2d(c_in, c_out, kernel_size=1, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.conv_b(self.conv_a(x))


class Cell(nn.Module):
    """The searched 4-node cell; ``codes[k]`` is the op index of edge ``EDGES[k]`` = (to, from)."""

    def __init__(self, codes: Sequence[int], channels: int) -> None:
        super().__init__()
        self.edges = list(EDGES)
        self.ops = nn.ModuleList(make_op(OPS[c], channels) for c in codes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for target in (1, 2, 3):
            total = None
            for k, (to, src) in enumerate(self.edges):
                if to == target:
                    out = self.ops[k](nodes[src])
                    total = out if total is None else total + out
            nodes.append(total)
        return nodes[3]


class NB201Network(nn.Module):
    """The full NAS-Bench-201 network of one cell; ``forward`` returns logits ``(batch, classes)``.

    ``C`` and ``N`` default to the benchmark's 16 channels and 5 cells per stage; the input
    resolution is free (32x32 for CIFAR, 16x16 for ImageNet16-120).
    """

    def __init__(self, arch: str | Sequence[int], *, C: int = STEM_CHANNELS, N: int = CELLS_PER_STAGE,
                 num_classes: int = 10) -> None:
        super().__init__()
        codes = parse_cell_string(arch) if isinstance(arch, str) else tuple(int(c) for c in arch)
        if len(codes) != N_EDGES or not all(0 <= c < len(OPS) for c in codes):
            raise InvalidArchitecture(f"NB-201 cell needs {N_EDGES} op codes in 0..{len(OPS) - 1}, got {list(codes)}")
        self.arch = cell_string(codes)
        self.stem = nn.Sequential(nn.Conv2d(3, C, 3, padding=1, bias=False), nn.BatchNorm2d(C))
        layers: list[nn.Module] = []
        channels = C
        for stage in range(3):
            if stage > 0:
                layers.append(ReductionBlock(channels, channels * 2))
                channels *= 2
            layers.extend(Cell(codes, channels) for _ in range(N))
        self.cells = nn.Sequential(*layers)
        self.lastact = nn.Sequential(nn.BatchNorm2d(channels), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.lastact(self.cells(self.stem(x)))
        return self.classifier(torch.flatten(self.pool(features), 1))


def build(arch: str | Sequence[int], *, num_classes: int = 10) -> NB201Network:
    """Registry entry: the benchmark's network for one cell string (or op-code sequence)."""
    return NB201Network(arch, num_classes=num_classes)
