"""Fixtures shared by test modules."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def client():
    """A Dask client on a LocalCluster of 2 worker processes (one thread each), for the
    module's tests (skipped without distributed / dask.dataframe)."""
    distributed = pytest.importorskip("distributed")
    pytest.importorskip("dask.dataframe")
    cluster = distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        dashboard_address=None,
        worker_dashboard_address=None,
    )
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()
