"""The presets that ship in zoo/: the preset battery on each (its hashes, its card, its
predictions; its card's numbers reproduced on the first 1,000 test images), and the bar each
meets."""

import os

import pytest

from blur_keras import zoo
from tests.test_case import run_preset_test

pytestmark = [pytest.mark.tensorflow_only, pytest.mark.real_data]


@pytest.fixture(autouse=True)
def shipped_zoo(monkeypatch):
    monkeypatch.delenv("BLUR_KERAS_ZOO_DIR", raising=False)


def test_the_shipped_zoo_verifies():
    assert zoo.verify() == zoo.names()


def first_test_images(name):
    """The test images each card's `evaluation.first_1000` was measured on, with their labels."""
    from blur_keras import data
    from blur_keras.publishing.card_evaluation import FIRST_IMAGES
    return data.load_arrays(zoo.card(name)["dataset"], "test", subset=FIRST_IMAGES)


@pytest.mark.parametrize("name", zoo.names())
def test_shipped_preset(name):
    run_preset_test(name)


#: A stochastic preset's card numbers come from a 10-sample pass over the 1,000 images.
@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.slow) if zoo.card(name)["evaluation"]["stochastic"]
    else name for name in zoo.names()])
def test_shipped_preset_reproduces_its_card_on_the_first_1000_test_images(name):
    run_preset_test(name, first_test_images(name))


@pytest.mark.parametrize("name", zoo.names())
def test_shipped_preset_records_its_architecture_once(name):
    # The card's builder, and no serialised graph beside it: the weights fit it whole.
    from blur_keras.zoo.architecture import build_network
    from blur_keras.zoo.files import PRESET_FILES, WEIGHTS_FILE
    directory = os.path.join(zoo.zoo_directory(), name)
    card = zoo.card(name)
    assert sorted(os.listdir(directory)) == sorted(PRESET_FILES)
    assert card["builder"]["kind"] == "registry" and name.startswith(card["builder"]["name"] + ".")
    model = build_network(card, os.path.join(directory, WEIGHTS_FILE))
    assert model.count_params() == card["parameters"]


@pytest.mark.parametrize("name", zoo.names())
def test_shipped_preset_meets_the_zoo_bar(name):
    card = zoo.card(name)
    assert card["evaluation"]["test"]["1"]["accuracy"] >= 0.90       # the bar
    assert card["splits"]["test"].endswith("all images")
    assert card["training"]["command"] == "python -m blur_keras.zoo build"
