"""Cost of the final fits' KKT requirement (``FIT_KKT_TOL`` 1e-10 against the path
points' 1e-8): coordinate sweeps and time of one fit, on diabetes and a 1000 x 200
problem, Gram and design layouts.  Printed, not asserted.

    .venv/bin/python benchmarks/bench_cd_kkt.py
"""

import time

import numpy as np
from sklearn.datasets import load_diabetes

from linreg.penalized.estimators import make_data
from linreg.penalized.solve import solve_enet


def problems():
    X, y = load_diabetes(return_X_y=True)
    yield "diabetes 442x10", X, y
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1000, 200)) @ (np.eye(200) + 0.02 * rng.standard_normal((200, 200)))
    yield "1000x200", X, X[:, :20] @ rng.standard_normal(20) + rng.standard_normal(1000)


def main(repeats=5):
    print(f"{'problem':16s} {'layout':7s} {'alpha':>6s} {'l1':>4s} {'kkt':>6s} "
          f"{'sweeps':>6s} {'ms':>8s} {'certified rel err':>18s}")
    for name, X, y in problems():
        for layout in ("gram", "design"):
            data = make_data(X, y[:, None], None, True, layout)
            for alpha, l1_ratio in ((0.1, 1.0), (0.1, 0.5), (0.01, 0.5)):
                for kkt in (1e-8, 1e-10):
                    args = (data, alpha, l1_ratio, None, 1e-13, 100_000, True, kkt)
                    res = solve_enet(*args, curvature=True)
                    t = time.perf_counter()
                    for _ in range(repeats):
                        solve_enet(*args, curvature=True)
                    ms = (time.perf_counter() - t) / repeats * 1e3
                    print(f"{name:16s} {layout:7s} {alpha:6g} {l1_ratio:4g} {kkt:6.0e} "
                          f"{res.n_iter:6d} {ms:8.2f} {res.error_estimate:18.1e}")


if __name__ == "__main__":
    main()
