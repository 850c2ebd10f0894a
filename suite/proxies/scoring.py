"""Score many architectures of a benchmark: build each cell network, run the proxies on one batch.

Why a function of its own: the CLI, the experiment runner's workers and the tests all need the
same recipe, and its determinism rules live here. Each network is initialised from ``seed`` alone
(inside ``torch.random.fork_rng``, so the caller's global generator is untouched), hence a score
does not depend on which worker computed it, in which order or in how large a chunk; every proxy
gets ``numpy.random.default_rng(seed)``. Networks stay in float32 (the proxies' own
accumulations are float64 where they need it).
"""

from __future__ import annotations

import time
from typing import Any, Sequence

import numpy as np


def score_cells(benchmark: str, dataset: str, archs: Sequence[Any], proxies: Sequence[str],
                images: np.ndarray, labels: np.ndarray, *, seed: int = 0, device: str = "cpu",
                image_dataset: str | None = None) -> list[dict[str, float]]:
    """One dict per architecture: ``{proxy: score, f"{proxy}_seconds": wall time}`` plus
    ``build_seconds``. ``images`` uint8 ``(N, H, W, 3)``, normalised with the statistics of
    ``image_dataset`` (default ``dataset``)."""
    import torch

    from ..data.images import to_tensor
    from ..networks import build
    from . import score

    dev = torch.device(device)
    batch = (to_tensor(images, image_dataset or dataset, dev), torch.as_tensor(labels, dtype=torch.int64, device=dev))
    out: list[dict[str, float]] = []
    for arch in archs:
        t0 = time.perf_counter()
        with torch.random.fork_rng(devices=[]):
            torch.default_generator.manual_seed(seed)  # CPU only: torch.manual_seed would also reseed CUDA's
            network = build(benchmark, arch, dataset=dataset)
        network.to(dev)
        row: dict[str, float] = {"build_seconds": time.perf_counter() - t0}
        for name in proxies:
            t0 = time.perf_counter()
            value = score(name, network, batch, rng=np.random.default_rng(seed))
            if dev.type == "cuda":
                torch.cuda.synchronize(dev)
            row[name] = value
            row[f"{name}_seconds"] = time.perf_counter() - t0
        out.append(row)
    return out
