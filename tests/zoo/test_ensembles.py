"""Deep-ensemble presets: finished runs of one recipe and other seeds, published as an `Ensemble`,
loaded in safe mode, with a card naming their members."""

import json
import os
import shutil

import keras
import numpy as np
import pytest

from blur_keras import zoo
from tests.test_case import run_preset_test
from tests.zoo.conftest import TEST_SUBSET, publish_tiny, train_tiny

pytestmark = [pytest.mark.tensorflow_only, pytest.mark.real_data]

SINGLE, ENSEMBLE = "resnet_dnn_18.tiny_e", "resnet_dnn_18.tiny_e_ens2"


@pytest.fixture(scope="module")
def ensemble_zoo(tiny_runs, tmp_path_factory):
    """A zoo with a single network (seed 0) and the ensemble of seeds 0 and 1."""
    from blur_keras.publishing import publish_ensemble
    zoo_dir = tmp_path_factory.mktemp("ensemble_zoo")
    publish_tiny(tiny_runs["dnn0"], SINGLE, zoo_dir)
    publish_ensemble([str(tiny_runs["dnn0"]), str(tiny_runs["dnn1"])], ENSEMBLE, str(zoo_dir),
                     progress=False, corruptions=False, test_subset=TEST_SUBSET)
    return zoo_dir


def pixels(count=8):
    return np.random.default_rng(0).integers(0, 256, (count, 28, 28, 1), dtype="uint8")


@pytest.mark.slow
def test_an_ensemble_preset_loads_in_safe_mode_as_the_mean_of_its_members(
        ensemble_zoo, tiny_runs, monkeypatch):
    from blur_keras import Ensemble, data, predict_proba, robustness
    monkeypatch.setenv("BLUR_KERAS_ZOO_DIR", str(ensemble_zoo))
    model = run_preset_test(ENSEMBLE)          # verified, loaded by name, checked against its card
    assert isinstance(model, Ensemble) and len(model.members) == 2
    members = [keras.saving.load_model(tiny_runs[run] / "model.keras", safe_mode=True)
               for run in ("dnn0", "dnn1")]
    spec = data.get_spec("fashion_mnist")
    standardised = robustness.normalize_images(pixels(), (spec.mean, spec.std))
    expected = np.mean([keras.ops.convert_to_numpy(keras.ops.softmax(m(standardised)))
                        for m in members], axis=0)
    np.testing.assert_allclose(predict_proba(model, pixels()), expected, rtol=1e-5, atol=1e-6)
    bare = zoo.load(ENSEMBLE, include_preprocessing=False)
    np.testing.assert_allclose(predict_proba(bare, standardised), expected, rtol=1e-5, atol=1e-6)
    # By its directory too (checked against its own card).
    assert zoo.load(str(ensemble_zoo / ENSEMBLE)).count_params() == model.count_params()


@pytest.mark.slow
def test_an_ensemble_card_names_its_members_seeds_and_how_it_was_made(ensemble_zoo, tiny_runs):
    card = json.loads((ensemble_zoo / ENSEMBLE / "metadata.json").read_text())
    builder = card["builder"]
    assert builder["kind"] == "ensemble" and len(builder["members"]) == 2
    assert all(m["name"] == "resnet_dnn_18" and m["arguments"]["width"] == 2
               for m in builder["members"])
    ensemble = card["ensemble"]
    assert (ensemble["of"], ensemble["size"], ensemble["seeds"]) == (SINGLE, 2, [0, 1])
    assert [m["run"] for m in ensemble["members"]] == ["dnn0", "dnn1"]
    run_result = json.loads((tiny_runs["dnn1"] / "result.json").read_text())
    assert ensemble["members"][1]["test"] == run_result["test"]
    assert "Deep ensemble" in ensemble["how"] and "seeds 0, 1" in ensemble["how"]
    assert card["training"]["seed"] == [0, 1]
    assert card["training"]["command"].startswith("python -m blur_keras.zoo publish --run_dirs=")
    # Both members' curves, in one file and one plot.
    curves = json.loads((ensemble_zoo / ENSEMBLE / "curves.json").read_text())
    assert [m["label"] for m in curves["members"]] == ["seed 0", "seed 1"]
    assert curves["members"][0]["curves"] == \
        json.loads((tiny_runs["dnn0"] / "curves.json").read_text())
    assert card["evaluation"]["stochastic"] is False and list(card["evaluation"]["test"]) == ["1"]
    # Against one of its networks: the single preset of seed 0.
    assert card["twin"]["preset"] == SINGLE and (card["twin"]["n"], card["twin"]["twin_n"]) == (1, 1)
    readme = (ensemble_zoo / ENSEMBLE / "README.md").read_text()
    assert "A deep ensemble of 2 `resnet_dnn_18` networks" in readme
    assert "| 1 | `dnn1` |" in readme and "## Against one of its networks" in readme
    assert f"- `{ENSEMBLE}` vs `{SINGLE}`:" in (ensemble_zoo / "README.md").read_text()


@pytest.mark.slow
def test_an_ensemble_needs_finished_runs_of_one_recipe_and_distinct_seeds(tiny_runs, tmp_path):
    from blur_keras.publishing import publish_ensemble
    dnn0, dnn1, mcdo0 = (str(tiny_runs[r]) for r in ("dnn0", "dnn1", "mcdo0"))
    with pytest.raises(zoo.PresetError, match="ensemble of 2 networks; received 1"):
        publish_ensemble([dnn0], ENSEMBLE, str(tmp_path), progress=False)
    with pytest.raises(zoo.PresetError, match="distinct seeds"):
        publish_ensemble([dnn0, dnn0], ENSEMBLE, str(tmp_path), progress=False)
    with pytest.raises(zoo.PresetError, match=r"resnet_mcdo_18\.<tag>"):
        publish_ensemble([mcdo0, dnn1], ENSEMBLE, str(tmp_path), progress=False)
    other = train_tiny(tmp_path / "other_recipe", "resnet_dnn_18", 2, epochs=2)
    with pytest.raises(zoo.PresetError, match=r"differ in the seed only; .* \['epochs'"):
        publish_ensemble([dnn0, str(other)], ENSEMBLE, str(tmp_path), progress=False)
    unfinished = tmp_path / "unfinished"
    shutil.copytree(dnn1, unfinished)
    os.remove(unfinished / "result.json")
    with pytest.raises(zoo.PresetError, match="no result.json"):
        publish_ensemble([dnn0, str(unfinished)], ENSEMBLE, str(tmp_path), progress=False)


def test_an_ensemble_is_named_after_the_preset_it_repeats():
    from blur_keras.publishing.ensemble_names import ensemble_of
    assert ensemble_of("resnet_dnn_18.fmnist_w16_ens3") == ("resnet_dnn_18.fmnist_w16", 3)
    for bad in ("resnet_dnn_18.fmnist_w16", "resnet_dnn_18.fmnist_w16_ens1", "resnet_dnn_18"):
        with pytest.raises(zoo.PresetError, match=r"_ens\{K\}' with K >= 2"):
            ensemble_of(bad)
