"""A tiny registered-on-demand benchmark for testing the cache and query machinery alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..data.cache import CacheWriter, MetricInfo
from ..data.registry import BenchmarkSpec
from ..data.spaces import SearchSpace
from ..errors import InvalidArchitecture

TOY = BenchmarkSpec("toy", "toy benchmark", "suite.testing.toy:ToySpace", ("d1", "d2"), "none")


class ToySpace(SearchSpace):
    """Architectures are the strings ``"a<k>"``; keys are lower-case, so ``"A3"`` == ``"a3"``."""

    name = "toy"

    def key(self, spec: Any) -> str:
        if not isinstance(spec, str) or not spec.lower().startswith("a") or not spec[1:].isdigit():
            raise InvalidArchitecture(f"toy architectures look like 'a<digits>', got {spec!r}")
        return spec.lower()


def write_toy_cache(root: Path, dataset: str = "d1", n: int = 6) -> Path:
    """Cache with known values: ``acc[i, s, e] = 10 * i + s + e / 10`` (seeds 0..2, epochs 1..4).

    Seed 2 is missing (NaN) for odd ids; ``curve`` is published for ids 1 and 4 only;
    ``params`` = i / 2 has no schedule.
    """
    ids = np.arange(n)
    archs = pd.DataFrame({"id": ids, "arch": [f"a{i}" for i in ids], "key": [f"a{i}" for i in ids]})
    acc = 10.0 * ids[:, None, None] + np.arange(3)[None, :, None] + np.arange(1, 5)[None, None, :] / 10
    acc[ids % 2 == 1, 2, :] = np.nan
    with CacheWriter(root, "toy", dataset, converter="toy", converter_version="1", citation="none",
                     licence="CC0", sources=[], rebuild="write_toy_cache()", default_schedule=4) as w:
        w.write_archs(archs, {"id": "row", "arch": "name", "key": "lookup key"})
        info = MetricInfo("toy accuracy", unit="%", split="valid")
        w.add_metric("acc", info, acc, schedule=4, epochs=[1, 2, 3, 4], seeds=[0, 1, 2])
        w.add_metric("acc", info, acc[:, :, -1:].mean(axis=1, keepdims=True) + 1000, schedule=8,
                     epochs=[8], seeds=["mean"])
        w.add_metric("curve", MetricInfo("partial curves"), acc[[1, 4]][:, :2, :], schedule=4,
                     epochs=[1, 2, 3, 4], seeds=[0, 1], rows=np.array([1, 4]))
        w.add_metric("params", MetricInfo("size", unit="M", higher_is_better=False),
                     (ids / 2.0)[:, None, None], schedule=None, epochs=None, seeds=["mean"])
    return root / "toy" / dataset
