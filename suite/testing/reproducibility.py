"""Compare a re-run's tables with committed reference tables, at the promise the suite makes.

nas-suite makes two reproducibility promises (README, "Reproducibility"):

* **Same machine, same environment**: an interrupted-and-resumed run, and a run with any
  ``--jobs``/Dask/Ray backend, writes *byte-identical* ``records.parquet`` (every cell is computed
  from its own seed, in its own task). The tests compare bytes for that.
* **Across machines**: BLAS/LAPACK kernels, CPU instruction sets and library versions change the
  last digits of floating-point results (least squares, SVR, tree ensembles summing in another
  order), so a re-run elsewhere matches the committed records to :data:`RTOL` relative
  (:data:`ATOL` absolute near zero) on every float column, and *exactly* on every key column
  (benchmark, predictor, seed, train size, metric name, ids, counts). Rank-based metrics are held
  to :data:`RANK_ATOL`: they move only when two predictions tie to within the float noise, which
  the reference data do not contain.

:func:`reproduction_differences` lists every violation; :func:`assert_reproduces` raises with them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: relative tolerance on float values across machines
RTOL = 1e-9
#: absolute tolerance for float values near zero
ATOL = 1e-12
#: absolute tolerance on rank-based metrics (Spearman, Kendall, precision@k): practically exact
RANK_ATOL = 1e-12
#: metric names (``metric`` column of records) that depend on ranks only
RANK_METRICS = ("spearman", "kendall", "precision@")


def _is_rank_metric(name: object) -> bool:
    return isinstance(name, str) and name.startswith(RANK_METRICS)


def _plain(value: object) -> str:
    """``repr`` of a cell without numpy's type wrapper (``0.25``, not ``np.float64(0.25)``)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def reproduction_differences(rerun: pd.DataFrame, reference: pd.DataFrame, *, rtol: float = RTOL,
                             atol: float = ATOL, max_listed: int = 10) -> list[str]:
    """Human-readable differences between two tables of one run (empty: the re-run reproduces).

    Row order and columns must match exactly; non-float columns must be equal; float columns
    must satisfy ``|a - b| <= atol + rtol * |b|`` (NaN only where the reference has NaN). In a
    records table (a ``metric`` column), rows whose metric is rank-based must agree to
    :data:`RANK_ATOL` absolute.
    """
    problems: list[str] = []
    if list(rerun.columns) != list(reference.columns):
        return [f"columns differ: {list(rerun.columns)} vs reference {list(reference.columns)}"]
    if len(rerun) != len(reference):
        return [f"{len(rerun)} rows vs {len(reference)} in the reference"]
    rank_rows = (reference["metric"].map(_is_rank_metric).to_numpy(bool) if "metric" in reference.columns
                 else np.zeros(len(reference), bool))
    for column in reference.columns:
        a, b = rerun[column], reference[column]
        if pd.api.types.is_float_dtype(b.dtype):
            x, y = a.to_numpy(np.float64), b.to_numpy(np.float64)
            tolerance = np.where(rank_rows, RANK_ATOL, atol + rtol * np.abs(y))
            with np.errstate(invalid="ignore"):
                bad = ~((np.abs(x - y) <= tolerance) | (np.isnan(x) & np.isnan(y)) | (x == y))
        else:
            bad = ~(a.astype(object).to_numpy() == b.astype(object).to_numpy())
        for row in np.flatnonzero(bad)[:max_listed]:
            problems.append(f"row {row}, {column}: {_plain(a.iloc[row])} vs reference {_plain(b.iloc[row])}")
        if bad.sum() > max_listed:
            problems.append(f"... and {int(bad.sum()) - max_listed} more rows in column {column}")
    return problems


def assert_reproduces(rerun: pd.DataFrame, reference: pd.DataFrame, *, rtol: float = RTOL,
                      atol: float = ATOL) -> None:
    """Raise ``AssertionError`` listing every difference beyond the cross-machine tolerance."""
    problems = reproduction_differences(rerun, reference, rtol=rtol, atol=atol)
    assert not problems, "re-run differs from the reference beyond tolerance:\n" + "\n".join(problems)
