"""A restricted unpickler for the official benchmark archives that only exist as pickles.

Why this exists: unpickling is code execution. A pickle is a small program for a stack
machine whose ``GLOBAL``/``REDUCE`` instructions import *any* importable callable and call it
with attacker-chosen arguments (``os.system("...")`` is four opcodes). ``pickle.load`` on a
file from the internet therefore runs whatever its author wanted. The NATS-Bench archives
(``NATS-tss-v1_0-3ffb9-simple/*.pickle.pbz2``) are only published as pickles, so nas-suite

* loads pickles **only on explicit request** (importers refuse without ``allow_pickle=True``,
  i.e. ``nas-suite data import ... --allow-pickle``), and
* even then loads them with :class:`RestrictedUnpickler`, whose :meth:`find_class` resolves a
  tiny allow-list of plain-data constructors and refuses everything else with
  :class:`~suite.errors.UnsafePickle` *before* anything is called.

The allow-list is exactly what the official NATS files need (they are nested dicts, lists,
tuples, sets and ``collections.OrderedDict`` of strings and numbers, with parameter counts
stored as NumPy ``float64`` scalars):

``builtins`` (also spelled ``__builtin__`` by protocol-2 pickles)
    ``dict``, ``list``, ``tuple``, ``set``, ``frozenset``, ``int``, ``float``, ``complex``,
    ``bool``, ``str``, ``bytes``, ``bytearray``, ``slice``, ``range`` — constructors of plain
    values, which cannot reach the file system or the interpreter.
``collections.OrderedDict``
    used for every ``hp -> ArchResults`` record and for the per-epoch time series.
``_codecs.encode`` (``latin1`` only)
    how protocol-2 pickles spell ``bytes``; any other codec name is refused because codec
    lookup may import modules.
``numpy.dtype`` and ``numpy.core.multiarray.scalar`` (or ``numpy._core.multiarray.scalar``)
    how a NumPy scalar such as ``np.float64(0.129306)`` is pickled: a dtype plus its raw
    bytes. Only boolean, integer, unsigned, float and complex dtypes are accepted, so a scalar
    can only ever be a number. NumPy *arrays* are not allowed (the official files have none).

Unknown opcodes that need no global (``EMPTY_SET``, ``SHORT_BINBYTES``...) build plain
values only. Persistent references (used by torch's own format) are refused as a format
error: ``.pth`` files are read through ``torch.load(..., weights_only=True)`` instead.
"""

from __future__ import annotations

import bz2
import collections
import io
import os
import pickle
import re
from pathlib import Path
from typing import IO, Any, Callable

import numpy as np

from ..errors import CorruptRecord, SourceFormatError, UnsafePickle

#: dtype spellings accepted inside pickled NumPy scalars: bool, (unsigned) ints, floats, complex.
_NUMERIC_DTYPE = re.compile(r"^[<>|=]?(b1|\?|[iu][1248]|f[248]|c(8|16))$")
_NUMERIC_KINDS = frozenset("biufc")

_BUILTINS: dict[str, Any] = {
    name: getattr(__import__("builtins"), name)
    for name in (
        "dict", "list", "tuple", "set", "frozenset", "int", "float", "complex", "bool",
        "str", "bytes", "bytearray", "slice", "range",
    )
}


def _numeric_dtype(spec: Any, *args: Any) -> np.dtype:
    """``numpy.dtype`` restricted to numeric dtypes (how pickles spell a scalar's type)."""
    if not isinstance(spec, str) or not _NUMERIC_DTYPE.match(spec):
        raise UnsafePickle(
            f"refused to unpickle a NumPy dtype {spec!r}: only numeric scalars are allowed in "
            "benchmark pickles"
        )
    return np.dtype(spec, *args[:2])


def _numeric_scalar(dtype: Any, data: Any = None) -> Any:
    """``numpy.core.multiarray.scalar`` restricted to numeric dtypes and raw ``bytes``."""
    if not isinstance(dtype, np.dtype) or dtype.kind not in _NUMERIC_KINDS or not isinstance(data, bytes):
        raise UnsafePickle(
            f"refused to unpickle a NumPy scalar of dtype {dtype!r}: only numeric scalars stored "
            "as raw bytes are allowed in benchmark pickles"
        )
    if len(data) != dtype.itemsize:
        raise CorruptRecord(f"pickled NumPy {dtype} scalar has {len(data)} bytes, expected {dtype.itemsize}")
    return np.frombuffer(data, dtype=dtype)[0]


def _latin1_encode(text: Any, encoding: str = "utf-8", errors: str = "strict") -> bytes:
    """``_codecs.encode`` as protocol-2 pickles use it for ``bytes``: latin-1 only."""
    if not isinstance(text, str) or encoding.lower().replace("-", "") not in ("latin1", "iso88591"):
        raise UnsafePickle(f"refused to unpickle _codecs.encode with encoding {encoding!r}: only latin1 bytes are allowed")
    return text.encode("latin-1", errors)


class _NdarrayClass:
    """Stands in for ``numpy.ndarray`` when a pickle names it: usable only as the first argument
    of :func:`_numeric_array`, never callable itself."""


def _numeric_array(cls: Any, shape: Any = (0,), typecode: Any = b"b") -> np.ndarray:
    """``numpy.core.multiarray._reconstruct`` for plain ndarrays: an empty array whose state
    (shape, dtype, raw bytes) the pickle's ``BUILD`` then sets; the dtype in that state can only
    come from :func:`_numeric_dtype`, so the array can only hold numbers."""
    if cls is not _NdarrayClass:
        raise UnsafePickle("refused to unpickle an array subclass: only plain numeric numpy arrays are allowed")
    return np.ndarray((0,), dtype=np.uint8)


#: (module, name) -> object handed to the unpickler; everything else is refused.
ALLOWED_GLOBALS: dict[tuple[str, str], Callable[..., Any]] = {
    **{("builtins", n): f for n, f in _BUILTINS.items()},
    **{("__builtin__", n): f for n, f in _BUILTINS.items()},
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("_codecs", "encode"): _latin1_encode,
    ("numpy", "dtype"): _numeric_dtype,
    ("numpy.core.multiarray", "scalar"): _numeric_scalar,
    ("numpy._core.multiarray", "scalar"): _numeric_scalar,
}

#: Added by :func:`load_pickle` with ``arrays=True``: numeric arrays (the downsampled-ImageNet and
#: CIFAR python batches are dicts of uint8 arrays and label lists).
ARRAY_GLOBALS: dict[tuple[str, str], Any] = {
    ("numpy", "ndarray"): _NdarrayClass,
    ("numpy.core.multiarray", "_reconstruct"): _numeric_array,
    ("numpy._core.multiarray", "_reconstruct"): _numeric_array,
}


class RestrictedUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` that resolves only :data:`ALLOWED_GLOBALS`.

    ``source`` names the file in error messages. Refusal happens in :meth:`find_class`, i.e.
    when the pickle *names* a callable, before the ``REDUCE`` that would call it.
    """

    def __init__(self, file: IO[bytes], *, source: str = "<pickle>", arrays: bool = False) -> None:
        # latin1 reads Python 2 pickles' byte strings (array data) as they were written
        super().__init__(file, encoding="latin1" if arrays else "ASCII")
        self.source = source
        self.allowed = {**ALLOWED_GLOBALS, **ARRAY_GLOBALS} if arrays else ALLOWED_GLOBALS

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self.allowed[(module, name)]
        except KeyError:
            raise UnsafePickle(
                f"refused to unpickle {module}.{name} from {self.source}: only plain containers and "
                "numbers are allowed (a pickle can run arbitrary code, so nas-suite loads pickles only "
                "on explicit request and only with this restricted loader)"
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        raise SourceFormatError(
            f"{self.source} uses pickle persistent references (a torch-saved file?), which plain "
            "benchmark pickles never contain; point the importer at the right file"
        )


def load_pickle(file: IO[bytes], *, source: str = "<pickle>", arrays: bool = False) -> Any:
    """Unpickle one object from an open binary file with :class:`RestrictedUnpickler`.

    ``arrays=True`` also admits plain numeric NumPy arrays (:data:`ARRAY_GLOBALS`).

    Raises :class:`UnsafePickle` for a refused global and :class:`CorruptRecord` for bytes that
    are not a complete pickle.
    """
    try:
        return RestrictedUnpickler(file, source=source, arrays=arrays).load()
    except (UnsafePickle, SourceFormatError, CorruptRecord):
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, KeyError,
            AttributeError, OverflowError, MemoryError, UnicodeDecodeError) as err:
        raise CorruptRecord(f"{source} is not a complete pickle ({type(err).__name__}: {err}); re-download it") from None


def loads_pickle_bz2(data: bytes, *, source: str = "<pickle>") -> Any:
    """Decompress bz2 ``data`` and unpickle it restrictedly (see :func:`load_pickle`)."""
    try:
        raw = bz2.decompress(data)
    except (OSError, ValueError, EOFError) as err:
        raise CorruptRecord(f"{source} is not a valid bz2 stream ({err}); re-download it") from None
    if not raw:
        raise CorruptRecord(f"{source} decompresses to nothing; re-download it")
    return load_pickle(io.BytesIO(raw), source=source)


def load_pickle_bz2(path: str | os.PathLike[str]) -> Any:
    """Load a ``*.pickle.pbz2`` file (bz2-compressed pickle) with the restricted unpickler.

    Only call this on the user's explicit request (``allow_pickle=True``): even restricted,
    unpickling is a parser of untrusted input.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as err:
        raise SourceFormatError(f"cannot read {p}: {err.strerror or err}") from None
    return loads_pickle_bz2(data, source=str(p))
