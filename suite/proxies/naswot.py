"""NASWOT: log-determinant of the binary-code kernel of the ReLU activations.

Definition (Mellor et al., ICML 2021, Section 3, Eq. 2 — not the v1 arXiv Jacobian score, which is
:mod:`suite.proxies.jacov`): every ReLU unit of the network either fires (input > 0) or not, so
image ``i`` of the minibatch gets a binary code ``c_i`` of length ``N_A`` (all units of all ReLU
modules). With ``d_H`` the Hamming distance,

    K_H[i, j] = N_A - d_H(c_i, c_j) = c_i . c_j + (1 - c_i) . (1 - c_j),    score = log |K_H|.

Higher is better (more distinct activation patterns across images). As in the authors' code
(``BayesWatch/nas-without-training``) and NASLib's ``nwot``, the kernel is accumulated per
``nn.ReLU`` module from that module's *input* (``input > 0``, which equals ``output > 0``), a
module reached twice in a forward counts twice, and the score is NumPy's ``slogdet(K)[1]`` (the
log of the absolute determinant; ``-inf`` for a singular kernel, e.g. two identical images).

Mode: the forward runs in **train mode**, so BatchNorm normalises with the minibatch's own
statistics. The authors' scoring script never calls ``eval()`` on the freshly built network and
NASLib's ``nwot`` (the values NAS-Bench-Suite-Zero publishes) runs it as built, i.e. in train
mode; at initialisation the running statistics are (0, 1), so eval mode would make BatchNorm an
identity and give a different score. The running statistics the pass moves are restored
afterwards, and so is the caller's train/eval flag.

Computation: the images are passed in channels-last memory layout (about a third faster on a
2-core CPU; activations then differ from an NCHW pass only by float rounding). Each ReLU input
becomes a ``(N, n_units)`` 0/1 matrix ``C``; with ``G = C C^T`` and ``r = diag(G)`` (units firing
per image) the module adds ``2G - r 1^T - 1 r^T + n_units`` to ``K``, one matmul instead of two. All entries are integers: ``G`` is exact in float32 while a
module has fewer than 2**24 units (float64 is used above that) and ``K`` is accumulated in
float64, so the result does not depend on summation order. ReLU modules fed the very same
tensor (NB-201 cells feed one node to several ``ReLU -> Conv`` edges) reuse that tensor's
contribution instead of recomputing it.
"""

from __future__ import annotations

import weakref

import numpy as np
import torch
from torch import nn

from ._common import check_batch, preserved, seeded

NAME = "naswot"
CITATION = (
    'Mellor, Turner, Storkey & Crowley, "Neural Architecture Search without Training", ICML 2021, '
    "Section 3, Eq. 2 (log|K_H| of the ReLU binary-code kernel)"
)

#: float32 integer arithmetic is exact below this many units per ReLU module
_FLOAT32_EXACT = 2**24


def kernel(network: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """``K_H`` of ``images``: float64 ``(N, N)`` on the images' device (one train-mode forward).

    The caller is responsible for the network's mode and state (see :func:`score`).

    Raises:
        ValueError: the network has no ``nn.ReLU`` module.
    """
    relus = [m for m in network.modules() if isinstance(m, nn.ReLU)]
    if not relus:
        raise ValueError("naswot needs nn.ReLU modules to hook; the network has none")
    n = images.shape[0]
    K = torch.zeros((n, n), dtype=torch.float64, device=images.device)
    # id(tensor) -> (weak reference, version, contribution): a ReLU input seen before adds the
    # same contribution again; the weak reference and the version counter make sure it is the
    # same, unmodified tensor (an id can be reused once a tensor is freed).
    seen: dict[int, tuple[weakref.ref, int, torch.Tensor]] = {}

    def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        x = inputs[0]
        hit = seen.get(id(x))
        if hit is not None and hit[0]() is x and hit[1] == x._version:
            K.add_(hit[2])
            return
        if x.ndim == 4 and x.is_contiguous(memory_format=torch.channels_last):
            x_flat = x.permute(0, 2, 3, 1)  # memory order; the unit order does not matter to K
        else:
            x_flat = x
        flat = x_flat.reshape(n, -1)
        units = flat.shape[1]
        dtype = torch.float32 if units < _FLOAT32_EXACT else torch.float64
        c = torch.gt(flat, 0, out=torch.empty(flat.shape, dtype=dtype, device=flat.device))  # 0/1, one pass
        gram = (c @ c.T).to(torch.float64)
        fired = torch.diagonal(gram)
        part = 2.0 * gram - fired[:, None] - fired[None, :] + float(units)
        K.add_(part)
        seen[id(x)] = (weakref.ref(x), x._version, part)

    handles = [m.register_forward_hook(hook) for m in relus]
    try:
        network(images)
    finally:
        for h in handles:
            h.remove()
    return K


def score(network: nn.Module, batch: tuple[torch.Tensor, torch.Tensor], *, rng: np.random.Generator) -> float:
    """``log |K_H|`` of the batch's images (labels unused); see the module docstring."""
    images, _ = check_batch(network, batch)
    if images.ndim == 4:
        # NHWC input: convolutions (and the BatchNorm/ReLU after them) run in channels-last layout,
        # about a third faster on CPU; the network itself is not converted
        images = images.contiguous(memory_format=torch.channels_last)
    with preserved(network), seeded(rng, images.device), torch.no_grad():
        network.train()
        K = kernel(network, images)
    _, logabsdet = np.linalg.slogdet(K.cpu().numpy())
    return float(logabsdet)
