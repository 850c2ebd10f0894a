"""Learning-curve predictors: Baker's sequential regression models and two baselines.

Reference: B. Baker, O. Gupta, R. Raskar, N. Naik, "Accelerating Neural Architecture Search using
Performance Prediction", ICLR 2018 workshop, arXiv:1705.10823 (the seed paper of this project).
The early-stopping rule built on these models lives in :mod:`suite.search.early_stopping.srm_rule`.

Input contract shared by every estimator here
---------------------------------------------
``X`` is a float array of shape ``(n, n_epochs + k)``. Its first ``n_epochs`` columns are the
validation curve at epochs ``1 .. n_epochs`` (same units as the target, e.g. accuracy in %),
NaN after the last observed epoch; a row's *observed prefix length* is its number of leading
non-NaN curve values (anything after the first NaN is ignored). The remaining ``k`` columns are
static features of the configuration: architecture parameters ("AP": parameter count, depth,
... e.g. :func:`suite.predictors.arch_features.nb201_arch_features`) and hyper-parameters ("HP",
e.g. learning rate) where the benchmark varies them. NAS-Bench-201 trains every cell with the
same recipe, so there HP is empty and only AP columns follow the curve. ``n_epochs=None`` means
every column is curve. ``y``, shape ``(n,)``, is the value to predict (e.g. the final validation
accuracy); it must be finite.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import NuSVR
from sklearn.utils.validation import check_is_fitted, validate_data

from .base import seed_of
from .curve_families import CURVE_FAMILIES, fit_curves, observed_length

__all__ = ["BASES", "CurveExtrapolation", "LastSeenValue", "SequentialRegressionModel", "ts_features"]

BASES: tuple[str, ...] = ("nusvr_rbf", "nusvr_linear", "rf", "ols")
UNCERTAINTIES: tuple[str, ...] = ("cv_rmse", "ensemble")


# -- shared helpers ------------------------------------------------------------------------------
def ts_features(prefix: np.ndarray, static: np.ndarray | None = None) -> np.ndarray:
    """Baker's time-series features of curve prefixes, plus static columns.

    ``prefix`` ``(n, tau)`` holds ``y_1 .. y_tau``; the result, shape ``(n, 3 tau - 3 + k)``, is
    ``[y_1..y_tau, first differences (tau - 1), second differences (tau - 2), static (k)]``
    (fewer difference columns when ``tau < 3``).
    """
    parts = [prefix, np.diff(prefix, n=1, axis=1), np.diff(prefix, n=2, axis=1)]
    if static is not None:
        parts.append(static)
    return np.hstack(parts)


def _resolve_n_epochs(n_epochs: int | None, n_features: int) -> int:
    n = n_features if n_epochs is None else int(n_epochs)
    if not 1 <= n <= n_features:
        raise ValueError(f"n_epochs={n_epochs} must lie in 1..{n_features} (the number of columns of X)")
    return n


def _check_finite_target(y: Any) -> None:
    y_arr = None if y is None else np.asarray(y)
    if y_arr is None or y_arr.dtype.kind != "f":
        return  # None, complex, strings...: scikit-learn's validation gives its standard errors
    bad = ~np.isfinite(y_arr)
    if bad.any():
        raise ValueError(
            f"y contains {int(bad.sum())} NaN/inf target(s): the value to predict (e.g. the final "
            "validation accuracy) must be known for every training curve; drop those rows first"
        )


def _split(est: Any, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(curve part, static part, observed prefix lengths) of an already validated ``X``."""
    curve, static = X[:, : est.n_epochs_], X[:, est.n_epochs_ :]
    return curve, static, observed_length(curve)


class _CurveEstimator(RegressorMixin, BaseEstimator):
    """Shared input handling: NaN-padded curves allowed in X, finite targets required."""

    def __sklearn_tags__(self):  # noqa: ANN204 - sklearn's Tags type
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def _validate_fit(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        _check_finite_target(y)
        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan", y_numeric=True, dtype=np.float64)
        self.n_epochs_ = _resolve_n_epochs(self.n_epochs, X.shape[1])
        return X, y

    def _validate_predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "n_epochs_")
        return validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64)


# -- Baker's sequential regression models ----------------------------------------------------------
def _make_base(base: str, params: dict[str, Any], seed: int, oob: bool = False) -> BaseEstimator:
    """One unfitted regressor: mean imputation of static NaNs, then scaling (SVR/OLS) + target scaling."""
    if base == "rf":
        rf = RandomForestRegressor(random_state=seed, n_jobs=1, oob_score=oob, **params)
        return Pipeline([("impute", SimpleImputer(keep_empty_features=True)), ("model", rf)])
    if base == "nusvr_rbf":
        model: BaseEstimator = NuSVR(kernel="rbf", **params)
    elif base == "nusvr_linear":
        model = NuSVR(kernel="linear", **params)
    elif base == "ols":
        model = LinearRegression()
    else:
        raise ValueError(f"unknown base {base!r}; expected one of {', '.join(BASES)}")
    pipe = Pipeline([("impute", SimpleImputer(keep_empty_features=True)), ("scale", StandardScaler()), ("model", model)])
    # SVR's C and epsilon-tube live on the target's scale; standardising y makes the defaults and
    # the search ranges below independent of whether accuracies are in % or fractions.
    return TransformedTargetRegressor(regressor=pipe, transformer=StandardScaler())


def _log_uniform(rng: np.random.Generator, low: float, high: float, size: int) -> np.ndarray:
    return np.exp(rng.uniform(np.log(low), np.log(high), size))


def _draw_params(base: str, rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    """``n`` random-search candidates (distributions: :class:`SequentialRegressionModel`, ``search``)."""
    if base in ("nusvr_rbf", "nusvr_linear"):
        C = _log_uniform(rng, 1e-5, 10.0, n)
        nu = 1.0 - rng.uniform(0.0, 1.0, n)  # (0, 1]: NuSVR rejects nu = 0
        if base == "nusvr_linear":
            return [{"C": float(c), "nu": float(v)} for c, v in zip(C, nu)]
        gamma = _log_uniform(rng, 1e-5, 10.0, n)
        return [{"C": float(c), "nu": float(v), "gamma": float(g)} for c, v, g in zip(C, nu, gamma)]
    if base == "rf":
        trees = rng.integers(10, 800, n, endpoint=True)
        frac = rng.uniform(0.1, 0.5, n)
        return [{"n_estimators": int(t), "max_features": float(f)} for t, f in zip(trees, frac)]
    return []


def _svr_cv_mse(base: str, X: np.ndarray, y: np.ndarray, folds: KFold, draws: list[dict[str, Any]]) -> np.ndarray:
    """CV mean squared error of every ν-SVR candidate in ``draws``, shape ``(len(draws),)``.

    The same numbers as ``cross_val_predict`` over :func:`_make_base` (mean imputation,
    standardised inputs and target fitted on each training fold), computed ~5x faster: the
    imputation, scaling and kernel matrices are built once per fold and every candidate is
    fitted on the precomputed kernel. RBF kernel ``exp(-gamma ||a - b||^2)``, linear ``a . b``.
    """
    oof = np.empty((len(draws), len(y)))
    for train, test in folds.split(X):
        imputer = SimpleImputer(keep_empty_features=True).fit(X[train])
        scaler = StandardScaler().fit(imputer.transform(X[train]))
        A, B = (scaler.transform(imputer.transform(X[rows])) for rows in (train, test))
        y_scaler = StandardScaler().fit(y[train, None])
        y_train = y_scaler.transform(y[train, None]).ravel()
        if base == "nusvr_rbf":
            sq_a = np.einsum("ij,ij->i", A, A)
            d_aa = np.maximum(sq_a[:, None] + sq_a[None, :] - 2.0 * A @ A.T, 0.0)
            d_ba = np.maximum(np.einsum("ij,ij->i", B, B)[:, None] + sq_a[None, :] - 2.0 * B @ A.T, 0.0)
        else:
            k_aa, k_ba = A @ A.T, B @ A.T
        for i, p in enumerate(draws):
            if base == "nusvr_rbf":
                k_aa, k_ba = np.exp(-p["gamma"] * d_aa), np.exp(-p["gamma"] * d_ba)
            svr = NuSVR(kernel="precomputed", C=p["C"], nu=p["nu"]).fit(k_aa, y_train)
            oof[i, test] = y_scaler.inverse_transform(svr.predict(k_ba)[:, None]).ravel()
    return np.mean((oof - y[None, :]) ** 2, axis=1)


class SequentialRegressionModel(_CurveEstimator):
    """Baker's sequential regression model (SRM): one regressor per observed prefix length tau.

    For every ``tau`` in ``taus`` a regressor maps the features of the first ``tau`` epochs (the
    prefix ``y_1..y_tau``, its first and second differences — Baker's "TS" features — and the
    static AP/HP columns, see :func:`ts_features`) to the target, e.g. the final validation
    accuracy. :meth:`predict` infers each row's observed prefix length ``L`` and uses the model of
    the largest ``tau <= L`` (Baker et al. 2018, arXiv:1705.10823).

    Input contract: see the module docstring — ``X`` ``(n, n_epochs + k)``, curve at epochs
    ``1..n_epochs`` NaN-padded after the last observed epoch, then ``k`` static AP/HP columns
    (NaN there is mean-imputed); ``y`` ``(n,)`` finite. Training rows need not be complete: the
    model of ``tau`` is trained on the rows observed for at least ``tau`` epochs.

    Parameters
    ----------
    n_epochs
        Number of leading curve columns of ``X``; ``None``: every column is curve (no AP/HP).
    taus
        Prefix lengths (epochs) that get a model. ``None``: a grid of 20 lengths at 5 %, 10 %, ...,
        100 % of ``n_epochs`` (rounded up; every epoch when ``n_epochs <= 20``). Baker trains one
        model per epoch; a grid keeps the cost at 20 models while :meth:`predict` still serves any
        prefix at least as long as the smallest ``tau`` (with the nearest shorter model).
        Explicit ``taus`` must each have enough training rows (see ``sigma_folds``); grid values
        without them are dropped.
    base
        ``"nusvr_rbf"`` (Baker's best: nu-SVR, RBF kernel), ``"nusvr_linear"``, ``"rf"`` (random
        forest) or ``"ols"`` (ordinary least squares; with more features than rows it returns
        the minimum-norm solution, so expect it to degrade for long prefixes). Inputs are
        standardised for SVR and OLS, and so is the target.
    search
        Number of random-search draws per ``tau`` (hyper-parameter search by random search
        with cross-validation, as Baker et al. tune their SRMs), each scored by 3-fold CV mean
        squared error; the best draw is refitted on all rows of that ``tau``. ``0`` keeps
        scikit-learn's defaults (nu-SVR ``C=1, nu=0.5, gamma="scale"``; RF 100 trees).
        Distributions: ``C`` and ``gamma`` log-uniform on ``[1e-5, 10]``, ``nu`` uniform on
        ``(0, 1]``; RF ``n_estimators`` uniform on ``{10..800}`` and ``max_features`` uniform on
        ``[0.1, 0.5]`` (the ranges of NASLib's re-implementation of Baker's predictor,
        ``automl/NASLib naslib/predictors/lcsvr.py``, which draws 1000 candidates scored by
        3-fold CV; the paper's own search space was not read, see docs/reproduction.md §6). Cost: ``3 * search`` extra fits per ``tau``; for nu-SVR they run on
        precomputed per-fold kernels (about 1 ms each on 100 curves); RF draws take up to
        seconds each. Ignored for ``"ols"``.
    sigma_folds
        Folds of the K-fold CV whose out-of-fold residuals give ``sigma_`` (RMSE per ``tau``)
        and, with ``uncertainty="ensemble"``, whose fold models are the ensemble. With
        ``"cv_rmse"`` and ``"rf"`` the out-of-bag residuals are used instead (no extra fits).
        ``0`` skips it (``sigma_`` NaN; not allowed with ``"ensemble"``). A ``tau`` needs at
        least ``max(2, sigma_folds)`` training rows (3 with ``search``). ``"loo"``:
        leave-one-out (one extra fit per training row).
    uncertainty
        The standard deviation :meth:`predict_with_std` returns (used by Baker's
        early-stopping rule). ``"cv_rmse"``: one number per ``tau``, the CV RMSE ``sigma_``
        (same for every row). ``"ensemble"``: per prediction, the standard deviation (ddof 1)
        of the predictions of the ``sigma_folds`` fold models, each fitted on the training
        rows outside one fold (a small model ensemble, as Baker et al. estimate uncertainty;
        which members their ensemble has is not taken from the paper). The point prediction is
        the full-data model's in both cases.
    random_state
        Seed (int), ``np.random.Generator`` (read, not advanced: every fit draws the same seed
        from it) or ``None``; drives the search draws, the CV folds and the forests. The same
        int gives identical predictions.

    Attributes
    ----------
    n_epochs_ : int
        Resolved number of curve columns.
    taus_ : np.ndarray of int, shape (m,)
        Prefix lengths with a fitted model, ascending.
    models_ : list of fitted regressors, length m
    params_ : list of dict, length m
        Hyper-parameters chosen per ``tau`` (empty dict: defaults).
    sigma_ : np.ndarray, shape (m,)
        CV (or OOB) RMSE per ``tau``, in target units.
    members_ : list of lists of fitted regressors, length m
        The fold models per ``tau`` (``uncertainty="ensemble"``; empty lists otherwise).
    n_train_ : np.ndarray of int, shape (m,)
        Training rows used per ``tau``.
    """

    def __init__(
        self,
        n_epochs: int | None = None,
        taus: Sequence[int] | None = None,
        base: str = "nusvr_rbf",
        search: int = 0,
        sigma_folds: int | str = 5,
        random_state: int | np.random.Generator | None = None,
        uncertainty: str = "cv_rmse",
    ) -> None:
        self.n_epochs = n_epochs
        self.taus = taus
        self.base = base
        self.search = search
        self.sigma_folds = sigma_folds
        self.random_state = random_state
        self.uncertainty = uncertainty

    def _candidate_taus(self) -> tuple[np.ndarray, bool]:
        n = self.n_epochs_
        if self.taus is None:
            return np.unique((np.arange(1, 21) * n + 19) // 20), False  # ceil(k n / 20), exact in ints
        taus = np.unique(np.asarray(self.taus, dtype=int).ravel())
        if taus.size == 0 or taus.min() < 1 or taus.max() > n:
            raise ValueError(f"taus must be non-empty prefix lengths in 1..{n} (n_epochs), got {self.taus!r}")
        return taus, True

    def fit(self, X: Any, y: Any) -> SequentialRegressionModel:
        """Fit one regressor per ``tau`` on the rows observed for at least ``tau`` epochs; returns self."""
        if self.base not in BASES:
            raise ValueError(f"unknown base {self.base!r}; expected one of {', '.join(BASES)}")
        loo = self.sigma_folds == "loo"
        if int(self.search) < 0 or (not loo and (isinstance(self.sigma_folds, str) or int(self.sigma_folds) < 0
                                                 or int(self.sigma_folds) == 1)):
            raise ValueError(f"search must be >= 0 and sigma_folds 0, >= 2 or 'loo', got {self.search}, {self.sigma_folds!r}")
        if self.uncertainty not in UNCERTAINTIES:
            raise ValueError(f"unknown uncertainty {self.uncertainty!r}; expected one of {', '.join(UNCERTAINTIES)}")
        if self.uncertainty == "ensemble" and not loo and int(self.sigma_folds) == 0:
            raise ValueError("uncertainty='ensemble' needs sigma_folds >= 2 or 'loo' (its members are the fold models)")
        X, y = self._validate_fit(X, y)
        curve, static, length = _split(self, X)
        candidates, explicit = self._candidate_taus()
        rng = np.random.default_rng(seed_of(self.random_state))  # a Generator argument is not consumed
        seeds = rng.integers(0, 2**31 - 1, size=(len(candidates), 3))
        min_rows = max(2, 2 if loo else int(self.sigma_folds), 3 if self.search else 0)

        taus, models, params, sigmas, n_train, members = [], [], [], [], [], []
        for tau, (s_search, s_cv, s_model) in zip(candidates, seeds):
            rows = length >= tau
            if rows.sum() < min_rows:
                if explicit:
                    raise ValueError(
                        f"tau={tau} has {int(rows.sum())} training curves observed for >= {tau} epochs; need "
                        f"{min_rows} (n_samples={len(y)})"
                    )
                continue
            Xt, yt = ts_features(curve[rows, :tau], static[rows]), y[rows]
            best = self._search(Xt, yt, np.random.default_rng(s_search), int(s_model))
            model, sigma, fold_models = self._fit_one(Xt, yt, best, int(s_cv), int(s_model))
            taus.append(int(tau))
            models.append(model)
            members.append(fold_models)
            params.append(best)
            sigmas.append(sigma)
            n_train.append(int(rows.sum()))
        if not taus:
            raise ValueError(
                f"no tau has >= {min_rows} training curves (n_samples={len(y)}, observed lengths "
                f"{length.min()}..{length.max()} epochs)"
            )
        self.taus_ = np.asarray(taus, dtype=int)
        self.models_ = models
        self.params_ = params
        self.sigma_ = np.asarray(sigmas, dtype=np.float64)
        self.n_train_ = np.asarray(n_train, dtype=int)
        self.members_ = members
        return self

    def _search(self, X: np.ndarray, y: np.ndarray, rng: np.random.Generator, seed: int) -> dict[str, Any]:
        """Best of ``search`` random draws by 3-fold CV mean squared error (``{}``: defaults)."""
        draws = _draw_params(self.base, rng, int(self.search)) if self.search else []
        if not draws:
            return {}
        folds = KFold(n_splits=min(3, len(y)), shuffle=True, random_state=int(rng.integers(2**31 - 1)))
        if self.base in ("nusvr_rbf", "nusvr_linear"):
            scores = _svr_cv_mse(self.base, X, y, folds, draws)
        else:
            scores = [
                np.mean((y - cross_val_predict(_make_base(self.base, p, seed), X, y, cv=folds)) ** 2) for p in draws
            ]
        return draws[int(np.argmin(scores))]

    def _fit_one(
        self, X: np.ndarray, y: np.ndarray, params: dict[str, Any], cv_seed: int, seed: int
    ) -> tuple[Any, float, list[Any]]:
        """Fitted model, its CV (or OOB) RMSE (NaN when ``sigma_folds == 0``) and the fold models
        (``uncertainty="ensemble"``; else an empty list)."""
        loo = self.sigma_folds == "loo"
        ensemble = self.uncertainty == "ensemble"
        oob = self.base == "rf" and not ensemble and (loo or self.sigma_folds > 0)
        model = _make_base(self.base, params, seed, oob=oob).fit(X, y)
        if not loo and self.sigma_folds == 0:
            return model, float("nan"), []
        if oob:
            with warnings.catch_warnings():  # a few rows may never be out of bag with few trees
                warnings.simplefilter("ignore")
                resid = y - model.named_steps["model"].oob_prediction_
            return model, float(np.sqrt(np.nanmean(resid**2))), []
        k = len(y) if loo else min(int(self.sigma_folds), len(y))
        folds = KFold(n_splits=k, shuffle=True, random_state=cv_seed)
        if not ensemble:
            oof = cross_val_predict(clone(model), X, y, cv=folds)
            return model, float(np.sqrt(np.mean((y - oof) ** 2))), []
        oof = np.empty(len(y))
        fold_models = []
        for train, test in folds.split(X):
            member = clone(model).fit(X[train], y[train])
            oof[test] = member.predict(X[test])
            fold_models.append(member)
        return model, float(np.sqrt(np.mean((y - oof) ** 2))), fold_models

    def _model_index(self, X: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(curve, static, index into ``taus_``) per row; raises for prefixes shorter than ``taus_[0]``."""
        check_is_fitted(self, "models_")
        curve, static, length = _split(self, self._validate_predict(X))
        idx = np.searchsorted(self.taus_, length, side="right") - 1
        short = idx < 0
        if short.any():
            raise ValueError(
                f"{int(short.sum())} row(s) have an observed prefix of {int(length[short].min())} epoch(s), shorter "
                f"than the smallest fitted tau={int(self.taus_[0])}; observe more epochs or fit with smaller taus"
            )
        return curve, static, idx

    def predict_with_std(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Predicted targets ``(n,)`` and their standard deviations ``(n,)``.

        The deviation is ``sigma_`` of the model used (``uncertainty="cv_rmse"``) or, per row,
        the spread of that ``tau``'s fold-model predictions (``"ensemble"``).
        """
        curve, static, idx = self._model_index(X)
        out = np.empty(len(idx))
        std = self.sigma_[idx]
        for i in np.unique(idx):
            rows = idx == i
            tau = self.taus_[i]
            features = ts_features(curve[rows, :tau], static[rows])
            out[rows] = self.models_[i].predict(features)
            if self.members_[i]:
                std[rows] = np.std([m.predict(features) for m in self.members_[i]], axis=0, ddof=1)
        return out, std

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets, shape ``(n,)``, from each row's longest usable prefix."""
        return self.predict_with_std(X)[0]


# -- baselines -------------------------------------------------------------------------------------
class LastSeenValue(_CurveEstimator):
    """Baker's "LastSeenValue" baseline: the prediction is the last observed curve value.

    Same input contract as :class:`SequentialRegressionModel` (static columns after
    ``n_epochs`` are ignored). Nothing is learned; :meth:`fit` only validates and records shapes.
    """

    def __init__(self, n_epochs: int | None = None) -> None:
        self.n_epochs = n_epochs

    def fit(self, X: Any, y: Any) -> LastSeenValue:
        """Validate ``X`` ``(n, n_features)`` and finite ``y`` ``(n,)``; returns self."""
        self._validate_fit(X, y)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """``y_L`` of each row, ``L`` its observed prefix length; raises for rows with no value."""
        curve, _, length = _split(self, self._validate_predict(X))
        if (length == 0).any():
            raise ValueError(f"{int((length == 0).sum())} row(s) have no observed epoch (first curve value is NaN)")
        return curve[np.arange(len(curve)), length - 1]


class CurveExtrapolation(_CurveEstimator):
    """Per-row parametric extrapolation of the observed curve to epoch ``target_epoch``.

    Each row's observed prefix is fitted by every family in ``families`` (:func:`fit_curves`;
    ``pow3``: ``y(t) = c - a t^(-alpha)``) and the family with the least squared error
    extrapolates. Rows whose fit fails (fewer than 3 observed epochs, non-finite result) fall back
    to the last seen value; rows already observed at ``target_epoch`` return that observation.
    Nothing is learned across rows; :meth:`fit` only validates and records shapes.

    Parameters
    ----------
    n_epochs
        Number of leading curve columns of ``X`` (static columns after them are ignored);
        ``None``: every column is curve.
    target_epoch
        Epoch (1-based) whose value is predicted; ``None``: ``n_epochs``.
    families
        Names from :data:`CURVE_FAMILIES`.
    refine
        Polish the vectorised grid fit with ``scipy.optimize.curve_fit`` (about 2-5 ms per row
        and family); ``False`` keeps the grid optimum (rate resolution 100 log-spaced values).
    clip
        Optional ``(low, high)`` bounds on the predictions, e.g. ``(0, 100)`` for accuracies in %.
    """

    def __init__(
        self,
        n_epochs: int | None = None,
        target_epoch: int | None = None,
        families: Sequence[str] = ("pow3",),
        refine: bool = True,
        clip: tuple[float, float] | None = None,
    ) -> None:
        self.n_epochs = n_epochs
        self.target_epoch = target_epoch
        self.families = families
        self.refine = refine
        self.clip = clip

    def fit(self, X: Any, y: Any) -> CurveExtrapolation:
        """Validate ``X`` ``(n, n_features)`` and finite ``y`` ``(n,)``; returns self."""
        unknown = [f for f in self.families if f not in CURVE_FAMILIES]
        if not self.families or unknown:
            raise ValueError(f"families must be a non-empty subset of {', '.join(CURVE_FAMILIES)}, got {self.families!r}")
        self._validate_fit(X, y)
        target = self.n_epochs_ if self.target_epoch is None else int(self.target_epoch)
        if target < 1:
            raise ValueError(f"target_epoch must be >= 1, got {self.target_epoch}")
        self.target_epoch_ = target
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Extrapolated value at ``target_epoch_`` per row, shape ``(n,)``."""
        curve, _, length = _split(self, self._validate_predict(X))
        if (length == 0).any():
            raise ValueError(f"{int((length == 0).sum())} row(s) have no observed epoch (first curve value is NaN)")
        rows = np.arange(len(curve))
        last = curve[rows, length - 1]
        best_sse = np.full(len(curve), np.inf)
        pred = last.copy()
        T = float(self.target_epoch_)
        for family in self.families:
            params, sse = fit_curves(curve, family, refine=self.refine)
            basis = CURVE_FAMILIES[family][0]
            with np.errstate(over="ignore", invalid="ignore"):
                value = params[:, 0] - params[:, 1] * basis(T, params[:, 2])
            better = np.isfinite(value) & np.isfinite(sse) & (sse < best_sse)
            pred[better], best_sse[better] = value[better], sse[better]
        if self.target_epoch_ <= self.n_epochs_:
            seen = length >= self.target_epoch_
            pred[seen] = curve[rows[seen], self.target_epoch_ - 1]
        if self.clip is not None:
            pred = np.clip(pred, *self.clip)
        return pred
