"""One registry shape for every pluggable component: name -> spec, factory imported on use.

Benchmarks, importers, encodings, predictors, zero-cost proxies, subset selectors and searchers
are each listed in one :class:`Registry` of :class:`Entry` specs (or subclasses adding fields of
their own). An entry names its factory as a ``"module:attr"`` string, so building a registry
imports nothing: the module is imported by :meth:`Entry.load` when the component is first used,
and an optional extra (torch, XGBoost...) is only needed by the entries that use it.

    >>> from suite.registry import Entry, Registry
    >>> THINGS = Registry("thing", [Entry("a", factory="colorsys:rgb_to_hsv", citation="stdlib")])
    >>> THINGS.available()
    ['a']
    >>> THINGS.spec("b")
    Traceback (most recent call last):
    ...
    suite.registry.UnknownEntry: unknown thing 'b'; available: a

A registry is a mutable mapping (name -> entry), so ``name in reg``, ``for name in reg``,
``reg.values()`` and ``pytest``'s ``monkeypatch.setitem`` work as on the dict it replaces.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Iterable, Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from .errors import NasSuiteError

__all__ = ["Entry", "Registry", "UnknownEntry", "resolve"]


class UnknownEntry(NasSuiteError, KeyError):
    """A name a registry does not hold (the message lists those it does)."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else "unknown name"


def resolve(target: str, package: str | None = None) -> Any:
    """Import ``target`` (``"module:attr"``) now and return the attribute.

    ``package`` (e.g. ``"suite.predictors"``) prefixes a module named relative to it.
    ``ModuleNotFoundError`` of a missing optional dependency propagates unchanged.
    """
    module, sep, attr = target.partition(":")
    if not sep or not module or not attr:
        raise ValueError(f"factory {target!r} is not of the form 'module:attr'")
    return getattr(importlib.import_module(f"{package}.{module}" if package else module), attr)


@dataclass(frozen=True)
class Entry:
    """One registered component. Subclasses add the fields of their kind (datasets, inputs...).

    Attributes:
        name: registry key, used in configs, command lines and tables.
        factory: ``"module:attr"`` of what builds or computes it (a class, a function); imported
            by :meth:`load` only. Relative to the class's :attr:`package` when that is set.
        citation: where the method or data comes from (authors, title, venue).
        summary: one line for listings.
        extra: the pip extra it needs (a key of :data:`suite.extras.EXTRA_MODULES`), or None.
    """

    #: package that relative ``factory`` modules live in (None: ``factory`` is absolute)
    package: ClassVar[str | None] = None

    name: str
    factory: str = field(kw_only=True)
    citation: str = field(kw_only=True)
    summary: str = field(default="", kw_only=True)
    extra: str | None = field(default=None, kw_only=True)

    @property
    def module(self) -> str:
        """The absolute module path of :attr:`factory` (not imported)."""
        module = self.factory.partition(":")[0]
        return f"{self.package}.{module}" if self.package else module

    def load(self) -> Any:
        """The factory, imported now (a missing optional dependency raises ``ModuleNotFoundError``)."""
        return resolve(self.factory, self.package)


S = TypeVar("S", bound=Entry)


class Registry(MutableMapping[str, S], Generic[S]):
    """Name -> :class:`Entry` of one kind of component, in registration order.

    Args:
        kind: what an entry is, for messages (``"predictor"``, ``"search method"``).
        entries: initial entries, registered under their names.
        error: the named error an unknown name raises; a :class:`NasSuiteError` that is also a
            ``KeyError`` (so the mapping behaves like a dict). Its message is one line:
            ``unknown <kind> '<name>'; available: <names>``.
        sort: list names sorted instead of in registration order (:meth:`available`, messages).
    """

    def __init__(self, kind: str, entries: Iterable[S] = (), *, error: type[NasSuiteError] = UnknownEntry,
                 sort: bool = False) -> None:
        if not (issubclass(error, NasSuiteError) and issubclass(error, KeyError)):
            raise TypeError(f"a registry's error must derive from NasSuiteError and KeyError, not {error.__name__}")
        self.kind = kind
        self.error = error
        self.sort = sort
        self._entries: dict[str, S] = {}
        self._deprecated: dict[str, str] = {}
        for entry in entries:
            self.register(entry)

    def register(self, entry: S, *, key: str | None = None) -> S:
        """Add ``entry`` under ``key`` (default ``entry.name``); a taken key is a ``ValueError``."""
        key = entry.name if key is None else key
        if key in self._entries:
            raise ValueError(f"{self.kind} {key!r} is already registered")
        self._entries[key] = entry
        return entry

    def deprecate(self, old: str, new: str) -> None:
        """Keep accepting ``old``, a former name of the registered ``new``: looking it up returns
        ``new``'s entry with a :class:`DeprecationWarning`; listings and iteration show ``new`` only."""
        self.spec(new)
        self._deprecated[old] = new

    def available(self) -> list[str]:
        """Registered names, in registration order (sorted if the registry was built with ``sort``)."""
        return sorted(self._entries) if self.sort else list(self._entries)

    def spec(self, name: str) -> S:
        """The entry of ``name``; an unknown name raises :attr:`error` listing :meth:`available`."""
        if isinstance(name, str) and name in self._deprecated:
            new = self._deprecated[name]
            warnings.warn(f"{self.kind} {name!r} is now called {new!r}; the old name will be removed",
                          DeprecationWarning, stacklevel=3)
            name = new
        try:
            return self._entries[name]
        except (KeyError, TypeError):  # TypeError: an unhashable name
            raise self.error(f"unknown {self.kind} {name!r}; available: {', '.join(self.available())}") from None

    def load(self, name: str) -> Any:
        """The factory of ``name``, imported now."""
        return self.spec(name).load()

    def make(self, name: str, /, **params: Any) -> Any:
        """``factory(**params)`` of ``name``; a bad parameter is one line naming the entry."""
        factory = self.load(name)
        try:
            return factory(**params)
        except TypeError as err:
            raise NasSuiteError(f"{self.kind} {name!r}: {err}") from None

    # -- the mapping protocol (dict-compatible; unknown keys raise ``error``, a KeyError) --------

    def __getitem__(self, name: str) -> S:
        return self.spec(name)

    def __setitem__(self, name: str, entry: S) -> None:
        self._entries[name] = entry

    def __delitem__(self, name: str) -> None:
        self.spec(name)
        del self._entries[name]

    def __contains__(self, name: object) -> bool:
        try:
            return name in self._entries or name in self._deprecated
        except TypeError:
            return False

    def get(self, name: str, default: Any = None) -> Any:
        return self.spec(name) if name in self else default

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}: {', '.join(self._entries)})"
