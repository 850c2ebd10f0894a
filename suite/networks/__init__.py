"""PyTorch networks of the benchmarks' search spaces, built from any architecture in their tables.

One module per benchmark with a ``build(arch, *, num_classes)`` function, named by the
benchmark's registry entry (``BenchmarkSpec.network``, :mod:`suite.data.registry`) and imported
on use, so that importing :mod:`suite` never imports torch (an optional extra: ``pip install
'nas-suite[torch]'``). The networks are the benchmarks' own: their parameter counts equal the
counts the tables recorded, which the tests check cell by cell.
"""

from __future__ import annotations

import importlib
from typing import Any

from ..data.registry import BENCHMARKS, benchmark_spec, benchmarks_with_networks
from ..errors import UnknownBenchmark

#: Classes of each dataset's classifier head (NB-201 trains one network per dataset).
NUM_CLASSES: dict[str, int] = {"cifar10": 10, "cifar100": 100, "ImageNet16-120": 120}


def available() -> list[str]:
    """Benchmarks whose cell networks can be built."""
    return sorted(benchmarks_with_networks())


def build(benchmark: str, arch: Any, *, dataset: str = "cifar10", num_classes: int | None = None) -> Any:
    """The torch network of ``arch`` in ``benchmark``, with the classifier head of ``dataset``.

    Initialisation uses torch's default initialisers on torch's global generator: seed it around
    the call (``torch.random.fork_rng`` + ``torch.manual_seed``) for reproducible weights.
    """
    if benchmark not in benchmarks_with_networks():
        try:  # another spelling of a benchmark (nas-bench-201, nats-tss, ...)
            benchmark = benchmark_spec(benchmark).name
        except UnknownBenchmark:
            pass
    if benchmark not in benchmarks_with_networks():
        raise UnknownBenchmark(f"no cell network for benchmark {benchmark!r}; networks exist for {', '.join(available())}")
    if num_classes is None:
        if dataset not in NUM_CLASSES:
            raise UnknownBenchmark(
                f"unknown number of classes for dataset {dataset!r}; pass num_classes= or use one of {', '.join(NUM_CLASSES)}"
            )
        num_classes = NUM_CLASSES[dataset]
    module, _, function = BENCHMARKS[benchmark].network.partition(":")
    return getattr(importlib.import_module(module), function)(arch, num_classes=num_classes)


def count_parameters(network: Any) -> int:
    """Trainable parameters, the quantity the benchmarks record (BN running stats excluded)."""
    return int(sum(p.numel() for p in network.parameters() if p.requires_grad))
