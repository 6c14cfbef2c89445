import numpy as np
import pytest

from blur_keras.analysis import fourier_log_amplitude
from blur_keras.layers import Blur

FLOOR = np.log(1e-6)   # the log amplitude of a frequency with no energy


def checkerboard(size):
    return (-1.0) ** np.add.outer(np.arange(size), np.arange(size))


def as_maps(image):
    return np.asarray(image, "float32")[None, :, :, None]


def test_constant_map_has_all_its_energy_at_frequency_zero():
    frequencies, amplitude = fourier_log_amplitude(as_maps(np.full((8, 8), 3.0)))
    np.testing.assert_allclose(frequencies, np.pi * np.array([0, 0.25, 0.5, 0.75, 1.0]))
    assert amplitude[0] == pytest.approx(np.log(3.0 * 64))
    np.testing.assert_allclose(amplitude[1:], FLOOR, atol=1e-6)


def test_checkerboard_at_pi_and_a_diagonal_cosine_at_half_pi():
    _, amplitude = fourier_log_amplitude(as_maps(checkerboard(8)))
    assert amplitude[-1] == pytest.approx(np.log(64))
    np.testing.assert_allclose(amplitude[:-1], FLOOR, atol=1e-6)
    cosine = np.cos(np.pi / 2 * np.add.outer(np.arange(8), np.arange(8)))
    _, amplitude = fourier_log_amplitude(as_maps(cosine))
    assert amplitude[2] == pytest.approx(np.log(32))   # half of 64 at each of +-pi/2
    np.testing.assert_allclose(np.delete(amplitude, 2), FLOOR, atol=1e-6)


def test_box_blur_of_a_checkerboard_vanishes_at_pi():
    image = 2.0 + checkerboard(9)
    _, before = fourier_log_amplitude(as_maps(image[:8, :8]))
    blurred = np.asarray(Blur((1, 1), padding="valid")(as_maps(image)))
    assert blurred.shape == (1, 8, 8, 1)
    _, after = fourier_log_amplitude(blurred)
    assert before[-1] == pytest.approx(np.log(64))
    assert after[-1] == pytest.approx(FLOOR, abs=1e-6)
    assert after[0] == pytest.approx(np.log(2.0 * 64), rel=1e-6)


def test_averages_log_amplitudes_over_batch_and_channels_and_relative():
    maps = np.stack([np.full((8, 8), 1.0), checkerboard(8)], -1)[None].repeat(3, 0)
    _, amplitude = fourier_log_amplitude(maps)
    assert amplitude[0] == pytest.approx((np.log(64) + FLOOR) / 2, rel=1e-6)
    assert amplitude[-1] == pytest.approx((FLOOR + np.log(64)) / 2, rel=1e-6)
    _, relative = fourier_log_amplitude(maps, relative=True)
    np.testing.assert_allclose(relative, amplitude - amplitude[0])


def test_odd_size_stops_below_pi_and_errors():
    frequencies, amplitude = fourier_log_amplitude(np.ones((9, 9, 2)))
    np.testing.assert_allclose(frequencies, 2 * np.pi * np.arange(5) / 9)
    assert amplitude.shape == (5,)
    with pytest.raises(ValueError, match="square maps"):
        fourier_log_amplitude(np.ones((1, 8, 6, 1)))
    with pytest.raises(ValueError, match="square maps"):
        fourier_log_amplitude(np.ones((8, 8)))
