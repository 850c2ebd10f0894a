"""REINFORCE (Williams 1992) with a factorised softmax policy, as NAS-Bench-201 / NATS-Bench run it.

The policy is one independent categorical distribution per genome position: logits ``(L, C)``
(``C`` = the largest cardinality; the values a position does not have are masked out). On NB-201
that is 6 edges x 5 operations — exactly NATS-Bench's ``PolicyTopology``
(``exps/NATS-algos/reinforce.py`` in D-X-Y/AutoDL-Projects: ``arch_parameters = 1e-3 *
randn(6 edges, 5 ops)``, softmax per edge); on NB-101 and any other space its genome's positions.

Every step samples one architecture, queries it (paying for it, also when it was queried before:
NATS-Bench's loop calls ``simulate_train_eval`` on every sample), and takes one Adam step on the
loss ``-log pi(a) * (reward - baseline)``. Settings of that file, the defaults here:

- reward = the observed value itself, un-normalised (NATS-Bench: the 12-epoch validation
  accuracy in percent returned by ``simulate_train_eval``); Adam's per-parameter scaling makes the
  step size nearly independent of the reward's scale;
- baseline = an exponential moving average with ``EMA_momentum = 0.9`` (its argparse default, also
  passed by ``scripts-search/NAS-Bench-201-algos/REINFORCE.sh``), bias-corrected (numerator /
  denominator) and updated with the reward *before* the advantage is taken, so the first step
  has zero advantage;
- optimiser ``torch.optim.Adam(lr=learning_rate)`` with torch's defaults (betas 0.9, 0.999, eps
  1e-8); ``learning_rate = 0.01``, the value of every command line in that file's header
  (NAS-Bench-201 searched 0.01, 0.02, 0.1, 0.2, 0.5: ``scripts-search/NAS-Bench-201-algos/hps/GRID-RL.sh``);
- the run reports the best architecture observed (NATS-Bench's ``best_arch = max(trace)``).

Written in numpy (no torch). A sample the genome cannot decode (an invalid NB-101 cell, or one the
table lacks: ``n_invalid``) or whose cell has no objective value (outside the oracle's pool:
``n_outside_pool``) is redrawn without being charged or learnt from; ``info`` counts both. The gradient is that of the unconstrained policy's
log-probability (the rejection renormalisation is ignored, as any rejection sampler of a
factorised policy does).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..encodings.genome import genome_for
from ..errors import NasSuiteError
from .base import Searcher
from .oracle import Oracle, SearchResult

if TYPE_CHECKING:
    from ..encodings.genome import Genome

__all__ = ["Reinforce", "SoftmaxPolicy", "Adam", "MovingAverage", "reinforce_step"]


class SoftmaxPolicy:
    """Independent softmax distributions over the values of each position.

    ``logits``: float64 ``(L, C)``; entries ``[p, c]`` with ``c >= cardinalities[p]`` are ignored.
    """

    def __init__(self, cardinalities: np.ndarray, logits: np.ndarray) -> None:
        self.cardinalities = np.asarray(cardinalities, dtype=np.int64)
        self.logits = np.asarray(logits, dtype=np.float64).copy()
        width = int(self.cardinalities.max())
        if self.logits.shape != (len(self.cardinalities), width):
            raise NasSuiteError(f"policy logits must have shape {(len(self.cardinalities), width)}, got {self.logits.shape}")
        self.mask = np.arange(width)[None, :] < self.cardinalities[:, None]

    @classmethod
    def initial(cls, cardinalities: np.ndarray, rng: np.random.Generator, scale: float = 1e-3) -> "SoftmaxPolicy":
        """NATS-Bench's initialisation: ``scale * N(0, 1)`` logits."""
        card = np.asarray(cardinalities, dtype=np.int64)
        return cls(card, scale * rng.standard_normal((len(card), int(card.max()))))

    def probs(self) -> np.ndarray:
        """float64 ``(L, C)``: the distribution of each position (0 where masked)."""
        z = np.where(self.mask, self.logits, -np.inf)
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """int64 ``(n, L)`` independent draws (consumes ``n * L`` uniforms of ``rng``)."""
        cdf = np.cumsum(self.probs(), axis=1)
        u = rng.random((n, len(self.cardinalities)))
        draws = (u[:, :, None] >= cdf[None, :, :]).sum(axis=2)
        return np.minimum(draws, self.cardinalities - 1)

    def log_prob(self, actions: np.ndarray) -> np.ndarray:
        """float64 ``(n,)``: log-probability of each row of ``actions`` ``(n, L)``."""
        actions = np.asarray(actions, dtype=np.int64).reshape(-1, len(self.cardinalities))
        z = np.where(self.mask, self.logits, -np.inf)
        top = z.max(axis=1, keepdims=True)
        logp = self.logits - top - np.log(np.exp(z - top).sum(axis=1, keepdims=True))  # log-softmax, finite
        return logp[np.arange(len(self.cardinalities)), actions].sum(axis=1)

    def grad_log_prob(self, action: np.ndarray) -> np.ndarray:
        """float64 ``(L, C)``: d log pi(action) / d logits = onehot(action) - probs (0 where masked)."""
        action = np.asarray(action, dtype=np.int64).reshape(-1)
        grad = -self.probs()
        grad[np.arange(len(action)), action] += 1.0
        return np.where(self.mask, grad, 0.0)

    def argmax(self) -> np.ndarray:
        """int64 ``(L,)``: the most probable value of each position."""
        return np.where(self.mask, self.logits, -np.inf).argmax(axis=1)


class Adam:
    """Adam (Kingma & Ba 2015) exactly as ``torch.optim.Adam`` without weight decay or amsgrad:
    ``p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)``."""

    def __init__(self, shape: tuple[int, ...], lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        self.lr = float(lr)
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = float(eps)
        self.m = np.zeros(shape)
        self.v = np.zeros(shape)
        self.t = 0

    def step(self, params: np.ndarray, grad: np.ndarray) -> None:
        """Update ``params`` in place with the gradient of the loss to minimise."""
        b1, b2 = self.betas
        self.t += 1
        self.m = b1 * self.m + (1 - b1) * grad
        self.v = b2 * self.v + (1 - b2) * grad * grad
        denom = np.sqrt(self.v) / np.sqrt(1 - b2**self.t) + self.eps
        params -= self.lr / (1 - b1**self.t) * self.m / denom


class MovingAverage:
    """NATS-Bench's ``ExponentialMovingAverage``: a bias-corrected EMA (numerator / denominator)."""

    def __init__(self, momentum: float) -> None:
        self.momentum = float(momentum)
        self._num = 0.0
        self._den = 0.0

    def update(self, value: float) -> None:
        self._num = self.momentum * self._num + (1 - self.momentum) * float(value)
        self._den = self.momentum * self._den + (1 - self.momentum)

    @property
    def value(self) -> float:
        return self._num / self._den


def reinforce_step(policy: SoftmaxPolicy, optimiser: Adam, baseline: MovingAverage, action: np.ndarray,
                   reward: float) -> float:
    """One REINFORCE update after ``action`` earned ``reward``; returns the advantage used.

    The baseline is updated with ``reward`` first (as NATS-Bench does); the loss is
    ``-log pi(action) * (reward - baseline)``, whose logits gradient is
    ``-(reward - baseline) * (onehot(action) - probs)``.
    """
    baseline.update(reward)
    advantage = float(reward) - baseline.value
    optimiser.step(policy.logits, -advantage * policy.grad_log_prob(action))
    return advantage


class Reinforce(Searcher):
    name = "reinforce"
    citation = "Williams 1992, 'Simple statistical gradient-following algorithms for connectionist RL' (REINFORCE); settings of NATS-Bench (Dong et al. 2021)"

    def __init__(self, learning_rate: float = 0.01, ema_momentum: float = 0.9, init_scale: float = 1e-3,
                 max_redraws: int = 100_000, draw_batch: int = 32) -> None:
        self.learning_rate = learning_rate
        self.ema_momentum = ema_momentum
        self.init_scale = init_scale
        self.max_redraws = max_redraws
        self.draw_batch = draw_batch

    def _check(self) -> None:
        if not self.learning_rate > 0:
            raise NasSuiteError(f"reinforce: learning_rate must be > 0, got {self.learning_rate!r}")
        if not 0 <= self.ema_momentum < 1:
            raise NasSuiteError(f"reinforce: ema_momentum must be in [0, 1), got {self.ema_momentum!r}")
        for key in ("max_redraws", "draw_batch"):
            value = getattr(self, key)
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise NasSuiteError(f"reinforce: {key} must be an integer >= 1, got {value!r}")

    def search(self, oracle: Oracle, rng: np.random.Generator) -> SearchResult:
        self._check()
        genome = genome_for(oracle.bench)
        allowed = np.zeros(len(oracle.bench), dtype=bool)
        allowed[oracle.pool] = True
        policy = SoftmaxPolicy.initial(genome.cardinalities, rng, self.init_scale)
        optimiser = Adam(policy.logits.shape, self.learning_rate)
        baseline = MovingAverage(self.ema_momentum)
        counts = {"n_invalid": 0, "n_outside_pool": 0, "n_fallback": 0}
        while not oracle.exhausted:
            action, arch = self._draw(policy, genome, allowed, oracle.pool, rng, counts)
            reward = oracle.query([arch])
            if not len(reward):
                break
            reinforce_step(policy, optimiser, baseline, action, float(reward[0]))
        mode = int(genome.decode(policy.argmax()[None, :].astype(np.int8))[0])
        info = {**counts, "policy_mode": mode, "policy_mode_prob": float(np.exp(policy.log_prob(policy.argmax()))[0])}
        return SearchResult(oracle.trajectory(), info)

    def _draw(self, policy: SoftmaxPolicy, genome: Genome, allowed: np.ndarray, pool: np.ndarray,
              rng: np.random.Generator, counts: dict[str, int]) -> tuple[np.ndarray, int]:
        """The first sample (drawn ``draw_batch`` at a time) that is a valid cell of the pool.

        After ``max_redraws`` rejected samples one pool cell is taken uniformly (``n_fallback``).
        """
        rejected = 0
        while rejected < self.max_redraws:
            actions = policy.sample(rng, self.draw_batch)
            ids = genome.decode(actions.astype(np.int8))
            valid = ids >= 0
            ok = valid & allowed[np.maximum(ids, 0)]
            first = int(np.argmax(ok)) if ok.any() else len(ok)
            counts["n_invalid"] += int((~valid[:first]).sum())
            counts["n_outside_pool"] += int((valid[:first] & ~ok[:first]).sum())
            rejected += first
            if first < len(ok):
                return actions[first], int(ids[first])
        counts["n_fallback"] += 1
        arch = int(rng.choice(pool))
        return genome.encode(np.array([arch]))[0].astype(np.int64), arch
