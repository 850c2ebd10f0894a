"""REINFORCE: the numpy policy, Adam and baseline against hand computation, and the searcher on real tables."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

import suite
from suite.encodings.genome import genome_for
from suite.errors import NasSuiteError
from suite.search import Budget, Objective, Oracle, make, objective_tables, run_search
from suite.search.reinforce import Adam, MovingAverage, Reinforce, SoftmaxPolicy, reinforce_step


@pytest.fixture(scope="module")
def nb201():
    return suite.load("nb201", "cifar10")


# -- the pieces ----------------------------------------------------------------------------------------
def test_policy_masks_values_a_position_does_not_have_and_samples_its_probabilities():
    card = np.array([2, 4, 3])
    logits = np.array([[0.0, 1.0, 9.0, 9.0], [0.0, 0.5, 1.0, 1.5], [2.0, 0.0, -1.0, 9.0]])
    policy = SoftmaxPolicy(card, logits)
    p = policy.probs()
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert (p[~policy.mask] == 0).all()
    np.testing.assert_allclose(p[0, :2], np.exp([0.0, 1.0]) / np.exp([0.0, 1.0]).sum())
    draws = policy.sample(np.random.default_rng(0), 40_000)
    assert (draws < card).all()
    for pos in range(3):
        freq = np.bincount(draws[:, pos], minlength=4) / len(draws)
        np.testing.assert_allclose(freq, p[pos], atol=0.01)
    np.testing.assert_allclose(policy.log_prob(np.array([[1, 3, 0]])), np.log(p[0, 1] * p[1, 3] * p[2, 0]))
    assert policy.argmax().tolist() == [1, 3, 0]


def test_two_steps_equal_the_hand_computed_update():
    """NATS-Bench order: the baseline takes the reward first, so step 1 has zero advantage; step 2's
    Adam update is written out by hand (torch.optim.Adam's formula)."""
    card = np.array([3, 2])
    logits = np.array([[0.1, -0.2, 0.3], [0.0, 0.4, 0.0]])
    policy = SoftmaxPolicy(card, logits)
    lr, r1, r2, a = 0.01, 80.0, 90.0, np.array([2, 1])
    opt, base = Adam(logits.shape, lr), MovingAverage(0.9)
    assert reinforce_step(policy, opt, base, a, r1) == 0.0
    np.testing.assert_array_equal(policy.logits, logits)  # zero gradient: no move
    p = policy.probs()
    adv = reinforce_step(policy, opt, base, a, r2)
    b = (0.9 * 0.1 * r1 + 0.1 * r2) / (0.9 * 0.1 + 0.1)
    assert math.isclose(adv, r2 - b)
    onehot = np.zeros_like(logits)
    onehot[[0, 1], a] = 1.0
    g = -(r2 - b) * np.where(policy.mask, onehot - p, 0.0)  # d loss / d logits
    m = 0.9 * (0.1 * 0.0) + 0.1 * g  # step 1 saw g = 0
    v = 0.999 * 0.0 + 0.001 * g**2
    expected = logits - lr / (1 - 0.9**2) * m / (np.sqrt(v) / np.sqrt(1 - 0.999**2) + 1e-8)
    np.testing.assert_allclose(policy.logits, expected, rtol=1e-12, atol=1e-15)
    assert policy.logits[1, 2] == 0.0  # a masked entry never moves


def test_policy_converges_to_the_argmax_of_a_toy_reward():
    card = np.array([3, 5, 2, 4])
    target = np.array([2, 0, 1, 3])
    rng = np.random.default_rng(0)
    policy = SoftmaxPolicy.initial(card, rng)
    opt, base = Adam(policy.logits.shape, 0.05), MovingAverage(0.9)
    for _ in range(600):
        a = policy.sample(rng, 1)[0]
        reinforce_step(policy, opt, base, a, float((a == target).sum()))
    assert policy.argmax().tolist() == target.tolist()
    assert np.exp(policy.log_prob(target[None]))[0] > 0.5


# -- the searcher -----------------------------------------------------------------------------------------
def test_defaults_are_nats_benchs(nb201):
    r = make("reinforce")
    assert (r.learning_rate, r.ema_momentum, r.init_scale) == (0.01, 0.9, 1e-3)
    with pytest.raises(NasSuiteError, match="learning_rate"):
        run_search(nb201, Reinforce(learning_rate=0), Objective(), Budget(queries=3), seed=0)


def test_same_seed_same_run_and_the_budget_holds(nb201):
    obj = Objective(cost_metric="train_time", schedule=200)
    a = run_search(nb201, "reinforce", obj, Budget(queries=150), seed=4)
    b = run_search(nb201, "reinforce", obj, Budget(queries=150), seed=4)
    pd.testing.assert_frame_equal(a.trajectory, b.trajectory)
    assert a.info == b.info and len(a.trajectory) == 150
    c = run_search(nb201, "reinforce", obj, Budget(seconds=30_000.0), seed=4).trajectory
    assert (c["cost"].to_numpy()[:-1] < 30_000).all() and c["cost"].iloc[-1] >= 30_000


def test_learns_a_toy_reward_on_the_nb201_genome(nb201):
    """Reward = number of edges holding nor_conv_3x3 (code 3): the policy's mode becomes that cell."""
    g = genome_for(nb201)
    codes = g.encode(np.arange(len(nb201))).astype(np.int64)
    fake = (codes == 3).sum(axis=1).astype(np.float64)
    tables = dataclasses.replace(objective_tables(nb201, Objective(noise="mean"), np.random.default_rng(0)),
                                 observed=fake, true=fake)
    rng = np.random.default_rng(0)
    oracle = Oracle(nb201, Objective(noise="mean"), Budget(queries=400), rng, tables=tables)
    result = Reinforce(learning_rate=0.1).search(oracle, rng)
    best = int(g.decode(np.full((1, 6), 3, dtype=np.int8))[0])
    assert result.info["policy_mode"] == best and result.info["policy_mode_prob"] > 0.5
    assert result.trajectory["observed"].iloc[-50:].mean() > 5.0
    assert result.trajectory["id"].duplicated().sum() > 50  # a sample queried before is queried (and paid) again


def test_invalid_samples_are_redrawn_uncharged_and_the_pool_is_respected(nb201):
    nb101 = suite.load("nb101", "cifar10")  # the embedded 292-cell sample: most genomes decode to -1
    obj = Objective(schedule=108, noise="mean", test_metric="valid_acc")
    res = run_search(nb101, "reinforce", obj, Budget(queries=30), seed=0)
    pool = objective_tables(nb101, obj, np.random.default_rng(0)).pool
    assert len(res.trajectory) == 30 and np.isin(res.trajectory["id"], pool).all()
    assert res.info["n_invalid"] > 0 and res.info["n_fallback"] == 0
    # a pool that excludes most of NB-201: samples outside it are redrawn, counted, never queried
    tables = objective_tables(nb201, Objective(noise="mean"), np.random.default_rng(0))
    small = dataclasses.replace(tables, pool=np.arange(0, len(nb201), 10))
    rng = np.random.default_rng(1)
    oracle = Oracle(nb201, Objective(noise="mean"), Budget(queries=40), rng, tables=small)
    out = Reinforce().search(oracle, rng)
    assert np.isin(out.trajectory["id"], small.pool).all() and len(out.trajectory) == 40
    assert out.info["n_outside_pool"] > 100
