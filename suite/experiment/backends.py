"""Where cells run: this process, local joblib processes, a Dask cluster or a Ray cluster.

Every backend yields results as they finish (in any order); the runner journals them and sorts
by grid order at the end, so records do not depend on the backend. Dask and Ray are optional
extras, imported only when asked for.

Connections are bounded: a Dask scheduler or Ray cluster that does not answer within
:data:`CONNECT_TIMEOUT` seconds is a one-line :class:`~suite.errors.NasSuiteError`, never a hang.
Local worker processes (joblib/loky) that lose their parent to a kill exit within
:data:`PARENT_POLL` seconds (:func:`exit_with_parent`), and loky's resource tracker then removes
the semaphores and memmap folders they held in ``/dev/shm`` (see docs/reliability.md).
"""

from __future__ import annotations

import os
import socket
from typing import Any, Callable, Iterator, Sequence
from urllib.parse import urlsplit

from ..errors import NasSuiteError
from ..extras import require

__all__ = ["BACKENDS", "CONNECT_TIMEOUT", "IDLE_WORKER_TIMEOUT", "execute"]

BACKENDS = ("local", "dask", "ray")

#: seconds to wait for a Dask scheduler or a Ray cluster before giving up with a one-line error
CONNECT_TIMEOUT = 10.0

#: seconds an idle local worker lives (joblib's default is 300), so a finished run's pool does not
#: hold memory and /dev/shm entries for minutes
IDLE_WORKER_TIMEOUT = 10

#: seconds between a local worker's checks that its parent process is still alive
PARENT_POLL = 1.0


def execute(backend: str, fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]], *, jobs: int = 1,
            address: str | None = None) -> Iterator[Any]:
    """``fn(*task)`` for every task, yielded as each finishes."""
    if not tasks:
        return iter(())
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise NasSuiteError(f"jobs must be a whole number >= 1, got {jobs!r}")
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
    parallel = Parallel(n_jobs=jobs, return_as="generator_unordered", batch_size=1, inner_max_num_threads=1,
                        idle_worker_timeout=IDLE_WORKER_TIMEOUT, initializer=exit_with_parent,
                        initargs=(os.getpid(),))
    return iter(parallel(delayed(fn)(*t) for t in tasks))


def exit_with_parent(parent: int) -> None:
    """Worker initializer: end this worker within a second of its parent process dying.

    loky's workers outlive a parent killed with SIGKILL (they wait on a queue whose lock the dead
    parent may hold), keeping their memory and their /dev/shm semaphores and memmap folders.
    A daemon thread watches the parent id; once the worker is re-parented it exits, and loky's
    resource tracker, seeing its last client gone, unlinks what they held.
    """
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL)
        os._exit(1)

    threading.Thread(target=watch, name="nas-suite-exit-with-parent", daemon=True).start()


def _dask(fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]], address: str | None) -> Iterator[Any]:
    distributed = require("dask", "the dask backend")
    Client, as_completed = distributed.Client, distributed.as_completed
    if not address:
        raise NasSuiteError("--backend dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError, TypeError) as err:  # unreachable, refused, bad scheme
        raise NasSuiteError(f"cannot connect to the Dask scheduler at {address} within {CONNECT_TIMEOUT:g} s "
                            f"({_one_line(err)}); start one (`dask scheduler`) or fix --scheduler") from err

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
        if address and address not in ("auto", "local"):
            _check_reachable(address, "the Ray cluster", "--address")
        try:
            ray.init(address=address, ignore_reinit_error=True, log_to_driver=False, include_dashboard=False)
        except (ConnectionError, TimeoutError, OSError, ValueError, RuntimeError) as err:
            raise NasSuiteError(f"cannot start or join Ray at {address or 'a new local instance'} "
                                f"({_one_line(err)}); check --address") from err
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


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def _check_reachable(address: str, what: str, option: str) -> None:
    """A TCP connection to ``host:port`` (``ray://`` and other schemes allowed) within the timeout.

    Ray's own client retries an absent cluster for minutes; this answers in seconds.
    """
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:  # a port that is not a number
        host, port = None, None
    if not host or port is None:
        raise NasSuiteError(f"{option} {address!r} is not HOST:PORT (e.g. 127.0.0.1:6379)")
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT):
            pass
    except OSError as err:
        raise NasSuiteError(f"cannot reach {what} at {address} within {CONNECT_TIMEOUT:g} s ({_one_line(err)}); "
                            f"start it or fix {option}") from err
