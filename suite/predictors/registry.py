"""The one list of predictors: name -> factory, family, citation and inputs.

Entries are factories named by import path and resolved on use, so listing the zoo imports
nothing heavy (no torch, XGBoost or LightGBM until a model is built). Adding a predictor is one
module plus one line here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .inputs import Inputs

__all__ = ["PredictorSpec", "PREDICTORS", "ZC_PROXIES"]


@dataclass(frozen=True)
class PredictorSpec:
    """One registered predictor.

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

    name: str
    family: str
    factory: str
    citation: str
    inputs: Inputs = Inputs()
    params: Mapping[str, Any] = field(default_factory=dict)
    extra: str | None = None
    summary: str = ""


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
    "nwot": "Mellor et al., ICML 2021 (NASWOT: log|K_H| of the ReLU activation-pattern kernel)",
    "epe_nas": "Lopes et al., ICANN 2021",
    "l2_norm": "Abdelfattah et al., ICLR 2021 (baseline)",
    "plain": "Abdelfattah et al., ICLR 2021 (baseline)",
}

_SPECS: list[PredictorSpec] = [
    PredictorSpec("ols", "linear", "linear:OLS", "ordinary least squares; " + BAKER17, ENC,
                  summary="ordinary least squares"),
    PredictorSpec("ridge", "linear", "linear:RidgeRegressor", "Hoerl & Kennard 1970; " + WHITE21, ENC,
                  summary="L2-penalised least squares on standardised inputs"),
    PredictorSpec("rf", "tree", "forest:RandomForest", "Breiman 2001; " + WHITE21, ENC,
                  summary="random forest"),
    PredictorSpec("nusvr", "kernel", "svr:NuSVRRegressor", "Schölkopf et al. 2000; " + BAKER17, ENC,
                  summary="ν-SVR (RBF; kernel='linear' for the linear one) on standardised inputs"),
    PredictorSpec("xgb", "boosting", "boosting:XGBoost", "Chen & Guestrin, KDD 2016; " + WHITE21, ENC,
                  extra="boost", summary="XGBoost gradient-boosted trees"),
    PredictorSpec("lgb", "boosting", "boosting:LightGBM", "Ke et al., NeurIPS 2017; " + WHITE21, ENC,
                  extra="boost", summary="LightGBM gradient-boosted trees"),
    PredictorSpec("gp", "bayesian", "gp:GaussianProcess", "Rasmussen & Williams 2006; " + WHITE21, ENC,
                  summary="Gaussian process, Matérn-5/2 kernel"),
    PredictorSpec("mlp", "neural", "mlp:MLP", WHITE21, ENC, summary="multi-layer perceptron"),
    PredictorSpec("bananas", "neural", "mlp:BananasEnsemble",
                  'White, Neiswanger & Savani, "BANANAS", AAAI 2021', PATH,
                  summary="ensemble of MLPs on the path encoding"),
    PredictorSpec("gnn", "graph", "gnn:GCNRegressor",
                  'Wen et al., "Neural Predictor for Neural Architecture Search", ECCV 2020', GRAPH,
                  extra="torch", summary="graph convolutional regressor (Neural Predictor style)"),
    PredictorSpec("srm", "learning_curve", "lcurve:SequentialRegressionModel", BAKER17,
                  Inputs(encoding=None, curve_epochs=50, curve_mode="srm", arch_features=True),
                  summary="Baker's sequential regression models on curve + architecture features"),
    PredictorSpec("last_seen", "learning_curve", "lcurve:LastSeenValue", BAKER17,
                  Inputs(encoding=None, curve_epochs=50, curve_mode="srm"),
                  summary="last observed value of the learning curve"),
    PredictorSpec("pow3", "learning_curve", "lcurve:CurveExtrapolation",
                  "Domhan, Springenberg & Hutter, IJCAI 2015 (pow3 curve model)",
                  Inputs(encoding=None, curve_epochs=50, curve_mode="srm"),
                  summary="per-curve parametric (pow3) extrapolation"),
    PredictorSpec("params", "baseline", "proxy:ProxyScore", "parameter count; " + SUITE_ZERO,
                  Inputs(encoding=None, proxies=("params",)), summary="rank by number of parameters"),
    PredictorSpec("flops", "baseline", "proxy:ProxyScore", "FLOPs; " + SUITE_ZERO,
                  Inputs(encoding=None, proxies=("flops",)), summary="rank by FLOPs"),
    *[
        PredictorSpec(name, "zero_cost", "proxy:ProxyScore", cite + "; scores: " + SUITE_ZERO,
                      Inputs(encoding=None, proxies=(f"nbsz_{name}",)),
                      summary=f"zero-cost proxy {name} (published NAS-Bench-Suite-Zero scores)")
        for name, cite in ZC_PROXIES.items()
    ],
    PredictorSpec("hybrid", "hybrid", "hybrid:HybridRegressor", WHITE21 + ' ("OMNI")',
                  Inputs(encoding="adjacency_onehot",
                         proxies=("nbsz_synflow", "nbsz_jacov", "nbsz_nwot", "flops", "params")),
                  summary="any regressor on encoding + zero-cost proxies (+ curve prefix)"),
]

PREDICTORS: dict[str, PredictorSpec] = {spec.name: spec for spec in _SPECS}
