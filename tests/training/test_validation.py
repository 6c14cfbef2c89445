"""The validation hold-out of training runs and their learning curves (`curves.json`)."""

import json

import numpy as np
import pytest

from blur_keras import data
from blur_keras.training import TrainConfig, train
from blur_keras.training import trainer
from blur_keras.training.run_directory import differences, identity

pytestmark = pytest.mark.tensorflow_only


def test_holdout_config_splits_and_defaults(tmp_path):
    default = TrainConfig("resnet_dnn_18", "fashion_mnist", str(tmp_path)).resolved()
    assert default.validation == "test"                  # today's behaviour unless asked
    assert default.splits() == {"train": "train", "validation": "test", "test": "test"}
    assert default.kl_weight == pytest.approx(1 / 60_000)
    held = TrainConfig("resnet_bnn_18", "fashion_mnist", str(tmp_path), validation="holdout",
                       eval_subset=100).resolved()
    assert (held.train_split, held.validation_split, held.train_images) == (
        "train_minus_validation", "validation", 50_000)
    assert held.splits() == {"train": "train[:50000]", "validation": "train[50000:50100]",
                             "test": "test[:100]"}
    assert held.kl_weight == pytest.approx(1 / 50_000)
    assert trainer.steps_per_epoch(held) == 50_000 // 128
    small = TrainConfig("resnet_dnn_18", "cifar10", str(tmp_path), validation="holdout",
                        train_subset=300).resolved()
    assert small.splits()["train"] == "train[:300]" and small.train_images == 300
    assert small.splits()["validation"] == "train[45000:50000]"
    with pytest.raises(ValueError, match="validation must be one of"):
        TrainConfig("resnet_dnn_18", "cifar10", str(tmp_path), validation="val").resolved()
    with pytest.raises(ValueError, match="not supported for imagenet2012"):
        TrainConfig("resnet_dnn_18", "imagenet2012", str(tmp_path),
                    validation="holdout").resolved()
    with pytest.raises(ValueError, match="larger than the 45000 training images"):
        TrainConfig("resnet_dnn_18", "cifar10", str(tmp_path), validation="holdout",
                    train_subset=45_001).resolved()


def test_run_records_without_the_validation_field_are_test_validation_runs(tmp_path):
    config = TrainConfig("resnet_dnn_18", "fashion_mnist", str(tmp_path)).resolved()
    recorded = identity(config)
    assert recorded["validation"] == "test"
    del recorded["validation"]                           # a run.json written before the field
    assert differences(recorded, identity(config)) == []
    held = TrainConfig("resnet_dnn_18", "fashion_mnist", str(tmp_path),
                       validation="holdout").resolved()
    assert "validation 'test' -> 'holdout'" in differences(recorded, identity(held))


@pytest.mark.slow
@pytest.mark.real_data
def test_holdout_run_validates_on_the_holdout_and_reads_test_after_training(tmp_path,
                                                                             monkeypatch):
    import keras
    reads = []
    load = data.load

    def recording_load(name, split, **kwargs):
        # The test split may only be read once every epoch is trained and backed up.
        reads.append((split, (tmp_path / "backup" / "epoch_1").exists()))
        return load(name, split, **kwargs)

    monkeypatch.setattr(trainer.data, "load", recording_load)
    config = TrainConfig("resnet_dnn_18", "fashion_mnist", str(tmp_path),
                         model_args={"width": 4}, epochs=1, warmup_epochs=0, batch_size=32,
                         train_subset=64, eval_subset=96, validation="holdout",
                         deterministic=False, verbose=0)
    result = train(config, report=lambda message: None)
    assert reads == [("train_minus_validation", False), ("validation", False), ("test", True)]
    assert result["splits"] == {"train": "train[:64]", "validation": "train[50000:50096]",
                                "test": "test[:96]"}
    assert json.load(open(tmp_path / "run.json"))["validation"] == "holdout"
    curves = json.load(open(tmp_path / "curves.json"))
    assert curves["epoch"] == [1] and curves["validation"] == "holdout"
    assert curves["splits"] == result["splits"]
    assert {"lr", "train_nll", "train_accuracy", "train_ece", "val_nll", "val_accuracy",
            "val_ece"} <= set(curves)
    assert result["best_val_nll_epoch"] == curves["best_val_nll_epoch"] == 1
    assert result["best_val_nll"] == curves["best_val_nll"] == curves["val_nll"][0]
    assert set(result["validation"]) == set(result["test"]) == {"1"}
    # An independent evaluation of the saved model on the hold-out images (the last 10,000 of
    # the IDX train file, the first 96 of them) gives the last epoch's validation numbers.
    images, labels = data.load_idx_arrays("fashion_mnist", "train")
    spec = data.get_spec("fashion_mnist")
    x = (images[50_000:50_096] / 255.0 - np.array(spec.mean)) / np.array(spec.std)
    model = keras.saving.load_model(tmp_path / "model.keras")
    logits = model.predict(x.astype("float32"), verbose=0).astype(np.float64)
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    nll = -np.mean(log_probs[np.arange(96), labels[50_000:50_096]])
    accuracy = np.mean(np.argmax(logits, axis=1) == labels[50_000:50_096])
    np.testing.assert_allclose(curves["val_nll"][-1], nll, rtol=1e-4)
    np.testing.assert_allclose(curves["val_accuracy"][-1], accuracy)
    np.testing.assert_allclose(result["validation"]["1"]["nll"], nll, rtol=1e-4)
