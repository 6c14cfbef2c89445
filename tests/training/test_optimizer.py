import numpy as np
import pytest
import keras

from blur_keras.training import TorchSGD, WarmupCosine, WarmupMultiStep, SparseCrossentropy

pytestmark = pytest.mark.tensorflow_only


def torch_sgd_reference(w, grads, lrs, momentum, wd, nesterov=False, decoupled=False):
    """torch.optim.SGD (dampening 0) written out by hand."""
    w = np.array(w, dtype=np.float64)
    buf = None
    for g, lr in zip(grads, lrs):
        g = np.array(g, dtype=np.float64)
        if not decoupled:
            g = g + wd * w
        buf = g if buf is None else momentum * buf + g
        d = g + momentum * buf if nesterov else buf
        if decoupled:
            w = w - lr * wd * w
        w = w - lr * d
    return w


@pytest.mark.parametrize("nesterov,decoupled", [(False, False), (True, False), (False, True)])
def test_matches_pytorch_update_by_hand(nesterov, decoupled):
    w0 = np.array([1.0, -2.0, 0.5], "float32")
    grads = [np.array([0.1, 0.2, -0.3]), np.array([0.0, -0.1, 0.4]), np.array([0.5, 0.5, 0.5])]
    lrs = [0.1, 0.1, 0.02]   # a rate drop at the third step
    schedule = WarmupMultiStep(0.1, steps_per_epoch=1, milestones=(2,), gamma=0.2)
    variable = keras.Variable(w0)
    optimizer = TorchSGD(schedule, momentum=0.9, nesterov=nesterov, weight_decay=5e-4,
                         decoupled_weight_decay=decoupled)
    for g in grads:
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(g, "float32"), variable)])
    expected = torch_sgd_reference(w0, grads, lrs, 0.9, 5e-4, nesterov, decoupled)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(variable), expected, rtol=1e-6)


def test_first_step_by_hand():
    # w = 2, g = 1, wd = 0.1: coupled gradient 1.2, buffer 1.2, w = 2 - 0.5 * 1.2 = 1.4.
    variable = keras.Variable(np.array([2.0], "float32"))
    TorchSGD(0.5, momentum=0.9, weight_decay=0.1).apply_gradients(
        [(keras.ops.ones((1,)), variable)])
    assert float(keras.ops.convert_to_numpy(variable)[0]) == pytest.approx(1.4)


def test_excluded_variables_get_no_decay():
    kept = keras.Variable(np.array([1.0], "float32"), name="kernel_rho")
    decayed = keras.Variable(np.array([1.0], "float32"), name="kernel")
    optimizer = TorchSGD(1.0, momentum=0.0, weight_decay=0.5)
    optimizer.exclude_from_weight_decay(var_names=["kernel_rho"])
    zero = keras.ops.zeros((1,))
    optimizer.apply_gradients([(zero, kept), (zero, decayed)])
    assert float(keras.ops.convert_to_numpy(kept)[0]) == 1.0
    assert float(keras.ops.convert_to_numpy(decayed)[0]) == pytest.approx(0.5)


def test_config_round_trip_and_validation():
    optimizer = TorchSGD(0.1, momentum=0.8, nesterov=True, weight_decay=1e-4)
    clone = TorchSGD.from_config(optimizer.get_config())
    assert (clone.momentum, clone.nesterov, clone.torch_weight_decay) == (0.8, True, 1e-4)
    with pytest.raises(ValueError, match="momentum"):
        TorchSGD(0.1, momentum=1.0)
    with pytest.raises(ValueError, match="weight_decay"):
        TorchSGD(0.1, weight_decay=-1.0)


def reference_rates(base, steps_per_epoch, milestones, gamma, warmup_epochs, epochs):
    """The reference loop (ops/trains.py): WarmupScheduler steps, then MultiStepLR per epoch."""
    warmup_steps = warmup_epochs * steps_per_epoch
    rates = [base * k / warmup_steps for k in range(warmup_steps)]   # last_epoch starts at 0
    for epoch in range(epochs):                                      # scheduled epochs
        rate = base * gamma ** sum(epoch >= m for m in milestones)
        rates += [rate] * steps_per_epoch
    return rates


def test_warmup_comes_before_the_scheduled_epochs_as_in_the_reference():
    schedule = WarmupMultiStep(0.1, steps_per_epoch=10, milestones=(2, 4), gamma=0.2,
                               warmup_epochs=1)
    ours = [float(keras.ops.convert_to_numpy(schedule(step))) for step in range(10 + 6 * 10)]
    expected = reference_rates(0.1, 10, (2, 4), 0.2, warmup_epochs=1, epochs=6)
    assert len(ours) == len(expected) == 70      # 1 warm-up + 6 scheduled epochs
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-9)
    assert ours[0] == 0.0 and ours[10] == pytest.approx(0.1) and ours[30] == pytest.approx(0.02)


def test_schedules():
    schedule = WarmupMultiStep(0.1, steps_per_epoch=10, milestones=(2, 4), gamma=0.2,
                               warmup_epochs=1)
    cosine = WarmupCosine(0.1, steps_per_epoch=10, epochs=10, warmup_epochs=0)
    assert float(keras.ops.convert_to_numpy(cosine(50))) == pytest.approx(0.05, rel=1e-5)
    assert float(keras.ops.convert_to_numpy(cosine(100))) == pytest.approx(0.0, abs=1e-7)
    warm_cosine = WarmupCosine(0.1, steps_per_epoch=10, epochs=10, warmup_epochs=1)
    assert float(keras.ops.convert_to_numpy(warm_cosine(5))) == pytest.approx(0.05, rel=1e-5)
    assert float(keras.ops.convert_to_numpy(warm_cosine(60))) == pytest.approx(0.05, rel=1e-5)
    assert WarmupMultiStep.from_config(schedule.get_config()).milestones == (2, 4)


def test_label_smoothing_loss():
    logits = np.array([[2.0, 0.0, -1.0]], "float32")
    p = np.exp(logits) / np.exp(logits).sum()
    target = np.array([0.9 + 0.1 / 3, 0.1 / 3, 0.1 / 3])
    loss = SparseCrossentropy(0.1)(np.array([0]), logits)
    assert float(loss) == pytest.approx(-(target * np.log(p)).sum(), rel=1e-5)
    with pytest.raises(ValueError, match="label_smoothing"):
        SparseCrossentropy(1.0)
