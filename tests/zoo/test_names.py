"""How `zoo.load`'s argument resolves: a name in the zoos only, a path (separator or ~) as a path."""

import json
import os
import shutil

import numpy as np
import pytest

from blur_keras import zoo
from blur_keras.integrity import file_record
from blur_keras.zoo.files import shipped_zoo_directory
from blur_keras.zoo.architecture import build_from_directory

pytestmark = pytest.mark.tensorflow_only

SHIPPED = "resnet_dnn_18.fmnist_w16"
SHIPPED_ZOO = shipped_zoo_directory()


@pytest.fixture(autouse=True)
def shipped_only(monkeypatch):
    monkeypatch.delenv("BLUR_KERAS_ZOO_DIR", raising=False)


def first_kernel(model) -> np.ndarray:
    return np.asarray(model.get_layer("stem_conv").get_weights()[0])


def altered_copy(directory) -> str:
    """A copy of the shipped preset in `directory` with other weights and a card that matches
    them: it verifies against its own card, not against the zoo index."""
    shutil.copytree(os.path.join(SHIPPED_ZOO, SHIPPED), directory)
    model = build_from_directory(os.path.join(SHIPPED_ZOO, SHIPPED))
    stem = model.get_layer("stem_conv")
    stem.set_weights([w + 1.0 for w in stem.get_weights()])
    weights = os.path.join(directory, "model.weights.h5")
    model.save_weights(weights)
    card_path = os.path.join(directory, "metadata.json")
    card = json.load(open(card_path))
    card["files"]["model.weights.h5"] = file_record(weights)
    with open(card_path, "w") as f:
        json.dump(card, f)
    return directory


def test_a_directory_named_like_a_preset_does_not_shadow_it(tmp_path, monkeypatch):
    shipped = first_kernel(zoo.load(SHIPPED, compile=False))
    altered_copy(str(tmp_path / SHIPPED))
    monkeypatch.chdir(tmp_path)                          # ./resnet_dnn_18.fmnist_w16 is here
    by_name = zoo.load(SHIPPED, compile=False)
    np.testing.assert_array_equal(first_kernel(by_name), shipped)
    by_path = zoo.load(os.path.join(".", SHIPPED), compile=False)
    np.testing.assert_array_equal(first_kernel(by_path), shipped + 1.0)
    monkeypatch.setenv("HOME", str(tmp_path))
    by_home = zoo.load(f"~/{SHIPPED}", compile=False)
    np.testing.assert_array_equal(first_kernel(by_home), shipped + 1.0)
    assert zoo.card(SHIPPED)["files"] != zoo.card(f"./{SHIPPED}")["files"]


def test_a_path_that_is_no_directory_is_not_looked_up_as_a_name(tmp_path):
    with pytest.raises(zoo.PresetError, match="No preset directory at"):
        zoo.load(str(tmp_path / SHIPPED))
    with pytest.raises(zoo.PresetError, match=r"Unknown preset .*by its path"):
        zoo.load("resnet_dnn_18.nowhere")


def test_tamper_messages_name_what_the_files_were_checked_against(tmp_path, monkeypatch):
    user_zoo = tmp_path / "zoo"
    user_zoo.mkdir()
    shutil.copytree(os.path.join(SHIPPED_ZOO, SHIPPED), user_zoo / "resnet_dnn_18.mine")
    index = json.load(open(os.path.join(SHIPPED_ZOO, "index.json")))
    (user_zoo / "index.json").write_text(json.dumps({"resnet_dnn_18.mine": index[SHIPPED]}))
    monkeypatch.setenv("BLUR_KERAS_ZOO_DIR", str(user_zoo))
    weights = user_zoo / "resnet_dnn_18.mine" / "model.weights.h5"
    data = bytearray(weights.read_bytes())
    data[-100] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(zoo.PresetError, match=r"SHA-256 in the index of the zoo of "
                                              r"\$BLUR_KERAS_ZOO_DIR"):
        zoo.load("resnet_dnn_18.mine")
    with pytest.raises(zoo.PresetError, match=r"SHA-256 in the directory's own card"):
        zoo.load(str(user_zoo / "resnet_dnn_18.mine"))


def index_entry(directory) -> dict:
    from blur_keras.publishing.index import preset_entry
    with open(os.path.join(directory, "metadata.json")) as f:
        return preset_entry(str(directory), json.load(f)["version"])


def test_the_user_zoo_adds_presets_and_a_name_means_one_preset(tmp_path, monkeypatch):
    shipped_names = zoo.names()
    user_zoo = tmp_path / "zoo"
    user_zoo.mkdir()
    for name in (SHIPPED, "resnet_dnn_18.mine"):
        shutil.copytree(os.path.join(SHIPPED_ZOO, SHIPPED), user_zoo / name)
    index = {name: index_entry(user_zoo / name) for name in (SHIPPED, "resnet_dnn_18.mine")}
    (user_zoo / "index.json").write_text(json.dumps(index))
    monkeypatch.setenv("BLUR_KERAS_ZOO_DIR", str(user_zoo))
    assert zoo.names() == sorted(shipped_names + ["resnet_dnn_18.mine"])
    assert len(zoo.zoo_directories()) == 2 and zoo.zoo_directories()[1] == str(user_zoo)
    zoo.load(SHIPPED, compile=False)                     # the same files in both zoos: fine
    assert zoo.verify().count(SHIPPED) == 2
    shutil.rmtree(user_zoo / SHIPPED)
    altered_copy(str(user_zoo / SHIPPED))
    index[SHIPPED] = index_entry(user_zoo / SHIPPED)
    (user_zoo / "index.json").write_text(json.dumps(index))
    with pytest.raises(zoo.PresetError, match="with different files, and a name means one"):
        zoo.load(SHIPPED)
    zoo.load(str(user_zoo / SHIPPED), compile=False)     # by its path: the user's
