"""Ask/tell optimisers as searchers: any black-box optimiser runs against the oracle like a built-in method.

Black-box optimisation libraries (Optuna's ``study.ask``/``study.tell``, SMAC3's
``smac.ask()``/``smac.tell(TrialInfo, TrialValue)``, Nevergrad, HEBO...) and most home-made
optimisers share one loop: *ask* for a configuration, evaluate it, *tell* the value. This module
states that loop once (:class:`AskTellOptimizer`) and drives it against an
:class:`~suite.search.oracle.Oracle`, so the optimiser pays simulated training cost and its runs
get the suite's anytime, regret and SEG reports next to the built-in searchers.

The space an optimiser sees is the benchmark's genome (:mod:`suite.encodings.genome`) as named
parameters (:class:`ParameterSpace`): position ``p`` is the parameter ``"p<p>"`` taking the
choice index ``0..cardinalities[p]-1``; ordinal positions (``Genome.ordinal``, e.g. a learning
rate grid) are ordered/integer parameters, the others categorical.

The contract the searcher keeps with an optimiser:

* ``factory(space, seed, **params)`` builds it; ``seed`` is drawn from the run's generator, so
  the same run seed gives the same trajectory if the optimiser draws only from ``seed``;
* ask and tell alternate: every :meth:`~AskTellOptimizer.ask` is answered by exactly one
  :meth:`~AskTellOptimizer.tell` with the very object ``ask`` returned, before the next ask;
* the value told is the oracle's observation (higher is better: the optimiser **maximises**);
  ``None`` means the configuration failed: it is not a valid cell, or the table (the oracle's
  pool) lacks it. A failed ask costs nothing, but more than ``max_invalid`` of them in a row end
  the run with a one-line :class:`~suite.errors.NasSuiteError` (a genome-level optimiser cannot
  search a sparse sample of a space, e.g. the embedded 292-cell NB-101 table);
* a configuration asked again is queried (and paid for) again, as regularized evolution does;
* an optional ``close()`` is called when the run ends (temporary files, worker pools).

A user's own optimiser plugs in by import path, in Python or in a search experiment::

    [[methods]]
    label = "mine"
    method = "ask-tell"
    params = { optimizer = "mypkg.opt:MyOptimizer", optimizer_params = { population = 20 } }

See ``docs/guides/your-optimiser.md`` for the recipe, :mod:`suite.search.optuna_search` and
:mod:`suite.search.smac_search` for two library adapters.
"""

from __future__ import annotations

import contextlib
import logging
from abc import abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..encodings.genome import Genome, genome_for
from ..errors import NasSuiteError
from ..registry import resolve
from .base import Searcher
from .oracle import Oracle, SearchResult

__all__ = [
    "AskTellLoop",
    "AskTellOptimizer",
    "AskTellSearcher",
    "Config",
    "ParameterSpace",
    "UniformAskTell",
    "check_max_invalid",
    "expected_queries",
    "quiet_loggers",
]

#: what ``ask`` returns: ``{name: choice index}`` or a sequence of ``L`` choice indices in position order
Config = Mapping[str, Any] | Sequence[Any] | np.ndarray


@runtime_checkable
class AskTellOptimizer(Protocol):
    """An optimiser the searcher drives: ``ask`` proposes, ``tell`` reports (maximise; None = failed)."""

    def ask(self) -> Any:
        """The next configuration: a :data:`Config`, or an object of the adapter's own whose
        :meth:`ParameterSpace.vector` form it gives through ``dict(obj)``/``list(obj)``."""

    def tell(self, config: Any, value: float | None) -> None:
        """``config`` is what :meth:`ask` returned; ``value`` its observation, or None if it failed."""


@dataclass(frozen=True)
class ParameterSpace:
    """A genome as named integer parameters. Tuples of length ``L`` (genome positions).

    Attributes:
        names: ``"p0".."p<L-1>"``, the parameter of each position.
        cardinalities: number of choices of each position; values are ``0..cardinality-1``.
        ordinal: whether a position's choices are ordered (expose as an integer / ordinal
            parameter) or not (categorical).
    """

    names: tuple[str, ...]
    cardinalities: tuple[int, ...]
    ordinal: tuple[bool, ...]

    @classmethod
    def from_genome(cls, genome: Genome) -> ParameterSpace:
        cards = np.asarray(genome.cardinalities, dtype=np.int64)
        ordinal = np.asarray(getattr(genome, "ordinal", np.zeros(len(cards), dtype=bool)), dtype=bool)
        return cls(names=tuple(f"p{p}" for p in range(len(cards))), cardinalities=tuple(int(c) for c in cards),
                   ordinal=tuple(bool(o) for o in ordinal))

    def __len__(self) -> int:
        return len(self.names)

    def vector(self, config: Config) -> np.ndarray:
        """int64 ``(L,)`` choice indices of ``config`` (a mapping by name, or a sequence in position order).

        Raises a one-line :class:`NasSuiteError` when the optimiser broke the space: a missing or
        unknown name, a wrong length, a non-integer or out-of-range value. (A well-formed
        configuration that is not a valid cell is not an error: it is told as failed.)
        """
        if isinstance(config, Mapping):
            unknown = sorted(set(map(str, config)) - set(self.names))
            missing = [n for n in self.names if n not in config]
            if unknown or missing:
                raise NasSuiteError(f"ask-tell: the optimizer's configuration has unknown parameters {unknown} and "
                                    f"lacks {missing}; expected exactly {', '.join(self.names)}")
            values = [v.item() if isinstance(v, np.generic) else v for v in (config[n] for n in self.names)]
        else:
            values = np.asarray(config).reshape(-1).tolist()
            if len(values) != len(self.names):
                raise NasSuiteError(f"ask-tell: the optimizer asked a vector of length {len(values)}; "
                                    f"the genome has {len(self.names)} positions")
        out = np.empty(len(values), dtype=np.int64)
        for p, v in enumerate(values):
            try:
                iv = int(v)
                ok = iv == v and 0 <= iv < self.cardinalities[p]
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise NasSuiteError(f"ask-tell: the optimizer asked {self.names[p]}={v!r}; it takes the integers "
                                    f"0..{self.cardinalities[p] - 1}")
            out[p] = iv
        return out

    def config(self, vector: np.ndarray) -> dict[str, int]:
        """``{name: choice index}`` of an int ``(L,)`` vector (e.g. a table cell's genome)."""
        return {n: int(v) for n, v in zip(self.names, np.asarray(vector).reshape(-1))}


def check_max_invalid(name: str, max_invalid: Any) -> None:
    """One-line error unless ``max_invalid`` is a non-negative integer."""
    if not isinstance(max_invalid, int) or isinstance(max_invalid, bool) or max_invalid < 0:
        raise NasSuiteError(f"{name}: max_invalid must be a non-negative integer, got {max_invalid!r}")


@contextlib.contextmanager
def quiet_loggers(*names: str, level: int = logging.WARNING) -> Iterator[None]:
    """Raise the named loggers to ``level`` for the duration of a run, then restore them.

    Libraries log every trial at INFO; a search experiment runs thousands. Scoped rather than
    global, so a user's own logging set-up is left as it was.
    """
    loggers = [logging.getLogger(n) for n in names]
    before = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(max(level, lg.getEffectiveLevel()))
    try:
        yield
    finally:
        for lg, lv in zip(loggers, before):
            lg.setLevel(lv)


def expected_queries(oracle: Oracle) -> int:
    """How many queries the budget buys, for optimisers that size their initial design by it:
    ``Budget.queries``, or the seconds over the median cost of a pool cell (at least 1)."""
    budget = oracle.budget
    n = budget.queries if budget.queries is not None else np.iinfo(np.int64).max
    if budget.seconds is not None:
        median = float(np.median(oracle.tables.cost[oracle.pool]))
        n = min(n, int(np.ceil(budget.seconds / median)) if median > 0 else n)
    return int(max(1, min(n, np.iinfo(np.int32).max)))


class AskTellLoop(Searcher):
    """The search loop around an ask/tell optimiser; subclasses say how the optimiser is built.

    Everything random comes from one integer drawn from the run's generator (``seed`` of
    :meth:`build`). ``max_invalid``: failed asks in a row before the run gives up.
    ``result.info["invalid_asks"]``: failed asks in the whole run (not charged).
    """

    max_invalid: int = 1000

    @abstractmethod
    def build(self, space: ParameterSpace, seed: int, oracle: Oracle) -> AskTellOptimizer:
        """A fresh optimiser over ``space``; ``oracle`` only for hints such as :func:`expected_queries`."""

    def quiet(self) -> contextlib.AbstractContextManager[Any]:
        """Entered for the whole run: silences the library's per-trial logging (default: nothing)."""
        return contextlib.nullcontext()

    def search(self, oracle: Oracle, rng: np.random.Generator) -> SearchResult:
        genome = genome_for(oracle.bench)
        space = ParameterSpace.from_genome(genome)
        allowed = np.zeros(len(oracle.bench), dtype=bool)
        allowed[oracle.pool] = True
        seed = int(rng.integers(2**31 - 1))
        invalid = in_a_row = 0
        with self.quiet():
            optimizer = self.build(space, seed, oracle)
            try:
                while not oracle.exhausted:
                    asked = optimizer.ask()
                    cell = int(genome.decode(space.vector(_as_config(asked))[None, :].astype(np.int8))[0])
                    if cell < 0 or not allowed[cell]:
                        invalid += 1
                        in_a_row += 1
                        if in_a_row > self.max_invalid:
                            raise NasSuiteError(
                                f"{self.name}: the optimizer asked {in_a_row} configurations in a row that are not valid "
                                f"cells of {oracle.bench.name}/{oracle.bench.dataset} or not in its table "
                                f"({len(oracle.pool)} cells searchable); raise max_invalid={self.max_invalid} or use a "
                                f"fuller table")
                        optimizer.tell(asked, None)
                        continue
                    in_a_row = 0
                    optimizer.tell(asked, float(oracle.query([cell])[0]))
            finally:
                close = getattr(optimizer, "close", None)
                if callable(close):
                    close()
        return SearchResult(oracle.trajectory(), info={"invalid_asks": invalid})


def _as_config(asked: Any) -> Config:
    """What :meth:`ParameterSpace.vector` reads from an ask: mappings and sequences as they are,
    other mapping-like objects (a ConfigSpace ``Configuration``) through ``dict``."""
    if isinstance(asked, (Mapping, Sequence, np.ndarray)):
        return asked
    try:
        return dict(asked)
    except (TypeError, ValueError):
        raise NasSuiteError(f"ask-tell: the optimizer's ask returned a {type(asked).__name__}; expected a mapping "
                            f"of parameter names to choice indices or a sequence of indices") from None


class AskTellSearcher(AskTellLoop):
    """Any ask/tell optimiser, named by import path (``"module:attr"``) or given as a callable.

    Args:
        optimizer: ``factory(space, seed, **optimizer_params) -> AskTellOptimizer`` (a class
            or function), or its ``"module:attr"`` import path (what a TOML spec gives). The
            default is :class:`UniformAskTell`, a uniform sampler of genomes.
        optimizer_params: keyword parameters of the factory.
        max_invalid: failed asks in a row before the run ends with an error.
        failed_value: told instead of ``None`` for a failed ask, for optimisers that only take
            numbers (a value worse than any observation, e.g. ``0.0`` for accuracies in %).
    """

    name = "ask-tell"
    citation = "the optimizer's own; ask/tell protocol as in Optuna (Akiba et al. 2019) and SMAC3 (Lindauer et al. 2022)"

    def __init__(self, optimizer: str | Callable[..., AskTellOptimizer] = "suite.search.ask_tell:UniformAskTell",
                 optimizer_params: dict[str, Any] | None = None, max_invalid: int = 1000,
                 failed_value: float | None = None) -> None:
        self.optimizer = optimizer
        self.optimizer_params = optimizer_params
        self.max_invalid = max_invalid
        self.failed_value = failed_value
        self._factory()  # an import path that does not resolve fails when the spec is read
        check_max_invalid(self.name, max_invalid)
        if optimizer_params is not None and not isinstance(optimizer_params, Mapping):
            raise NasSuiteError(f"ask-tell: optimizer_params must be a table, got {optimizer_params!r}")

    def _factory(self) -> Callable[..., AskTellOptimizer]:
        if callable(self.optimizer):
            return self.optimizer
        if not isinstance(self.optimizer, str):
            raise NasSuiteError(f"ask-tell: optimizer must be 'module:attr' or a callable, got {self.optimizer!r}")
        try:
            factory = resolve(self.optimizer)
        except (ImportError, AttributeError, ValueError) as err:
            raise NasSuiteError(f"ask-tell: optimizer {self.optimizer!r} cannot be imported "
                                f"({type(err).__name__}: {err}); give 'module:attr' of an importable factory") from None
        if not callable(factory):
            raise NasSuiteError(f"ask-tell: optimizer {self.optimizer!r} is not callable")
        return factory

    def build(self, space: ParameterSpace, seed: int, oracle: Oracle) -> AskTellOptimizer:
        try:
            optimizer = self._factory()(space, seed, **(self.optimizer_params or {}))
        except TypeError as err:
            raise NasSuiteError(f"ask-tell: building optimizer {self.optimizer!r}: {err}") from None
        if not isinstance(optimizer, AskTellOptimizer):
            raise NasSuiteError(f"ask-tell: {self.optimizer!r} built a {type(optimizer).__name__}, which has no "
                                f"ask() and tell(config, value)")
        if self.failed_value is not None:
            return _FailedAs(optimizer, float(self.failed_value))
        return optimizer


class _FailedAs:
    """Wraps an optimiser that takes numbers only: a failed ask is told ``value`` instead of None."""

    def __init__(self, inner: AskTellOptimizer, value: float) -> None:
        self.inner, self.value = inner, value

    def ask(self) -> Any:
        return self.inner.ask()

    def tell(self, config: Any, value: float | None) -> None:
        self.inner.tell(config, self.value if value is None else value)

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()


class UniformAskTell:
    """The smallest ask/tell optimiser: each position's choice uniform and independent, told values ignored.

    The reference for the protocol (and the ``ask-tell`` default): on a dense table such as
    NB-201 it is random search with replacement.
    """

    def __init__(self, space: ParameterSpace, seed: int) -> None:
        self.space = space
        self.rng = np.random.default_rng(seed)

    def ask(self) -> np.ndarray:
        return (self.rng.random(len(self.space)) * np.asarray(self.space.cardinalities)).astype(np.int64)

    def tell(self, config: np.ndarray, value: float | None) -> None:
        pass
