"""``make compat``: scikit-learn's own linear_model tests run against linreg (see
``sklearn_suite.py`` and docs/COMPAT.md)."""
