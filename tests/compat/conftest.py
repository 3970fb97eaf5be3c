"""``tests/compat`` is the ``make compat`` runner, not part of ``make test``.

Its modules are not test files (no ``test_*.py``); this keeps it so if one is ever named
like one. The runner's tests are ``tests/test_compat_runner.py``.
"""

collect_ignore_glob = ["*.py"]
