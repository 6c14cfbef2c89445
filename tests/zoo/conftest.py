"""Tiny published presets and training runs, shared by the zoo tests (trained once per session)."""

import shutil

import pytest

TINY = "resnet_dnn_smoothing_18.tiny"
#: The recipe of the tiny runs (`TrainConfig` options; a `build.json` entry's training options):
#: one step of 32 images at width 2, validated on the first 32 images of the hold-out.
TINY_RECIPE = {"dataset": "fashion_mnist", "model_args": {"width": 2}, "epochs": 1,
               "warmup_epochs": 0, "batch_size": 32, "train_subset": 32, "eval_subset": 32,
               "validation": "holdout"}
#: The first test images the tiny presets' cards are measured on.
TEST_SUBSET = 64


def train_tiny(run_dir, model, seed=0, **changes):
    """A finished tiny training run of `model` in `run_dir` (`TINY_RECIPE` with `changes`)."""
    from blur_keras.training import TrainConfig, train
    train(TrainConfig(model=model, model_dir=str(run_dir), seed=seed, verbose=0,
                      eval_ensemble_sizes=(1,), deterministic=False,
                      **{**TINY_RECIPE, **changes}),
          report=lambda message: None)       # op determinism is process-wide: not here
    return run_dir


@pytest.fixture(scope="session")
def tiny_runs(tmp_path_factory):
    """Finished tiny runs with the hold-out: `{"dnn0", "dnn1", "mcdo0"}` -> run directory."""
    root = tmp_path_factory.mktemp("runs")
    return {"dnn0": train_tiny(root / "dnn0", "resnet_dnn_18", 0),
            "dnn1": train_tiny(root / "dnn1", "resnet_dnn_18", 1),
            "mcdo0": train_tiny(root / "mcdo0", "resnet_mcdo_18", 0)}


def publish_tiny(run_dir, name, zoo_dir, **kwargs):
    """`publish` of a tiny run into `zoo_dir`, quickly: the first `TEST_SUBSET` test images, no
    corruptions."""
    from blur_keras.publishing import publish
    return publish(str(run_dir), name, str(zoo_dir), progress=False, corruptions=False,
                   test_subset=TEST_SUBSET, **kwargs)


@pytest.fixture(scope="session")
def tiny_zoo(tmp_path_factory):
    """A zoo directory with one preset published from a 2-step training run."""
    from blur_keras.training import TrainConfig, train
    from blur_keras.publishing import publish
    root = tmp_path_factory.mktemp("zoo")
    run_dir = root / "run"
    train(TrainConfig(model="resnet_dnn_smoothing_18", dataset="fashion_mnist",
                      model_dir=str(run_dir), model_args={"width": 4}, epochs=1,
                      warmup_epochs=0, batch_size=32, train_subset=64, eval_subset=64,
                      eval_ensemble_sizes=(1,), verbose=0, deterministic=False),
          report=lambda message: None)       # op determinism is process-wide: not here
    zoo_dir = root / "zoo"
    zoo_dir.mkdir()
    publish(str(run_dir), TINY, str(zoo_dir), progress=False, test_subset=64)
    return zoo_dir


@pytest.fixture
def zoo_copy(tiny_zoo, tmp_path, monkeypatch):
    """A private copy of the tiny zoo (to tamper with), selected through BLUR_KERAS_ZOO_DIR."""
    copy = tmp_path / "zoo"
    shutil.copytree(tiny_zoo, copy)
    monkeypatch.setenv("BLUR_KERAS_ZOO_DIR", str(copy))
    return copy
