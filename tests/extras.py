"""Tests that need an optional extra: skip with a reason naming the extra, or fail where CI requires it.

``make test`` installs the ``test`` and ``notebook`` extras only (torch is a multi-GB optional
extra). A test that needs another extra calls :func:`needs_extra` and carries the marker
``needs_<extra>`` (``pytestmark = pytest.mark.needs_torch`` for a whole module), so that

* without the extra it is skipped with ``needs the 'torch' extra: pip install 'nas-suite[torch]'``;
* CI's second phase installs the extra and runs ``-m needs_torch`` with
  ``NAS_SUITE_REQUIRE_EXTRAS=torch``: then a missing import fails instead of skipping, so the
  tests cannot be silently dropped where the extra is present;
* ``conftest.py`` fails any test that skips for an extra without carrying that marker (it would
  never run in CI's second phase).
"""

from __future__ import annotations

import os
from types import ModuleType

import pytest

from suite.extras import EXTRA_MODULES, install_hint

#: reason prefix of every extra-skip (conftest matches it)
SKIP_PREFIX = "needs the '"


def required_extras() -> set[str]:
    """Extras the environment promises (``NAS_SUITE_REQUIRE_EXTRAS=torch,boost``)."""
    return {e.strip() for e in os.environ.get("NAS_SUITE_REQUIRE_EXTRAS", "").split(",") if e.strip()}


def needs_extra(extra: str, module: str | None = None) -> ModuleType:
    """Import the extra's module for a test, or skip (at module level too) naming the extra."""
    name = module or EXTRA_MODULES[extra][0]
    try:
        return pytest.importorskip(name, reason=f"{SKIP_PREFIX}{extra}' extra: {install_hint(extra)}")
    except pytest.skip.Exception:
        if extra in required_extras():
            pytest.fail(f"NAS_SUITE_REQUIRE_EXTRAS names '{extra}' but {name} is not importable", pytrace=False)
        raise
