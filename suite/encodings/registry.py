"""The one table of architecture encodings: one :class:`EncodingSpec` per (benchmark, encoding).

:data:`REGISTRY` is a :class:`suite.registry.Registry` keyed ``"benchmark:name"`` (``"nb101:path"``).
Entries name their function as a ``"module:attr"`` string that is imported on first use, so
importing this module builds nothing. Every encoding function has the signature
``fn(archs: pandas.DataFrame, **options) -> np.ndarray`` and returns float32 of shape
``(len(archs), d)``; ``archs`` is (a row subset of) the benchmark's ``archs.parquet`` table.

Names are uniform across search spaces (``adjacency_onehot``, ``path``, ``graph``);
:data:`ALIASES` adds other spellings per benchmark (NB-201 ``onehot``; for ``fcnet``, a grid of
parameters with no graph, ``adjacency_onehot`` names its ``onehot``, so predictors whose default
input is ``adjacency_onehot`` run on it; likewise ``adjacency_onehot`` and ``path`` on the macro
spaces ``nbmacro`` and ``nbgraph``, see their modules for why). Benchmarks may be named by any
spelling :func:`suite.data.registry.benchmark_spec` accepts (``nas-bench-201``, ``nats-tss``...).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidEncodingOption, UnknownBenchmark, UnknownEncoding
from ..registry import Entry, Registry

__all__ = [
    "EncodingSpec",
    "REGISTRY",
    "ENCODINGS",
    "ALIASES",
    "GRAPH_SHAPES",
    "UnknownEncoding",
    "InvalidEncodingOption",
    "benchmarks",
    "names",
    "lookup",
]


@dataclass(frozen=True, kw_only=True)
class EncodingSpec(Entry):
    """One encoding of one benchmark's architectures.

    ``factory`` is ``"module:attr"`` of ``fn(archs, **options) -> float32 (n, d)``;
    ``shape`` documents the output shape, e.g. ``"(n, 36)"``; ``citation`` names the paper
    that introduced (or standardised) the encoding; ``doc`` says exactly what the columns are.
    """

    benchmark: str
    shape: str
    doc: str

    @property
    def key(self) -> str:
        """The registry key, ``"benchmark:name"``."""
        return f"{self.benchmark}:{self.name}"


WHITE_2020 = (
    "White, Neiswanger, Nolen, Savani. A Study on Encodings for Neural Architecture Search. "
    "NeurIPS 2020."
)
BANANAS = (
    "White, Neiswanger, Savani. BANANAS: Bayesian Optimization with Neural Architectures for "
    "Neural Architecture Search. AAAI 2021."
)
WEN_2020 = (
    "Wen, Liu, Chen, Li, Bender, Kindermans. Neural Predictor for Neural Architecture Search. "
    "ECCV 2020."
)

_NB101 = "suite.encodings.nb101"
_NB201 = "suite.encodings.nb201"

#: one line per encoding name, for listings
_SUMMARIES: dict[str, str] = {
    "adjacency_onehot": "adjacency bits + one-hot operations",
    "path": "indicator of each input->output path (op sequence)",
    "graph": "padded adjacency + one-hot node types, for graph predictors",
}

_SPECS = (
    EncodingSpec(
        name="adjacency_onehot", benchmark="nb101", factory=f"{_NB101}:adjacency_onehot", citation=WHITE_2020,
        summary=_SUMMARIES["adjacency_onehot"], shape="(n, 36)",
        doc=("21 strictly-upper-triangular bits of the padded 7x7 adjacency (row-major: 0->1, 0->2, ..., "
             "5->6), then 5 interior vertex slots x 3 ops (slot-major; ops in nasbench order conv3x3-bn-relu, "
             "conv1x1-bn-relu, maxpool3x3). Cells with V < 7 vertices keep interior vertices at 1..V-2, "
             "padded slots V-1..5 are all-zero, output moves to 6."),
    ),
    EncodingSpec(
        name="path", benchmark="nb101", factory=f"{_NB101}:path", citation=BANANAS,
        summary=_SUMMARIES["path"], shape="(n, 364); (n, k) with truncate=k",
        doc=("Indicator of each input->output path, identified by its sequence of interior ops: 3^0+...+3^5 "
             "= 364 columns ordered by path length, then lexicographically in nasbench op order. "
             "truncate=k keeps the first k (shortest) paths."),
    ),
    EncodingSpec(
        name="graph", benchmark="nb101", factory=f"{_NB101}:graph", citation=WEN_2020,
        summary=_SUMMARIES["graph"], shape="(n, 84) = [A (7*7) | H (7*5)]",
        doc=("Padded 7x7 adjacency (as in adjacency_onehot) then one-hot node types (input, conv1x1-bn-relu, "
             "conv3x3-bn-relu, maxpool3x3, output), both row-major; padded nodes have zero rows and features. "
             "Split with unflatten_graph(X, 7)."),
    ),
    EncodingSpec(
        name="adjacency_onehot", benchmark="nb201", factory=f"{_NB201}:adjacency_onehot", citation=WHITE_2020,
        summary=_SUMMARIES["adjacency_onehot"], shape="(n, 30)",
        doc=("6 edges (cell-string order 0->1, 0->2, 1->2, 0->3, 1->3, 2->3) x 5 ops (none, skip_connect, "
             "nor_conv_1x1, nor_conv_3x3, avg_pool_3x3), edge-major: column 5*k + op of edge k."),
    ),
    EncodingSpec(
        name="path", benchmark="nb201", factory=f"{_NB201}:path", citation=BANANAS,
        summary=_SUMMARIES["path"], shape="(n, 84); (n, k) with truncate=k",
        doc=("Indicator of each input->output path (edge 0->3; 0->1->3; 0->2->3; 0->1->2->3), identified by its "
             "sequence of ops; a 'none' edge cuts the path, so the alphabet is skip_connect, nor_conv_1x1, "
             "nor_conv_3x3, avg_pool_3x3: 4 + 16 + 64 = 84 columns by length, then lexicographic."),
    ),
    EncodingSpec(
        name="graph", benchmark="nb201", factory=f"{_NB201}:graph", citation=WEN_2020,
        summary=_SUMMARIES["graph"], shape="(n, 120) = [A (8*8) | H (8*7)]",
        doc=("Ops-on-nodes DAG: node 0 input, nodes 1..6 the edge ops in cell-string order, node 7 output; "
             "node types (input, output, none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3). "
             "The adjacency is the same for every cell. Split with unflatten_graph(X, 8)."),
    ),
    EncodingSpec(
        name="adjacency_onehot", benchmark="nbnlp", factory="suite.encodings.nbnlp:adjacency_onehot",
        citation=WHITE_2020, summary=_SUMMARIES["adjacency_onehot"], shape="(n, 612)",
        doc=("24 node slots in the canonical topological order of suite.data.spaces.nbnlp: one-hot op (24 x 7, "
             "slot-major), sources read (24 x 4: x, h_prev_0..2), node->node edges (276 upper-triangular bits, "
             "row-major), hidden state output (24 x 3). Blend input order is not encoded (suite/encodings/nbnlp.py)."),
    ),
    EncodingSpec(
        name="onehot", benchmark="fcnet", factory="suite.encodings.fcnet:onehot", citation=WHITE_2020,
        summary="one-hot choice of each grid parameter", shape="(n, 34)",
        doc=("One indicator per choice, parameter-major in param_id digit order: activation_fn_1 (2), activation_fn_2 "
             "(2), batch_size (4), dropout_1 (3), dropout_2 (3), init_lr (6), lr_schedule (2), n_units_1 (6), "
             "n_units_2 (6); choices in suite.data.spaces.fcnet.PARAMS order."),
    ),
    EncodingSpec(
        name="ordinal", benchmark="fcnet", factory="suite.encodings.fcnet:ordinal", citation=WHITE_2020,
        summary="ordered parameters as a scaled index, categorical ones one-hot", shape="(n, 12)",
        doc=("Digit order; batch_size, dropout_1, dropout_2, init_lr, n_units_1, n_units_2: one column each, choice "
             "index / (choices - 1) in [0, 1]; activation_fn_1, activation_fn_2, lr_schedule: 2 one-hot columns each."),
    ),
    EncodingSpec(
        name="onehot", benchmark="nbmacro", factory="suite.encodings.nbmacro:onehot", citation=WHITE_2020,
        summary="one-hot block choice of each layer", shape="(n, 24)",
        doc="8 layers x 3 blocks (Identity, MB3_K3, MB6_K5), layer-major: column 3*k + choice of layer k.",
    ),
    EncodingSpec(
        name="graph", benchmark="nbmacro", factory="suite.encodings.nbmacro:graph", citation=WEN_2020,
        summary=_SUMMARIES["graph"], shape="(n, 150) = [A (10*10) | H (10*5)]",
        doc=("Chain input -> layer 0 -> ... -> layer 7 -> output (the same adjacency for every code); node types "
             "(input, output, Identity, MB3_K3, MB6_K5). Split with unflatten_graph(X, 10)."),
    ),
    EncodingSpec(
        name="onehot", benchmark="nbgraph", factory="suite.encodings.nbgraph:onehot", citation=WHITE_2020,
        summary="one-hot input link and op of each node", shape="(n, 45)",
        doc=("Input of nodes 2, 3, 4 (2 + 3 + 4 columns: 0 = graph input, j = node j; node 1 always reads the "
             "input), then the op of nodes 1..4 (4 x 9, node-major; ops gat, gcn, gin, cheb, sage, arma, graph, fc, "
             "skip), of the benchmark's representative spelling of each architecture."),
    ),
    EncodingSpec(
        name="graph", benchmark="nbgraph", factory="suite.encodings.nbgraph:graph", citation=WEN_2020,
        summary=_SUMMARIES["graph"], shape="(n, 102) = [A (6*6) | H (6*11)]",
        doc=("Node 0 input, nodes 1..4 the computing nodes, node 5 the output layer; A[link_k, k+1] = 1 and nodes "
             "without a successor feed node 5; node types (input, output, then the 9 ops, skip included). Split with "
             "unflatten_graph(X, 6)."),
    ),
)

#: ``"benchmark:name"`` -> :class:`EncodingSpec`, in listing order
REGISTRY: Registry[EncodingSpec] = Registry("encoding", error=UnknownEncoding)
for _spec in _SPECS:
    REGISTRY.register(_spec, key=_spec.key)

#: every registered encoding, in listing order (a live view of :data:`REGISTRY`'s entries)
ENCODINGS = REGISTRY.values()

#: other spellings: (benchmark, alias) -> registered name
ALIASES: dict[tuple[str, str], str] = {("nb201", "onehot"): "adjacency_onehot",
                                       ("fcnet", "adjacency_onehot"): "onehot",  # the predictors' default
                                       # macro spaces: the predictors' defaults; why `path` is the one-hot is in
                                       # suite/encodings/nbmacro.py and nbgraph.py
                                       ("nbmacro", "adjacency_onehot"): "onehot", ("nbmacro", "path"): "onehot",
                                       ("nbgraph", "adjacency_onehot"): "onehot", ("nbgraph", "path"): "onehot"}

#: (n_nodes V, n_node_features F) of each benchmark's ``graph`` encoding
GRAPH_SHAPES: dict[str, tuple[int, int]] = {"nb101": (7, 5), "nb201": (8, 7), "nbmacro": (10, 5), "nbgraph": (6, 11)}


def benchmarks() -> list[str]:
    """Benchmarks that have encodings, in registry order."""
    return list(dict.fromkeys(s.benchmark for s in REGISTRY.values()))


def _check_benchmark(benchmark: str) -> str:
    if isinstance(benchmark, str) and benchmark.lower() not in benchmarks():
        from ..data.registry import benchmark_spec

        try:  # another spelling of a registered benchmark (nas-bench-201, nats-tss, ...)
            benchmark = benchmark_spec(benchmark).name
        except UnknownBenchmark:
            pass
    if not isinstance(benchmark, str) or benchmark.lower() not in benchmarks():
        raise UnknownBenchmark(
            f"no encodings for benchmark {benchmark!r}; benchmarks with encodings: {', '.join(benchmarks())}"
        )
    return benchmark.lower()


def names(benchmark: str) -> list[str]:
    """Registered encoding names of ``benchmark`` (aliases not included)."""
    bench = _check_benchmark(benchmark)
    return [s.name for s in REGISTRY.values() if s.benchmark == bench]


def lookup(benchmark: str, name: str) -> EncodingSpec:
    """The spec of ``name`` (or an alias of it) for ``benchmark``.

    Raises :class:`suite.errors.UnknownBenchmark` or :class:`UnknownEncoding`, each listing the
    valid names.
    """
    bench = _check_benchmark(benchmark)
    entry = REGISTRY.get(f"{bench}:{ALIASES.get((bench, name), name)}")
    if entry is not None:
        return entry
    aliases = [a for (b, a) in ALIASES if b == bench]
    also = f" (aliases: {', '.join(aliases)})" if aliases else ""
    raise UnknownEncoding(
        f"{bench} has no encoding {name!r}; available: {', '.join(names(bench))}{also}"
    )
