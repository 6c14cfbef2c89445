"""`build.json` and `build`: versions, ensembles of seeds, and the bar a preset ships over."""

import json
import shutil

import pytest

from blur_keras import zoo
from tests.zoo.conftest import TEST_SUBSET, TINY_RECIPE

pytestmark = pytest.mark.tensorflow_only

DNN, MCDO = "resnet_dnn_18.tiny_b", "resnet_mcdo_18.tiny_b"
ENSEMBLE = "resnet_dnn_18.tiny_b_ens2"


def write_spec(zoo_dir, presets):
    zoo_dir.mkdir(exist_ok=True)
    (zoo_dir / "build.json").write_text(json.dumps({"presets": presets}))
    return zoo_dir


def read(zoo_dir):
    from blur_keras.publishing.build_spec import read_entries
    return read_entries(str(zoo_dir))


def test_build_json_entries_are_checked_with_what_an_entry_holds(tmp_path):
    spec = {DNN: {**TINY_RECIPE, "version": 2, "notes": ["n"]},
            MCDO: {**TINY_RECIPE, "ship_if": {"test_accuracy": 0.9}},
            ENSEMBLE: {"ensemble_of": DNN, "seeds": [0, 1], "runs": {"1": "elsewhere"}}}
    entries = read(write_spec(tmp_path / "zoo", spec))
    assert entries[DNN].version == 2 and entries[DNN].notes == ("n",)
    assert entries[DNN].options == TINY_RECIPE and entries[MCDO].version == 1
    assert entries[MCDO].ship_if == {"test_accuracy": 0.9, "n": 1}
    assert entries[ENSEMBLE].options == TINY_RECIPE and entries[ENSEMBLE].seeds == (0, 1)
    assert entries[ENSEMBLE].runs == {1: "elsewhere"}
    from blur_keras.publishing.build_spec import build_order
    assert build_order(entries, [ENSEMBLE, MCDO, DNN]) == [DNN, MCDO, ENSEMBLE]
    bad = {
        "unknown keys \\['epoch'\\]": {DNN: {**TINY_RECIPE, "epoch": 3}},
        "\"dataset\" is missing": {DNN: {"epochs": 3}},
        "\"version\" is the version of its weights": {DNN: {**TINY_RECIPE, "version": "2"}},
        "\"ship_if\" is": {DNN: {**TINY_RECIPE, "ship_if": {"test_accuracy": 90}}},
        "\"seeds\" lists the 2 distinct seeds": {DNN: TINY_RECIPE, ENSEMBLE: {
            "ensemble_of": DNN, "seeds": [0, 1, 2]}},
        "\"ensemble_of\" is the preset its name repeats": {DNN: TINY_RECIPE, ENSEMBLE: {
            "ensemble_of": MCDO, "seeds": [0, 1]}},
        "not a single-network preset": {ENSEMBLE: {"ensemble_of": DNN, "seeds": [0, 1]}},
        "\"ship_if\" applies to single networks": {DNN: TINY_RECIPE, ENSEMBLE: {
            "ensemble_of": DNN, "seeds": [0, 1], "ship_if": {"test_accuracy": 0.9}}},
    }
    for message, presets in bad.items():
        with pytest.raises(zoo.PresetError, match=message):
            read(write_spec(tmp_path / "bad", presets))


def test_the_shipped_build_json_reads():
    from blur_keras.zoo.files import shipped_zoo_directory
    entries = read(shipped_zoo_directory())
    assert all(entry.version >= 1 for entry in entries.values())


def seed_runs(tiny_runs, runs_dir, names):
    """Places finished tiny runs where `build` looks for them (it trains none of these again)."""
    for run, name in names.items():
        shutil.copytree(tiny_runs[run], runs_dir / name)


@pytest.mark.slow
@pytest.mark.real_data
def test_build_publishes_versions_and_an_ensemble_training_only_the_missing_seed(
        tiny_runs, tmp_path, capsys):
    from blur_keras.publishing import build
    zoo_dir = write_spec(tmp_path / "zoo", {          # op determinism is process-wide: not here
        DNN: {**TINY_RECIPE, "version": 2, "deterministic": False},
        ENSEMBLE: {"ensemble_of": DNN, "seeds": [0, 3], "version": 1}})
    runs_dir = tmp_path / "runs"
    seed_runs(tiny_runs, runs_dir, {"dnn0": DNN})
    built = build(str(runs_dir), str(zoo_dir), verbose=0, test_subset=TEST_SUBSET,
                  corruptions=False, progress=False)
    assert built == [DNN, ENSEMBLE]
    # Seed 0 is the single preset's run; seed 3 was trained into <preset>_seed3.
    assert (runs_dir / f"{ENSEMBLE}_seed3" / "result.json").is_file()
    assert "member seed 3" in capsys.readouterr().out
    index = json.loads((zoo_dir / "index.json").read_text())
    assert (index[DNN]["version"], index[ENSEMBLE]["version"]) == (2, 1)
    card = json.loads((zoo_dir / ENSEMBLE / "metadata.json").read_text())
    assert card["ensemble"]["seeds"] == [0, 3]
    assert [m["run"] for m in card["ensemble"]["members"]] == [DNN, f"{ENSEMBLE}_seed3"]
    assert card["training"]["command"] == "python -m blur_keras.zoo build"
    assert card["twin"]["preset"] == DNN


@pytest.mark.slow
@pytest.mark.real_data
def test_build_reuses_the_runs_it_is_given_only_when_they_are_of_the_recipe(tiny_runs, tmp_path):
    from blur_keras.publishing import build
    runs_dir = tmp_path / "runs"
    seed_runs(tiny_runs, runs_dir, {"dnn0": DNN})
    zoo_dir = write_spec(tmp_path / "zoo", {
        DNN: TINY_RECIPE,
        ENSEMBLE: {"ensemble_of": DNN, "seeds": [0, 1], "runs": {"1": str(tiny_runs["dnn1"])}}})
    assert build(str(runs_dir), str(zoo_dir), only=[ENSEMBLE], verbose=0,
                 test_subset=TEST_SUBSET, corruptions=False, progress=False) == [ENSEMBLE]
    card = json.loads((zoo_dir / ENSEMBLE / "metadata.json").read_text())
    assert [m["run"] for m in card["ensemble"]["members"]] == [DNN, "dnn1"]
    write_spec(zoo_dir, {DNN: {**TINY_RECIPE, "epochs": 2}, ENSEMBLE: {
        "ensemble_of": DNN, "seeds": [0, 1], "runs": {"1": str(tiny_runs["dnn1"])}}})
    with pytest.raises(zoo.PresetError, match="the run given for seed 1 is not this recipe's"):
        build(str(runs_dir), str(zoo_dir), only=[ENSEMBLE], verbose=0)


@pytest.mark.slow
@pytest.mark.real_data
def test_a_preset_below_its_bar_is_not_shipped_and_the_build_says_why(tiny_runs, tmp_path,
                                                                        capsys):
    from blur_keras.publishing import build
    runs_dir = tmp_path / "runs"
    seed_runs(tiny_runs, runs_dir, {"mcdo0": MCDO})
    zoo_dir = write_spec(tmp_path / "zoo", {
        MCDO: {**TINY_RECIPE, "ship_if": {"test_accuracy": 0.99}}})
    assert build(str(runs_dir), str(zoo_dir), verbose=0, test_subset=TEST_SUBSET,
                 corruptions=False, progress=False) == []
    assert not (zoo_dir / MCDO).exists() and not (zoo_dir / "index.json").exists()
    record = json.loads((zoo_dir / "not_shipped.json").read_text())[MCDO]
    accuracy = json.loads((runs_dir / MCDO / "result.json").read_text())["test"]["1"]["accuracy"]
    assert record["reached"]["test_accuracy"] == accuracy and record["required"] == {
        "test_accuracy": 0.99, "n": 1}
    assert record["reason"] == (f"test accuracy {100 * accuracy:.2f}% at N = 1, below the "
                                f"99.00% build.json asks (ship_if)")
    assert record["build_command"] == f"python -m blur_keras.zoo build --only={MCDO}"
    assert record["train_command"].startswith("python -m blur_keras.training --model=resnet_mcdo_18")
    assert f"== {MCDO}: not shipped: {record['reason']}" in capsys.readouterr().out
    # Without the bar, the next build ships it and forgets the record.
    write_spec(zoo_dir, {MCDO: TINY_RECIPE})
    assert build(str(runs_dir), str(zoo_dir), verbose=0, test_subset=TEST_SUBSET,
                 corruptions=False, progress=False) == [MCDO]
    assert not (zoo_dir / "not_shipped.json").exists() and (zoo_dir / MCDO).is_dir()


def test_the_zoo_readme_says_which_presets_were_not_shipped_and_why(tmp_path):
    from blur_keras.publishing.shipping import not_shipped_lines, record_not_shipped
    record = {"reason": "test accuracy 88.40% at N = 1, below the 90.00% build.json asks "
                        "(ship_if)", "build_command": f"python -m blur_keras.zoo build --only={MCDO}"}
    assert record_not_shipped(str(tmp_path), MCDO, record) == str(tmp_path / "not_shipped.json")
    assert not_shipped_lines(str(tmp_path)) == [
        f"- `{MCDO}` is not shipped: {record['reason']}; rebuild it with "
        f"`{record['build_command']}`."]
    assert record_not_shipped(str(tmp_path), MCDO, None) is None
    assert not (tmp_path / "not_shipped.json").exists() and not_shipped_lines(str(tmp_path)) == []


@pytest.mark.slow
@pytest.mark.real_data
def test_an_ensemble_takes_its_seed_of_the_published_preset_when_that_run_is_gone(tiny_runs,
                                                                                 tmp_path):
    """Built on another machine: the zoo has the preset, the runs directory not its run."""
    import numpy as np
    from blur_keras.publishing import build
    runs_dir = tmp_path / "runs"
    seed_runs(tiny_runs, runs_dir, {"dnn0": DNN})
    zoo_dir = write_spec(tmp_path / "zoo", {
        DNN: TINY_RECIPE,
        ENSEMBLE: {"ensemble_of": DNN, "seeds": [0, 1], "runs": {"1": str(tiny_runs["dnn1"])}}})
    options = {"verbose": 0, "test_subset": TEST_SUBSET, "corruptions": False,
               "progress": False}
    assert build(str(runs_dir), str(zoo_dir), only=[DNN], **options) == [DNN]
    shutil.rmtree(runs_dir / DNN)
    assert build(str(runs_dir), str(zoo_dir), only=[ENSEMBLE], **options) == [ENSEMBLE]
    assert not (runs_dir / DNN).exists()                      # seed 0 was not trained again
    member = runs_dir / f"{DNN}.from_zoo"
    result = json.loads((member / "result.json").read_text())
    preset_card = json.loads((zoo_dir / DNN / "metadata.json").read_text())
    assert result["config"] == preset_card["training"]["config"]
    assert result["test"] == preset_card["evaluation"]["test"] and "zoo preset" in result["source"]
    card = json.loads((zoo_dir / ENSEMBLE / "metadata.json").read_text())
    assert [m["run"] for m in card["ensemble"]["members"]] == [f"{DNN}.from_zoo", "dnn1"]
    # The member's weights are the preset's, to the bit.
    import keras
    published = zoo.load(str(zoo_dir / DNN), include_preprocessing=False, compile=False)
    written = keras.saving.load_model(str(member / "model.keras"), safe_mode=True)
    for a, b in zip(published.get_weights(), written.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert card["curves"]["missing"] == []
    # A preset published from a run that recorded no curves gives a member without them, and
    # the ensemble's card names that member as one that recorded none.
    from blur_keras.zoo.files import CURVES_FILE
    seed_runs(tiny_runs, runs_dir, {"dnn0": DNN})
    (runs_dir / DNN / CURVES_FILE).unlink()
    assert build(str(runs_dir), str(zoo_dir), only=[DNN], **options) == [DNN]
    assert not (zoo_dir / DNN / CURVES_FILE).exists()
    shutil.rmtree(runs_dir / DNN)              # the member of the earlier publication stays
    assert build(str(runs_dir), str(zoo_dir), only=[ENSEMBLE], **options) == [ENSEMBLE]
    assert not (member / CURVES_FILE).exists() and (member / "result.json").exists()
    card = json.loads((zoo_dir / ENSEMBLE / "metadata.json").read_text())
    assert card["curves"]["missing"] == ["seed 0"]
    assert [run["label"] for run in card["curves"]["runs"]] == ["seed 1"]
    # A preset of another recipe is not taken: the build trains the seed-0 run instead.
    from blur_keras.publishing.preset_members import trained_with
    from blur_keras.zoo.files import preset_training_options
    assert trained_with(DNN, preset_training_options(DNN, str(zoo_dir)), str(zoo_dir))
    assert not trained_with(DNN, {**preset_training_options(DNN, str(zoo_dir)), "epochs": 2},
                            str(zoo_dir))
    assert not trained_with("resnet_dnn_18.absent", preset_training_options(DNN, str(zoo_dir)),
                            str(zoo_dir))
