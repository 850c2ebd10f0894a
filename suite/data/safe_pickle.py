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

**Sizes** (:mod:`suite.data.limits`). Refusing code is not enough: a few bytes of pickle can
also ask for a huge object. So

* the allowed constructors cannot allocate from a count: ``bytes(n)``/``bytearray(n)`` with an
  integer are refused (pickles spell byte strings as data), ``str()`` of a container is refused
  (it would print it), a ``range`` may not be longer than ``max_pickle_items`` and ``slice``
  holds only ints and ``None``;
* once loaded, the object is walked breadth first *as a tree*, every reference counted (a list
  shared by n parents counts n times; a cycle never ends): more than ``max_pickle_items``
  references or containers nested deeper than ``max_nesting`` are refused with
  :class:`~suite.data.limits.LimitExceeded`, so no later loop over the object, and no message
  about it, can take longer than that. The walk runs in C (``gc.get_referents``), about 2 ms per
  NATS record, under 15% of reading it;
* :func:`loads_pickle_bz2` decompresses at most ``max_decompressed_bytes``.
"""

from __future__ import annotations

import collections
import gc
import io
import itertools
import os
import pickle
import re
from pathlib import Path
from typing import IO, Any, Callable

import numpy as np

from ..errors import CorruptRecord, SourceFormatError, UnsafePickle
from .limits import LimitExceeded, Limits, brief, bz2_decompress, current, read_bytes

#: dtype spellings accepted inside pickled NumPy scalars: bool, (unsigned) ints, floats, complex.
_NUMERIC_DTYPE = re.compile(r"^[<>|=]?(b1|\?|[iu][1248]|f[248]|c(8|16))$")
_NUMERIC_KINDS = frozenset("biufc")

_PLAIN_BUILTINS: dict[str, Any] = {
    name: getattr(__import__("builtins"), name)
    for name in ("dict", "list", "tuple", "set", "frozenset", "int", "float", "complex", "bool")
}
#: containers a restricted pickle can build; the size walk descends into these (exact types)
_CONTAINERS = frozenset({list, tuple, dict, collections.OrderedDict, set, frozenset})


def _refuse(call: str) -> UnsafePickle:
    return UnsafePickle(
        f"refused to unpickle {call}: it would build an object from a count or a container, which plain "
        "benchmark data never does"
    )


def _bytes_like(ctor: type) -> Callable[..., Any]:
    """``bytes``/``bytearray`` from data only: ``bytes(10**10)`` would allocate 10 GB from 12 bytes."""
    def build(*args: Any) -> Any:
        if args and isinstance(args[0], int):
            raise _refuse(f"{ctor.__name__}({brief(args[0])})")
        return ctor(*args)
    return build


def _str(*args: Any) -> str:
    """``str`` of text, bytes or a number; ``str(container)`` prints it (exponential if shared)."""
    if any(type(a) in _CONTAINERS for a in args):
        raise _refuse(f"str() of a {type(args[0]).__name__}")
    return str(*args)


def _range(*args: Any) -> range:
    """``range`` no longer than ``max_pickle_items`` (anything that iterates it would run that long)."""
    r = range(*args)
    limits = current()
    try:
        n = len(r)
    except OverflowError:
        n = limits.max_pickle_items + 1
    if n > limits.max_pickle_items:
        raise limits.exceeded("max_pickle_items", "<pickle>", f"{brief(r)} is longer")
    return r


def _slice(*args: Any) -> slice:
    """``slice`` of ints and ``None`` only (a slice can otherwise hold any object)."""
    if not all(a is None or type(a) is int for a in args):
        raise _refuse("slice() of non-integers")
    return slice(*args)


_BUILTINS: dict[str, Any] = {
    **_PLAIN_BUILTINS,
    "bytes": _bytes_like(bytes),
    "bytearray": _bytes_like(bytearray),
    "str": _str,
    "range": _range,
    "slice": _slice,
}


def _numeric_dtype(spec: Any, *args: Any) -> np.dtype:
    """``numpy.dtype`` restricted to numeric dtypes (how pickles spell a scalar's type)."""
    if not isinstance(spec, str) or not _NUMERIC_DTYPE.match(spec):
        raise UnsafePickle(
            f"refused to unpickle a NumPy dtype {brief(spec)}: only numeric scalars are allowed in "
            "benchmark pickles"
        )
    return np.dtype(spec, *args[:2])


def _numeric_scalar(dtype: Any, data: Any = None) -> Any:
    """``numpy.core.multiarray.scalar`` restricted to numeric dtypes and raw ``bytes``."""
    if not isinstance(dtype, np.dtype) or dtype.kind not in _NUMERIC_KINDS or not isinstance(data, bytes):
        raise UnsafePickle(
            f"refused to unpickle a NumPy scalar of dtype {brief(dtype)}: only numeric scalars stored "
            "as raw bytes are allowed in benchmark pickles"
        )
    if len(data) != dtype.itemsize:
        raise CorruptRecord(f"pickled NumPy {dtype} scalar has {len(data)} bytes, expected {dtype.itemsize}")
    return np.frombuffer(data, dtype=dtype)[0]


def _latin1_encode(text: Any, encoding: str = "utf-8", errors: str = "strict") -> bytes:
    """``_codecs.encode`` as protocol-2 pickles use it for ``bytes``: latin-1 only."""
    if not isinstance(text, str) or encoding.lower().replace("-", "") not in ("latin1", "iso88591"):
        raise UnsafePickle(f"refused to unpickle _codecs.encode with encoding {brief(encoding)}: only latin1 bytes are allowed")
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


def load_pickle(file: IO[bytes], *, source: str = "<pickle>", arrays: bool = False,
                limits: Limits | None = None) -> Any:
    """Unpickle one object from an open binary file with :class:`RestrictedUnpickler`.

    ``arrays=True`` also admits plain numeric NumPy arrays (:data:`ARRAY_GLOBALS`). The result
    is checked against ``max_pickle_items`` and ``max_nesting`` (:func:`check_size`).

    Raises :class:`UnsafePickle` for a refused global, :class:`CorruptRecord` for bytes that
    are not a complete pickle and :class:`~suite.data.limits.LimitExceeded` for one too large.
    """
    limits = limits or current()
    try:
        obj = RestrictedUnpickler(file, source=source, arrays=arrays).load()
    except LimitExceeded as err:  # from a constructor, which does not know the file's name
        raise LimitExceeded(str(err).replace("<pickle>", source, 1)) from None
    except (UnsafePickle, SourceFormatError, CorruptRecord):
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, KeyError,
            AttributeError, OverflowError, MemoryError, UnicodeDecodeError, RecursionError) as err:
        raise CorruptRecord(f"{source} is not a complete pickle ({type(err).__name__}: {brief(str(err))}); "
                            "re-download it") from None
    check_size(obj, source=source, limits=limits)
    return obj


def check_size(obj: Any, *, source: str, limits: Limits | None = None) -> int:
    """Count the references inside ``obj`` as a tree; refuse too many or too deep.

    Breadth first over the containers a restricted pickle can build (:data:`_CONTAINERS`), in
    C: ``gc.get_referents`` lists a whole level's references at once, and the next level's
    containers are picked with ``itertools.compress``. A level's size is checked (from the
    containers' lengths) before it is listed, so the walk itself never holds more than about
    twice ``max_pickle_items`` references. Returns the count.
    """
    limits = limits or current()
    level = [obj] if type(obj) in _CONTAINERS else []
    count, depth = 1, 0
    is_container = _CONTAINERS.__contains__
    while level:
        depth += 1
        if depth > limits.max_nesting:
            raise limits.exceeded("max_nesting", source, "containers are nested deeper (or contain themselves)")
        count += sum(map(len, level))
        if count > limits.max_pickle_items:
            raise limits.exceeded("max_pickle_items", source,
                                  "the unpickled object holds more references (counted as a tree: shared parts once per use)")
        refs = gc.get_referents(*level)
        level = list(itertools.compress(refs, map(is_container, map(type, refs))))
    return count


def loads_pickle_bz2(data: bytes, *, source: str = "<pickle>", limits: Limits | None = None) -> Any:
    """Decompress bz2 ``data`` (at most ``max_decompressed_bytes``) and unpickle it restrictedly
    (see :func:`load_pickle`)."""
    limits = limits or current()
    try:
        raw = bz2_decompress(data, source=source, limits=limits)
    except (OSError, ValueError, EOFError) as err:
        raise CorruptRecord(f"{source} is not a valid bz2 stream ({err}); re-download it") from None
    if not raw:
        raise CorruptRecord(f"{source} decompresses to nothing; re-download it")
    return load_pickle(io.BytesIO(raw), source=source, limits=limits)


def load_pickle_bz2(path: str | os.PathLike[str]) -> Any:
    """Load a ``*.pickle.pbz2`` file (bz2-compressed pickle) with the restricted unpickler.

    Only call this on the user's explicit request (``allow_pickle=True``): even restricted,
    unpickling is a parser of untrusted input. The file must be a regular file of at most
    ``max_read_bytes``.
    """
    limits = current()
    return loads_pickle_bz2(read_bytes(path, limits=limits), source=str(Path(path)), limits=limits)
