import numpy as np
import pytest

from blur_keras.layers import GlobalMedianPooling2D
from tests.test_case import random_input, run_layer_test, to_numpy


def test_standard_layer_checks(tmp_path):
    run_layer_test(GlobalMedianPooling2D, {}, (2, 5, 5, 3), (2, 3), str(tmp_path))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_matches_numpy_median(data_format):
    x = random_input((2, 5, 4, 3))
    axes = (1, 2) if data_format == "channels_last" else (2, 3)
    np.testing.assert_allclose(
        to_numpy(GlobalMedianPooling2D(data_format=data_format)(x)),
        np.median(x, axis=axes), rtol=1e-6)


def test_rank_error():
    with pytest.raises(ValueError, match="rank-4"):
        GlobalMedianPooling2D()(np.ones((2, 3), "float32"))
