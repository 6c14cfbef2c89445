import json
import socket
import subprocess

import numpy as np
import pytest

from tests.training.run_helpers import environment, h5_arrays, run_train, train_command

# Every test trains in new processes.
pytestmark = [pytest.mark.tensorflow_only, pytest.mark.slow]


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
    # Both workers apply the same all-reduced gradients, but each adds up the replicas' float32
    # contributions itself, and the order of that sum is not fixed across processes (collective
    # chunks, thread scheduling): a value can differ by roundings of about float32's epsilon
    # (1.2e-7) times the size of the terms summed. Seen: 9.3e-10 in one kernel and its optimizer
    # slot on another x86 machine, everything else bitwise equal. So each variable may differ by
    # 1e-5 of its own largest magnitude (about 100 roundings). Workers that did not share their
    # gradients differ by whole updates: after these two steps at least 1.4e-4 of each weight's
    # largest magnitude (measured here), 14 times the tolerance and more.
    differing = {}
    for key in a:
        scale = float(np.max(np.abs(a[key]))) if a[key].size else 0.0
        gap = float(np.max(np.abs(a[key] - b[key]))) if a[key].size else 0.0
        if gap > 1e-5 * scale:
            differing[key] = (gap, scale)
    assert not differing, f"(max |worker 0 - worker 1|, max |worker 0|) per variable: {differing}"
