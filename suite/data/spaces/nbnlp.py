"""NAS-Bench-NLP search space: recurrent cells as graphs of named nodes (the ``recepie``).

A cell (Klyuchnikov et al. 2022, ``custom_rnn.py`` of fmsnew/nas-bench-nlp-release) is a JSON
object ``{name: {"op": op, "input": [names]}}``. Names that are not keys are the cell's
*sources*: ``x`` (the token embedding) and ``h_prev_k`` (hidden state ``k`` of the previous
step). Keys ``h_new_0``, ``h_new_1``, ... are the new hidden states (``h_new_0`` is also the
cell's output); every other key is an internal node whose name means nothing.

Accepted spellings (:meth:`NBNLPSpace.key`): that mapping, or its JSON text (the ``recepie``
field of a training log).

Validity (what the benchmark's ``CustomRNNCell`` needs to run the cell; each broken rule raises
:class:`~suite.errors.InvalidArchitecture` naming it):

* a non-empty mapping; every node is ``{"op": str, "input": [str, ...]}`` and nothing else;
* ``op`` is one of :data:`OPS`, with its arity: activations 1 input, ``elementwise_sum`` /
  ``elementwise_prod`` exactly 2 (the official code errors on more), ``blend`` exactly 3,
  ``linear`` at least 1;
* no node is named ``x`` or ``h_prev_k``; every input is ``x``, ``h_prev_k`` or a node;
* the outputs are ``h_new_0 .. h_new_{K-1}`` with no gap (``K`` hidden states), and ``h_prev_k``
  is read only for ``k < K`` (the previous step has no other state);
* the graph is acyclic.

Canonical key (:func:`canonical`): the cell up to renaming of internal nodes and reordering of
the inputs of the commutative ops. ``elementwise_sum``/``elementwise_prod`` are commutative;
``linear`` is ``MultiLinear(input sizes, nhid)``, one affine map of all its inputs (its source,
``multilinear.py``, is not in the release): whether it concatenates them or sums one map per
input, reordering the inputs only permutes weight blocks (same parameter count, and under the
i.i.d. initialisation the same distribution of networks); ``blend(z, a, b) = z * a + (1 - z) * b``
keeps its order. Distinct nodes stay distinct even if they compute the same
expression (two ``linear`` nodes on the same inputs have separate weights), so the key is a
canonical form of the whole labelled graph, not of an expression tree. It is exact: nodes are
ordered by colour refinement (depth, op, output label, then the colours of inputs and
consumers, iterated to a fixed point) and any remaining ties are broken by trying every choice
(individualisation-refinement) and keeping the smallest text, so two cells get the same key if
and only if one is a renaming/commutative reordering of the other. Choices that lead to a text
already met are skipped (an automorphism maps them onto an earlier choice), which keeps
symmetric cells such as many parallel identical branches fast. Nodes that do not reach an
output are kept: ``CustomRNNCell`` builds and counts their parameters (the logged cells have none).

Key format: ``"<node>;<node>;...|<out_0>,<out_1>,..."``. Nodes are in canonical order, which is
topological (depth first); each is ``op(inputs)`` with inputs written ``x``, ``h_prev_k`` or
the position of an earlier node; ``out_k`` is the position of ``h_new_k``. Example (a
one-gate cell)::

    linear(x,h_prev_0);activation_sigm(0)|1
"""

from __future__ import annotations

import json
import re
from typing import Any, Mapping

from ...errors import InvalidArchitecture
from . import SearchSpace

#: operations of NAS-Bench-NLP cells, in the order of the encodings' one-hot columns
OPS: tuple[str, ...] = (
    "linear", "blend", "elementwise_prod", "elementwise_sum",
    "activation_tanh", "activation_sigm", "activation_leaky_relu",
)
#: ops whose inputs form a set (see module docstring)
COMMUTATIVE: frozenset[str] = frozenset({"linear", "elementwise_prod", "elementwise_sum"})
#: (min, max) number of inputs of each op; None = unbounded
ARITY: dict[str, tuple[int, int | None]] = {
    "linear": (1, None), "blend": (3, 3), "elementwise_prod": (2, 2), "elementwise_sum": (2, 2),
    "activation_tanh": (1, 1), "activation_sigm": (1, 1), "activation_leaky_relu": (1, 1),
}
_OUT_RE = re.compile(r"^h_new_(\d+)$")
_PREV_RE = re.compile(r"^h_prev_(\d+)$")
#: largest graph :func:`canonical` accepts (the logged cells have at most 15 nodes)
MAX_NODES = 64

ARCHS_COLUMNS: dict[str, str] = {
    "id": "row number; rows in order of the smallest recepie_id among the cell's runs",
    "arch": "the cell's recepie JSON as logged by its first run (lowest recepie_id, then experiment_id)",
    "key": "canonical lookup key = NBNLPSpace().key(arch) (see suite/data/spaces/nbnlp.py)",
    "cell": "the canonical form again (equal to key): the structure column the encodings parse",
    "n_nodes": "int16 number of nodes of the cell (internal nodes and h_new_k; sources x, h_prev_k not counted)",
    "n_hidden": "int8 number of hidden states K (outputs h_new_0..h_new_{K-1})",
    "n_runs": "int8 number of complete training runs of this cell kept (its repeat slots 0..n_runs-1)",
    "recepie_ids": "the benchmark's recepie_id of each kept run, in repeat order, comma-separated",
}


class Cell(tuple):
    """A validated cell: ``(nodes, n_hidden)``; ``nodes`` maps name -> ``(op, inputs)``."""

    nodes: dict[str, tuple[str, tuple[str, ...]]]
    n_hidden: int

    def __new__(cls, nodes: dict[str, tuple[str, tuple[str, ...]]], n_hidden: int) -> "Cell":
        self = super().__new__(cls, (nodes, n_hidden))
        self.nodes, self.n_hidden = nodes, n_hidden
        return self


def parse_cell(spec: Any) -> Cell:
    """Validate one spec (mapping or JSON text); raises :class:`InvalidArchitecture` naming the rule."""
    if isinstance(spec, str):
        try:
            spec = json.loads(spec)
        except json.JSONDecodeError as err:
            raise InvalidArchitecture(f"NAS-Bench-NLP cell text is not JSON ({err.msg} at char {err.pos})") from None
        except RecursionError:
            raise InvalidArchitecture("NAS-Bench-NLP cell text is JSON nested too deeply to be a cell") from None
    if not isinstance(spec, Mapping):
        raise InvalidArchitecture(
            f"cannot read a NAS-Bench-NLP cell from {type(spec).__name__}; give the recepie mapping "
            "{name: {'op': ..., 'input': [...]}} or its JSON text"
        )
    if not spec:
        raise InvalidArchitecture("a NAS-Bench-NLP cell needs at least one node")
    if len(spec) > MAX_NODES:
        raise InvalidArchitecture(f"NAS-Bench-NLP cell has {len(spec)} nodes; at most {MAX_NODES} are accepted")
    nodes: dict[str, tuple[str, tuple[str, ...]]] = {}
    for name, node in spec.items():
        if not isinstance(name, str) or not name:
            raise InvalidArchitecture(f"NAS-Bench-NLP node names must be non-empty strings, got {name!r}")
        if name == "x" or _PREV_RE.match(name):
            raise InvalidArchitecture(f"node {name!r}: x and h_prev_k name the cell's inputs and cannot be nodes")
        if not isinstance(node, Mapping) or set(node) != {"op", "input"}:
            raise InvalidArchitecture(f"node {name!r} must be {{'op': ..., 'input': [...]}} and nothing else")
        op, inputs = node["op"], node["input"]
        if op not in ARITY:
            raise InvalidArchitecture(f"node {name!r}: unknown op {op!r}; ops are {', '.join(OPS)}")
        if not isinstance(inputs, (list, tuple)) or not all(isinstance(i, str) for i in inputs):
            raise InvalidArchitecture(f"node {name!r}: input must be a list of node names")
        low, high = ARITY[op]
        if len(inputs) < low or (high is not None and len(inputs) > high):
            want = f"exactly {low}" if low == high else f"at least {low}"
            raise InvalidArchitecture(f"node {name!r}: {op} takes {want} input(s), got {len(inputs)}")
        nodes[name] = (op, tuple(inputs))
    outs = sorted(int(m.group(1)) for n in nodes if (m := _OUT_RE.match(n)))
    if not outs or outs != list(range(len(outs))) or any(f"h_new_{k}" not in nodes for k in outs):
        raise InvalidArchitecture(
            f"NAS-Bench-NLP outputs must be h_new_0..h_new_(K-1) without gaps, got {[f'h_new_{k}' for k in outs] or 'none'}"
        )
    n_hidden = len(outs)
    for name, (_, inputs) in nodes.items():
        for src in inputs:
            if src in nodes or src == "x":
                continue
            m = _PREV_RE.match(src)
            if m is None:
                raise InvalidArchitecture(f"node {name!r} reads {src!r}, which is neither x, h_prev_k nor a node")
            if int(m.group(1)) >= n_hidden or src != f"h_prev_{int(m.group(1))}":
                raise InvalidArchitecture(
                    f"node {name!r} reads {src!r} but the cell has {n_hidden} hidden state(s) (h_prev_0..h_prev_{n_hidden - 1})"
                )
    _check_acyclic(nodes)
    return Cell(nodes, n_hidden)


def _check_acyclic(nodes: Mapping[str, tuple[str, tuple[str, ...]]]) -> None:
    state: dict[str, int] = {}  # 1 visiting, 2 done
    for root in nodes:
        if state.get(root) == 2:
            continue
        stack = [(root, iter(nodes[root][1]))]
        state[root] = 1
        while stack:
            name, it = stack[-1]
            nxt = next((s for s in it if s in nodes and state.get(s) != 2), None)
            if nxt is None:
                state[name] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                raise InvalidArchitecture(f"NAS-Bench-NLP cell has a cycle through node {nxt!r}")
            else:
                state[nxt] = 1
                stack.append((nxt, iter(nodes[nxt][1])))


def depths(cell: Cell) -> dict[str, int]:
    """Longest path (in nodes) from a source to each node: 1 for nodes that read only sources."""
    out: dict[str, int] = {}

    def depth(name: str) -> int:
        if name not in cell.nodes:
            return 0
        if name not in out:
            # iterative enough for MAX_NODES; recursion depth is bounded by the node count
            out[name] = 1 + max(depth(s) for s in cell.nodes[name][1])
        return out[name]

    for name in cell.nodes:
        depth(name)
    return out


def _source_colour(name: str) -> int:
    """Fixed negative colours of the sources, below every node colour: x -> -1, h_prev_k -> -2 - k."""
    return -1 if name == "x" else -2 - int(name[len("h_prev_"):])


def _source_name(colour: int) -> str:
    return "x" if colour == -1 else f"h_prev_{-2 - colour}"


def canonical(cell: Cell) -> str:
    """Canonical key of a validated cell (format and guarantees: module docstring)."""
    names = list(cell.nodes)
    n = len(names)
    index = {name: i for i, name in enumerate(names)}
    depth = depths(cell)
    ops = [cell.nodes[name][0] for name in names]
    commutative = [op in COMMUTATIVE for op in ops]
    out_label = [int(m.group(1)) if (m := _OUT_RE.match(name)) else -1 for name in names]
    # inputs as node indices (>= 0) or source colours (< 0)
    ins = [tuple(index[s] if s in index else _source_colour(s) for s in cell.nodes[name][1]) for name in names]
    consumers: list[list[tuple[int, int]]] = [[] for _ in names]  # (consumer, input position; -1 if commutative)
    for j in range(n):
        for pos, s in enumerate(ins[j]):
            if s >= 0:
                consumers[s].append((j, -1 if commutative[j] else pos))
    # twins (same inputs, same consumers) are interchangeable: individualising one of them is enough
    twin = [(tuple(sorted(ins[i])) if commutative[i] else ins[i], tuple(sorted(consumers[i]))) for i in range(n)]

    def refine(c: list[int]) -> list[int]:
        while True:
            sig = []
            for i in range(n):
                srcs = [c[s] if s >= 0 else s for s in ins[i]]
                if commutative[i]:
                    srcs.sort()
                sig.append((c[i], tuple(srcs), tuple(sorted((c[j], p) for j, p in consumers[i]))))
            new = _rank(sig)
            if len(set(new)) == len(set(c)):
                return new
            c = new

    def text(c: list[int]) -> str:
        order = sorted(range(n), key=lambda i: c[i])
        pos = {i: k for k, i in enumerate(order)}
        parts = []
        for i in order:
            refs = [(1, pos[s]) if s >= 0 else (0, -s) for s in ins[i]]  # sources first, x before h_prev_k
            if commutative[i]:
                refs.sort()
            parts.append(f"{ops[i]}({','.join(str(v) if k else _source_name(-v) for k, v in refs)})")
        outs = sorted((out_label[i], pos[i]) for i in range(n) if out_label[i] >= 0)
        return ";".join(parts) + "|" + ",".join(str(p) for _, p in outs)

    def tied_class(c: list[int]) -> int | None:
        counts: dict[int, int] = {}
        for v in c:
            counts[v] = counts.get(v, 0) + 1
        return next((v for v in sorted(counts) if counts[v] > 1), None)

    def individualise(c: list[int], i: int) -> list[int]:
        """Node ``i`` first within its class; every other order kept."""
        return _rank([2 * v + (0 if k == i else 1) if v == c[i] else 2 * v + 1 for k, v in enumerate(c)])

    def first_leaf(c: list[int]) -> str:
        c = refine(c)
        while (cls := tied_class(c)) is not None:
            c = refine(individualise(c, c.index(cls)))
        return text(c)

    def search(c: list[int]) -> str:
        c = refine(c)
        cls = tied_class(c)
        if cls is None:
            return text(c)
        best, tried, leaves = None, set(), set()
        for i in range(n):
            if c[i] != cls or twin[i] in tried:
                continue
            tried.add(twin[i])
            trial = individualise(c, i)
            # equal leaf texts under i and an earlier node j mean an automorphism fixing everything
            # individualised so far maps i to j: their subtrees hold the same texts, skip this one
            leaf = first_leaf(trial)
            if leaf in leaves:
                continue
            leaves.add(leaf)
            candidate = search(trial)
            if best is None or candidate < best:
                best = candidate
        assert best is not None
        return best

    return search(_rank([(depth[name], OPS.index(ops[i]), out_label[i]) for i, name in enumerate(names)]))


def _rank(values: list[Any]) -> list[int]:
    """Dense ranks of ``values`` (equal values, equal ranks; order preserved)."""
    table = {v: r for r, v in enumerate(sorted(set(values)))}
    return [table[v] for v in values]


def parse_key(key: str) -> tuple[list[tuple[str, list[str]]], list[int]]:
    """Nodes ``[(op, inputs)]`` in canonical order and output positions of a canonical key.

    Inputs are ``"x"``, ``"h_prev_k"`` or decimal positions of earlier nodes (as text).
    """
    body, _, outs = key.partition("|")
    nodes = []
    for part in body.split(";"):
        op, _, rest = part.partition("(")
        nodes.append((op, rest[:-1].split(",") if rest[:-1] else []))
    return nodes, [int(p) for p in outs.split(",")]


def to_recepie(key: str) -> dict[str, dict[str, Any]]:
    """A recepie mapping with the canonical key ``key`` (internal nodes named ``node_<position>``)."""
    nodes, outs = parse_key(key)
    names = [f"node_{k}" for k in range(len(nodes))]
    for k, p in enumerate(outs):
        names[p] = f"h_new_{k}"
    return {names[i]: {"op": op, "input": [s if not s.isdigit() else names[int(s)] for s in inputs]}
            for i, (op, inputs) in enumerate(nodes)}


class NBNLPSpace(SearchSpace):
    """NAS-Bench-NLP recurrent cells; key = canonical labelled-graph form (module docstring)."""

    name = "nbnlp"

    def key(self, spec: Any) -> str:
        return canonical(parse_cell(spec))

    def is_single(self, spec: Any) -> bool:
        return isinstance(spec, (str, Mapping))
