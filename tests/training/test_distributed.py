import json
import socket
import subprocess

import numpy as np
import pytest

from tests.training.run_helpers import environment, h5_arrays, run_train, train_command

pytestmark = pytest.mark.tensorflow_only


@pytest.mark.real_data
def test_mirrored_on_two_cpu_devices_matches_one_device(tmp_path):
    common = ["--model=resnet_dnn_smoothing_18", "--epochs=1", "--train_subset=32",
              "--cpu_devices=2", "--seed=3"]
    one = run_train(tmp_path / "one", *common, "--strategy=one_device")
    two = run_train(tmp_path / "two", *common, "--strategy=mirrored")
    assert one.returncode == 0, one.stderr[-3000:]
    assert two.returncode == 0, two.stderr[-3000:]
    reports = [json.load(open(tmp_path / run / "result.json")) for run in ("one", "two")]
    assert [r["replicas"] for r in reports] == [1, 2] and reports[1]["steps"] == 1
    # Streaming metrics sum their state across replicas: the same values as on one device.
    for metric in ("loss", "nll", "accuracy", "ece", "val_nll", "val_accuracy", "val_ece"):
        np.testing.assert_allclose(reports[0]["history"][metric], reports[1]["history"][metric],
                                   rtol=1e-4, atol=1e-4, err_msg=metric)
    # The same initial weights as the CLI's (same seed, same builder).
    import keras
    import blur_keras.models as models
    keras.utils.set_random_seed(3)
    init = models.get("resnet_dnn_smoothing_18", num_classes=10, input_shape=(28, 28, 1))
    init_path = tmp_path / "init.weights.h5"
    init.save_weights(init_path)
    start = h5_arrays(init_path)
    a = h5_arrays(tmp_path / "one" / "model.weights.h5")
    b = h5_arrays(tmp_path / "two" / "model.weights.h5")
    assert a.keys() == b.keys() == start.keys()
    moved = sum(np.abs(a[k] - start[k]).sum() for k in a) / sum(np.abs(start[k]).sum() for k in a)
    assert moved < 0.05, "the runs did not start from the same initial weights"
    # Equal up to float differences of the two-replica reductions: below 2% of the
    # step's largest update (unsynchronised BN or summed gradients give ~100%).
    largest = max(np.abs(a[k] - start[k]).max() for k in a)
    for key in a:   # includes the BN moving statistics (synchronised across replicas)
        assert np.abs(a[key] - b[key]).max() <= 0.02 * largest, key


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.mark.real_data
def test_multi_worker_two_processes_end_with_identical_weights(tmp_path):
    ports = free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    args = ["--model=resnet_dnn_smoothing_18", "--epochs=1", "--strategy=multi_worker",
            "--eval_ensemble_sizes=1"]
    # Output goes to files: a full pipe would block one worker and stall the other.
    # The logs stay outside the run directory: it belongs to the run alone.
    logs = [open(tmp_path / f"worker_{i}.log", "w+") for i in range(2)]
    run_dir = tmp_path / "run"
    processes = [
        subprocess.Popen(train_command(run_dir, *args), stdout=logs[i],
                         stderr=subprocess.STDOUT, text=True,
                         env=environment(TF_CONFIG=json.dumps(
                             {"cluster": cluster, "task": {"type": "worker", "index": i}})))
        for i in range(2)]
    for process in processes:
        try:
            process.wait(timeout=600)
        finally:
            process.kill()
    outputs = [(tmp_path / f"worker_{i}.log").read_text() for i in range(2)]
    assert all(p.returncode == 0 for p in processes), "\n".join(o[-3000:] for o in outputs)
    report = json.load(open(run_dir / "result.json"))
    assert report["replicas"] == 2 and report["steps"] == 2
    a = h5_arrays(run_dir / "workers" / "worker_0" / "model.weights.h5")
    b = h5_arrays(run_dir / "workers" / "worker_1" / "model.weights.h5")
    assert a.keys() == b.keys()
    differing = {k: float(np.max(np.abs(a[k] - b[k]))) for k in a if not np.array_equal(a[k], b[k])}
    assert not differing, f"max |worker 0 - worker 1| per weight: {differing}"
