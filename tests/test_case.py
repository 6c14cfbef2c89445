"""Shared checks that every blur_keras layer, model and preset must pass (keras-hub style).

`run_layer_test` runs the standard battery for one layer configuration:
output shape and dtype, symbolic shape inference, config and
`serialize_keras_object` round trips, composition in `keras.Sequential`
with a training step, `.keras` saving with identical outputs, and dtype
policies (float16, bfloat16, mixed_float16, mixed_bfloat16).
`run_model_test` runs the battery for one built model (output shapes,
parameter count, `.keras` saving in safe mode, one training step), and
`run_preset_test` the one for a zoo preset (hashes, card, `predict_proba`).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import keras
import pytest

from blur_keras.layers import monte_carlo_layers, set_monte_carlo

DTYPE_POLICIES = ("float16", "bfloat16", "mixed_float16", "mixed_bfloat16")


def random_input(shape, seed: int = 0) -> np.ndarray:
    """A reproducible float32 array of `shape` with values in [-3, 3]."""
    return np.random.default_rng(seed).uniform(-3, 3, size=shape).astype("float32")


def to_numpy(x) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(x))


def deterministic_outputs(layer_or_model, x) -> np.ndarray:
    """Outputs with any MC dropout switched off (plain inference)."""
    set_monte_carlo(layer_or_model, False)
    try:
        return to_numpy(layer_or_model(x, training=False))
    finally:
        set_monte_carlo(layer_or_model, True)


def _check_shapes(layer_cls, init_kwargs, input_shape, expected_output_shape, x):
    layer = layer_cls(**init_kwargs)
    y = layer(x)
    assert tuple(y.shape) == tuple(expected_output_shape), (y.shape, expected_output_shape)
    assert keras.backend.standardize_dtype(y.dtype) == "float32", y.dtype
    assert np.all(np.isfinite(to_numpy(y)))
    assert tuple(layer.compute_output_shape(input_shape)) == tuple(expected_output_shape)
    symbolic = layer_cls(**init_kwargs)(keras.Input(batch_shape=(None,) + tuple(input_shape[1:])))
    assert tuple(symbolic.shape[1:]) == tuple(expected_output_shape[1:])
    return layer


def _check_config_round_trip(layer, x):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    if layer.weights:
        clone.build(x.shape)
        clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(deterministic_outputs(clone, x),
                               deterministic_outputs(layer, x), rtol=1e-6, atol=1e-6)
    serialized = keras.saving.serialize_keras_object(layer)
    assert serialized["registered_name"] == f"blur_keras>{type(layer).__name__}"
    restored = keras.saving.deserialize_keras_object(serialized)
    assert type(restored) is type(layer) and restored.get_config() == config


def _sequential_model(layer, input_shape):
    channels_first = getattr(layer, "data_format", "channels_last") == "channels_first"
    return keras.Sequential([
        keras.Input(shape=tuple(input_shape[1:])),
        keras.layers.Conv2D(4, 3, padding="same",
                            data_format="channels_first" if channels_first else "channels_last"),
        layer,
        keras.layers.Flatten(),
        keras.layers.Dense(3),
    ])


def _check_training_step(layer_cls, init_kwargs, input_shape, x):
    keras.utils.set_random_seed(0)
    model = _sequential_model(layer_cls(**init_kwargs), input_shape)
    run_training_step_test(model, x, num_classes=3)
    return model


def _check_dtype_policies(layer_cls, init_kwargs, x):
    for policy in DTYPE_POLICIES:
        layer = layer_cls(**init_kwargs, dtype=policy)
        y = layer(x)
        expected = keras.dtype_policies.get(policy).compute_dtype
        assert keras.backend.standardize_dtype(y.dtype) == expected, (policy, y.dtype)
        assert np.all(np.isfinite(to_numpy(keras.ops.cast(y, "float32")))), policy


def run_layer_test(layer_cls: type, init_kwargs: dict[str, Any], input_shape: tuple,
                   expected_output_shape: tuple, tmp_dir: str,
                   run_dtype_policies: bool = True) -> None:
    """Runs the standard layer checks for one configuration.

    Args:
        layer_cls: the layer class.
        init_kwargs: constructor arguments.
        input_shape: full input shape, batch included (rank 4 for images).
        expected_output_shape: full expected output shape.
        tmp_dir: a writable directory for the `.keras` file.
        run_dtype_policies: also check the float16/bfloat16/mixed policies.
    """
    x = random_input(input_shape)
    layer = _check_shapes(layer_cls, init_kwargs, input_shape, expected_output_shape, x)
    _check_config_round_trip(layer, x)
    model = _check_training_step(layer_cls, init_kwargs, input_shape, x)
    run_model_saving_test(model, x, tmp_dir)
    if run_dtype_policies:
        _check_dtype_policies(layer_cls, init_kwargs, x)


def run_model_test(model: keras.Model, input_shape: tuple, expected_output_shape: tuple,
                   expected_parameters: int, tmp_dir: str) -> keras.Model:
    """Runs the standard checks for one built model.

    Checks the output shape (eager, symbolic and `compute_output_shape`) and
    that outputs are finite, the parameter count (`count_params()`, trainable
    and not), the `.keras` round trip in safe mode with identical outputs
    (`run_model_saving_test`), that a model with Monte Carlo layers samples
    at inference again once reloaded and is deterministic with them switched
    off, and one training step (`run_training_step_test`), run eagerly: tracing a
    whole network's training step costs seconds of CPU per model, and graph
    mode is checked per layer by `run_layer_test` and on whole models by the
    training program's tests.

    Args:
        model: the model, built (a functional model is).
        input_shape: full input shape, batch included.
        expected_output_shape: full expected output shape (the last axis is
            the number of classes).
        expected_parameters: the expected `model.count_params()`.
        tmp_dir: a writable directory for the `.keras` file.

    Returns:
        The model reloaded from its `.keras` file.

    Example:

    >>> model = blur_keras.models.get("resnet_mcdo_smoothing_18", width=16, num_classes=3)
    >>> run_model_test(model, (2, 32, 32, 3), (2, 3), 700_755, tmp_dir)
    """
    x = random_input(input_shape)
    y = deterministic_outputs(model, x)
    assert y.shape == tuple(expected_output_shape), (y.shape, expected_output_shape)
    assert np.all(np.isfinite(y))
    assert tuple(model.output_shape[1:]) == tuple(expected_output_shape[1:])
    assert tuple(model.compute_output_shape(input_shape)) == tuple(expected_output_shape)
    assert model.count_params() == expected_parameters, model.count_params()
    restored = run_model_saving_test(model, x, tmp_dir)
    if monte_carlo_layers(restored):
        assert not np.allclose(to_numpy(restored(x)), to_numpy(restored(x))), \
            "no sampling at inference after reloading"
    run_training_step_test(model, x, num_classes=expected_output_shape[-1], run_eagerly=True)
    return restored


def run_preset_test(name: str, first_test_images: tuple[np.ndarray, np.ndarray] | None = None
                    ) -> keras.Model:
    """Runs the standard checks for one zoo preset.

    Verifies the preset's files against their hashes (the index's version
    of the weights is the card's), loads it (offline, in safe mode, seeded as
    its card's evaluation; an ensemble preset as a `blur_keras.Ensemble`),
    checks it against its card (parameter count, input shape, one output per
    label) and that `predict_proba` returns one probability row per image. With
    `first_test_images`, it also reproduces the card's
    `evaluation.first_1000` numbers on them, as a user sees them: raw
    pixels in, batches and seed of the card's protocol.

    Args:
        name: a preset name of `zoo.names()`.
        first_test_images: `(images, labels)`, the first test images of the
            card's dataset that `evaluation.first_1000` was measured on; when
            left out, `predict_proba` runs on a few random raw-pixel images.

    Returns:
        The loaded preset.

    Example:

    >>> run_preset_test("resnet_dnn_18.fmnist_w16")
    """
    from blur_keras import Ensemble, predict_proba, zoo
    from blur_keras.predict import expected_input_shape
    from blur_keras.publishing.card_evaluation import EVAL_BATCH, EVALUATION_SEED
    from blur_keras.zoo.files import preset_version, read_index
    assert zoo.verify(name) == [name]
    card = zoo.card(name)
    assert card["name"] == name
    indexed = [read_index(z)[name] for z in zoo.zoo_directories() if name in read_index(z)]
    assert preset_version(card) == preset_version(indexed[0]) >= 1
    model = zoo.load(name, seed=EVALUATION_SEED, compile=False)
    assert model.count_params() == card["parameters"]
    input_shape = tuple(card["preprocessing"]["input_shape"])
    classes = len(card["preprocessing"]["labels"])
    # An ensemble preset loads as a `blur_keras.Ensemble` (its members take raw pixels).
    assert isinstance(model, Ensemble) == (card["builder"]["kind"] == "ensemble")
    assert expected_input_shape(model) == input_shape
    assert model.compute_output_shape((None,) + input_shape)[-1] == classes
    if first_test_images is None:
        images = np.random.default_rng(0).integers(0, 256, (4,) + input_shape, dtype="uint8")
    else:
        images, labels = first_test_images
        _check_card_numbers(model, card["evaluation"]["first_1000"], images, labels, EVAL_BATCH)
    probabilities = predict_proba(model, images[:4], num_samples=2)
    assert probabilities.shape == (4, classes)
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-5)
    return model


def _check_card_numbers(model, recorded: dict, images, labels, batch_size: int) -> None:
    from blur_keras import evaluation
    batches = [(images[i:i + batch_size], labels[i:i + batch_size])
               for i in range(0, len(labels), batch_size)]
    measured, _, _ = evaluation.evaluate_ensemble_sizes(
        model, batches, tuple(int(n) for n in recorded), progress=False)
    for n, metrics in recorded.items():
        assert measured[int(n)]["accuracy"] == pytest.approx(metrics["accuracy"], abs=1e-9), n
        assert measured[int(n)]["nll"] == pytest.approx(metrics["nll"], rel=1e-4), n


def run_model_saving_test(model: keras.Model, x: np.ndarray, tmp_dir: str) -> keras.Model:
    """Saves `model` to `.keras`, reloads it in safe mode and checks identical outputs.

    MC dropout is switched off for the comparison, so stochastic models are
    compared deterministically. Returns the reloaded model.
    """
    path = os.path.join(tmp_dir, f"{model.name}.keras")
    model.save(path)
    restored = keras.saving.load_model(path, safe_mode=True)
    assert [w.shape for w in restored.weights] == [w.shape for w in model.weights]
    np.testing.assert_allclose(deterministic_outputs(restored, x),
                               deterministic_outputs(model, x), rtol=1e-5, atol=1e-5)
    return restored


def run_training_step_test(model: keras.Model, x: np.ndarray, num_classes: int,
                           run_eagerly: bool = False) -> None:
    """One SGD step on `x` lowers nothing to NaN and moves the weights.

    With `run_eagerly`, the step runs op by op instead of as a traced graph.
    """
    model.compile(optimizer=keras.optimizers.SGD(0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  run_eagerly=run_eagerly)
    before = [to_numpy(w).copy() for w in model.trainable_weights]
    labels = np.arange(len(x)) % num_classes
    history = model.fit(x, labels, batch_size=len(x), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    after = [to_numpy(w) for w in model.trainable_weights]
    assert all(np.all(np.isfinite(a)) for a in after)
    assert any(not np.allclose(b, a) for b, a in zip(before, after)), "no weight moved"


def run_fresh_python(code: str, timeout: int = 300, **env: str) -> str:
    """Runs `code` in a new Python process (nothing imported yet) and returns its stdout.

    The process starts in the current directory (the repository root under
    pytest), so it imports this checkout's `blur_keras`. Fails the test with
    the process's stderr when it exits non-zero.
    """
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=timeout,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **env})
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout
