"""The presets that ship in zoo/: every hash checks, every card's numbers are reproduced."""

import os

import pytest

from blur_keras import zoo

pytestmark = [pytest.mark.tensorflow_only, pytest.mark.real_data]


@pytest.fixture(autouse=True)
def shipped_zoo(monkeypatch):
    monkeypatch.delenv("BLUR_KERAS_ZOO_DIR", raising=False)


def test_the_shipped_zoo_verifies():
    assert zoo.verify() == zoo.names()


@pytest.mark.parametrize("name", zoo.names())
def test_shipped_preset_reproduces_its_card_on_the_first_1000_test_images(name):
    from blur_keras.zoo.publishing import FIRST_IMAGES, evaluate_preset
    card = zoo.card(name)
    recorded = card["evaluation"]["first_1000"]
    measured = evaluate_preset(os.path.join(zoo.zoo_directory(), name), card["dataset"],
                               FIRST_IMAGES, tuple(int(n) for n in recorded))
    for n, metrics in recorded.items():
        assert measured[n]["accuracy"] == pytest.approx(metrics["accuracy"], abs=1e-9), n
        assert measured[n]["nll"] == pytest.approx(metrics["nll"], rel=1e-4), n


@pytest.mark.parametrize("name", zoo.names())
def test_shipped_preset_meets_the_zoo_bar(name):
    card = zoo.card(name)
    assert card["evaluation"]["test"]["1"]["accuracy"] >= 0.90       # the bar
    assert card["splits"]["test"].endswith("all images")
    assert card["training"]["command"] == "python -m blur_keras.zoo build"
