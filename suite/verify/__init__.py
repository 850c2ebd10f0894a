"""Verification by re-training: do the tables' accuracies rank cells the way re-training does?

``run_verification`` (:mod:`suite.verify.run`) picks cells stratified over a table's accuracy
range (:mod:`~suite.verify.select`), re-trains their networks under the benchmark's published
protocol (:mod:`~suite.verify.protocols`, :mod:`~suite.verify.train`) on data kept and augmented
on the device (:mod:`~suite.verify.data`), and reports rank agreement
(:mod:`~suite.verify.report`). Torch is imported only by the modules that train; importing this
package, the protocols or the selection does not need it.
"""

from __future__ import annotations

from typing import Any

from .protocols import PROTOCOLS, Protocol, protocol_for
from .select import stratified_cells

__all__ = ["PROTOCOLS", "Protocol", "protocol_for", "stratified_cells", "run_verification"]


def run_verification(*args: Any, **kwargs: Any) -> Any:
    """See :func:`suite.verify.run.run_verification` (imported on use: it needs torch)."""
    from .run import run_verification as _run

    return _run(*args, **kwargs)
