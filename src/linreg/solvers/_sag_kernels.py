"""numba kernels of SAG / SAGA for ridge (imported on first use by :mod:`.sag`).

One call runs one epoch: ``n`` stochastic updates of the slopes ``b`` on centred data,
for the objective (scikit-learn's ``sag_solver`` scaling, ``alpha_s = alpha / n``)::

    F(b) = 1/n sum_i 1/2 w_i (x_i'b - y_i)^2 + alpha_s / 2 ||b||^2

Each update draws row ``i = order[k]``, forms its gradient scalar
``g = w_i (x_i'b - y_i)``, and with ``d = x_i (g - memory_i)`` (the change of row i's
remembered gradient) and ``seen`` the number of distinct rows drawn so far::

    b <- (1 - step alpha_s) b                          (the L2 term)
    b <- b - step (1 - 1/seen) d                       (SAGA only)
    sums <- sums + d
    b <- b - step sums / seen

which is scikit-learn's sequence of updates (``_sag_fast.pyx.tp``) in dense form:
SAG (Schmidt, Le Roux, Bach 2013) steps along the average of the remembered gradients,
SAGA (Defazio, Bach, Lacoste-Julien 2014) adds the unbiased correction ``d``.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True)
def sag_epoch(X, y, w, order, b, sums, memory, seen, n_seen, step, alpha_s, saga):
    """One epoch of SAG (``saga`` False) or SAGA (True) in place; returns ``n_seen``.

    ``X`` is C-ordered float64, ``order`` the rows drawn, ``memory`` each row's last
    gradient scalar, ``seen`` a 0/1 flag per row; ``b``, ``sums``, ``memory`` and
    ``seen`` are updated in place.
    """
    p = X.shape[1]
    decay = 1.0 - step * alpha_s
    for k in range(order.shape[0]):
        i = order[k]
        if seen[i] == 0:
            seen[i] = 1
            n_seen += 1
        pred = 0.0
        for j in range(p):
            pred += X[i, j] * b[j]
        g = w[i] * (pred - y[i])
        delta = g - memory[i]
        memory[i] = g
        avg = step / n_seen
        corr = step * (1.0 - 1.0 / n_seen) * delta if saga else 0.0
        for j in range(p):
            xij = X[i, j]
            sums[j] += xij * delta
            b[j] = decay * b[j] - corr * xij - avg * sums[j]
    return n_seen
