"""Random search on the budget axis: full training, or Baker et al.'s SRM rule between budgets.

Architectures are drawn one by one from a :class:`~.accounting.Stream` (the same sequence as
the other methods for the same generator state) and trained sequentially. Without a rule each
is trained to the maximum budget ("full"). With an :class:`~.srm_rule.SRMRule` the first
``n_train`` are trained fully and fit the SRM; each later one is trained to ``tau``, the SRM
predicts its final value and sigma, and it is stopped if ``P(final <= y_best) >= delta``,
else trained on to the maximum budget (continuing the same run when ``resume``).

How this differs from :class:`suite.search.random_search.RandomSearch`: that searcher queries an
:class:`~suite.search.oracle.Oracle` for one value per architecture at a single fidelity, with
the oracle's budget and trajectory. This one trains on a :class:`~.tables.BudgetTable` through a
:class:`~.accounting.Ledger` — partial budgets, resumed runs, a stop decision in between, and
costs priced like every other early-stopping method. Both draw uniformly without replacement
(never more architectures than the pool holds); this one is the reference the early-stopping
methods are compared against, so it lives here, next to them.

No leakage: the SRM is fitted only on architectures trained fully *earlier in this run* and
predicts only architectures drawn after them; the stream never re-draws a cell, so a predicted
cell is never in the model's training set. Every decision records ``in_model_train`` (whether
the predicted cell was in the fitted model's training set) so that this can be checked.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .accounting import Ledger, Stream
from .halving import HalvingResult
from .srm_rule import SRMRule, prob_not_better
from .tables import BudgetTable

__all__ = ["random_search"]


def random_search(
    table: BudgetTable,
    rng: np.random.Generator,
    *,
    n: int | None = None,
    rule: SRMRule | None = None,
    resume: bool = True,
) -> HalvingResult:
    """Sequential random search over ``n`` architectures (default: every candidate once; at most the pool).

    Returns a :class:`~.halving.HalvingResult` whose ``rungs`` frame lists the rule's decisions
    (one row per architecture after the first ``n_train``: ``budget`` = tau epochs, ``value``
    observed there, ``score`` = predicted final value, ``sigma``, ``p_not_better``,
    ``promoted`` = trained on, ``predicted`` = True, ``in_model_train`` = the cell was in the
    training set of the SRM that predicted it); empty for full training.
    """
    n = table.n if n is None else int(n)
    tau = None if rule is None else rule.tau_column(table)  # refuses schedule tables up front
    rows = Stream(table.n, rng).take_exactly(n)
    ledger = Ledger(table, resume=resume)
    last = len(table.budgets) - 1
    cols = ["rung", "budget", "id", "value", "score", "sigma", "p_not_better", "promoted", "predicted",
            "in_model_train"]
    if rule is None or tau is None or n <= rule.n_train:
        ledger.train(rows, last)
        return HalvingResult.from_ledger(ledger, pd.DataFrame(columns=cols), n)

    full = list(rows[: rule.n_train])
    ledger.train(full, last)
    y_best = float(table.final_valid[full].max())
    rest = rows[rule.n_train :]
    model = rule.fit(table, full)
    mean, sigma = model.predict(rest, tau)
    in_train = model.trained_on(rest)
    p = np.full(len(rest), np.nan)
    kept = np.zeros(len(rest), dtype=bool)
    new = 0
    for i, row in enumerate(rest):  # sequential by nature: each decision depends on the incumbent
        ledger.train([row], tau)
        p[i] = float(prob_not_better(mean[i], sigma[i], y_best))
        if p[i] >= rule.delta:
            continue
        kept[i] = True
        ledger.train([row], last, from_col=tau)
        full.append(row)
        y_best = max(y_best, float(table.final_valid[row]))
        new += 1
        if rule.refit_every and new % rule.refit_every == 0 and i + 1 < len(rest):
            model = rule.fit(table, full)
            mean[i + 1 :], sigma[i + 1 :] = model.predict(rest[i + 1 :], tau)
            in_train[i + 1 :] = model.trained_on(rest[i + 1 :])
    decisions = pd.DataFrame({"rung": 0, "budget": int(table.budgets[tau]), "id": table.ids[rest],
                              "value": table.valid[rest, tau], "score": mean, "sigma": sigma, "p_not_better": p,
                              "promoted": kept, "predicted": True, "in_model_train": in_train})
    return HalvingResult.from_ledger(ledger, decisions, n)
