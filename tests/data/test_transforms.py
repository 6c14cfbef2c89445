import numpy as np
import pytest
import tensorflow as tf

from blur_keras.data.transforms import resize_center_crop

pytestmark = pytest.mark.tensorflow_only


def test_downsizing_a_checkerboard_gives_its_mean_not_aliasing():
    # A one-pixel checkerboard downsized by 3 (768 -> 256): plain bilinear samples pixels
    # 3i + 1 and returns a checkerboard of 0 and 255; antialiasing (the reference's PIL)
    # averages a triangle of 5 pixels per axis: 255 * 41/81 or 255 * 40/81, near the mean.
    rows, cols = np.indices((768, 768))
    board = ((rows + cols) % 2 * 255).astype(np.float32)[..., None]
    out = resize_center_crop(tf.constant(board)).numpy()
    assert out.shape == (224, 224, 1)
    np.testing.assert_allclose(np.unique(np.round(out, 3)),
                               np.round([255 * 40 / 81, 255 * 41 / 81], 3), atol=1e-2)



def test_longer_side_is_truncated_as_torchvision_resize():
    # Resize(256) of 300x451: 256 x int(256 * 451 / 300) = 256 x 384 (rounding gives 385). On a
    # ramp image (value = column), crop column 0 is resized column (384 - 224) // 2 = 80, which
    # samples the ramp at (80 + 0.5) * 451 / 384 - 0.5 = 94.05 (with 385 columns: 93.80).
    ramp = tf.tile(tf.range(451, dtype=tf.float32)[None, :, None], (300, 1, 1))
    out = resize_center_crop(ramp).numpy()
    assert out[100, 0, 0] == pytest.approx(80.5 * 451 / 384 - 0.5, abs=0.02)
