# `make demo` and `make test` work on a fresh machine: they first make sure the real Fashion-MNIST
# files are there (installing Debian's dataset-fashion-mnist when missing and allowed; otherwise
# they stop with one message saying how to get them), then create .venv if missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Overridable so that tests can simulate a machine without the package (scripts/fashion_mnist.sh).
DEBIAN_DATA_DIR ?= /usr/share/datasets/fashion-mnist
APT_GET ?= apt-get
DATA_CHECK := DEBIAN_DATA_DIR='$(DEBIAN_DATA_DIR)' APT_GET='$(APT_GET)' sh scripts/fashion_mnist.sh

.PHONY: demo test test-fast test-tf test-jax data test-data benchmarks clean reproduce report

$(STAMP): requirements.txt pyproject.toml setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

# The demo needs the files.
data:
	@$(DATA_CHECK)

# The tests need them too, unless BLUR_KERAS_ALLOW_MISSING_DATA=1 (then the tests marked
# real_data are skipped, each saying why).
test-data:
	@$(DATA_CHECK) --tests

demo: data $(STAMP)
	$(PY) -m blur_keras.demo

# The reproduction study (resumable: finished runs and evaluations are skipped; commits nothing),
# then docs/REPRODUCTION.md. Throughput is timed by a process of its own once the rest is done, so
# that nothing else runs meanwhile (it refuses to time a busy machine).
STUDY_RUNS ?= runs/study
reproduce: data $(STAMP)
	$(PY) -m study run --runs_dir=$(STUDY_RUNS) --steps=train,evaluate,ensembles,baseline
	$(PY) -m study run --runs_dir=$(STUDY_RUNS) --steps=speed
	$(PY) -m study report

# docs/REPRODUCTION.md and docs/reproduction/*.png from the committed study/results alone.
report: $(STAMP)
	$(PY) -m study report

# Everything, on TensorFlow then JAX: what CI runs.
test: test-tf test-jax

# Everything but the tests marked slow (a new Python process, a wheel, the notebooks, multi-worker
# training, training or publishing presets), on 2 workers: for the edit-test loop.
test-fast: test-data $(STAMP)
	TF_CPP_MIN_LOG_LEVEL=2 $(PY) -m pytest -q -rs -p no:cacheprovider -n 2 -m "not slow" tests

# pytest exits 5 when it collects no tests: make counts that as a failure like any non-zero status.
test-tf: test-data $(STAMP)
	TF_CPP_MIN_LOG_LEVEL=2 $(PY) -m pytest -q -rs -p no:cacheprovider -n 2 tests

# The backend-agnostic parts (layers, models, prediction, metrics, plots, corruptions,
# robustness evaluation) again on JAX.
test-jax: test-data $(STAMP)
	KERAS_BACKEND=jax $(PY) -m pytest -q -rs -p no:cacheprovider -m "not tensorflow_only and not exhaustive" \
		tests/layers tests/models tests/test_predict.py tests/test_metrics.py tests/test_plots.py \
		tests/corruptions tests/test_robustness.py tests/analysis \
		tests/retrofit/test_user_models.py tests/retrofit/test_refusals.py

clean:
	rm -rf $(VENV) build *.egg-info
