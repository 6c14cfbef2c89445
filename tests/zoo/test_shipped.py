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
    # As a user: the preset as loaded (raw uint8 pixels in), seeded as the card says; the card
    # was measured on the bare network with standardised images (`publish`).
    from blur_keras import data, evaluation
    from blur_keras.publishing.card_evaluation import EVAL_BATCH, EVALUATION_SEED, FIRST_IMAGES
    card = zoo.card(name)
    recorded = card["evaluation"]["first_1000"]
    images, labels = data.load_arrays(card["dataset"], "test", subset=FIRST_IMAGES)
    model = zoo.load(name, seed=EVALUATION_SEED, compile=False)
    batches = [(images[i:i + EVAL_BATCH], labels[i:i + EVAL_BATCH])
               for i in range(0, len(labels), EVAL_BATCH)]
    measured, _, _ = evaluation.evaluate_ensemble_sizes(
        model, batches, tuple(int(n) for n in recorded), progress=False)
    for n, metrics in recorded.items():
        assert measured[int(n)]["accuracy"] == pytest.approx(metrics["accuracy"], abs=1e-9), n
        assert measured[int(n)]["nll"] == pytest.approx(metrics["nll"], rel=1e-4), n


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


def test_the_readme_and_the_zoo_readme_show_the_table_of_the_shipped_cards():
    import json
    from blur_keras.publishing.zoo_table import (
        LATENCY_FILE, TABLE_MARKERS, ZOO_README_HEAD, read_cards, zoo_table)
    zoo_dir = zoo.zoo_directory()
    latency_path = os.path.join(zoo_dir, LATENCY_FILE)
    latency = None
    if os.path.isfile(latency_path):
        with open(latency_path) as f:
            latency = json.load(f)["ms_per_image"]
    table = zoo_table(read_cards(zoo_dir, zoo.names()), latency)
    with open(os.path.join(zoo_dir, "README.md")) as f:
        zoo_readme = f.read()
    assert zoo_readme.startswith(ZOO_README_HEAD + table + "\n")
    readme = os.path.join(os.path.dirname(zoo_dir), "README.md")
    if os.path.isfile(readme):                        # a checkout (not an installed package)
        with open(readme) as f:
            text = f.read()
        start, end = TABLE_MARKERS        # the table and the line naming the latency's machine
        assert text.split(start, 1)[1].split(end, 1)[0].strip() == \
            zoo_readme[len(ZOO_README_HEAD):].strip()
