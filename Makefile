# Every target builds the virtual environment at .venv first, so a fresh clone needs
# nothing but `make demo` or `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench fuzz compat clean

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# The CPU build of torch 2.13.0 is on our machines; an unpinned torch pulls a
	# multi-GB CUDA build, so it is installed explicitly before the extras.
	$(PY) -m pip install --quiet "torch==2.13.0"
	$(PY) -m pip install --quiet -e ".[all,dev]"
	# numba's coordinate-descent kernels compiled now (~30 s) and cached on disk (beside
	# their source, src/linreg/penalized/__pycache__), so no first fit compiles them
	$(PY) -c "from linreg.penalized.warmup import compile_kernels; compile_kernels()"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/linreg demo

test: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(PY) -m pytest -n 2 -q --durations=25

# Long profile of the adversarial suite (tests/adversarial, TESTING.md): at least 10,000
# fits against exact rational references; fails on any silent wrong answer or crash.
fuzz: $(STAMP)
	$(PY) -m tests.adversarial.fuzz --cases 10000

# scikit-learn's own linear_model tests (four files of the installed version) with the nine
# names imported from linreg: per-file figures, failures by cause, docs/COMPAT.md (a few min).
compat: $(STAMP)
	$(PY) -m tests.compat.sklearn_suite

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

bench: $(STAMP)
	$(PY) benchmarks/bench_ols.py
	$(PY) benchmarks/bench_accuracy.py
	$(PY) benchmarks/bench_training.py
	$(PY) benchmarks/bench_cli.py
	$(PY) benchmarks/bench_lasso.py
	$(PY) benchmarks/bench_lasso_iterative.py
	$(PY) benchmarks/bench_ridge_cv.py
	$(PY) benchmarks/bench_stream.py
	$(PY) benchmarks/bench_stream_train.py
	$(PY) benchmarks/bench_cluster.py
	$(PY) benchmarks/bench_fe.py
	$(PY) benchmarks/bench_positive.py
	$(PY) benchmarks/bench_sparse_ridge.py
	$(PY) benchmarks/bench_ridge_sag.py
	$(PY) benchmarks/bench_cd_kkt.py
	$(PY) benchmarks/bench_latency.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache
