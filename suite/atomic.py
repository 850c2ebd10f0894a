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

Temporary names start with a dot and carry the process id plus a random token, so concurrent
writers of the same file do not share a temporary (the last rename wins).
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

__all__ = ["atomic_directory", "atomic_output", "durable_replace", "fsync_directory", "write_atomic"]

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


def _remove_leftovers(target: Path) -> None:
    """Remove temporaries and moved-aside copies that killed writers of ``target`` left behind."""
    name = glob.escape(target.name)
    for pattern in (f".{name}.tmp-*", f".{name}.old-*"):
        for leftover in target.parent.glob(pattern):
            shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def atomic_directory(target: PathLike) -> Iterator[Path]:
    """Yield an empty hidden directory beside ``target`` to fill; on a clean exit it replaces
    ``target`` as a whole.

    The temporary is ``.<name>.tmp-XXXXXXXX`` (mode :data:`DIRECTORY_MODE`); leftovers of killed
    writers of the same target (``.<name>.tmp-*``, ``.<name>.old-*``) are removed first, so one
    writer per target at a time. On a clean exit every file in it is fsynced; an existing
    ``target`` is renamed to ``.<name>.old-<pid>``, the temporary renamed to ``target`` and the old
    copy removed. Readers thus see the old directory or the complete new one (and, between the
    two renames, none). If the block raises, the temporary is removed and ``target`` is untouched.
    The parent directory must exist; errors creating the temporary are :class:`OSError`.
    """
    target = Path(target)
    parent = target.parent
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
