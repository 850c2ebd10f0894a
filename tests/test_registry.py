"""The one registry shape (suite.registry): lazy factories, one-line unknown-name errors, and the
seven registries built on it (benchmarks, importers, encodings, predictors, proxies, searchers,
selectors) — every entry cited, every factory importable, no benchmark list outside them."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import suite
import suite.predictors.registry as predictor_registry
import suite.proxies
import suite.search
import suite.selection
from extras import needs_extra
from suite.data import registry as data_registry
from suite.encodings import registry as encoding_registry
from suite.errors import NasSuiteError, UnknownBenchmark
from suite.extras import EXTRA_MODULES
from suite.registry import Entry, Registry, UnknownEntry

REGISTRIES: dict[str, Registry] = {
    "benchmarks": data_registry.BENCHMARKS,
    "importers": data_registry.IMPORTERS,
    "encodings": encoding_registry.REGISTRY,
    "predictors": predictor_registry.PREDICTORS,
    "proxies": suite.proxies.PROXIES,
    "searchers": suite.search.SEARCHERS,
    "selectors": suite.selection.SELECTORS,
}


def _things(**options) -> Registry[Entry]:
    return Registry("thing", [Entry("b", factory="colorsys:rgb_to_hsv", citation="stdlib"),
                              Entry("a", factory="fractions:Fraction", citation="stdlib")], **options)


# -- the generic registry -----------------------------------------------------------------------


def test_factories_are_imported_on_use_only():
    code = (
        "import sys\n"
        "from suite.registry import Entry, Registry\n"
        "reg = Registry('thing', [Entry('a', factory='colorsys:rgb_to_hsv', citation='stdlib')])\n"
        "assert 'a' in reg and reg.available() == ['a'] and 'colorsys' not in sys.modules\n"
        "assert reg.load('a')(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0) and 'colorsys' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_importing_the_registries_imports_no_factory():
    code = (
        "import sys, suite, suite.proxies, suite.search, suite.selection, suite.predictors, suite.encodings\n"
        "from suite.data.registry import BENCHMARKS, IMPORTERS\n"
        "from suite.encodings.registry import REGISTRY\n"
        "from suite.predictors.registry import PREDICTORS\n"
        "regs = (BENCHMARKS, IMPORTERS, REGISTRY, PREDICTORS, suite.proxies.PROXIES, suite.search.SEARCHERS,\n"
        "        suite.selection.SELECTORS)\n"
        "loaded = sorted({e.module for r in regs for e in r.values() if e.module in sys.modules})\n"
        "assert not loaded and 'torch' not in sys.modules, loaded\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_unknown_name_is_one_named_line():
    reg = _things()
    with pytest.raises(UnknownEntry) as info:
        reg.spec("c")
    assert str(info.value) == "unknown thing 'c'; available: b, a"
    assert isinstance(info.value, NasSuiteError) and isinstance(info.value, KeyError)
    with pytest.raises(UnknownEntry, match="unknown thing 'c'"):
        reg["c"]
    with pytest.raises(UnknownEntry, match=r"unknown thing \['c'\]"):
        reg.spec(["c"])  # unhashable: the same error, not a TypeError
    with pytest.raises(UnknownBenchmark, match="; available: a, b$"):
        _things(error=UnknownBenchmark, sort=True).load("c")


def test_registry_is_a_dict_like_mapping(monkeypatch):
    reg = _things()
    assert list(reg) == ["b", "a"] and len(reg) == 2 and reg.available() == ["b", "a"]
    assert _things(sort=True).available() == ["a", "b"]
    assert "a" in reg and "c" not in reg and ["a"] not in reg
    assert reg.get("c") is None and reg.get("a") is reg.spec("a") and reg["a"] is reg.spec("a")
    extra = Entry("c", factory="colorsys:hls_to_rgb", citation="stdlib")
    monkeypatch.setitem(reg, "c", extra)
    assert reg.available() == ["b", "a", "c"]
    monkeypatch.undo()
    assert "c" not in reg


def test_register_make_and_misuse():
    reg = _things()
    assert reg.register(Entry("half", factory="fractions:Fraction", citation="stdlib"), key="x:half").name == "half"
    assert "x:half" in reg and "half" not in reg
    with pytest.raises(ValueError, match="thing 'a' is already registered"):
        reg.register(Entry("a", factory="fractions:Fraction", citation="stdlib"))
    assert reg.make("a", numerator=1, denominator=2) == 0.5
    with pytest.raises(NasSuiteError, match="^thing 'a': .*bogus"):
        reg.make("a", bogus=1)
    with pytest.raises(TypeError, match="NasSuiteError and KeyError"):
        Registry("thing", error=NasSuiteError)
    with pytest.raises(ValueError, match="'module:attr'"):
        Entry("z", factory="colorsys", citation="stdlib").load()
    with pytest.raises(ModuleNotFoundError):
        Entry("z", factory="no_such_module_here:f", citation="stdlib").load()


# -- the registries of the suite ------------------------------------------------------------------


@pytest.mark.parametrize("kind", REGISTRIES)
def test_every_registry_is_a_registry_of_cited_entries(kind):
    reg = REGISTRIES[kind]
    assert isinstance(reg, Registry) and len(reg) > 0
    for key, entry in reg.items():
        assert isinstance(entry, Entry), (kind, key)
        assert key == entry.name or key.endswith(f":{entry.name}"), (kind, key)
        assert len(entry.citation) >= 10, (kind, key)
        assert re.fullmatch(r"[\w.]+:\w+", entry.factory), (kind, key, entry.factory)
        assert entry.extra is None or entry.extra in EXTRA_MODULES, (kind, key, entry.extra)
        assert isinstance(entry.summary, str)


def _entries() -> list:
    return [pytest.param(kind, key, marks=[getattr(pytest.mark, f"needs_{entry.extra}")] if entry.extra else [],
                         id=f"{kind}-{key}")
            for kind, reg in REGISTRIES.items() for key, entry in reg.items()]


@pytest.mark.parametrize(("kind", "key"), _entries())
def test_every_factory_imports_and_agrees_on_its_citation(kind, key):
    entry = REGISTRIES[kind][key]
    if entry.extra:
        needs_extra(entry.extra)
    factory = entry.load()
    assert callable(factory)
    own = getattr(factory, "citation", None)  # searcher and selector classes cite themselves
    if isinstance(own, str):
        assert own == entry.citation
    if kind == "proxies":  # each proxy module carries its CITATION too
        assert importlib.import_module(entry.module).CITATION == entry.citation


def test_public_lookups_keep_their_messages():
    import suite.predictors as P

    with pytest.raises(UnknownBenchmark, match="^unknown benchmark 'nb999'; available: nb101, nb201"):
        data_registry.benchmark_spec("nb999")
    assert data_registry.benchmark_spec("NB201") is data_registry.BENCHMARKS["nb201"]
    with pytest.raises(UnknownBenchmark, match="^unknown importer 'nope'; available: nb101-tfrecord"):
        data_registry.importer_spec("nope")
    with pytest.raises(NasSuiteError, match="^unknown predictor 'svm'; available: ols, ridge"):
        P.spec("svm")
    with pytest.raises(suite.proxies.UnknownProxy, match="^unknown zero-cost proxy 'nope'; available: fisher"):
        suite.proxies.citation("nope")
    with pytest.raises(NasSuiteError, match="^unknown search method 'x'; available: .*local, .*predictor"):
        suite.search.make("x")
    with pytest.raises(NasSuiteError, match="^unknown selector 'x'; available: cluster, diverse"):
        suite.selection.make("x")
    assert suite.proxies.available() == sorted(suite.proxies.PROXIES)
    assert suite.search.available() == sorted(suite.search.SEARCHERS)
    assert P.available() == list(predictor_registry.PREDICTORS)


# -- one list of benchmarks --------------------------------------------------------------------


def test_suite_networks_builds_exactly_the_registered_networks():
    from suite import networks

    names = data_registry.benchmarks_with_networks()
    assert networks.available() == sorted(names) == ["nb101", "nb201"]
    for name in names:
        module, _, function = data_registry.BENCHMARKS[name].network.partition(":")
        assert module == f"suite.networks.{name}" and function == "build"


@pytest.mark.parametrize("argv", [["proxies", "compute", "--proxy", "naswot"], ["verify", "--schedule", "12"]])
def test_cli_benchmark_choices_come_from_the_registry(argv, capsys):
    from suite.cli import build_parser

    parser = build_parser()
    for name in data_registry.BENCHMARKS:
        if name in data_registry.benchmarks_with_networks():
            assert parser.parse_args([*argv, "--benchmark", name]).benchmark == name
        else:
            with pytest.raises(SystemExit):
                parser.parse_args([*argv, "--benchmark", name])
            assert "invalid choice" in capsys.readouterr().err


def test_no_list_of_benchmark_names_outside_the_registries():
    """Two benchmark names side by side in a list/tuple literal (``"nb201", "nb101"``) mean a
    hard-coded copy of the registry; only registry modules may hold one."""
    root = Path(suite.__file__).resolve().parent
    names = "|".join(map(re.escape, data_registry.BENCHMARKS))
    pair = re.compile(rf"""(["'])(?:{names})\1\s*,\s*(["'])(?:{names})\2""")
    allowed = {root / "data" / "registry.py", root / "encodings" / "registry.py"}
    offenders = [f"{path.relative_to(root)}:{n}"
                 for path in sorted(root.rglob("*.py")) if path not in allowed
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if pair.search(line)]
    assert not offenders, offenders
