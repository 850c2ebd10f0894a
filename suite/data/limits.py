"""Explicit limits on what an importer reads from a raw file, and the readers that enforce them.

A raw benchmark file comes from the internet and is parsed by code that believes its sizes: a bz2
stream does not say how much it expands to (2 kB can become 3 GB), a pickle can reference one list
a million times, JSON can nest 100,000 levels deep, and a count read from a record (a schedule's
epochs, a seed, a repeat) becomes the shape of an array. Every such size is bounded here, by one
frozen set of :class:`Limits` whose defaults sit far above what any official file needs and far
below what would exhaust a machine:

========================= ======================================= =========== ===========================
limit (``NAS_SUITE_`` +    what it bounds                          default     official files need
upper-cased name)
========================= ======================================= =========== ===========================
``max_read_bytes``         one file, archive member or record       256 MiB     5 MB (largest table)
                           read whole into memory
``max_decompressed_bytes`` what one bz2 stream expands to           256 MiB     ~1.5 MB (NATS meta)
``max_pickle_items``       objects one pickle holds, counted per    10,000,000  ~300,000 (a NATS record)
                           reference (shared lists count each time)
``max_nesting``            containers nested in a pickle or JSON    100         8
``max_epochs``             an epoch count, schedule or budget read  10,000      200
                           from a record
``max_seeds``              distinct seeds of one table              16          3
``max_repeats``            NB-101 training runs per (cell, budget)  3           3
``max_array_bytes``        metric arrays an import allocates from   4 GiB       ~0.9 GiB (NATS, 3 datasets)
                           counts found in its input
========================= ======================================= =========== ===========================

Each limit is raised with its environment variable (``NAS_SUITE_MAX_DECOMPRESSED_BYTES=1073741824``
etc.), read when an import starts, so it works the same through the CLI and the Python API; the
error for an exceeded limit (:class:`LimitExceeded`, a :class:`~suite.errors.SourceFormatError`) is
one line naming the limit, its value and the variable that raises it. Messages never ``repr`` an
object read from a file in full: :func:`brief` bounds the text whatever the object's size or shape.

Readers:

* :func:`regular_file` refuses a directory, a FIFO, a socket or a device before anything opens it;
  :func:`read_bytes` then reads one regular file (opened non-blocking and checked again on the open
  descriptor, so a FIFO swapped in meanwhile cannot block it) up to ``max_read_bytes``;
* :func:`bz2_decompress` decompresses in bounded steps and stops at ``max_decompressed_bytes``;
* :func:`parse_json` / :func:`read_json` check size and nesting depth *before* parsing (the stdlib
  parser recurses), and can refuse ``NaN``/``Infinity`` where a format has no use for them.

Not bounded here, because CPython's C unpickler gives no hook for them: a ``LONG_BINPUT`` memo
index makes it allocate 16 bytes per index value (up to 64 GiB for a 4-byte index), and a dict key
or set element built from deeply shared tuples is hashed once per path through it. Both need a
hostile file *and* ``--allow-pickle``, which is the user's statement that the file is trusted.
"""

from __future__ import annotations

import bz2
import json
import os
import re
import reprlib
import stat
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import NasSuiteError, SourceFormatError

__all__ = [
    "Limits",
    "LimitExceeded",
    "current",
    "env_var",
    "brief",
    "regular_file",
    "read_bytes",
    "bz2_decompress",
    "parse_json",
    "read_json",
]

MiB = 1 << 20
GiB = 1 << 30
ENV_PREFIX = "NAS_SUITE_"


@dataclass(frozen=True)
class Limits:
    """Bounds on sizes read from untrusted input (see the module docstring for each field)."""

    max_read_bytes: int = 256 * MiB
    max_decompressed_bytes: int = 256 * MiB
    max_pickle_items: int = 10_000_000
    max_nesting: int = 100
    max_epochs: int = 10_000
    max_seeds: int = 16
    max_repeats: int = 3
    max_array_bytes: int = 4 * GiB

    def exceeded(self, name: str, source: str, what: str) -> "LimitExceeded":
        """The one-line error for ``what`` (read from ``source``) going past limit ``name``."""
        value = getattr(self, name)
        var = env_var(name)
        return LimitExceeded(
            f"{source}: {what}, over the limit {name} = {value:,}; if the file is genuine, raise it with "
            f"the environment variable {var} (e.g. {var}={2 * value})"
        )

    def check(self, name: str, value: int, source: str, what: str) -> None:
        """Raise :meth:`exceeded` when ``value`` is larger than limit ``name``."""
        if value > getattr(self, name):
            shown = f"{value:,}" if value.bit_length() <= 128 else f"about 2**{value.bit_length() - 1}"
            raise self.exceeded(name, source, f"{what} is {shown}")


class LimitExceeded(SourceFormatError):
    """An input larger than one of the :class:`Limits` (the message names the limit and how to raise it)."""


def env_var(name: str) -> str:
    """Environment variable that sets limit ``name`` (``max_epochs`` -> ``NAS_SUITE_MAX_EPOCHS``)."""
    return ENV_PREFIX + name.upper()


def current() -> Limits:
    """The defaults, overridden by any ``NAS_SUITE_MAX_*`` environment variable that is set."""
    changes: dict[str, int] = {}
    for f in fields(Limits):
        var = env_var(f.name)
        text = os.environ.get(var)
        if text is None or not text.strip():
            continue
        try:
            value = int(text.strip())
        except ValueError:
            value = 0
        if value <= 0:
            raise NasSuiteError(f"{var} must be a positive whole number, got {brief(text)}")
        changes[f.name] = value
    return replace(Limits(), **changes) if changes else Limits()


# -- bounded messages --------------------------------------------------------------------------------


class _BriefRepr(reprlib.Repr):
    """``reprlib`` with small bounds; ints too long to print are described, not converted."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 2
        self.maxtuple = self.maxlist = self.maxarray = self.maxdict = 4
        self.maxset = self.maxfrozenset = self.maxdeque = 4
        self.maxstring = 60
        self.maxlong = 40
        self.maxother = 60

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 128:
            return f"<int of {x.bit_length()} bits>"
        return super().repr_int(x, level)

    def repr_instance(self, x: Any, level: int) -> str:
        try:
            return super().repr_instance(x, level)
        except Exception:  # noqa: BLE001 - a message must never fail on the object it describes
            return f"<{type(x).__name__} object>"


_BRIEF = _BriefRepr()


def brief(obj: Any) -> str:
    """A ``repr`` of at most about 200 characters, whatever the size, sharing or cycles of ``obj``."""
    try:
        text = _BRIEF.repr(obj)
    except Exception:  # noqa: BLE001 - e.g. a RecursionError deep inside an unusual type
        text = f"<{type(obj).__name__} object>"
    return text if len(text) <= 200 else text[:197] + "..."


# -- files ---------------------------------------------------------------------------------------------


def regular_file(path: str | os.PathLike[str], hint: str = "") -> Path:
    """``path`` if it names a regular file (symlinks followed); else a one-line :class:`SourceFormatError`.

    Checked before anything opens the path: opening a FIFO blocks until a writer appears, and a
    directory or device is never a benchmark file. ``hint`` says what to pass instead.
    """
    p = Path(path)
    tail = f"; {hint}" if hint else ""
    try:
        mode = p.stat().st_mode
    except FileNotFoundError:
        raise SourceFormatError(f"cannot read {p}: no such file{tail}") from None
    except OSError as err:
        raise SourceFormatError(f"cannot read {p}: {err.strerror or err}{tail}") from None
    if stat.S_ISDIR(mode):
        raise SourceFormatError(f"{p} is a directory, not a file{tail}")
    if not stat.S_ISREG(mode):
        raise SourceFormatError(f"{p} is not a regular file (a FIFO, socket or device){tail}")
    return p


def read_bytes(path: str | os.PathLike[str], *, limits: Limits | None = None, hint: str = "") -> bytes:
    """The bytes of one regular file, at most ``max_read_bytes`` of them (checked before reading)."""
    limits = limits or current()
    p = regular_file(path, hint)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as err:
        raise SourceFormatError(f"cannot read {p}: {err.strerror or err}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):  # replaced after the check above
            raise SourceFormatError(f"{p} is not a regular file (a FIFO, socket or device)")
        limits.check("max_read_bytes", info.st_size, str(p), "the file's size in bytes")
        try:
            data = handle.read(limits.max_read_bytes + 1)
        except OSError as err:
            raise SourceFormatError(f"cannot read {p}: {err.strerror or err}") from None
    if len(data) > limits.max_read_bytes:  # grew while being read
        raise limits.exceeded("max_read_bytes", str(p), "the file is larger than that")
    return data


# -- bz2 -------------------------------------------------------------------------------------------------


def bz2_decompress(data: bytes, *, source: str, limits: Limits | None = None) -> bytes:
    """``bz2.decompress(data)`` that stops at ``max_decompressed_bytes`` of output.

    Same result as :func:`bz2.decompress` on every input it accepts (concatenated streams are
    joined, trailing bytes that are not a bz2 stream after the first stream are ignored); raises
    :class:`LimitExceeded` as soon as the output would pass the limit, having held at most the
    limit in memory. Damaged streams raise ``OSError``/``ValueError`` as :func:`bz2.decompress`.
    """
    limits = limits or current()
    cap = limits.max_decompressed_bytes
    out = bytearray()
    first = True
    while data:
        decomp = bz2.BZ2Decompressor()
        try:
            out += decomp.decompress(data, max_length=cap + 1 - len(out))
        except OSError:
            if first:
                raise
            break  # leftover bytes that are not a bz2 stream, as bz2.decompress ignores them
        first = False
        while True:
            if len(out) > cap:
                raise limits.exceeded("max_decompressed_bytes", source, "bz2 data decompresses to more bytes")
            if decomp.eof:
                break
            if decomp.needs_input:
                raise ValueError("Compressed data ended before the end-of-stream marker was reached")
            out += decomp.decompress(b"", max_length=cap + 1 - len(out))
        data = decomp.unused_data
    return bytes(out)


# -- JSON ------------------------------------------------------------------------------------------------

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_OPEN = np.frombuffer(b"[{", dtype=np.uint8)
_CLOSE = np.frombuffer(b"]}", dtype=np.uint8)


def _json_depth(raw: bytes) -> int:
    """Deepest ``[``/``{`` nesting of JSON text (brackets inside strings do not count)."""
    bare = np.frombuffer(_JSON_STRING.sub(b'""', raw), dtype=np.uint8)
    step = np.isin(bare, _OPEN).astype(np.int64) - np.isin(bare, _CLOSE)
    return int(np.cumsum(step).max(initial=0))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"non-finite number {name} (JSON has none; the file is damaged or not the official one)")


_DECODERS = {True: json.JSONDecoder(), False: json.JSONDecoder(parse_constant=_refuse_constant)}


def parse_json(text: str | bytes | bytearray, *, source: str, limits: Limits | None = None, allow_nonfinite: bool = True) -> Any:
    """``json.loads(text)`` under ``max_read_bytes`` and ``max_nesting``.

    ``allow_nonfinite=False`` refuses the ``NaN``/``Infinity``/``-Infinity`` extension that
    :func:`json.loads` otherwise accepts. Any failure is one line (:class:`SourceFormatError`, or
    :class:`LimitExceeded` for a limit) starting with ``source``.
    """
    limits = limits or current()
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    limits.check("max_read_bytes", len(raw), source, "the JSON text's size in bytes")
    depth = _json_depth(raw) if raw.count(b"[") + raw.count(b"{") > limits.max_nesting else 0
    if depth > limits.max_nesting:
        raise limits.exceeded("max_nesting", source, f"JSON nested {depth:,} levels deep")
    try:  # what json.loads does with bytes, with a decoder made once
        return _DECODERS[allow_nonfinite].decode(raw.decode(json.detect_encoding(raw), "surrogatepass"))
    except RecursionError:
        raise limits.exceeded("max_nesting", source, "JSON nested too deeply to parse") from None
    except (UnicodeDecodeError, ValueError) as err:  # JSONDecodeError is a ValueError
        raise SourceFormatError(f"{source}: not valid JSON ({err})") from None


def read_json(path: str | os.PathLike[str], *, limits: Limits | None = None, hint: str = "",
              allow_nonfinite: bool = True) -> Any:
    """:func:`parse_json` of one regular file (read with :func:`read_bytes`)."""
    limits = limits or current()
    return parse_json(read_bytes(path, limits=limits, hint=hint), source=str(path), limits=limits,
                      allow_nonfinite=allow_nonfinite)
