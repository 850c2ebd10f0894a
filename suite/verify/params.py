"""Parameter-count check before re-training: the network must be the table's network.

A re-trained accuracy says something about a table row only if the network trained is the one
the row describes. The cheapest strong check is the trainable-parameter count the benchmark
recorded. It is compared with :func:`suite.networks.count_parameters` of the built network, and
on a mismatch with an independent *analytic* count (NB-201: a closed form over the cell's ops), so
the error can say which side is wrong.

Known-wrong table rows: the embedded NB-201 ``params`` column (NATS-Bench ``size_in_mb`` as
transcoded by constrained-tpe) is off for 150 of 15,625 cells, the same 150 on every dataset; there
it holds the count of a cell with one conv edge more or fewer, while the rows' training times,
NASLib's independent counts (11 of them covered) and the closed form all agree with the network
(see the docstring of :mod:`suite.networks.nb201` and ``tests/test_networks_nb201.py``). Those ids
are listed in :data:`KNOWN_WRONG_TABLE_PARAMS`; a mismatch on one of them is accepted when the
network equals the analytic count, and the note says so. Any other mismatch aborts.
"""

from __future__ import annotations

from typing import Any

from ..errors import NasSuiteError

__all__ = ["ParameterMismatch", "KNOWN_WRONG_TABLE_PARAMS", "analytic_parameters", "check_parameters"]


class ParameterMismatch(NasSuiteError):
    """The built network's parameter count differs from the one the table recorded for the cell."""


#: benchmark -> NATS indices whose table ``params`` is known to be wrong (see the module docstring).
KNOWN_WRONG_TABLE_PARAMS: dict[str, frozenset[int]] = {
    "nb201": frozenset({
        327, 737, 768, 770, 775, 1151, 2958, 3034, 3077, 3103, 3113, 3400, 3681, 3899, 4024, 4070, 4137,
        4165, 4227, 4248, 4464, 4578, 4650, 4815, 4982, 5010, 5065, 5694, 5751, 5824, 5835, 6545, 6547,
        6769, 6877, 6912, 6977, 7263, 7268, 7326, 7358, 7396, 7629, 7717, 7785, 7793, 7894, 7950, 7981,
        8181, 8280, 8322, 8423, 8447, 8533, 8540, 8557, 8719, 8809, 8965, 9043, 9141, 9172, 9270, 9296,
        9444, 9473, 9597, 9632, 9654, 9735, 10107, 10118, 10162, 10167, 10207, 10212, 10281, 10308,
        10340, 10369, 10597, 10709, 10821, 10906, 10947, 10978, 11073, 11096, 11167, 11222, 11238,
        11259, 11370, 11374, 11511, 11514, 11581, 11676, 11843, 11911, 11961, 11964, 12016, 12121,
        12187, 12204, 12271, 12316, 12317, 12464, 12540, 12542, 12568, 12707, 12748, 12822, 12844,
        12939, 13003, 13223, 13326, 13479, 13492, 13599, 13970, 14264, 14267, 14293, 14412, 14419,
        14529, 14648, 14661, 14684, 14689, 14995, 15033, 15036, 15040, 15107, 15347, 15372, 15386,
        15392, 15403, 15435, 15474, 15484, 15539,
    }),
}


def analytic_parameters(benchmark: str, arch: Any, num_classes: int) -> int | None:
    """Closed-form trainable-parameter count of ``arch``, or None where none is implemented.

    NB-201 (C = 16, N = 5): stem 3*9*16 + 2*16 = 464; reduction blocks 14,464 (16 -> 32) and
    57,600 (32 -> 64); last BN 2*64 = 128; classifier 64*k + k; and per conv edge of the cell, five
    cells per stage of width C in (16, 32, 64): ``C^2 + 2C`` for a 1x1 and ``9C^2 + 2C`` for a 3x3
    (conv without bias + affine BN). Skip, pool and none edges have no parameters.
    """
    if benchmark != "nb201":
        return None
    from ..data.spaces.nb201 import OPS, parse_cell_string

    codes = parse_cell_string(arch) if isinstance(arch, str) else tuple(int(c) for c in arch)
    n1 = sum(1 for c in codes if OPS[c] == "nor_conv_1x1")
    n3 = sum(1 for c in codes if OPS[c] == "nor_conv_3x3")
    widths = (16, 32, 64)
    per_1x1 = 5 * sum(c * c + 2 * c for c in widths)
    per_3x3 = 5 * sum(9 * c * c + 2 * c for c in widths)
    return 464 + 14_464 + 57_600 + 128 + 64 * num_classes + num_classes + n1 * per_1x1 + n3 * per_3x3


def check_parameters(actual: int, recorded: int | None, *, benchmark: str, cell: int | None, arch: str,
                     num_classes: int) -> str | None:
    """Raise :class:`ParameterMismatch` unless ``actual`` (the built network) matches ``recorded``
    (the table, as an integer count). Returns None on a match, or a note when the mismatch is a
    documented table error (:data:`KNOWN_WRONG_TABLE_PARAMS`) and the analytic count agrees with the
    network. ``recorded=None`` (the table has no count for the cell) returns a note, never raises."""
    where = f"{benchmark} cell {cell if cell is not None else '?'} ({arch})"
    if recorded is None:
        return f"{where}: the table records no parameter count; not checked"
    if int(actual) == int(recorded):
        return None
    analytic = analytic_parameters(benchmark, arch, num_classes)
    known = cell is not None and int(cell) in KNOWN_WRONG_TABLE_PARAMS.get(benchmark, frozenset())
    if analytic is None:
        verdict = "no analytic count exists for this benchmark, so it is not known which side is wrong"
    elif analytic == actual:
        verdict = f"the analytic count {analytic:,} agrees with the network: the table row is wrong"
    elif analytic == recorded:
        verdict = f"the analytic count {analytic:,} agrees with the table: the network builder is wrong"
    else:
        verdict = f"the analytic count {analytic:,} agrees with neither"
    if known and analytic == actual:
        return (f"{where}: table records {int(recorded):,} parameters, network has {int(actual):,}; {verdict} "
                f"(one of the {len(KNOWN_WRONG_TABLE_PARAMS[benchmark])} documented wrong rows), trained anyway")
    hint = ("" if known else
            "; it is not in the documented list of wrong table rows (suite.verify.params.KNOWN_WRONG_TABLE_PARAMS)")
    raise ParameterMismatch(
        f"{where}: the network has {int(actual):,} trainable parameters but the table records {int(recorded):,}; "
        f"{verdict}{hint}. Not training a network that is not the table's."
    )
