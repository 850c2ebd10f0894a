"""NAS-Bench-101 cell network in PyTorch (Ying et al., ICML 2019, Section 2.1 and Figure 1).

The skeleton is fixed: a 3x3 conv-BN-ReLU stem with 128 channels, then 3 stacks of 3 copies of
the searched cell; before stacks 2 and 3 a 2x2 max-pool (stride 2) halves the resolution and the
cells double their channels (128, 256, 512); then global average pooling and a dense layer.

The cell is rebuilt exactly as the official ``nasbench/lib/model_builder.py`` (``build_module``,
``compute_vertex_channels``) and ``base_ops.py`` build it, so that parameter counts equal the
``trainable_parameters`` the benchmark recorded (checked cell by cell in
``tests/test_network_nb101.py``):

* the cell is first pruned as ``ModelSpec`` does (vertices off every input->output path go);
* the output's channels are split evenly over the interior vertices that feed it (the first ones
  get one more when the split is uneven); a vertex that does not feed the output takes the largest
  channel count among its successors, so channels never grow along an edge;
* a vertex sums its inputs: outputs of earlier interior vertices truncated to its first ``C``
  channels, and, if the input feeds it, a 1x1 conv-BN-ReLU *projection* of the cell input;
* the cell output is the channel concatenation of the interior vertices that feed it, plus
  (added) a projection of the cell input if the input feeds the output directly; a cell whose
  output has no interior predecessor is just that projection.

The network is built on the vertex order it is given (after pruning), not on a canonical
relabelling, because the count depends on it: the extra channel of an uneven split goes to the
lowest-numbered vertices, so two labellings of one module hash can differ by a few thousand
parameters (NAS-Bench-Suite-Zero holds such pairs). The benchmark's recorded count belongs to the
labelling in its record, which is the one the ``archs`` table of a converted cache keeps.

Ops: ``conv3x3-bn-relu`` / ``conv1x1-bn-relu`` are conv (no bias, "same" padding) + BN + ReLU;
``maxpool3x3`` is a 3x3 stride-1 "same" max-pool that keeps the channel count. BatchNorm is
affine with eps 1e-5 and momentum 0.003 (PyTorch's convention for TF's decay 0.997). Every ReLU
is an ``nn.ReLU`` module (never functional, never in place) so that activation-based proxies
such as NASWOT can hook each one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ..data.spaces.nb101 import arch_string, canonical_cell
from ..errors import InvalidArchitecture

__all__ = ["NB101Network", "Cell", "ConvBnRelu", "compute_vertex_channels", "build",
           "STEM_CHANNELS", "NUM_STACKS", "CELLS_PER_STACK", "BN_MOMENTUM", "BN_EPS"]

#: The official training configuration (``nasbench/lib/config.py``): stem_filter_size,
#: num_stacks, num_modules_per_stack.
STEM_CHANNELS = 128
NUM_STACKS = 3
CELLS_PER_STACK = 3
#: TF's ``batch_normalization(momentum=0.997)`` keeps 0.997 of the running average per step;
#: PyTorch's ``momentum`` is the weight of the *new* batch, hence 1 - 0.997.
BN_MOMENTUM = 1.0 - 0.997
BN_EPS = 1e-5


class ConvBnRelu(nn.Sequential):
    """``base_ops.conv_bn_relu``: Conv(no bias, stride 1, "same") -> BN(affine) -> ReLU."""

    def __init__(self, c_in: int, c_out: int, kernel: int) -> None:
        super().__init__(
            nn.Conv2d(c_in, c_out, kernel, stride=1, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out, eps=BN_EPS, momentum=BN_MOMENTUM),
            nn.ReLU(),
        )


def _make_op(name: str, channels: int) -> nn.Module:
    """The op of an interior vertex whose input already has ``channels`` channels."""
    if name == "conv3x3-bn-relu":
        return ConvBnRelu(channels, channels, 3)
    if name == "conv1x1-bn-relu":
        return ConvBnRelu(channels, channels, 1)
    if name == "maxpool3x3":
        return nn.MaxPool2d(3, stride=1, padding=1)
    raise InvalidArchitecture(f"unknown NB-101 op {name!r}; interior ops are conv3x3-bn-relu, conv1x1-bn-relu, maxpool3x3")


def compute_vertex_channels(input_channels: int, output_channels: int,
                            matrix: Sequence[Sequence[int]]) -> list[int]:
    """Channels of every vertex of a *pruned* cell (nasbench ``compute_vertex_channels``).

    ``matrix`` is the pruned ``(V, V)`` 0/1 adjacency (rows = sources). Vertex 0 gets
    ``input_channels`` and vertex ``V-1`` ``output_channels``. The output channels are divided
    over the interior vertices feeding the output (in-degree counted without the input vertex);
    the remainder goes one channel each to the first of them. Other interior vertices, visited
    backwards, take the maximum over their interior successors. Why: the output concatenates its
    interior inputs, so their widths must add up to ``output_channels``, and a vertex feeding
    several others must be at least as wide as each (the wider edge gets truncated).
    """
    n = len(matrix)
    channels = [0] * n
    channels[0] = input_channels
    channels[n - 1] = output_channels
    if n == 2:
        return channels
    fan_in = sum(matrix[v][n - 1] for v in range(1, n - 1))
    if fan_in == 0:
        raise InvalidArchitecture("NB-101 cell has interior vertices but none feeds the output; prune it first")
    base, extra = divmod(output_channels, fan_in)
    for v in range(1, n - 1):
        if matrix[v][n - 1]:
            channels[v] = base + (1 if extra else 0)
            extra -= 1 if extra else 0
    for v in range(n - 3, 0, -1):
        if not matrix[v][n - 1]:
            for dst in range(v + 1, n - 1):
                if matrix[v][dst]:
                    channels[v] = max(channels[v], channels[dst])
    if any(c <= 0 for c in channels[1:-1]):
        raise InvalidArchitecture(
            f"NB-101 cell gives a vertex no channels ({channels}) for {output_channels} output channels; "
            "use more channels or a cell with fewer vertices feeding the output"
        )
    return channels


class Cell(nn.Module):
    """One NB-101 module (``model_builder.build_module``) of a pruned cell.

    ``rows`` is the pruned adjacency (row = source) and ``ops`` the vertex ops, ``input`` first
    and ``output`` last. Input ``(B, in_channels, H, W)`` -> output ``(B, out_channels, H, W)``.
    """

    def __init__(self, rows: Sequence[Sequence[int]], ops: Sequence[str], in_channels: int, out_channels: int) -> None:
        super().__init__()
        n = len(rows)
        self.n_vertices = n
        self.channels = compute_vertex_channels(in_channels, out_channels, rows)
        #: interior predecessors of each vertex (the input vertex is handled by ``proj``)
        self.preds: list[list[int]] = [[s for s in range(1, t) if rows[s][t]] for t in range(n)]
        self.input_feeds: list[bool] = [bool(rows[0][t]) for t in range(n)]
        self.output_from: list[int] = [v for v in range(1, n - 1) if rows[v][n - 1]]
        # Keys are vertex numbers as strings: ModuleDict keeps the official layout sparse.
        self.proj = nn.ModuleDict()
        self.ops = nn.ModuleDict()
        for t in range(1, n - 1):
            if self.input_feeds[t]:
                self.proj[str(t)] = ConvBnRelu(in_channels, self.channels[t], 1)
            self.ops[str(t)] = _make_op(ops[t], self.channels[t])
        if self.input_feeds[n - 1]:
            self.proj[str(n - 1)] = ConvBnRelu(in_channels, out_channels, 1)
        elif not self.output_from:
            raise InvalidArchitecture("NB-101 cell output has no input; prune the cell first")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = self.n_vertices
        values: list[torch.Tensor] = [x]
        for t in range(1, n - 1):
            width = self.channels[t]
            inputs = [values[s][:, :width] for s in self.preds[t]]  # official truncate(): first C channels
            if self.input_feeds[t]:
                inputs.append(self.proj[str(t)](x))
            total = inputs[0]
            for extra in inputs[1:]:
                total = total + extra
            values.append(self.ops[str(t)](total))
        if not self.output_from:
            return self.proj[str(n - 1)](x)
        out = values[self.output_from[0]] if len(self.output_from) == 1 else torch.cat(
            [values[v] for v in self.output_from], dim=1)
        if self.input_feeds[n - 1]:
            out = out + self.proj[str(n - 1)](x)
        return out


class NB101Network(nn.Module):
    """The full NAS-Bench-101 network of one cell; ``forward`` maps ``(B, 3, H, W)`` to logits ``(B, num_classes)``.

    ``spec`` is anything :func:`suite.data.spaces.nb101.parse_spec` reads (matrix+ops dict,
    ``(matrix, ops)`` tuple or ``'ops;bits'`` arch string); it is validated and pruned as nasbench
    does, raising :class:`~suite.errors.InvalidArchitecture` with the broken rule. The keyword
    defaults are the benchmark's configuration; other values give the scaled-down variants some
    papers train (the parameter count then differs from the table). Weights use torch's default
    initialisers on the global generator: seed around the call for reproducible weights.
    """

    def __init__(self, spec: Any, *, num_classes: int = 10, stem_channels: int = STEM_CHANNELS,
                 num_stacks: int = NUM_STACKS, cells_per_stack: int = CELLS_PER_STACK) -> None:
        super().__init__()
        if isinstance(spec, str) and ";" not in spec:
            raise InvalidArchitecture(
                f"cannot build an NB-101 network from {spec[:60]!r}: a module hash does not say the cell; "
                "give {'matrix': ..., 'ops': [...]}, a (matrix, ops) tuple or an 'ops;bits' arch string"
            )
        for name, value in (("num_classes", num_classes), ("stem_channels", stem_channels),
                            ("num_stacks", num_stacks), ("cells_per_stack", cells_per_stack)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        rows, ops = canonical_cell(spec)
        #: the pruned cell, as its canonical ``'ops;bits'`` string
        self.arch: str = arch_string(rows, ops)
        self.stem = ConvBnRelu(3, stem_channels, 3)
        layers: list[nn.Module] = []
        c_in = channels = stem_channels
        for stack in range(num_stacks):
            if stack > 0:
                # TF max_pooling2d(2, 2, padding="same") == ceil mode (odd sizes keep the last row).
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2, ceil_mode=True))
                channels *= 2
            for _ in range(cells_per_stack):
                layers.append(Cell(rows, ops, c_in, channels))
                c_in = channels
        self.cells = nn.Sequential(*layers)
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.cells(self.stem(x))
        return self.classifier(features.mean(dim=(2, 3)))


def build(arch: Any, *, num_classes: int = 10) -> NB101Network:
    """Registry entry: the benchmark's network (official configuration) of one cell."""
    return NB101Network(arch, num_classes=num_classes)
