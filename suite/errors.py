"""Named errors of nas-suite.

Every error a user can trigger with bad input derives from :class:`NasSuiteError`, so the CLI
can print it as one actionable line instead of a traceback. Messages say what was wrong *and*
what to do about it.
"""

from __future__ import annotations


class NasSuiteError(Exception):
    """Base class: an input problem the user can fix; the CLI prints ``str(err)`` and exits 2."""


class InvalidArchitecture(NasSuiteError, ValueError):
    """The specification is not a valid cell of the search space (says which rule it breaks)."""


class NotInBenchmark(NasSuiteError, KeyError):
    """A valid architecture that the loaded table has no record of."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else "architecture not in benchmark"


class UnknownMetric(NasSuiteError, KeyError):
    """A metric name, epoch, seed or schedule the cache does not hold."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown metric"


class UnknownBenchmark(NasSuiteError, KeyError):
    """A benchmark/dataset/importer name that is not registered."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown benchmark"


class UnknownEncoding(NasSuiteError, KeyError):
    """An encoding name that is not registered for the benchmark (the message lists those that are)."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else "unknown encoding"


class InvalidEncodingOption(NasSuiteError, ValueError):
    """An option an encoding does not take, or a value out of its range."""


class CacheError(NasSuiteError):
    """A cache directory that cannot be used: missing, stale, foreign, corrupt or read-only."""


class CorruptRecord(NasSuiteError):
    """A raw source file whose bytes are damaged (bad CRC, truncated record, bad payload)."""


class SourceFormatError(NasSuiteError):
    """A raw source file that is readable but not in the format its importer expects."""


class UnsafePickle(NasSuiteError):
    """A pickle asked to build an object outside the allowed plain containers and numbers."""


class DownloadError(NasSuiteError):
    """A download that failed or whose checksum does not match."""


class InvalidSpec(NasSuiteError):
    """An experiment spec with an unknown key or a bad value (the message names it)."""


class InvalidArgument(NasSuiteError, ValueError):
    """A query argument of the wrong type or out of range (a count, a generator, an epoch)."""
