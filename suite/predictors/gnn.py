"""Graph convolutional regressor on cell graphs, after the Neural Predictor.

Reference: W. Wen, H. Liu, Y. Chen, H. Li, G. Bender, P.-J. Kindermans, "Neural Predictor for
Neural Architecture Search", ECCV 2020. The paper's predictor is a stack of *bidirectional* GCN
layers (messages propagated along the edges and, with separate weights, against them, the two
results averaged), global mean pooling over nodes, one fully connected layer, dropout and a
scalar output, trained with MSE. :class:`GCNRegressor` implements that model with its own code
(no graph library) and CPU-friendly training defaults; see the class docstring for the
differences from the paper.

PyTorch is an optional extra (``pip install 'nas-suite[torch]'``). Importing this module does not
need it; only :meth:`GCNRegressor.fit` and :meth:`GCNRegressor.predict` import it. A fitted
estimator keeps its weights as NumPy arrays, so it pickles and unpickles without PyTorch.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..extras import require
from .base import seed_of

if TYPE_CHECKING:  # pragma: no cover - typing only
    import torch

__all__ = ["GCNRegressor"]

_PREDICT_BATCH = 4096  # rows per forward pass in predict: about 40 MB of activations per layer at width 144


def _import_torch() -> Any:
    """Import torch on use, with a one-line install hint if it is missing."""
    return require("torch", "gnn")


@contextmanager
def _torch_threads(torch: Any, n_threads: int | None) -> Iterator[None]:
    """Run the block with ``n_threads`` intra-op threads, restoring the previous setting after."""
    if n_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(int(n_threads))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


class GCNRegressor(RegressorMixin, BaseEstimator):
    """Bidirectional graph convolutional network regressor (Neural Predictor, Wen et al. 2020).

    **Input.** ``X`` has shape ``(n, V*V + V*F)``: for every architecture the row-major flattened
    adjacency ``A`` (``V x V``, ``A[i, j] = 1`` for an edge ``i -> j``, nodes in topological order,
    padding nodes all zero), followed by the row-major one-hot node features ``H`` (``V x F``).
    ``V`` cannot be read off the width unambiguously, so it is the parameter ``n_nodes``: 7 for
    the NAS-Bench-101 ``graph`` encoding (``F = 5``), 8 for NAS-Bench-201's op-on-node ``graph``
    encoding (``F = 7``); ``suite.encodings.graph_shape`` gives both. A node whose feature row is
    all zero is padding: it neither sends messages nor enters the pooled mean. ``y`` has shape
    ``(n,)``; it is standardised internally (``y_mean_``, ``y_scale_``), so accuracies in percent
    need no rescaling.

    **Model.** With ``B_in = rownorm(A^T + I)`` (each node averages itself and its predecessors)
    and ``B_out = rownorm(A + I)`` (itself and its successors), each of the ``n_layers`` layers is
    ``h <- relu((B_in h W_in + B_out h W_out) / 2 + b)``, ``hidden`` units wide. Node states are
    mean-pooled over the real nodes, passed through a ``fc_hidden``-unit ReLU layer, dropout and a
    linear output. Loss: mean squared error on the standardised target; optimiser: AdamW with
    cosine decay of the learning rate to zero over all steps. All randomness (initialisation,
    shuffling, dropout) comes from one ``torch.Generator`` seeded from ``random_state``, so on CPU
    the same ``random_state`` (and ``n_threads``) gives identical predictions; the process-wide
    torch RNG is never touched.

    **Differences from the paper** (3 GCN layers of width 144, FC 128, dropout, Adam with lr 1e-4
    and cosine decay, weight decay 1e-3, batch 10, 300 epochs). Depth, FC width, loss, pooling and
    the cosine schedule are the paper's. The paper's schedule is 30,000 optimiser steps of a
    width-144 network for 1,000 architectures, minutes on a CPU, so the training defaults were
    re-tuned on NAS-Bench-201 CIFAR-10 (``benchmarks/bench_gnn.py``: 1,000 training cells, Kendall
    tau on 200 held-out cells) for the budget "fit 1,000 + predict 15,625 in under a minute on two
    cores": ``hidden=64`` (not 144), batch 32, 400 epochs (12,800 steps at n = 1,000), peak lr 3e-3,
    decoupled (AdamW) weight decay 1e-3, dropout 0.1. Measured there (3 seeds, same time budget):
    width 144 for 150 epochs reached tau 0.79, width 64 for 400 epochs 0.84; more steps kept
    helping (600 epochs: 0.86, but about 50 s). Normalisation is a row mean over each node and
    its neighbours in one direction, our choice for directed graphs (Kipf & Welling's GCN uses
    the symmetric ``D^-1/2 (A + I) D^-1/2`` of an undirected graph).

    Parameters
    ----------
    n_nodes : int or None
        ``V``, nodes per graph (including padding). Required; ``fit`` raises if it is ``None``.
    hidden : int
        Width of every GCN layer.
    n_layers : int
        Number of bidirectional GCN layers.
    fc_hidden : int
        Width of the fully connected layer after pooling.
    dropout : float
        Dropout rate on the fully connected layer, in ``[0, 1)``.
    epochs : int
        Passes over the training set.
    batch_size : int
        Architectures per optimiser step (capped at the training-set size).
    lr : float
        Peak learning rate of AdamW; decays to zero on a cosine over all steps.
    weight_decay : float
        Decoupled (AdamW) weight decay.
    random_state : int, numpy Generator/RandomState or None
        Seed of the estimator's own torch generator. ``None``: fresh entropy on every fit.
    n_threads : int or None
        Torch intra-op threads used during ``fit``/``predict`` (restored afterwards); ``None``
        leaves torch's setting alone. One thread is fastest for graphs this small.

    Attributes
    ----------
    n_features_in_ : int
        ``V*V + V*F``.
    n_node_features_ : int
        ``F``, node-feature width.
    params_ : dict[str, numpy.ndarray]
        Trained weights (float32): ``W{l}`` of shape ``(in, 2*hidden)`` (``W_in`` and ``W_out``
        side by side), ``b{l}`` ``(hidden,)``, ``fc_W`` ``(hidden, fc_hidden)``, ``fc_b``,
        ``out_W`` ``(fc_hidden, 1)``, ``out_b`` ``(1,)``.
    y_mean_, y_scale_ : float
        Target standardisation: the network predicts ``(y - y_mean_) / y_scale_``.
    loss_curve_ : list[float]
        Mean training loss (standardised units) per epoch.
    n_iter_ : int
        Epochs run.
    """

    def __init__(
        self,
        n_nodes: int | None = None,
        hidden: int = 64,
        n_layers: int = 3,
        fc_hidden: int = 128,
        dropout: float = 0.1,
        epochs: int = 400,
        batch_size: int = 32,
        lr: float = 3e-3,
        weight_decay: float = 1e-3,
        random_state: Any = None,
        n_threads: int | None = 1,
    ) -> None:
        self.n_nodes = n_nodes
        self.hidden = hidden
        self.n_layers = n_layers
        self.fc_hidden = fc_hidden
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.random_state = random_state
        self.n_threads = n_threads

    # -- scikit-learn interface ---------------------------------------------------------------------
    def fit(self, X: Any, y: Any) -> GCNRegressor:
        """Train on ``X`` of shape ``(n, V*V + V*F)`` and targets ``y`` of shape ``(n,)``; returns self."""
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float32, y_numeric=True, ensure_all_finite=True)
        n_feat = self._node_feature_width(X.shape[1])
        y = np.asarray(y, dtype=np.float64)
        y_mean = float(y.mean())
        y_scale = float(y.std())
        if not np.isfinite(y_scale) or y_scale <= 0.0:
            y_scale = 1.0

        torch = _import_torch()
        with _torch_threads(torch, self.n_threads):
            gen = torch.Generator().manual_seed(seed_of(self.random_state))
            params = _init_params(torch, n_feat, self.hidden, self.n_layers, self.fc_hidden, gen)
            graphs = _graph_tensors(torch, X, self.n_nodes)
            target = torch.from_numpy(((y - y_mean) / y_scale).astype(np.float32))
            curve = _train(
                torch, params, graphs, target, gen,
                n_layers=self.n_layers, dropout=float(self.dropout), epochs=int(self.epochs),
                batch_size=int(self.batch_size), lr=float(self.lr), weight_decay=float(self.weight_decay),
            )  # fmt: skip

        self.n_node_features_ = n_feat
        self.params_ = {k: v.detach().numpy().copy() for k, v in params.items()}
        self.y_mean_ = y_mean
        self.y_scale_ = y_scale
        self.loss_curve_ = curve
        self.n_iter_ = int(self.epochs)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets, shape ``(n,)``, float64, in the units of the ``y`` given to ``fit``."""
        check_is_fitted(self, "params_")
        X = validate_data(self, X, dtype=np.float32, ensure_all_finite=True, reset=False)
        torch = _import_torch()
        out = np.empty(X.shape[0], dtype=np.float64)
        with _torch_threads(torch, self.n_threads), torch.inference_mode():
            params = {k: torch.from_numpy(v) for k, v in self.params_.items()}
            for start in range(0, X.shape[0], _PREDICT_BATCH):
                stop = min(start + _PREDICT_BATCH, X.shape[0])
                graphs = _graph_tensors(torch, X[start:stop], self.n_nodes)
                pred = _forward(torch, params, *graphs, n_layers=self.n_layers)
                out[start:stop] = pred.numpy()
        return out * self.y_scale_ + self.y_mean_

    # -- validation ---------------------------------------------------------------------------------
    def _check_params(self) -> None:
        if self.n_nodes is None:
            raise ValueError(
                "GCNRegressor needs n_nodes (nodes per graph, V): 7 for the nb101 'graph' encoding, "
                "8 for the nb201 'graph' encoding (see suite.encodings.graph_shape)"
            )
        ints = {"n_nodes": self.n_nodes, "hidden": self.hidden, "n_layers": self.n_layers,
                "fc_hidden": self.fc_hidden, "epochs": self.epochs, "batch_size": self.batch_size}  # fmt: skip
        for name, value in ints.items():
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"GCNRegressor: {name} must be a positive integer, got {value!r}")
        if not 0.0 <= float(self.dropout) < 1.0:
            raise ValueError(f"GCNRegressor: dropout must be in [0, 1), got {self.dropout!r}")
        if not float(self.lr) > 0.0:
            raise ValueError(f"GCNRegressor: lr must be positive, got {self.lr!r}")
        if not float(self.weight_decay) >= 0.0:
            raise ValueError(f"GCNRegressor: weight_decay must be >= 0, got {self.weight_decay!r}")
        if self.n_threads is not None and (isinstance(self.n_threads, bool) or int(self.n_threads) < 1):
            raise ValueError(f"GCNRegressor: n_threads must be a positive integer or None, got {self.n_threads!r}")

    def _node_feature_width(self, d: int) -> int:
        """``F`` from the input width ``d = V*V + V*F``; raises if ``d`` does not fit ``n_nodes``."""
        v = int(self.n_nodes)  # type: ignore[arg-type]
        rest = d - v * v
        if rest <= 0 or rest % v:
            raise ValueError(
                f"GCNRegressor: X has {d} columns, which is not V*V + V*F with V = n_nodes = {v} and F >= 1 "
                f"(expected {v * v} adjacency columns plus a positive multiple of {v}); "
                "check n_nodes against the encoding (suite.encodings.graph_shape)"
            )
        return rest // v


# -- the network, as plain tensors ------------------------------------------------------------------
def _init_params(torch: Any, n_feat: int, hidden: int, n_layers: int, fc_hidden: int, gen: torch.Generator) -> dict[str, torch.Tensor]:
    """Glorot-uniform weights and zero biases, drawn from ``gen`` only (never the global RNG)."""

    def glorot(fan_in: int, fan_out: int, cols: int | None = None) -> torch.Tensor:
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        w = torch.empty(fan_in, cols or fan_out).uniform_(-bound, bound, generator=gen)
        return w.requires_grad_()

    params: dict[str, torch.Tensor] = {}
    width = n_feat
    for layer in range(n_layers):
        params[f"W{layer}"] = glorot(width, hidden, 2 * hidden)  # [W_in | W_out], each Glorot for width -> hidden
        params[f"b{layer}"] = torch.zeros(hidden, requires_grad=True)
        width = hidden
    params["fc_W"] = glorot(hidden, fc_hidden)
    params["fc_b"] = torch.zeros(fc_hidden, requires_grad=True)
    params["out_W"] = glorot(fc_hidden, 1)
    params["out_b"] = torch.zeros(1, requires_grad=True)
    return params


def _graph_tensors(torch: Any, X: np.ndarray, n_nodes: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Split encoded rows into propagation matrices, node features and pooling weights.

    Returns ``prop`` of shape ``(n, V, 2V)``: ``[B_in | B_out] / 2`` with ``B_in = rownorm(A^T + I)``
    and ``B_out = rownorm(A + I)``, where ``A`` keeps only edges between real nodes (non-zero
    feature row), so a real node never reads a padding node; ``feats`` ``(n, V, F)``; ``pool``
    ``(n, V)``: ``1 / n_real`` on real nodes and 0 on padding (all zero for a graph without nodes).
    """
    n, v = X.shape[0], n_nodes
    adj = X[:, : v * v].reshape(n, v, v)
    feats = np.ascontiguousarray(X[:, v * v :].reshape(n, v, -1))
    real = (np.abs(feats).sum(axis=2) > 0).astype(np.float32)
    adj = adj * real[:, :, None] * real[:, None, :]
    eye = np.eye(v, dtype=np.float32)
    fwd = np.swapaxes(adj, 1, 2) + eye  # row j: j itself and its predecessors i (A[i, j] = 1)
    bwd = adj + eye  # row i: i itself and its successors
    fwd /= fwd.sum(axis=2, keepdims=True)
    bwd /= bwd.sum(axis=2, keepdims=True)
    prop = 0.5 * np.concatenate([fwd, bwd], axis=2).astype(np.float32)
    pool = real / np.maximum(real.sum(axis=1, keepdims=True), 1.0)
    return torch.from_numpy(prop), torch.from_numpy(feats), torch.from_numpy(pool)


def _forward(
    torch: Any,
    params: dict[str, torch.Tensor],
    prop: torch.Tensor,
    feats: torch.Tensor,
    pool: torch.Tensor,
    *,
    n_layers: int,
    dropout: float = 0.0,
    gen: torch.Generator | None = None,
) -> torch.Tensor:
    """Predictions (standardised units), shape ``(n,)``; dropout only if ``dropout > 0`` and ``gen``.

    One layer is a single ``(n*V, in) @ (in, 2*hidden)`` product giving ``h W_in`` and ``h W_out``
    side by side, rearranged to ``(n, 2V, hidden)`` (``h W_in`` on rows ``0..V-1``, ``h W_out`` on
    rows ``V..2V-1``) so that ``prop @ .`` sums both directions in one batched product. Padding
    nodes get states too, but no real node reads them and pooling gives them weight 0.
    """
    n, v = feats.shape[0], feats.shape[1]
    h = feats
    for layer in range(n_layers):
        w = params[f"W{layer}"]
        both = (h.reshape(n * v, -1) @ w).view(n, v, 2, -1).transpose(1, 2).reshape(n, 2 * v, -1)
        h = torch.relu(prop @ both + params[f"b{layer}"])
    pooled = (h * pool.unsqueeze(2)).sum(dim=1)
    z = torch.relu(pooled @ params["fc_W"] + params["fc_b"])
    if dropout > 0.0 and gen is not None:
        keep = torch.empty_like(z).bernoulli_(1.0 - dropout, generator=gen)
        z = z * keep * (1.0 / (1.0 - dropout))
    return (z @ params["out_W"] + params["out_b"]).squeeze(1)


def _train(
    torch: Any,
    params: dict[str, torch.Tensor],
    graphs: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    target: torch.Tensor,
    gen: torch.Generator,
    *,
    n_layers: int,
    dropout: float,
    epochs: int,
    batch_size: int,
    lr: float,
    weight_decay: float,
) -> list[float]:
    """Mini-batch AdamW on MSE with per-step cosine decay; returns the mean loss of each epoch."""
    n = target.shape[0]
    batch = min(batch_size, n)
    steps_per_epoch = math.ceil(n / batch)
    total = epochs * steps_per_epoch
    opt = torch.optim.AdamW(list(params.values()), lr=lr, weight_decay=weight_decay, fused=True)
    curve: list[float] = []
    step = 0
    for _ in range(epochs):
        order = torch.randperm(n, generator=gen)
        shuffled = [t[order] for t in (*graphs, target)]  # one gather per epoch; batches are views
        running = 0.0
        for start in range(0, n, batch):
            prop, feats, pool, tgt = (t[start : start + batch] for t in shuffled)
            for group in opt.param_groups:
                group["lr"] = 0.5 * lr * (1.0 + math.cos(math.pi * step / total))
            pred = _forward(torch, params, prop, feats, pool, n_layers=n_layers, dropout=dropout, gen=gen)
            loss = torch.mean((pred - tgt) ** 2)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            running += float(loss.detach()) * tgt.shape[0]
            step += 1
        curve.append(running / n)
    return curve
