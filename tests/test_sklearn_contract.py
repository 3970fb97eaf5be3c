"""scikit-learn's own estimator checks, run on both estimators."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from linreg import LinearRegression, Ridge


def _expected_failed_checks(estimator):
    """scikit-learn lists this check as an expected failure of its own Ridge
    (sklearn.utils._test_common.instance_generator): n_iter_ is None for a direct solve."""
    if isinstance(estimator, Ridge) and estimator.solver in ("auto", "qr"):
        return {"check_non_transformer_estimators_n_iter": "n_iter_ None, as scikit-learn's"}
    return {}


@parametrize_with_checks(
    [
        LinearRegression(),
        LinearRegression(fit_intercept=False, solver="extended"),
        Ridge(),
        Ridge(alpha=0.5, solver="qr"),
    ],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
