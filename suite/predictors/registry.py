"""The one list of predictors: name -> factory, family, citation and inputs.

:data:`PREDICTORS` is a :class:`suite.registry.Registry` of :class:`PredictorSpec`. Factories
are named by import path (relative to :mod:`suite.predictors`) and resolved on use, so listing
the zoo imports nothing heavy (no torch, XGBoost or LightGBM until a model is built). Adding a
predictor is one module plus one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

from ..registry import Entry, Registry
from .inputs import Inputs

__all__ = ["PredictorSpec", "PREDICTORS", "ZC_PROXIES", "NBSZ_KEYS", "DEPRECATED"]


@dataclass(frozen=True)
class PredictorSpec(Entry):
    """One registered predictor (an :class:`~suite.registry.Entry`).

    Attributes:
        name: registry key, used in configs and tables.
        family: model family (``linear``, ``tree``, ``kernel``, ``boosting``, ``bayesian``,
            ``neural``, ``graph``, ``learning_curve``, ``zero_cost``, ``baseline``, ``hybrid``).
        factory: ``"module:attribute"`` under ``suite.predictors``; called with the parameters.
        citation: where the method comes from.
        inputs: default :class:`Inputs` (encoding, proxies, curve prefix) an experiment feeds it.
        params: default keyword parameters passed to the factory (a user's override wins).
        extra: the pip extra it needs (``boost``, ``torch``), or None.
        summary: one line for listings.
    """

    package: ClassVar[str | None] = "suite.predictors"

    family: str
    inputs: Inputs = Inputs()
    params: Mapping[str, Any] = field(default_factory=dict)


ENC = Inputs(encoding="adjacency_onehot")
PATH = Inputs(encoding="path")
GRAPH = Inputs(encoding="graph")
WHITE21 = 'White, Zela, Ru, Liu & Hutter, "How Powerful are Performance Predictors in Neural Architecture Search?", NeurIPS 2021'
BAKER17 = 'Baker, Gupta, Raskar & Naik, "Accelerating Neural Architecture Search using Performance Prediction", ICLR 2018 workshop (arXiv:1705.10823)'
SUITE_ZERO = 'Krishnakumar, White, Zela, Tu, Safari & Hutter, "NAS-Bench-Suite-Zero", NeurIPS 2022 Datasets & Benchmarks'

#: zero-cost proxies registered as predictors over the published NAS-Bench-Suite-Zero scores
#: (``zc_nbsz_<name>``); scores computed by :mod:`suite.proxies` are ``zc_<proxy>``.
ZC_PROXIES: dict[str, str] = {
    "synflow": "Tanaka et al., NeurIPS 2020; as a NAS proxy Abdelfattah et al., ICLR 2021",
    "snip": "Lee et al., ICLR 2019; as a NAS proxy Abdelfattah et al., ICLR 2021",
    "grasp": "Wang et al., ICLR 2020; as a NAS proxy Abdelfattah et al., ICLR 2021",
    "fisher": "Turner et al., ICLR 2020; as a NAS proxy Abdelfattah et al., ICLR 2021",
    "grad_norm": "Abdelfattah et al., ICLR 2021",
    "jacov": "Mellor et al., arXiv:2006.04647v1 (Jacobian covariance)",
    "naswot": "Mellor et al., ICML 2021 (NASWOT: log|K_H| of the ReLU activation-pattern kernel)",
    "epe_nas": "Lopes et al., ICANN 2021",
    "l2_norm": "Abdelfattah et al., ICLR 2021 (baseline)",
    "plain": "Abdelfattah et al., ICLR 2021 (baseline)",
}

#: our proxy name -> NAS-Bench-Suite-Zero's key where they differ (its column is ``zc_nbsz_<key>``)
NBSZ_KEYS: dict[str, str] = {"naswot": "nwot"}
#: old predictor name -> its name now; still accepted everywhere (configs too), with a DeprecationWarning
DEPRECATED: dict[str, str] = {"nwot": "naswot"}

_SPECS: list[PredictorSpec] = [
    PredictorSpec("ols", "linear", ENC, factory="linear:OLS", citation="ordinary least squares; " + BAKER17,
                  summary="ordinary least squares"),
    PredictorSpec("ridge", "linear", ENC, factory="linear:RidgeRegressor",
                  citation="Hoerl & Kennard 1970; " + WHITE21,
                  summary="L2-penalised least squares on standardised inputs"),
    PredictorSpec("rf", "tree", ENC, factory="forest:RandomForest", citation="Breiman 2001; " + WHITE21,
                  summary="random forest"),
    PredictorSpec("nusvr", "kernel", ENC, factory="svr:NuSVRRegressor",
                  citation="Schölkopf et al. 2000; " + BAKER17,
                  summary="ν-SVR (RBF; kernel='linear' for the linear one) on standardised inputs"),
    PredictorSpec("xgb", "boosting", ENC, factory="boosting:XGBoost",
                  citation="Chen & Guestrin, KDD 2016; " + WHITE21,
                  extra="boost", summary="XGBoost gradient-boosted trees"),
    PredictorSpec("lgb", "boosting", ENC, factory="boosting:LightGBM",
                  citation="Ke et al., NeurIPS 2017; " + WHITE21,
                  extra="boost", summary="LightGBM gradient-boosted trees"),
    PredictorSpec("gp", "bayesian", ENC, factory="gp:GaussianProcess",
                  citation="Rasmussen & Williams 2006; " + WHITE21,
                  summary="Gaussian process, Matérn-5/2 kernel"),
    PredictorSpec("mlp", "neural", ENC, factory="mlp:MLP", citation=WHITE21, summary="multi-layer perceptron"),
    PredictorSpec("bananas", "neural", PATH, factory="mlp:BananasEnsemble",
                  citation='White, Neiswanger & Savani, "BANANAS", AAAI 2021',
                  summary="ensemble of MLPs on the path encoding"),
    PredictorSpec("gnn", "graph", GRAPH, factory="gnn:GCNRegressor",
                  citation='Wen et al., "Neural Predictor for Neural Architecture Search", ECCV 2020',
                  extra="torch", summary="graph convolutional regressor (Neural Predictor style)"),
    PredictorSpec("srm", "learning_curve",
                  Inputs(encoding=None, curve_epochs=50, curve_mode="srm", arch_features=True),
                  factory="lcurve:SequentialRegressionModel", citation=BAKER17,
                  summary="Baker's sequential regression models on curve + architecture features"),
    PredictorSpec("last_seen", "learning_curve", Inputs(encoding=None, curve_epochs=50, curve_mode="srm"),
                  factory="lcurve:LastSeenValue", citation=BAKER17,
                  summary="last observed value of the learning curve"),
    PredictorSpec("pow3", "learning_curve", Inputs(encoding=None, curve_epochs=50, curve_mode="srm"),
                  factory="lcurve:CurveExtrapolation",
                  citation="Domhan, Springenberg & Hutter, IJCAI 2015 (pow3 curve model)",
                  summary="per-curve parametric (pow3) extrapolation"),
    PredictorSpec("params", "baseline", Inputs(encoding=None, proxies=("params",)), factory="proxy:ProxyScore",
                  citation="parameter count; " + SUITE_ZERO, summary="rank by number of parameters"),
    PredictorSpec("flops", "baseline", Inputs(encoding=None, proxies=("flops",)), factory="proxy:ProxyScore",
                  citation="FLOPs; " + SUITE_ZERO, summary="rank by FLOPs"),
    *[
        PredictorSpec(name, "zero_cost", Inputs(encoding=None, proxies=(f"nbsz_{NBSZ_KEYS.get(name, name)}",)),
                      factory="proxy:ProxyScore", citation=cite + "; scores: " + SUITE_ZERO,
                      summary=f"zero-cost proxy {name} (published NAS-Bench-Suite-Zero scores)")
        for name, cite in ZC_PROXIES.items()
    ],
    PredictorSpec("hybrid", "hybrid",
                  Inputs(encoding="adjacency_onehot",
                         proxies=("nbsz_synflow", "nbsz_jacov", "nbsz_nwot", "flops", "params")),
                  factory="hybrid:HybridRegressor", citation=WHITE21 + ' ("OMNI")',
                  summary="any regressor on encoding + zero-cost proxies (+ curve prefix)"),
]

#: name -> :class:`PredictorSpec`, in listing order
PREDICTORS: Registry[PredictorSpec] = Registry("predictor", _SPECS)
for _old, _new in DEPRECATED.items():
    PREDICTORS.deprecate(_old, _new)
