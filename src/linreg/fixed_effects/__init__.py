"""High-dimensional fixed effects: least squares with absorbed categorical effects.

The model ``y = X beta + sum_q D_q phi_q + e`` (``D_q`` the dummy matrix of factor q)
is fitted by Frisch-Waugh-Lovell: the columns of X and y are projected onto the
complement of the effects' span (``fixed_effects.fit``), and beta is the least-squares
fit of the demeaned columns without intercept.  The projection is solved in coefficient
space from per-level sums and the cells (distinct level combinations) of the rows
(``fixed_effects.effects``), so a file scan or a Dask collection needs a few passes
and memory of the order of the number of levels and cells, never of the rows.

Modules
-------
factors
    Encoding of the absorbed factors, singleton removal, cells, nesting, fixest's
    degrees-of-freedom rules.
effects
    The normal equations of the effects (block Gauss-Seidel with Irons-Tuck
    acceleration, or a direct Schur complement) and the spectral bound of the
    certificate; ``kernels`` the compiled grouped sums.
certificate
    The bound on the coefficients from the demeaning residuals.
fit
    Fitting a model with absorbed effects (arrays, scans, Dask).
inference
    fixest's small-sample corrections and degrees of freedom.
"""
