"""`TrainConfig.retrofit`'s JSON options, checked before any model exists."""

import pytest

from blur_keras.training.retrofit_options import retrofit_arguments


def test_the_options_become_the_retrofit_arguments():
    assert retrofit_arguments({}) == {"smoothing": True, "stages": None, "mc_dropout": 0.0,
                                      "mc_dropout_seed": None}
    assert retrofit_arguments({"padding": "reference", "kernel": [3], "stages": [2, 3]}) == {
        "smoothing": {"padding": "reference", "kernel": (3,)}, "stages": [2, 3],
        "mc_dropout": 0.0, "mc_dropout_seed": None}
    assert retrofit_arguments({"smoothing": False, "mc_dropout": 0.1, "mc_dropout_seed": 3}) == {
        "smoothing": False, "stages": None, "mc_dropout": 0.1, "mc_dropout_seed": 3}


@pytest.mark.parametrize("options, message", [
    ([1], "retrofit must be a JSON object of retrofit options; got [1]."),
    ({"padd": "same"}, "unknown options ['padd']"),
    ({"smoothing": "yes"}, "smoothing must be true or false"),
    ({"smoothing": False, "padding": "same"}, "['padding'] configure a smoothing"),
    ({"smoothing": False}, "would insert nothing"),
    ({"smoothing": False, "mc_dropout": 0.1, "stages": [1]}, "it needs smoothing on"),
    ({"stages": []}, "stages must be a list of stage numbers"),
    ({"stages": [0]}, "stages must be a list of stage numbers"),
    ({"mc_dropout": 1.0}, "mc_dropout must be a rate in [0, 1); got 1.0."),
    ({"mc_dropout": True}, "mc_dropout must be a rate"),
    ({"mc_dropout": 0.1, "mc_dropout_seed": 1.5}, "mc_dropout_seed must be an integer"),
    ({"padding": "wide"}, "Unknown padding 'wide'"),
    ({"prob": "nonsense"}, 'retrofit {"prob": "nonsense"}: '),
])
def test_bad_options_are_one_line_naming_the_option(options, message):
    with pytest.raises(ValueError) as error:
        retrofit_arguments(options)
    assert message in str(error.value)
    assert "\n" not in str(error.value)
    assert str(error.value).startswith("retrofit ")
