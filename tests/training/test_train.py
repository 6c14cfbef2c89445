import json
import os
import re
import signal
import subprocess
import time

import numpy as np
import pytest
from tensorflow.compat.v1.train import summary_iterator

from blur_keras.training import TrainConfig
from tests.training.run_helpers import environment, h5_arrays, run_train, train_command

# Every test but the config ones trains on the real Fashion-MNIST files.
pytestmark = [pytest.mark.tensorflow_only, pytest.mark.real_data]


@pytest.mark.slow
def test_short_run_lowers_loss_and_writes_every_output(tmp_path):
    result = run_train(tmp_path, "--model=resnet_dnn_smoothing_18", "--epochs=3",
                       "--train_subset=128", '--model_args={"width": 16}')
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.load(open(tmp_path / "result.json"))
    losses = report["history"]["loss"]
    assert losses[-1] < losses[0], losses
    assert report["status"] == "finished"
    assert report["steps"] == 3 * 4 and report["images_per_second"] > 0
    assert report["config"]["model_args"] == {"width": 16}
    assert report["training_seconds"] > 0 and len(report["history"]["loss"]) == 3
    # The resolved recipe first, a readable summary last, no TensorFlow start-up noise.
    assert result.stdout.startswith("model      resnet_dnn_smoothing_18 {\"width\": 16}")
    assert "status     finished: 12 steps" in result.stdout
    assert "test N=1   nll" in result.stdout
    assert "cuda" not in result.stderr.lower() and "oneDNN" not in result.stderr
    # No log lines below WARNING (absl's I... lines, e.g. predict_proba's note of the outputs).
    assert not re.search(r"^I\d{4} ", result.stdout + result.stderr, re.MULTILINE)
    # result.json is JSON for every parser: a metric that does not exist is null, not NaN.
    json.loads((tmp_path / "result.json").read_text(), parse_constant=refuse_non_json)
    assert set(report["test"]) == {"1"}          # deterministic model: N = 1 only
    assert {"nll", "accuracy", "ece"} <= set(report["test"]["1"])
    assert report["config"]["lr"] == 0.1 and report["config"]["weight_decay"] == 5e-4
    assert set(report["versions"]) >= {"keras", "tensorflow", "blur_keras"}
    assert report["history"]["learning_rate"][0] == pytest.approx(0.1 * 32 / 128)
    for name in ("model.keras", "model.weights.h5", "run.json", "backup/epoch_3"):
        assert (tmp_path / name).exists(), name
    events = [os.path.join(root, f) for root, _, files in os.walk(tmp_path / "logs")
              for f in files if f.startswith("events")]
    assert len(events) >= 2                      # train and validation logs
    tags = {value.tag for path in events for event in summary_iterator(path)
            for value in event.summary.value}
    assert {"epoch_loss", "epoch_learning_rate", "epoch_nll", "epoch_ece", "epoch_accuracy",
            "reliability_diagram"} <= tags, tags


def refuse_non_json(constant):
    raise ValueError(f"{constant} is not JSON")


def kill_after_backup(model_dir, args, epoch):
    """Starts a run and SIGKILLs it as soon as backup `epoch_<epoch>` exists.

    Backups are renamed into place whole, so the directory's existence means the backup is
    complete; the kill comes at once (not after a pause) so that a fast machine cannot finish
    the remaining epochs first, which would leave nothing to resume.
    """
    process = subprocess.Popen(train_command(model_dir, *args), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=environment())
    deadline = time.time() + 400
    while not (model_dir / "backup" / f"epoch_{epoch}").exists():
        assert process.poll() is None and time.time() < deadline, "no backup"
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (model_dir / "result.json").exists(), "the run finished before it was killed"


@pytest.mark.slow
def test_killed_and_resumed_run_equals_the_uninterrupted_run(tmp_path):
    # MC dropout, augmentation and a learning-rate milestone: everything a resume could replay.
    args = ["--model=resnet_mcdo_smoothing_18", "--model_args={\"width\": 8}", "--epochs=3",
            "--warmup_epochs=1", "--milestones=2", "--train_subset=192",
            "--eval_ensemble_sizes=1", "--validation=holdout"]
    whole = run_train(tmp_path / "whole", *args)
    assert whole.returncode == 0, whole.stderr[-3000:]
    kill_after_backup(tmp_path / "killed", args, epoch=2)
    assert not (tmp_path / "killed" / "result.json").exists()
    resumed = run_train(tmp_path / "killed", *args)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "Resumed from" in resumed.stdout
    reports = [json.load(open(tmp_path / run / "result.json")) for run in ("whole", "killed")]
    assert reports[1]["steps"] == reports[0]["steps"] == 4 * 6    # 1 + 3 epochs x 6 steps
    assert reports[1]["epochs_run_this_session"] in (1, 2)
    assert len(reports[1]["history"]["loss"]) == 4               # earlier sessions' epochs too
    for key, values in reports[0]["history"].items():
        np.testing.assert_allclose(reports[1]["history"][key], values, rtol=1e-5, err_msg=key)
    # The learning curves too: one entry per epoch, those of the killed session included.
    curves = [json.load(open(tmp_path / run / "curves.json")) for run in ("whole", "killed")]
    assert curves[0]["epoch"] == curves[1]["epoch"] == [1, 2, 3, 4]
    assert curves[0]["splits"] == curves[1]["splits"] == reports[0]["splits"] == {
        "train": "train[:192]", "validation": "train[50000:50064]", "test": "test[:64]"}
    for key, values in curves[0].items():
        if key.startswith(("train_", "val_")) or key == "lr":
            assert len(values) == 4, key
            np.testing.assert_allclose(curves[1][key], values, rtol=1e-5, err_msg=key)
    np.testing.assert_allclose(curves[0]["val_nll"], reports[0]["history"]["val_nll"])
    assert curves[1]["best_val_nll_epoch"] == curves[0]["best_val_nll_epoch"] \
        == reports[0]["best_val_nll_epoch"] == 1 + int(np.argmin(curves[0]["val_nll"]))
    a = h5_arrays(tmp_path / "whole" / "model.weights.h5")
    b = h5_arrays(tmp_path / "killed" / "model.weights.h5")
    assert a.keys() == b.keys()
    for key in a:     # the same-seed tolerance: float rounding under CPU contention
        np.testing.assert_allclose(a[key], b[key], rtol=1e-6, atol=1e-7, err_msg=key)


@pytest.mark.slow
def test_same_seed_gives_same_weights(tmp_path):
    for run in ("a", "b"):
        result = run_train(tmp_path / run, "--model=resnet_mcdo_18", "--epochs=1", "--seed=7",
                           "--eval_ensemble_sizes=1")
        assert result.returncode == 0, result.stderr[-3000:]
    reports = [json.load(open(tmp_path / run / "result.json")) for run in ("a", "b")]
    assert reports[0]["history"]["loss"] == reports[1]["history"]["loss"]
    a = h5_arrays(tmp_path / "a" / "model.weights.h5")
    b = h5_arrays(tmp_path / "b" / "model.weights.h5")
    assert a.keys() == b.keys()
    # Equal up to float rounding: under CPU contention one convolution kernel has been seen to
    # differ by 4e-9 (a reordered sum in its gradient), everything else bitwise.
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=1e-6, atol=1e-7, err_msg=key)


@pytest.mark.slow
@pytest.mark.parametrize("args,message", [
    (["--model=resnet_mcdo_smoothing_19"], "Unknown model name"),
    (["--model=resnet_dnn_18", "--eval_ensemble_sizes=0"], "--eval_ensemble_sizes must be positive"),
    (["--model=resnet_dnn_18", "--milestones=abc"], "--milestones must be comma-separated integers"),
    (["--model=resnet_dnn_18", "--epochs=10", "--milestones=6,3"], "strictly increasing"),
    (["--model=resnet_dnn_18", "--epochs=10", "--milestones=12"], "milestones must be scheduled"),
    (["--model=resnet_dnn_18", "--cpu_devices=0"], "cpu_devices must be >= 1"),
    (["--model=resnet_dnn_18", "--tpu=nowhere"], "tpu is only used with strategy 'tpu'"),
    (["--model=resnet_dnn_18", "--model_args={width: 16}"], "--model_args is not valid JSON"),
    (["--model=resnet_dnn_18", '--model_args={"widht": 16}'], "are not arguments of"),
    (["--model=resnet_dnn_18", '--model_args={"width": 0}'], "width must be a positive"),
    (["--model=resnet_dnn_18", "--dataset=svhn"], "Unknown dataset"),
    (["--model=resnet_dnn_18", "--lr=-0.1"], "lr must be > 0"),
    # Checked under its own name, before the KL weight is derived from it.
    (["--model=resnet_bnn_18", "--train_subset=-5"], "train_subset must be >= 1"),
    (["--model=resnet_dnn_18", "--eval_subset=0"], "eval_subset must be >= 1"),
    (["--model=resnet_dnn_18", "--batch_size=33", "--cpu_devices=2", "--strategy=mirrored"],
     "not divisible by the 2 replicas"),
    (["--model=resnet_dnn_18", "--strategy=multi_worker"], "TF_CONFIG"),
    (["--model=resnet_dnn_18", "--validation=train"],
     "flag --validation=train: value should be one of <test|holdout>"),
    (["--model=resnet_dnn_18", "--dataset=imagenet2012", "--validation=holdout"],
     "validation 'holdout' is not supported for imagenet2012"),
    (["--model=resnet_dnn_18", "--validation=holdout", "--train_subset=50001"],
     "larger than the 50000 training images"),
])
def test_bad_flags_exit_with_a_clear_error(args, message, tmp_path):
    result = run_train(tmp_path / "run", *args, timeout=300)
    assert result.returncode == 2, result.stderr[-2000:]
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "run" / "backup").exists()        # refused before any step


@pytest.mark.slow
def test_a_run_refused_for_its_data_writes_nothing(tmp_path):
    run_dir = tmp_path / "run"
    empty = tmp_path / "empty"
    empty.mkdir()
    # An existing --data_dir without the data is an error, not a fall-back to another copy.
    result = run_train(run_dir, "--model=resnet_dnn_18", f"--data_dir={empty}", timeout=300)
    assert result.returncode == 2, result.stderr[-2000:]
    assert f"data_dir {empty} holds no fashion_mnist train IDX files" in result.stderr
    assert not run_dir.exists()                       # nothing written: no run.json
    missing = run_train(run_dir, "--model=resnet_dnn_18", f"--data_dir={tmp_path / 'gone'}",
                        timeout=300)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    # Nor for a batch the replicas cannot share, found once the strategy exists.
    odd = run_train(run_dir, "--model=resnet_dnn_18", "--batch_size=33", "--cpu_devices=2",
                    "--strategy=mirrored", timeout=300)
    assert odd.returncode == 2 and "not divisible" in odd.stderr
    assert not run_dir.exists()
    # An existing empty directory stays empty (and free for any configuration).
    run_dir.mkdir()
    result = run_train(run_dir, "--model=resnet_dnn_smoothing_18", '--model_args={"width": 4}',
                       "--epochs=1", "--eval_ensemble_sizes=1", f"--data_dir={empty}",
                       timeout=300)
    assert result.returncode == 2 and os.listdir(run_dir) == []


def test_options_are_checked_under_their_own_names_before_derived_ones(tmp_path):
    for field, value in (("train_subset", -5), ("train_subset", 0), ("kl_weight", -1.0),
                         ("epochs", 0), ("eval_subset", 2.5), ("validation", "val")):
        with pytest.raises(ValueError, match=f"^{field} must be ") as error:
            TrainConfig("resnet_bnn_18", "cifar10", str(tmp_path), **{field: value}).resolved()
        assert repr(value) in str(error.value)
    assert TrainConfig("resnet_bnn_18", "cifar10", str(tmp_path),
                       train_subset=200).resolved().kl_weight == pytest.approx(1 / 200)


@pytest.mark.slow
def test_unusable_model_dirs_are_refused_before_any_compute(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    result = run_train(a_file, "--model=resnet_dnn_18", timeout=300)
    assert result.returncode == 2 and "is a file" in result.stderr
    read_only = tmp_path / "read_only"
    read_only.mkdir()
    read_only.chmod(0o500)
    try:
        if os.access(read_only, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root): no read-only dir")
        result = run_train(read_only / "run", "--model=resnet_dnn_18", timeout=300)
        assert result.returncode == 2 and "Cannot write to --model_dir" in result.stderr
    finally:
        read_only.chmod(0o700)
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    result = run_train(stranger, "--model=resnet_dnn_18", timeout=300)
    assert result.returncode == 2 and "holds no blur_keras run record" in result.stderr
    assert (stranger / "notes.txt").read_text() == "mine"


@pytest.mark.slow
def test_a_run_directory_belongs_to_one_configuration(tmp_path):
    args = ["--model=resnet_dnn_18", '--model_args={"width": 4}', "--epochs=1",
            "--eval_ensemble_sizes=1"]
    first = run_train(tmp_path, *args)
    assert first.returncode == 0, first.stderr[-3000:]
    before = (tmp_path / "model.weights.h5").read_bytes()
    other = run_train(tmp_path, "--model=resnet_dnn_smoothing_18",
                      '--model_args={"width": 4}', "--epochs=1", "--batch_size=16")
    assert other.returncode == 2
    assert "holds another run" in other.stderr
    assert "model 'resnet_dnn_18' -> 'resnet_dnn_smoothing_18'" in other.stderr
    assert "batch_size 32 -> 16" in other.stderr
    assert json.load(open(tmp_path / "run.json"))["validation"] == "test"
    holdout = run_train(tmp_path, *args, "--validation=holdout")
    assert holdout.returncode == 2 and "validation 'test' -> 'holdout'" in holdout.stderr
    assert (tmp_path / "model.weights.h5").read_bytes() == before      # nothing overwritten
    again = run_train(tmp_path, *args)                                  # the same run: done
    assert again.returncode == 0 and "finished: nothing to train" in again.stdout
    assert (tmp_path / "model.weights.h5").read_bytes() == before
    fresh = run_train(tmp_path, "--model=resnet_dnn_smoothing_18", '--model_args={"width": 4}',
                      "--epochs=1", "--eval_ensemble_sizes=1", "--overwrite")
    assert fresh.returncode == 0, fresh.stderr[-3000:]
    report = json.load(open(tmp_path / "result.json"))
    assert report["config"]["model"] == "resnet_dnn_smoothing_18"


@pytest.mark.slow
def test_a_damaged_backup_falls_back_to_an_older_one(tmp_path):
    args = ["--model=resnet_dnn_18", '--model_args={"width": 4}', "--epochs=3",
            "--eval_ensemble_sizes=1", "--train_subset=320"]
    kill_after_backup(tmp_path, args, epoch=2)
    newest = tmp_path / "backup" / "epoch_2" / "backup.weights.h5"
    newest.write_bytes(newest.read_bytes()[:500])                       # truncated
    resumed = run_train(tmp_path, *args)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "Backup epoch_2 is damaged" in resumed.stdout
    assert "Resumed from" in resumed.stdout and "epoch_1" in resumed.stdout
    assert json.load(open(tmp_path / "result.json"))["steps"] == 3 * 10


@pytest.mark.slow
def test_no_usable_backup_is_one_clear_line(tmp_path):
    args = ["--model=resnet_dnn_18", '--model_args={"width": 4}', "--epochs=3",
            "--eval_ensemble_sizes=1", "--train_subset=320"]
    kill_after_backup(tmp_path, args, epoch=1)
    for weights in (tmp_path / "backup").glob("epoch_*/backup.weights.h5"):
        weights.write_bytes(b"not hdf5")
    resumed = run_train(tmp_path, *args)
    assert resumed.returncode == 2
    error_lines = [line for line in resumed.stderr.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1 and "No usable backup" in error_lines[0]
    assert "--overwrite" in error_lines[0] and "Traceback" not in resumed.stderr


@pytest.mark.slow
def test_a_diverging_run_stops_at_the_first_non_finite_loss(tmp_path):
    result = run_train(tmp_path, "--model=resnet_dnn_18", '--model_args={"width": 4}',
                       "--epochs=10", "--lr=1e6")
    assert result.returncode == 1
    assert "error: the loss became" in result.stderr and "Traceback" not in result.stderr
    report = json.load(open(tmp_path / "result.json"))
    assert report["status"] == "diverged"
    assert report["steps"] == report["diverged_at"]["step"] < 10 * 2   # stopped there, not at the end
    assert not (tmp_path / "model.keras").exists()


def test_imagenet_runs_get_the_imagenet_protocol():
    from blur_keras import protocol
    from blur_keras.model_source import load_model
    from blur_keras.training.trainer import _build
    config = TrainConfig("resnet_mcdo_smoothing_18", "imagenet2012", "unused").resolved()
    model = _build(config)
    assert model.get_layer("stage1_smooth").output.shape[1:3] == (57, 57)   # not 225
    assert model.get_layer("stage1_block1_dropout").rate == 0.05            # ImageNet rate
    cifar = protocol.build_model("resnet_mcdo_smoothing_18", "cifar100")
    assert cifar.get_layer("stage1_smooth").output.shape[1:3] == (33, 33)
    assert cifar.get_layer("stage1_block1_dropout").rate == 0.3
    with pytest.raises(ValueError, match="--weights is required"):
        load_model("resnet_dnn_18", None, "imagenet2012")


def test_config_defaults_come_from_the_recipe(tmp_path):
    config = TrainConfig("resnet_bnn_18", "cifar100", str(tmp_path)).resolved()
    assert (config.epochs, config.batch_size, config.lr, config.milestones, config.gamma,
            config.weight_decay) == (200, 128, 0.1, (60, 120, 160), 0.2, 5e-4)
    assert config.kl_weight == pytest.approx(1 / 50000)
    small = TrainConfig("resnet_bnn_18", "cifar100", str(tmp_path), train_subset=500).resolved()
    assert small.kl_weight == pytest.approx(1 / 500)
    with pytest.raises(ValueError, match="train_subset"):
        TrainConfig("resnet_dnn_18", "cifar10", str(tmp_path), train_subset=10).resolved()
    # --epochs alone scales the recipe's milestones (same fractions of training).
    short = TrainConfig("resnet_dnn_18", "cifar10", str(tmp_path), epochs=10).resolved()
    assert short.milestones == (3, 6, 8) and short.total_epochs == 11
    home = TrainConfig("resnet_dnn_18", "cifar10", "~/runs/x", data_dir="~/tfds").resolved()
    assert not home.model_dir.startswith("~") and not home.data_dir.startswith("~")
