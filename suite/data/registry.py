"""The one list of benchmarks and importers. Adding one is one entry here plus its module.

Entries name modules as dotted paths and are imported on use, so listing them costs nothing
at import time and optional dependencies are only needed by the importer that uses them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import NasSuiteError, UnknownBenchmark


@dataclass(frozen=True)
class BenchmarkSpec:
    """A tabular benchmark: its search space and the datasets it was evaluated on."""

    name: str
    title: str
    space: str  # "module:Class" of its SearchSpace
    datasets: tuple[str, ...]
    citation: str
    aliases: dict[str, str] = field(default_factory=dict)  # dataset spelling -> canonical

    def make_space(self) -> Any:
        module, _, cls = self.space.partition(":")
        return getattr(importlib.import_module(module), cls)()

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


@dataclass(frozen=True)
class ImporterSpec:
    """A converter from one source format into caches of one benchmark."""

    name: str
    benchmark: str
    target: str  # "module:function" with signature convert(sources, out_root, **options) -> list[Path]
    source: str  # what the user points it at
    citation: str
    licence: str
    uses_pickle: bool = False  # must be enabled explicitly (--allow-pickle)
    extra: str = ""  # pip extra it needs, if any

    def load(self) -> Callable[..., Any]:
        """The converter function; a missing optional dependency becomes an install hint."""
        module, _, func = self.target.partition(":")
        try:
            return getattr(importlib.import_module(module), func)
        except ModuleNotFoundError as err:
            if err.name and err.name.startswith("suite"):
                raise
            hint = f'pip install "nas-suite[{self.extra}]"' if self.extra else f"pip install {err.name}"
            raise NasSuiteError(f"importer {self.name} needs the package {err.name!r}: {hint}") from None


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

BENCHMARKS: dict[str, BenchmarkSpec] = {
    spec.name: spec
    for spec in (
        BenchmarkSpec(
            "nb101", "NAS-Bench-101", "suite.data.spaces.nb101:NB101Space", ("cifar10",), NB101_CITATION
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
        ),
        BenchmarkSpec(
            "nbmacro", "NAS-Bench-Macro", "suite.data.spaces.nbmacro:NBMacroSpace", ("cifar10",), MACRO_CITATION
        ),
        BenchmarkSpec(
            "nbgraph",
            "NAS-Bench-Graph",
            "suite.data.spaces.nbgraph:NBGraphSpace",
            ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv", "proteins"),
            GRAPH_CITATION,
        ),
    )
}

IMPORTERS: dict[str, ImporterSpec] = {
    spec.name: spec
    for spec in (
        ImporterSpec(
            "nb101-tfrecord", "nb101", "suite.data.importers.nb101_tfrecord:convert",
            "nasbench_full.tfrecord or nasbench_only108.tfrecord (official layout)",
            NB101_CITATION, "Apache-2.0",
        ),
        ImporterSpec(
            "nb201-nats", "nb201", "suite.data.importers.nb201_nats:convert",
            "NATS-tss-v1_0-3ffb9-simple/ directory (meta.pickle.pbz2 + <index>.pickle.pbz2)",
            NB201_CITATION, "MIT", uses_pickle=True,
        ),
        ImporterSpec(
            "nb201-pth", "nb201", "suite.data.importers.nb201_pth:convert",
            "NAS-Bench-201-v1_0-e61699.pth or NAS-Bench-201-v1_1-096897.pth",
            NB201_CITATION, "MIT", uses_pickle=True, extra="torch",
        ),
        ImporterSpec(
            "nb201-derived", "nb201", "suite.data.importers.nb201_derived:convert",
            "directory of the real derived NB-201 tables (../shared/data/nb201)",
            NB201_CITATION, "MIT (NATS-Bench values); Apache-2.0 / MIT (derived tables)",
        ),
        ImporterSpec(
            "zc-suite-zero", "", "suite.data.importers.zc_suite_zero:convert",
            "NAS-Bench-Suite-Zero zc_<space>.json (adds zc_<proxy> metrics to an existing cache)",
            ZC_CITATION, "Apache-2.0",
        ),
        ImporterSpec(
            "nbmacro-json", "nbmacro", "suite.data.importers.nbmacro:convert",
            "nas-bench-macro_cifar10.json", MACRO_CITATION, "Apache-2.0",
        ),
        ImporterSpec(
            "nbgraph-pypi", "nbgraph", "suite.data.importers.nbgraph:convert",
            "the installed nas-bench-graph package (light/*.bench), or a directory of them",
            GRAPH_CITATION, "Apache-2.0", uses_pickle=True, extra="graph",
        ),
    )
}


def benchmark_spec(name: str) -> BenchmarkSpec:
    try:
        return BENCHMARKS[name.lower()]
    except KeyError:
        raise UnknownBenchmark(f"unknown benchmark {name!r}; choose one of {', '.join(BENCHMARKS)}") from None


def importer_spec(name: str) -> ImporterSpec:
    try:
        return IMPORTERS[name]
    except KeyError:
        raise UnknownBenchmark(f"unknown importer {name!r}; choose one of {', '.join(IMPORTERS)}") from None
