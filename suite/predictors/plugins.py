"""Predictors from outside the package: an import path or an installed plugin, used like registered ones.

A predictor experiment names each predictor in one of three ways:

* a registered name (``"ridge"``): an entry of :data:`suite.predictors.registry.PREDICTORS`;
* an import path ``"module:attr"`` (``"knn_pred:KNNPredictor"``, ``"sklearn.neighbors:KNeighborsRegressor"``):
  a scikit-learn-style regressor class, or any callable taking keyword parameters and returning
  one (``fit(X, y)`` returning the fitted model, ``predict(X)`` a 1-D array). The module must be
  importable: on ``PYTHONPATH``, installed, or in the directory the command runs from;
* a plugin name: an entry point of the group :data:`ENTRY_POINT_GROUP` (``nas_suite.predictors``)
  that an installed package declares, e.g. in its ``pyproject.toml``::

      [project.entry-points."nas_suite.predictors"]
      knn = "knn_pred:KNNPredictor"

A registered name wins over a plugin of the same name (a plugin cannot replace a built-in).

What such a predictor reads is, in order of precedence, the experiment's ``inputs`` table, the
factory's :data:`INPUTS_ATTRIBUTE` (a dict with :class:`~suite.predictors.inputs.Inputs` fields,
for plugins that need curves or proxies), and otherwise the benchmark's default encoding (the
first it registers: ``adjacency_onehot`` on cell spaces, as the registered predictors read).

:func:`resolve` turns a name into a :class:`Predictor`: the absolute factory path, the inputs,
default parameters and extra. It pickles, and it is all a worker process needs: a worker imports
the factory itself, adding the directory the parent imported it from to ``sys.path`` when the
module is not importable there (local processes, and Dask or Ray workers on the same machine).
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import sys
from dataclasses import dataclass, field, fields
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from ..errors import InvalidArgument, NasSuiteError
from .inputs import Inputs, build_features
from .registry import PREDICTORS

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark

__all__ = ["ENTRY_POINT_GROUP", "INPUTS_ATTRIBUTE", "INPUT_KEYS", "Predictor", "accepted_params", "inputs_from",
           "is_import_path", "installed_plugins", "known", "resolve", "space_params"]

#: the entry-point group installed packages register predictors under
ENTRY_POINT_GROUP = "nas_suite.predictors"
#: a factory attribute declaring its default inputs: a dict of :data:`INPUT_KEYS`
INPUTS_ATTRIBUTE = "nas_suite_inputs"
#: the :class:`Inputs` fields an ``inputs`` table may set
INPUT_KEYS = ("encoding", "proxies", "curve_epochs", "curve_metric", "curve_mode", "target_epoch", "arch_features")
_CURVE_MODES = ("prefix", "srm")


def is_import_path(name: str) -> bool:
    """Whether ``name`` has the ``"module:attr"`` form of an import path (not whether it imports)."""
    module, sep, attr = name.partition(":")
    return bool(sep) and all(p.isidentifier() for p in module.split(".")) and all(
        p.isidentifier() for p in attr.split("."))


def installed_plugins() -> dict[str, list[metadata.EntryPoint]]:
    """Installed plugins: name -> its entry points (more than one when packages disagree)."""
    out: dict[str, list[metadata.EntryPoint]] = {}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        out.setdefault(ep.name, []).append(ep)
    return out


def known(name: str) -> bool:
    """Whether ``name`` names a predictor (registered, an import path, or a plugin); imports nothing."""
    return _registered(name) is not None or is_import_path(name) or name in installed_plugins()


def inputs_from(table: Mapping[str, Any], base: Inputs) -> Inputs:
    """``base`` with the fields of an ``inputs`` table changed; a bad key or value raises :class:`InvalidArgument`.

    ``encoding = "none"`` reads no encoding (TOML has no null); ``proxies`` is a list of names.
    """
    unknown = sorted(set(table) - set(INPUT_KEYS))
    if unknown:
        raise InvalidArgument(f"unknown key {unknown[0]!r}; allowed: {', '.join(INPUT_KEYS)}")
    changes: dict[str, Any] = {}
    for key, value in table.items():
        if key == "encoding":
            if not isinstance(value, str):
                raise InvalidArgument(f"encoding must be an encoding name or \"none\", got {value!r}")
            changes[key] = None if value == "none" else value
        elif key == "proxies":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise InvalidArgument(f"proxies must be a list of proxy names, got {value!r}")
            changes[key] = tuple(value)
        elif key in ("curve_epochs", "target_epoch"):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidArgument(f"{key} must be a whole number >= 0, got {value!r}")
            changes[key] = value
        elif key == "curve_mode":
            if value not in _CURVE_MODES:
                raise InvalidArgument(f"curve_mode must be one of {', '.join(_CURVE_MODES)}, got {value!r}")
            changes[key] = value
        elif key == "curve_metric":
            if not isinstance(value, str):
                raise InvalidArgument(f"curve_metric must be a metric name, got {value!r}")
            changes[key] = value
        else:  # arch_features
            if not isinstance(value, bool):
                raise InvalidArgument(f"arch_features must be true or false, got {value!r}")
            changes[key] = value
    return base.with_(**changes)


@dataclass(frozen=True)
class Predictor:
    """One predictor of an experiment, resolved: enough for any process to build it.

    Attributes:
        label: its name in the experiment (records, tables, ``[params.<label>]``).
        factory: absolute ``"module:attr"`` of the class or factory (``attr`` may be dotted).
        origin: ``"registry"``, ``"plugin"`` or ``"import"``.
        inputs: what it reads (before an experiment sets the curve metric and fidelity).
        params: default keyword parameters (the registry's); an experiment's ``params`` win.
        extra: the pip extra it needs, or None.
        plugin: ``"<distribution> <version>"`` of the package declaring a plugin, or None.
        search_path: the ``sys.path`` entry its module was imported from (a worker appends it when
            it cannot import the module otherwise); None for registered predictors.
    """

    label: str
    factory: str
    origin: str
    inputs: Inputs = Inputs()
    params: Mapping[str, Any] = field(default_factory=dict)
    extra: str | None = None
    plugin: str | None = None
    search_path: str | None = None

    def load(self) -> Callable[..., Any]:
        """The factory, imported in this process."""
        return _import(self.factory, self.search_path)

    def make(self, bench: Benchmark | None = None, *, inputs: Inputs | None = None, **params: Any) -> Any:
        """A new, unfitted estimator: defaults, then what ``bench`` implies, then ``params``.

        ``bench`` fills in the node count of the ``graph`` encoding and the curve length of
        ``"srm"`` curves for factories that take ``n_nodes`` / ``n_epochs`` (as :func:`suite.predictors.make`).
        """
        factory = self.load()
        merged = {**self.params, **space_params(self.inputs if inputs is None else inputs, factory, bench), **params}
        try:
            return factory(**merged)
        except TypeError as err:
            raise NasSuiteError(f"predictor {self.label!r} ({self.factory}): {err}") from None

    def provenance(self) -> dict[str, Any]:
        """What to record in ``meta.json``: the factory and where its code came from.

        For a user's module: its file relative to the ``sys.path`` entry it was imported from and
        the file's sha256 (never this machine's absolute path); for an installed package: the
        distribution and its version.
        """
        out: dict[str, Any] = {"origin": self.origin, "factory": self.factory, "inputs": self.inputs.describe()}
        if self.origin == "registry":
            return out
        module = sys.modules.get(self.factory.partition(":")[0])
        path = Path(module.__file__) if module is not None and getattr(module, "__file__", None) else None
        if path is not None and self.search_path is not None:
            try:
                out["module_file"] = path.resolve().relative_to(Path(self.search_path).resolve()).as_posix()
            except ValueError:
                out["module_file"] = path.name
            out["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
        dist = _distribution(self.factory.partition(":")[0].split(".")[0])
        if self.plugin:
            out["distribution"], _, out["version"] = self.plugin.partition(" ")
        elif dist is not None:
            out["distribution"], out["version"] = dist
        return out


def resolve(name: str, *, label: str | None = None, inputs: Mapping[str, Any] | None = None,
            benchmark: str | None = None) -> Predictor:
    """The :class:`Predictor` that ``name`` (registered, plugin or import path) stands for.

    Args:
        name: what to build: a registered name, a plugin name or ``"module:attr"``.
        label: its name in the experiment (default ``name``).
        inputs: an ``inputs`` table overriding fields of its default inputs.
        benchmark: the benchmark it will read (its default encoding is the default input of a
            predictor that declares none).

    A plugin or import path is imported now (to read its declared inputs), so a module that is
    missing or fails to import is a one-line :class:`NasSuiteError` here, before any work.
    """
    label = name if label is None else label
    entry = _registered(name)
    if entry is not None:
        attr = entry.factory.partition(":")[2]
        base = Predictor(label, f"{entry.module}:{attr}", "registry", entry.inputs, dict(entry.params), entry.extra)
    elif is_import_path(name):
        base = _external(label, name, "import", None)
    else:
        eps = installed_plugins().get(name, [])
        if not eps:
            raise NasSuiteError(f"unknown predictor {name!r}: not registered ({', '.join(PREDICTORS)}), not an import "
                                f"path 'module:Class', and no installed plugin names it (entry points "
                                f"{ENTRY_POINT_GROUP}: {', '.join(sorted(installed_plugins())) or 'none'})")
        if len({ep.value for ep in eps}) > 1:
            raise NasSuiteError(f"predictor plugin {name!r} is declared by several packages "
                                f"({', '.join(f'{_ep_dist(ep)} -> {ep.value}' for ep in eps)}); give an import path instead")
        base = _external(label, eps[0].value, "plugin", _ep_dist(eps[0]))
    if base.inputs == _NO_DECLARATION:
        base = _with_inputs(base, _default_inputs(benchmark))
    if inputs:
        try:
            base = _with_inputs(base, inputs_from(inputs, base.inputs))
        except InvalidArgument as err:
            raise InvalidArgument(f"predictor {label!r}: inputs: {err}") from None
    return base


def space_params(inputs: Inputs, factory: Any, bench: Benchmark | None) -> dict[str, Any]:
    """Parameters implied by the benchmark and the inputs, for the factories that accept them:
    ``n_nodes`` of the ``graph`` encoding, ``n_epochs`` of ``"srm"`` curves (with their features)."""
    if bench is None:
        return {}
    try:
        accepted = inspect.signature(factory).parameters
    except (TypeError, ValueError):  # a callable without an introspectable signature takes none of them
        return {}
    out: dict[str, Any] = {}
    if inputs.encoding == "graph" and "n_nodes" in accepted:
        from ..encodings import graph_shape

        out["n_nodes"] = graph_shape(bench.name)[0]
    if inputs.curve_mode == "srm" and inputs.curve_epochs and "n_epochs" in accepted:
        out["n_epochs"] = build_features(bench, inputs.with_(arch_features=False), [0]).shape[1]
    return out


# -- helpers ---------------------------------------------------------------------------------------------
def _registered(name: str) -> Any:
    """The registry entry of ``name`` (a deprecated name too, as the registry resolves it), or None."""
    try:
        return PREDICTORS.spec(name)
    except KeyError:  # the registry's UnknownEntry is a KeyError
        return None


#: the inputs of an external predictor that declares none (replaced by the benchmark's default)
_NO_DECLARATION = Inputs(encoding="\0undeclared")


def _with_inputs(p: Predictor, inputs: Inputs) -> Predictor:
    return Predictor(**{f.name: getattr(p, f.name) for f in fields(p) if f.name != "inputs"}, inputs=inputs)


def _default_inputs(benchmark: str | None) -> Inputs:
    """The benchmark's first registered encoding (``adjacency_onehot`` on cell spaces)."""
    if benchmark is None:
        return Inputs()
    from ..encodings import names

    return Inputs(encoding=names(benchmark)[0])


def _external(label: str, target: str, origin: str, plugin: str | None) -> Predictor:
    if not is_import_path(target):
        raise NasSuiteError(f"predictor {label!r}: {target!r} is not an import path 'module:attr'")
    factory = _import(target, None)
    if not callable(factory):
        raise NasSuiteError(f"predictor {label!r}: {target} is a {type(factory).__name__}, not a class or factory")
    declared = getattr(factory, INPUTS_ATTRIBUTE, None)
    inputs = _NO_DECLARATION
    if declared is not None:
        try:
            inputs = declared if isinstance(declared, Inputs) else inputs_from(dict(declared), Inputs())
        except (InvalidArgument, TypeError, ValueError) as err:
            raise NasSuiteError(f"predictor {label!r}: {target}.{INPUTS_ATTRIBUTE} is not valid: {err}") from None
    return Predictor(label, target, origin, inputs, {}, None, plugin, _search_path(target.partition(":")[0]))


def _import(target: str, search_path: str | None) -> Any:
    """Import ``"module:attr"`` (``attr`` may be dotted); one-line errors naming what is missing."""
    module_name, _, attr = target.partition(":")
    try:
        try:
            obj: Any = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if search_path is None or search_path in sys.path or not _is_prefix(err.name, module_name):
                raise
            sys.path.append(search_path)  # a worker that did not inherit the parent's sys.path
            obj = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        hint = ("put the directory holding it on PYTHONPATH or pip install its package"
                if _is_prefix(err.name, module_name) else "install it")
        raise NasSuiteError(f"cannot import {target!r}: no module named {err.name!r}; {hint}") from None
    except NasSuiteError:
        raise
    except Exception as err:  # noqa: BLE001 - a user's module may raise anything while importing
        raise NasSuiteError(f"importing {module_name} (for {target!r}) raised {type(err).__name__}: "
                            f"{' '.join(str(err).split())}") from None
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise NasSuiteError(f"cannot import {target!r}: {module_name} has no attribute {attr!r}") from None
    return obj


def _is_prefix(missing: str | None, module_name: str) -> bool:
    """Whether the missing module is ``module_name`` or a package above it (not one it imports)."""
    return missing is not None and (module_name == missing or module_name.startswith(missing + "."))


def _search_path(module_name: str) -> str | None:
    """The ``sys.path`` entry the (imported) top-level package of ``module_name`` came from."""
    top = sys.modules.get(module_name.split(".")[0])
    if top is None:
        return None
    file = getattr(top, "__file__", None)
    if file:
        path = Path(file).resolve()
        root = path.parent.parent if path.name == "__init__.py" else path.parent
    else:  # a namespace package
        locations = list(getattr(top, "__path__", []))
        if not locations:
            return None
        root = Path(locations[0]).resolve().parent
    return str(root)


def _ep_dist(ep: metadata.EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return f"{dist.name} {dist.version}" if dist is not None else "an unknown package"


def _distribution(top: str) -> tuple[str, str] | None:
    """(name, version) of the installed distribution providing the top-level module ``top``, or None."""
    try:
        names = metadata.packages_distributions().get(top, [])
    except Exception:  # noqa: BLE001 - broken metadata of some unrelated package must not stop a run
        return None
    for name in names:
        try:
            return name, metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def accepted_params(estimator: Any, factory: Callable[..., Any]) -> set[str] | None:
    """The parameter names ``estimator`` (built with defaults) accepts: its ``get_params()`` keys, else
    the factory's keyword parameters; None when the factory takes ``**kwargs`` (anything goes)."""
    get_params = getattr(estimator, "get_params", None)
    if callable(get_params):
        return set(get_params(deep=False))
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return None
    return {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
