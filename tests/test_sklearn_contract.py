"""scikit-learn's own estimator checks, run on both estimators."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from linreg import LinearRegression, Ridge


@parametrize_with_checks(
    [
        LinearRegression(),
        LinearRegression(fit_intercept=False, solver="extended"),
        Ridge(),
        Ridge(alpha=0.5, solver="qr"),
    ]
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
