"""Atomic writes: a reader sees the old file (or directory) or the complete new one, never a part.

Every write goes to a hidden temporary beside its target (same directory, so same file system),
is fsynced, and is renamed over the target with :func:`os.replace`; the directory is then fsynced
too where the platform allows it, so the rename survives a crash. On any failure, including
``KeyboardInterrupt``, the temporary is removed and the target is left as it was.

- :func:`write_atomic` writes text or bytes held in memory (JSON, CSV, Markdown).
- :func:`atomic_output` yields a temporary path for writers that want a path (parquet, NumPy,
  matplotlib); the temporary keeps the target's suffix, for writers that infer the format from it.
- :func:`atomic_directory` yields a temporary directory that replaces a whole directory (a cache).
- :func:`durable_replace` is the final rename on its own, for files built some other way (a
  resumable download's ``.part`` file).
- :func:`exclusive_lock` makes writers of one target (a cache directory, a download) exclude each
  other across processes; :func:`atomic_directory` takes it itself.

Temporary names start with a dot and carry the process id plus a random token, so concurrent
writers of the same file do not share a temporary (the last rename wins).

**Locks.** ``exclusive_lock(target)`` holds an OS lock (``fcntl.flock``; ``msvcrt.locking`` on
Windows) on ``.<name>.lock`` beside ``target``, a file that records the holder's pid and start
time for the message of whoever is refused. It does not wait: a second writer fails at once with a
one-line error naming that pid, so nothing it would do (clean up "stale" temporaries, append to a
``.part``) can touch the first writer's work. The OS releases the lock when its holder exits, even
by ``SIGKILL``, so a lock is never stale: a killed writer leaves at most the lock file itself,
which the next writer simply locks and reuses. A holder removes the file when it is done.
"""

from __future__ import annotations

import errno
import glob
import os
import secrets
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import NasSuiteError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

__all__ = ["atomic_directory", "atomic_output", "durable_replace", "exclusive_lock", "fsync_directory", "lock_path",
           "write_atomic"]

PathLike = str | os.PathLike[str]

#: Mode of a directory made by :func:`atomic_directory` (:func:`tempfile.mkdtemp` makes ``0o700``).
DIRECTORY_MODE = 0o755


def fsync_directory(path: PathLike) -> None:
    """Make renames and new entries inside directory ``path`` durable.

    Best effort: skipped where a directory cannot be opened or fsynced (Windows, some network
    file systems); the rename itself is atomic either way.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    """Flush a closed file's data to disk (Windows can only flush a handle opened for writing)."""
    fd = os.open(path, os.O_RDWR if os.name == "nt" else os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def durable_replace(src: PathLike, dst: PathLike) -> None:
    """Rename ``src`` over ``dst`` atomically (:func:`os.replace`), then fsync ``dst``'s directory.

    ``src`` must already be complete and fsynced, and on the same file system as ``dst``.
    """
    os.replace(src, dst)
    fsync_directory(Path(dst).parent)


def _temp_beside(path: Path) -> Path:
    """``.<stem>.<pid>-<token>.tmp<suffix>`` in ``path``'s directory (not created)."""
    return path.with_name(f".{path.stem}.{os.getpid()}-{secrets.token_hex(4)}.tmp{path.suffix}")


def write_atomic(path: PathLike, data: str | bytes) -> None:
    """Replace the file ``path`` by ``data`` atomically: text is written as UTF-8 (newlines
    untranslated), bytes as they are. The directory must exist."""
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    path = Path(path)
    tmp = _temp_beside(path)
    try:
        with open(tmp, "xb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        durable_replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def atomic_output(path: PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` for a writer to create; it replaces ``path`` only if
    the block finishes.

    The temporary does not exist when yielded and has ``path``'s suffix. After the block it is
    fsynced and renamed over ``path``; if the block raises (or the block wrote nothing, which
    raises :class:`FileNotFoundError`), it is removed and ``path`` is untouched::

        with atomic_output(directory / "records.parquet") as tmp:
            frame.to_parquet(tmp, index=False)
    """
    path = Path(path)
    tmp = _temp_beside(path)
    try:
        yield tmp
        _fsync_file(tmp)
        durable_replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def lock_path(target: PathLike) -> Path:
    """The lock file of ``target``: ``.<name>.lock`` in the same directory."""
    target = Path(target)
    return target.with_name(f".{target.name}.lock")


#: Windows locks a byte range; the holder's record sits before it, so others can still read it.
_WINDOWS_LOCK_OFFSET = 1 << 20


def _try_lock(fd: int) -> bool:
    """Take the exclusive OS lock of an open lock file without waiting; False if it is held."""
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError as err:
        if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES, errno.EDEADLK):
            return False
        raise
    return True


def _holder(fd: int) -> tuple[str, str]:
    """(``pid N``, `` (since <time>)``) as the holder recorded them; best effort."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        words = os.read(fd, 200).decode("ascii", "replace").split()
    except OSError:
        words = []
    if not words or not words[0].isdigit():
        return "pid unknown", ""
    return f"pid {words[0]}", f" (since {words[1]})" if len(words) > 1 else ""


@contextmanager
def exclusive_lock(
    target: PathLike, *, doing: str = "writing", error: type[NasSuiteError] = NasSuiteError
) -> Iterator[Path]:
    """Hold the lock of ``target`` (see the module docstring) for the block; yield the lock file.

    Does not wait: if another process holds it, raises ``error`` with a one-line message such as
    ``another nas-suite process (pid 4242) is writing <target> (since <time>); wait for it to
    finish, then run again``. The directory of ``target`` must exist; creating the lock file in a
    read-only directory raises :class:`OSError`.
    """
    path = lock_path(target)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        try:
            if not _try_lock(fd):
                who, since = _holder(fd)
                raise error(
                    f"another nas-suite process ({who}) is {doing} {target}{since}; wait for it to finish, then run again"
                )
            try:  # the previous holder may have removed the file between our open and our lock
                same = os.path.samestat(os.fstat(fd), os.stat(path))
            except FileNotFoundError:
                same = False
            if same:
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f"{os.getpid()} {time.strftime('%Y-%m-%dT%H:%M:%S')}\n".encode("ascii"))
        yield path
    finally:
        try:
            path.unlink()  # while still holding it: a waiter that opened this file re-checks and retries
        except OSError:
            pass
        os.close(fd)  # releases the lock


def _remove_leftovers(target: Path) -> None:
    """Remove temporaries and moved-aside copies that killed writers of ``target`` left behind."""
    name = glob.escape(target.name)
    for pattern in (f".{name}.tmp-*", f".{name}.old-*"):
        for leftover in target.parent.glob(pattern):
            shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def atomic_directory(target: PathLike, *, busy: type[NasSuiteError] = NasSuiteError) -> Iterator[Path]:
    """Yield an empty hidden directory beside ``target`` to fill; on a clean exit it replaces
    ``target`` as a whole.

    The whole call holds :func:`exclusive_lock` of ``target`` (a second writer of the same target
    gets ``busy``, a one-line error naming the first one's pid). Under that lock, leftovers of
    killed writers of the same target (``.<name>.tmp-*``, ``.<name>.old-*``) are removed first:
    they cannot belong to a live writer, since a live writer would hold the lock. The temporary is
    ``.<name>.tmp-XXXXXXXX`` (mode :data:`DIRECTORY_MODE`). On a clean exit every file in it is
    fsynced; an existing ``target`` is renamed to ``.<name>.old-<pid>``, the temporary renamed to
    ``target`` and the old copy removed. Readers thus see the old directory or the complete new one
    (and, between the two renames, none); a reader that opened the old files by handle keeps reading
    them. If the block raises, the temporary is removed and ``target`` is untouched. The parent
    directory must exist; errors creating the lock file or the temporary are :class:`OSError`.
    """
    target = Path(target)
    parent = target.parent
    with exclusive_lock(target, error=busy):
        _remove_leftovers(target)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=parent))
        try:
            tmp.chmod(DIRECTORY_MODE)
            yield tmp
            for directory, _, files in os.walk(tmp):
                for name in files:
                    _fsync_file(Path(directory) / name)
            old = None
            if target.exists():
                old = parent / f".{target.name}.old-{os.getpid()}"
                shutil.rmtree(old, ignore_errors=True)
                os.replace(target, old)
            try:
                durable_replace(tmp, target)
            except BaseException:
                if old is not None:
                    os.replace(old, target)  # put the previous directory back
                raise
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
