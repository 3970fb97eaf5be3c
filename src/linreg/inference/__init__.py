"""Statistical inference for fitted linear models, one concept per module.

* :mod:`~linreg.inference.summary`: the :class:`Summary` (statsmodels' names);
* :mod:`~linreg.inference.covariance`: the centred covariance factor, nonrobust and
  HC0-HC3 (and the ridge covariance);
* :mod:`~linreg.inference.cluster`, :mod:`~linreg.inference.hac`: cluster-robust and
  HAC (Newey-West) covariances, one pass over the rows;
* :mod:`~linreg.inference.hypothesis`: ``t_test``, ``f_test``, ``wald_test`` and their
  restriction strings; :mod:`~linreg.inference.anova`: nested-model F tests and
  ANOVA tables;
* :mod:`~linreg.inference.influence`, :mod:`~linreg.inference.diagnostics`:
  ``get_influence()`` and the specification tests;
* :mod:`~linreg.inference.intervals`: confidence and prediction intervals;
* :mod:`~linreg.inference.chunks`: passes over a problem's rows in memory or from a
  source (imports neither the solvers nor the sources).
"""
