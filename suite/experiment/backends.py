"""Where cells run: this process, local joblib processes, a Dask cluster or a Ray cluster.

Every backend yields results as they finish (in any order); the runner journals them and sorts
by grid order at the end, so records do not depend on the backend. Dask and Ray are optional
extras, imported only when asked for.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence

from ..errors import NasSuiteError
from ..extras import require

__all__ = ["BACKENDS", "execute"]

BACKENDS = ("local", "dask", "ray")


def execute(backend: str, fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]], *, jobs: int = 1,
            address: str | None = None) -> Iterator[Any]:
    """``fn(*task)`` for every task, yielded as each finishes."""
    if not tasks:
        return iter(())
    if backend == "local":
        return _local(fn, tasks, jobs)
    if backend == "dask":
        return _dask(fn, tasks, address)
    if backend == "ray":
        return _ray(fn, tasks, address)
    raise NasSuiteError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")


def _local(fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]], jobs: int) -> Iterator[Any]:
    if jobs == 1:
        return (fn(*t) for t in tasks)
    from joblib import Parallel, delayed

    # a worker per core, each single-threaded, beats cores x threads fighting over 2 CPUs
    parallel = Parallel(n_jobs=jobs, return_as="generator_unordered", batch_size=1, inner_max_num_threads=1)
    return iter(parallel(delayed(fn)(*t) for t in tasks))


def _dask(fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]], address: str | None) -> Iterator[Any]:
    distributed = require("dask", "the dask backend")
    Client, as_completed = distributed.Client, distributed.as_completed
    if not address:
        raise NasSuiteError("--backend dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
    client = Client(address)

    def results() -> Iterator[Any]:
        try:
            futures = [client.submit(fn, *t, pure=False) for t in tasks]
            for future in as_completed(futures):
                yield future.result()
        finally:
            client.close()

    return results()


def _ray(fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]], address: str | None) -> Iterator[Any]:
    ray = require("ray", "the ray backend")
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=address, ignore_reinit_error=True, log_to_driver=False, include_dashboard=False)
    remote = ray.remote(num_cpus=1)(fn)

    def results() -> Iterator[Any]:
        try:
            pending = [remote.remote(*t) for t in tasks]
            while pending:
                ready, pending = ray.wait(pending, num_returns=1)
                yield ray.get(ready[0])
        finally:
            if started_here:
                ray.shutdown()

    return results()
