"""nas-suite: a benchmark-driven evaluation suite for neural-architecture performance predictors.

Entry point for data: ``suite.load(benchmark, dataset)`` returns a :class:`Benchmark` whose
queries are vectorised over every architecture of the table.
"""

from __future__ import annotations

from .data.benchmark import Benchmark, load
from .errors import (
    CacheError,
    CorruptRecord,
    InvalidArchitecture,
    NasSuiteError,
    NotInBenchmark,
    UnknownBenchmark,
    UnknownMetric,
)

__version__ = "0.1.0"

__all__ = [
    "Benchmark",
    "CacheError",
    "CorruptRecord",
    "InvalidArchitecture",
    "NasSuiteError",
    "NotInBenchmark",
    "UnknownBenchmark",
    "UnknownMetric",
    "__version__",
    "load",
]
