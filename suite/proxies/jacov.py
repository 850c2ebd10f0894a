"""Jacobian covariance: how decorrelated the input gradients of different images are.

Definition (Mellor et al., arXiv:2006.04647 **v1**, 2020, Section 3, Eq. 2; the score the ICML
version replaced by :mod:`suite.proxies.naswot`): with ``J`` the ``(N, D)`` matrix whose row ``i`` is
the gradient of the summed network output with respect to image ``i`` (``D = C*H*W``), ``Σ_J`` its
``N x N`` correlation matrix (``numpy.corrcoef`` of the rows) and ``σ_1..σ_N`` the eigenvalues of
``Σ_J``,

    score = -Σ_i [ log(σ_i + k) + 1 / (σ_i + k) ],    k = 1e-5.

Higher is better (closer to uncorrelated gradients, ``Σ_J = I``); the sign is the paper's.

Choices, as in Abdelfattah et al.'s ``jacob_cov`` and NASLib's ``jacov`` (whose values
NAS-Bench-Suite-Zero publishes): the differentiated output is the network's *logits*, summed
over classes (``y.backward(ones_like(y))``); the authors' own repository differentiated the
pooled features of NB-201's ``(features, logits)`` pair instead, which our networks do not
expose. The forward runs in **train mode** (BatchNorm uses batch statistics), as both
references do; the running statistics it moves are restored. Eigenvalues come from
``numpy.linalg.eigvalsh`` (``Σ_J`` is symmetric; the references' ``eig`` gives the same values
up to rounding, with spurious zero imaginary parts).

The score is NaN when ``Σ_J`` is undefined: an image whose input gradient is constant (for
example a cell whose output does not depend on its input) has zero variance.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ._common import check_batch, preserved, seeded

NAME = "jacov"
CITATION = (
    'Mellor, Turner, Storkey & Crowley, "Neural Architecture Search without Training", '
    "arXiv:2006.04647v1 (2020), Section 3, Eq. 2 (Jacobian covariance score); as a proxy "
    'Abdelfattah et al., "Zero-Cost Proxies for Lightweight NAS", ICLR 2021'
)

#: the paper's regulariser of the eigenvalues
K_EPS = 1e-5


def input_jacobian(network: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """``(N, C*H*W)`` gradients of ``network(images).sum()`` w.r.t. each image (caller sets mode)."""
    x = images.detach().clone().requires_grad_(True)
    out = network(x)
    (grad,) = torch.autograd.grad(out.sum(), x)
    return grad.reshape(grad.shape[0], -1)


def score_from_jacobian(jacobian: np.ndarray) -> float:
    """The v1 score of an ``(N, D)`` Jacobian (float64 arithmetic); NaN if a row is constant."""
    J = np.asarray(jacobian, dtype=np.float64)
    centred = J - J.mean(axis=1, keepdims=True)
    if np.any(~np.isfinite(J)) or np.any(np.all(centred == 0.0, axis=1)):
        return float("nan")
    corr = np.corrcoef(J)
    eig = np.linalg.eigvalsh(corr)
    return float(-np.sum(np.log(eig + K_EPS) + 1.0 / (eig + K_EPS)))


def score(network: nn.Module, batch: tuple[torch.Tensor, torch.Tensor], *, rng: np.random.Generator) -> float:
    """Jacobian-covariance score of the batch's images (labels unused); see the module docstring."""
    images, _ = check_batch(network, batch)
    if images.shape[0] < 2:
        raise ValueError("jacov needs at least 2 images to correlate")
    with preserved(network), seeded(rng, images.device):
        network.train()
        jac = input_jacobian(network, images)
    return score_from_jacobian(jac.detach().double().cpu().numpy())
