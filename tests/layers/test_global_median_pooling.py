import numpy as np
import pytest

from blur_keras.layers import GlobalMedianPooling2D
from tests.test_case import random_input, run_layer_test, to_numpy


def test_standard_layer_checks(tmp_path):
    run_layer_test(GlobalMedianPooling2D, {}, (2, 5, 5, 3), (2, 3), str(tmp_path))


@pytest.mark.parametrize("values,expected", [
    # Reference: torch.topk(x, k=HW // 2)[0][..., -1], the (HW // 2)-th largest value.
    (np.arange(9).reshape(3, 3), 5.0),             # odd: 4th largest of 0..8, not the median 4
    (np.array([[4, 1], [3, 2]]), 3.0),             # even: upper middle, not the mean 2.5
    (np.array([[8, 6, 7, 5, 3, 0]]), 6.0),         # 3rd largest of 6 (np.median: 5.5)
    (np.array([[7]]), 7.0),                        # 1x1: the value (the reference fails, k = 0)
])
def test_reference_topk_median_known_maps(values, expected):
    x = values.astype("float32")[None, :, :, None]
    assert to_numpy(GlobalMedianPooling2D()(x)).tolist() == [[expected]]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_matches_reference_topk_on_random_maps(data_format):
    x = random_input((2, 5, 4, 3))
    # (batch, channels, positions): 20 positions (channels_last) or 12 (channels_first).
    flat = np.moveaxis(x, 3, 1).reshape(2, 3, 20) if data_format == "channels_last" \
        else x.reshape(2, 5, 12)
    k = flat.shape[-1] // 2
    kth_largest = -np.sort(-flat, axis=-1)[..., k - 1]
    np.testing.assert_allclose(
        to_numpy(GlobalMedianPooling2D(data_format=data_format)(x)), kth_largest, rtol=1e-6)


def test_rank_error():
    with pytest.raises(ValueError, match="rank-4"):
        GlobalMedianPooling2D()(np.ones((2, 3), "float32"))
