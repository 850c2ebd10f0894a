"""NAS-Bench-Graph search space (26,206 distinct GNN architectures).

An architecture has 4 computing nodes. ``link[k]`` is the single input of node ``k + 1``: 0 for
the (pre-processed) graph input, ``j`` for node ``j`` (so ``0 <= link[k] <= k``); ``ops[k]`` is
its operation, one of :data:`OPS` (``skip`` passes its input through). Nodes without successors
feed the output layer. At least one op must not be ``skip``.

Accepted spellings (:meth:`NBGraphSpace.key`): ``{"link": [...], "ops": [...]}``, a
``(link, ops)`` tuple, the ``arch`` string ``"0,0,1,2;gcn,gin,fc,cheb"``, or
``{"hash": h}`` with the benchmark's own integer key (``Arch.valid_hash()`` of the
``nas_bench_graph`` package).

The key is a canonical form of the computation, independent of node numbering:

* a ``skip`` node is contracted: its successors read its input directly, and where it is a leaf
  it sends its input to the output layer;
* every non-skip node is written ``op*m(children)``, ``m`` = how many leaves send its value to
  the output layer, children sorted; the root is ``in(children)``;
* skip leaves that carry the raw input to the output are ignored, as in the benchmark.

Over all 157,440 spellings (24 link patterns x 9^4 op choices, all-skip excluded) this form
induces exactly the benchmark's 26,206 classes of ``valid_hash`` (``tests/test_nbgraph.py``
re-checks it when the package is installed).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ...errors import InvalidArchitecture
from . import SearchSpace

#: operations, in the benchmark's ``gnn_list`` order (their index is the hash digit)
OPS: tuple[str, ...] = ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip")
#: the 9 canonical link patterns, in the benchmark's ``link_list`` order (hash // 10**4)
LINKS: tuple[tuple[int, ...], ...] = (
    (0, 0, 0, 0), (0, 0, 0, 1), (0, 0, 1, 1), (0, 0, 1, 2), (0, 0, 1, 3),
    (0, 1, 1, 1), (0, 1, 1, 2), (0, 1, 2, 2), (0, 1, 2, 3),
)
N_NODES = 4
HASH_BASE = len(OPS) + 1  # the benchmark's hash uses base len(gnn_list) + 1 = 10


def decode_hash(value: int) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """(link, ops) of a benchmark hash (inverse of its ``hash_arch``)."""
    h = int(value)
    digits = []
    for _ in range(N_NODES):
        h, d = divmod(h, HASH_BASE)
        digits.append(d)
    if not 0 <= h < len(LINKS) or any(d >= len(OPS) for d in digits):
        raise InvalidArchitecture(f"{value} is not a NAS-Bench-Graph hash (link index * 10^4 + 4 op digits 0..8)")
    return LINKS[h], tuple(OPS[d] for d in reversed(digits))


def parse_spec(spec: Any) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Validated (link, ops) of one spec; raises :class:`InvalidArchitecture`."""
    if isinstance(spec, dict):
        if set(spec) == {"hash"}:
            return decode_hash(spec["hash"])
        if set(spec) != {"link", "ops"}:
            raise InvalidArchitecture(f"NAS-Bench-Graph dict spec needs keys 'link' and 'ops' (or 'hash'), got {sorted(spec)}")
        link, ops = spec["link"], spec["ops"]
    elif isinstance(spec, str):
        if ";" not in spec:
            raise InvalidArchitecture(f"NAS-Bench-Graph arch string {spec!r} must look like '0,0,1,2;gcn,gin,fc,cheb'")
        left, _, right = spec.partition(";")
        try:
            link = [int(x) for x in left.split(",")]
        except ValueError:
            raise InvalidArchitecture(f"NAS-Bench-Graph links in {spec!r} must be integers") from None
        ops = [x.strip() for x in right.split(",")]
    elif isinstance(spec, (tuple, list)) and len(spec) == 2:
        link, ops = spec
    else:
        raise InvalidArchitecture(
            f"cannot read a NAS-Bench-Graph architecture from {type(spec).__name__}; give {{'link': [...], 'ops': [...]}}"
        )
    if not all(isinstance(part, (tuple, list, np.ndarray)) for part in (link, ops)):
        raise InvalidArchitecture(
            f"NAS-Bench-Graph links and ops must be sequences, got {type(link).__name__} and {type(ops).__name__}"
        )
    link, ops = list(link), list(ops)
    if len(link) != N_NODES or len(ops) != N_NODES:
        raise InvalidArchitecture(f"NAS-Bench-Graph needs 4 links and 4 ops, got {len(link)} and {len(ops)}")
    for k, src in enumerate(link):
        if isinstance(src, bool) or not isinstance(src, (int, np.integer)) or not 0 <= int(src) <= k:
            raise InvalidArchitecture(f"NAS-Bench-Graph node {k + 1} reads {src!r}; it may only read the input 0 or nodes 1..{k}")
    for op in ops:
        if op not in OPS:
            raise InvalidArchitecture(f"unknown NAS-Bench-Graph op {op!r}; ops are {', '.join(OPS)}")
    if all(op == "skip" for op in ops):
        raise InvalidArchitecture("a NAS-Bench-Graph architecture needs at least one op other than skip")
    return tuple(int(x) for x in link), tuple(ops)


def canonical(link: Sequence[int], ops: Sequence[str]) -> str:
    """Canonical form of a validated (link, ops) pair (see module docstring)."""
    n = len(ops)

    def effective(node: int) -> int:  # node 0 = input, node k = computing node k
        while node > 0 and ops[node - 1] == "skip":
            node = link[node - 1]
        return node

    has_child = [False] * (n + 1)
    for src in link:
        has_child[src] = True
    outputs = [0] * (n + 1)
    for node in range(1, n + 1):
        if not has_child[node]:
            outputs[effective(node)] += 1
    children: list[list[int]] = [[] for _ in range(n + 1)]
    for node in range(1, n + 1):
        if ops[node - 1] != "skip":
            children[effective(link[node - 1])].append(node)

    def text(node: int) -> str:
        inner = ",".join(sorted(text(c) for c in children[node]))
        head = "in" if node == 0 else f"{ops[node - 1]}*{outputs[node]}"
        return f"{head}({inner})"

    return text(0)


def arch_string(link: Sequence[int], ops: Sequence[str]) -> str:
    return ",".join(str(int(x)) for x in link) + ";" + ",".join(ops)


def hash_of(link: Sequence[int], ops: Sequence[str]) -> int:
    """The benchmark's integer hash of a (link, ops) pair already in canonical link form."""
    value = LINKS.index(tuple(link))
    for op in ops:
        value = value * HASH_BASE + OPS.index(op)
    return value


ARCHS_COLUMNS: dict[str, str] = {
    "id": "row number; rows sorted by the benchmark hash",
    "arch": "the benchmark's representative spelling 'link;ops', e.g. '0,0,0,1;gat,gcn,gin,fc' (decoded from its hash)",
    "key": "canonical lookup key = NBGraphSpace().key(arch) (contracted-skip tree, see suite/data/spaces/nbgraph.py)",
    "hash": "the benchmark's own integer key (nas_bench_graph Arch.valid_hash())",
    **{f"link_{k}": f"int8 input of node {k + 1} (0 = graph input)" for k in range(N_NODES)},
    **{f"op_{k}": f"int8 op of node {k + 1}, index in gat, gcn, gin, cheb, sage, arma, graph, fc, skip" for k in range(N_NODES)},
}


class NBGraphSpace(SearchSpace):
    """NAS-Bench-Graph architectures; key = canonical computation form."""

    name = "nbgraph"

    def key(self, spec: Any) -> str:
        return canonical(*parse_spec(spec))

    def is_single(self, spec: Any) -> bool:
        if isinstance(spec, (str, dict)):
            return True
        return (
            isinstance(spec, (tuple, list))
            and len(spec) == 2
            and isinstance(spec[1], (list, tuple))
            and all(isinstance(op, str) for op in spec[1])
        )
