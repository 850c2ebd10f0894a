"""Zero-cost proxies computed on real cell networks (needs the ``torch`` extra).

One module per proxy, listed in the registry :data:`PROXIES` by the import path of its ``score``
and imported on first use, so ``import suite.proxies`` imports neither torch nor any proxy. Every
proxy module exposes

* ``score(network, batch, *, rng) -> float``: ``network`` a ``torch.nn.Module`` returning logits,
  ``batch = (images, labels)`` with images float32 ``(N, C, H, W)`` already normalised and labels
  int64 ``(N,)``, on the network's device; ``rng`` a ``numpy.random.Generator`` (it seeds torch's
  generators around the pass, so stochastic layers repeat; no registered proxy draws random
  numbers itself);
* ``NAME`` and ``CITATION`` (paper, venue, section or equation).

Contract (checked by ``tests/test_proxies.py`` for every registered proxy): higher score means
predicted better, with the sign of the original paper / NAS-Bench-Suite-Zero; the same weights,
batch and ``rng`` seed give the same float; the network comes back unchanged — weights, buffers
(BatchNorm running statistics), train/eval flags, ``.grad`` and ``requires_grad``. Each module's
docstring states its exact definition, mode (train mode with BatchNorm batch statistics for the
data-dependent proxies, as in the references) and reduction.

Names are those of the papers; NAS-Bench-Suite-Zero's tables call ``naswot`` ``nwot``. Its NB-201
values are reproduced in magnitude (and rank-correlate at 0.93-1.00 on CIFAR-10 cells) with
minibatches of 32 training images; the proxies themselves take whatever batch they are given.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import NasSuiteError
from ..registry import Entry, Registry

__all__ = ["PROXIES", "UnknownProxy", "available", "citation", "score"]


class UnknownProxy(NasSuiteError, KeyError):
    """A proxy name that is not registered (the message lists those that are)."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else "unknown proxy"


def _proxy(name: str, citation: str, summary: str) -> Entry:
    return Entry(name, factory=f"suite.proxies.{name}:score", citation=citation, summary=summary, extra="torch")


#: proxy name -> :class:`~suite.registry.Entry` whose factory is the module's ``score`` (imported
#: on use); each citation is the module's ``CITATION``, verbatim.
PROXIES: Registry[Entry] = Registry("zero-cost proxy", [
    _proxy("naswot",
           'Mellor, Turner, Storkey & Crowley, "Neural Architecture Search without Training", ICML 2021, '
           "Section 3, Eq. 2 (log|K_H| of the ReLU binary-code kernel)",
           "NASWOT: log-determinant of the binary-code kernel of the ReLU activations"),
    _proxy("jacov",
           'Mellor, Turner, Storkey & Crowley, "Neural Architecture Search without Training", '
           "arXiv:2006.04647v1 (2020), Section 3, Eq. 2 (Jacobian covariance score); as a proxy "
           'Abdelfattah et al., "Zero-Cost Proxies for Lightweight NAS", ICLR 2021',
           "Jacobian covariance: how decorrelated the input gradients of different images are"),
    _proxy("synflow",
           'Tanaka, Kunin, Yamins & Ganguli, "Pruning neural networks without any data by iteratively '
           'conserving synaptic flow", NeurIPS 2020, Section 6 (R = 1^T prod|θ| 1, S = ∂R/∂θ ⊙ θ); '
           'as a NAS proxy Abdelfattah, Mehrotra, Dudziak & Lane, "Zero-Cost Proxies for Lightweight NAS", '
           "ICLR 2021, Section 3",
           "SynFlow: data-free synaptic saliency of the linearised network"),
    _proxy("snip",
           'Lee, Ajanthan & Torr, "SNIP: Single-shot Network Pruning based on Connection Sensitivity", '
           'ICLR 2019, Section 4.1 (connection sensitivity); as a NAS proxy Abdelfattah et al., "Zero-Cost Proxies for '
           'Lightweight NAS", ICLR 2021, Section 3',
           "SNIP: connection sensitivity summed over the network"),
    _proxy("grasp",
           'Wang, Zhang & Grosse, "Picking Winning Tickets Before Training by Preserving Gradient Flow", '
           'ICLR 2020, Section 4 (S(-θ) = -θ ⊙ Hg); as a NAS proxy Abdelfattah et al., "Zero-Cost Proxies '
           'for Lightweight NAS", ICLR 2021, Section 3',
           "GraSP: how removing each weight would change the gradient flow"),
    _proxy("grad_norm",
           'Abdelfattah, Mehrotra, Dudziak & Lane, "Zero-Cost Proxies for Lightweight NAS", ICLR 2021, '
           "Section 3 (grad_norm: sum of the layers' gradient Euclidean norms)",
           "gradient norm: how large the loss gradients of the layers are at initialisation"),
    _proxy("fisher",
           'Theis, Korshunova, Tejani & Huszár, "Faster gaze prediction with dense networks and Fisher '
           'pruning", arXiv:1801.05787 (2018); Turner et al., "BlockSwap", ICLR 2020; as a NAS '
           'proxy Abdelfattah et al., "Zero-Cost Proxies for Lightweight NAS", ICLR 2021, Section 3',
           "Fisher: estimated loss increase from removing each output channel, summed over the network"),
    _proxy("params",
           'Dong & Yang, "NAS-Bench-201: Extending the Scope of Reproducible Neural Architecture Search", '
           "ICLR 2020 (parameters in millions); as a baseline proxy Krishnakumar et al., "
           '"NAS-Bench-Suite-Zero", NeurIPS 2022 Datasets and Benchmarks',
           "parameter count, a baseline proxy"),
    _proxy("flops",
           'Dong & Yang, "NAS-Bench-201: Extending the Scope of Reproducible Neural Architecture Search", '
           "ICLR 2020 (FLOPs in millions of multiply-accumulates of conv and linear layers); as a baseline "
           'proxy Krishnakumar et al., "NAS-Bench-Suite-Zero", NeurIPS 2022 Datasets and Benchmarks',
           "FLOPs, a baseline proxy: multiply-accumulates of one forward of one image, in millions"),
], error=UnknownProxy, sort=True)


def available() -> list[str]:
    """Registered proxy names, sorted."""
    return PROXIES.available()


def citation(name: str) -> str:
    """Where proxy ``name``'s definition comes from (paper, venue, section or equation)."""
    return PROXIES.spec(name).citation


def score(name: str, network: Any, batch: tuple[Any, Any], *, rng: np.random.Generator) -> float:
    """Proxy ``name`` of ``network`` on ``batch``; see the module docstring for the contract.

    Raises:
        UnknownProxy: ``name`` is not in :data:`PROXIES`.
        ValueError: the batch or network does not fit the proxy (the message says how).
    """
    return float(PROXIES.load(name)(network, batch, rng=rng))
