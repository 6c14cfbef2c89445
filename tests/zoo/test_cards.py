"""What a card holds besides its metrics: the run's curves and splits, the version of its weights,
the N of a stochastic preset, the comparison with its deterministic twin, the zoo's size budget."""

import json
import os
import shutil

import pytest

from blur_keras import zoo
from tests.zoo.conftest import TEST_SUBSET, publish_tiny

pytestmark = [pytest.mark.tensorflow_only, pytest.mark.real_data]

MCDO, DNN = "resnet_mcdo_18.tiny_h", "resnet_dnn_18.tiny_h"


@pytest.fixture(scope="module")
def twin_zoo(tiny_runs, tmp_path_factory):
    """A zoo where the MC dropout preset is published before its deterministic twin (version 2)."""
    zoo_dir = tmp_path_factory.mktemp("twin_zoo")
    alone = publish_tiny(tiny_runs["mcdo0"], MCDO, zoo_dir)
    publish_tiny(tiny_runs["dnn0"], DNN, zoo_dir, version=2)
    return zoo_dir, alone


def card_of(zoo_dir, name):
    return json.loads((zoo_dir / name / "metadata.json").read_text())


@pytest.mark.slow
def test_the_card_holds_the_runs_curves_and_shows_them(twin_zoo, tiny_runs):
    zoo_dir, _ = twin_zoo
    directory = zoo_dir / DNN
    # The run's curves.json, byte for byte, and a small PNG of it that the README embeds.
    assert (directory / "curves.json").read_bytes() == \
        (tiny_runs["dnn0"] / "curves.json").read_bytes()
    plot = (directory / "curves.png").read_bytes()
    assert plot.startswith(b"\x89PNG") and 5_000 < len(plot) < 100_000
    card = card_of(zoo_dir, DNN)
    assert card["curves"]["file"] == "curves.json" and card["curves"]["plot"] == "curves.png"
    assert card["curves"]["runs"][0]["epochs"] == 1
    assert card["curves"]["runs"][0]["validation"] == "holdout"
    # Hashed in the card (a directory checks itself) and in the index (a name is checked there).
    # So are the per-image test outcomes that the twin intervals read.
    assert set(card["files"]) == {"model.weights.h5", "curves.json", "curves.png",
                                  "test_outcomes.json"}
    index = json.loads((zoo_dir / "index.json").read_text())
    assert set(index[DNN]["files"]) == {"model.weights.h5", "metadata.json", "README.md",
                                        "curves.json", "curves.png", "test_outcomes.json"}
    readme = (directory / "README.md").read_text()
    assert "![Training and validation NLL and accuracy per epoch](curves.png)" in readme
    assert "best validation NLL" in readme


@pytest.mark.slow
def test_the_card_says_which_images_trained_validated_and_tested(twin_zoo):
    zoo_dir, _ = twin_zoo
    card = card_of(zoo_dir, DNN)
    assert card["splits"]["slices"] == {"train": "train[:32]", "validation": "train[50000:50032]",
                                        "test": f"test[:{TEST_SUBSET}]"}
    assert card["splits"]["train"] == "train split, first 32 images"
    assert "held out from training" in card["splits"]["validation"]
    assert "--validation=holdout" in card["training"]["train_command"]
    readme = (zoo_dir / DNN / "README.md").read_text()
    assert "- trained on `train[:32]`" in readme
    assert "- validated after every epoch on `train[50000:50032]`" in readme
    assert f"- tested on `test[:{TEST_SUBSET}]`" in readme


@pytest.mark.slow
def test_a_version_is_in_the_card_the_index_the_readme_and_the_table(twin_zoo, monkeypatch):
    zoo_dir, _ = twin_zoo
    index = json.loads((zoo_dir / "index.json").read_text())
    assert card_of(zoo_dir, DNN)["version"] == index[DNN]["version"] == 2
    assert card_of(zoo_dir, MCDO)["version"] == index[MCDO]["version"] == 1
    assert "Version 2 of these weights." in (zoo_dir / DNN / "README.md").read_text()
    table = (zoo_dir / "README.md").read_text()
    assert "| preset | version | parameters |" in table and f"| `{DNN}` | 2 |" in table
    monkeypatch.setenv("BLUR_KERAS_ZOO_DIR", str(zoo_dir))
    assert DNN in zoo.verify() and zoo.card(DNN)["version"] == 2


@pytest.mark.slow
def test_an_index_that_names_another_version_than_the_card_is_refused(twin_zoo, tmp_path,
                                                                        monkeypatch):
    copy = tmp_path / "zoo"
    shutil.copytree(twin_zoo[0], copy)
    index = json.loads((copy / "index.json").read_text())
    index[DNN]["version"] = 3
    (copy / "index.json").write_text(json.dumps(index))
    monkeypatch.setenv("BLUR_KERAS_ZOO_DIR", str(copy))
    with pytest.raises(zoo.PresetError, match="version 2 of the weights, .* version 3"):
        zoo.verify(DNN)


@pytest.mark.slow
def test_a_stochastic_card_holds_n_up_to_50_on_the_test_split(twin_zoo):
    evaluation = card_of(twin_zoo[0], MCDO)["evaluation"]
    assert evaluation["stochastic"]
    assert list(evaluation["test"]) == ["1", "2", "5", "10", "20", "50"]
    # What the shipped-zoo test and `make demo` reproduce: a 10-sample pass over the first images.
    assert list(evaluation["first_1000"]) == ["1", "2", "5", "10"]
    assert list(evaluation["first_1000_n50"]) == ["50"] and evaluation["first_images"] == 64
    assert "N = 1, 2, 5, 10, 20, 50 from one 50-sample pass" in evaluation["protocol"]
    assert list(card_of(twin_zoo[0], DNN)["evaluation"]["test"]) == ["1"]


@pytest.mark.slow
def test_a_stochastic_card_meets_its_deterministic_twin_whichever_is_published_first(twin_zoo):
    zoo_dir, alone = twin_zoo
    assert "twin" not in alone                     # published first: no twin in the zoo yet
    card, twin_card = card_of(zoo_dir, MCDO), card_of(zoo_dir, DNN)
    twin = card["twin"]                            # written when its twin came
    assert twin["preset"] == DNN and twin["version"] == 2 and (twin["n"], twin["twin_n"]) == (10, 1)
    assert twin["nll"] == card["evaluation"]["test"]["10"]["nll"]
    assert twin["twin_nll"] == twin_card["evaluation"]["test"]["1"]["nll"]
    low, high = twin["interval"]                   # the verdict is the interval's
    expected = "lower" if high < 0 else "higher" if low > 0 else "inconclusive"
    assert twin["verdict"] == expected and twin["images"] == 64
    assert low <= twin["difference"] <= high and "95% interval" in twin["sentence"]
    # The outcomes the interval reads are the card's test pass, image by image.
    from blur_keras.publishing.image_outcomes import read_outcomes
    for preset, size, its_card in ((MCDO, 10, card), (DNN, 1, twin_card)):
        outcomes = read_outcomes(str(zoo_dir / preset))
        assert outcomes["n"] == size and outcomes["nll"].size == 64
        assert outcomes["nll"].mean() == pytest.approx(
            its_card["evaluation"]["test"][str(size)]["nll"], abs=1e-6)
    assert "twin" not in twin_card                 # a deterministic network has none
    assert twin["sentence"] in (zoo_dir / MCDO / "README.md").read_text()
    # The zoo's README says it in one line per pair; every rewritten file is indexed.
    lines = [line for line in (zoo_dir / "README.md").read_text().splitlines()
             if line.startswith(f"- `{MCDO}` vs `{DNN}`")]
    assert len(lines) == 1 and twin["sentence"] in lines[0]
    from blur_keras.zoo.preset import card_in_zoo
    assert card_in_zoo(str(zoo_dir), MCDO)["twin"] == twin


def test_twins_come_from_the_registry_names():
    from blur_keras.publishing.twins import twin_name
    assert twin_name("resnet_mcdo_18.fmnist_w16", {}) == "resnet_dnn_18.fmnist_w16"
    assert twin_name("resnet_mcdo_smoothing_18.fmnist_w16", {}) == \
        "resnet_dnn_smoothing_18.fmnist_w16"
    assert twin_name("resnet_bnn_smoothing_18.fmnist_w16", {}) == \
        "resnet_dnn_smoothing_18.fmnist_w16"
    assert twin_name("resnet_dnn_18.fmnist_w16", {}) is None
    ensemble = {"ensemble": {"of": "resnet_dnn_18.fmnist_w16"}}
    assert twin_name("resnet_dnn_18.fmnist_w16_ens3", ensemble) == "resnet_dnn_18.fmnist_w16"


def card_without_curves():
    """A card as the shipped presets were published: no curves, no validation, no version."""
    metrics = {"nll": 0.21, "accuracy": 0.92, "ece": 0.01, "brier": 0.11}
    return {"name": "resnet_dnn_18.old", "parameters": 10, "dataset": "fashion_mnist",
            "builder": {"kind": "registry", "name": "resnet_dnn_18", "arguments": {}},
            "splits": {"train": "train split, all 60000 images", "test": "test split, all images"},
            "preprocessing": {"input_shape": [28, 28, 1], "mean": [0.286], "std": [0.353],
                              "scaling": "pixels / 255, then (x - mean) / std per channel",
                              "labels": []},
            "training": {"command": "c", "train_command": "t", "seed": 0, "epochs": 4,
                         "warmup_epochs": 1, "precision": "float32", "steps": 1,
                         "wall_seconds": 60, "machine": "m"},
            "evaluation": {"protocol": "p", "stochastic": False, "test": {"1": metrics},
                           "first_1000": {"1": metrics}, "first_1000_n50": {}},
            "versions": {}, "date": "2026-01-01", "license": "Apache-2.0", "notes": []}


def test_a_card_from_a_run_without_curves_says_so():
    from blur_keras.publishing.card_readme import card_readme
    readme = card_readme(card_without_curves())
    assert "No curves recorded" in readme and "Version 1 of these weights." in readme
    assert "validation: not recorded" in readme


@pytest.mark.slow
def test_a_run_without_curves_publishes_a_card_that_says_so(tiny_runs, tmp_path):
    run_dir = tmp_path / "old_run"
    shutil.copytree(tiny_runs["dnn1"], run_dir)
    os.remove(run_dir / "curves.json")
    zoo_dir = tmp_path / "zoo"
    card = publish_tiny(run_dir, "resnet_dnn_18.no_curves", zoo_dir)
    assert card["curves"] is None
    assert set(card["files"]) == {"model.weights.h5", "test_outcomes.json"}
    assert sorted(os.listdir(zoo_dir / "resnet_dnn_18.no_curves")) == \
        ["README.md", "metadata.json", "model.weights.h5", "test_outcomes.json"]
    assert "No curves recorded" in (zoo_dir / "resnet_dnn_18.no_curves" / "README.md").read_text()


def test_the_zoo_size_budget_refuses_a_zoo_over_it(tmp_path):
    from blur_keras.publishing.budget import check_budget, zoo_bytes
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "model.weights.h5").write_bytes(b"x" * 1000)
    (tmp_path / "index.json").write_text("{}")
    assert zoo_bytes(str(tmp_path)) == 1002
    assert check_budget(str(tmp_path), "a", budget=2000) == 1002
    with pytest.raises(zoo.PresetError, match="over its 0 MB budget; a was written"):
        check_budget(str(tmp_path), "a", budget=1000)


def test_a_version_comes_from_build_json_and_must_be_an_integer_from_1(tmp_path):
    from blur_keras.publishing.preset_writer import spec_version
    (tmp_path / "build.json").write_text(json.dumps({"presets": {"resnet_dnn_18.x": {
        "dataset": "fashion_mnist", "version": 4}}}))
    assert spec_version(str(tmp_path), "resnet_dnn_18.x") == 4
    assert spec_version(str(tmp_path), "resnet_dnn_18.y") == 1
    assert spec_version(str(tmp_path), "resnet_dnn_18.x", 7) == 7
    for bad in (0, True, "2", 1.5):
        with pytest.raises(zoo.PresetError, match="an integer from 1"):
            spec_version(str(tmp_path), "resnet_dnn_18.x", bad)
