"""A tiny published preset, shared by the zoo tests (trained once per session)."""

import shutil

import pytest

TINY = "resnet_dnn_smoothing_18.tiny"


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
