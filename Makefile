# `make demo` and `make test` work on a fresh machine: they create .venv if missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-tf test-jax benchmarks clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m blur_keras.demo

test: test-tf test-jax

test-tf: $(STAMP)
	TF_CPP_MIN_LOG_LEVEL=2 $(PY) -m pytest -q -p no:cacheprovider -n 2 tests

# The backend-agnostic parts (layers, models, prediction, metrics, plots, corruptions,
# robustness evaluation) again on JAX.
test-jax: $(STAMP)
	KERAS_BACKEND=jax $(PY) -m pytest -q -p no:cacheprovider -m "not tensorflow_only and not exhaustive" \
		tests/layers tests/models tests/test_predict.py tests/test_metrics.py tests/test_plots.py \
		tests/corruptions tests/test_robustness.py

clean:
	rm -rf $(VENV) build *.egg-info
