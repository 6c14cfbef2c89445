import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from blur_keras import zoo
from blur_keras.zoo import preset as preset_module
from tests.zoo.conftest import TINY

pytestmark = [pytest.mark.tensorflow_only, pytest.mark.real_data]


def images(count=8):
    return np.random.default_rng(0).normal(size=(count, 28, 28, 1)).astype("float32")


def pixels(count=8):
    return np.random.default_rng(0).integers(0, 256, (count, 28, 28, 1), dtype="uint8")


@pytest.mark.slow
def test_published_preset_loads_back_with_the_trained_weights(tiny_zoo, zoo_copy):
    from blur_keras import data, robustness
    run_model = keras.saving.load_model(tiny_zoo.parent / "run" / "model.keras")
    model = zoo.load(TINY)
    assert TINY in zoo.names() and len(zoo.names()) > 1      # beside the shipped presets
    spec = data.get_spec("fashion_mnist")
    trained_on = robustness.normalize_images(pixels(), (spec.mean, spec.std))
    np.testing.assert_allclose(model.predict(pixels(), verbose=0),        # raw pixels in
                               run_model.predict(trained_on, verbose=0), rtol=1e-5, atol=1e-5)
    bare = zoo.load(TINY, include_preprocessing=False)
    np.testing.assert_allclose(bare.predict(trained_on, verbose=0),
                               run_model.predict(trained_on, verbose=0), rtol=1e-5, atol=1e-5)
    card = zoo.card(TINY)
    # The architecture is recorded once: the card's builder (the protocol's arguments included).
    assert card["builder"] == {
        "kind": "registry", "name": "resnet_dnn_smoothing_18",
        "arguments": {"num_classes": 10, "input_shape": [28, 28, 1], "stem": "cifar", "width": 4}}
    assert "model" not in card and not (zoo_copy / TINY / "config.json").exists()
    assert card["parameters"] == model.count_params()
    assert set(card["evaluation"]["test"]) == {"1"}            # deterministic: N = 1 only
    assert card["preprocessing"]["labels"][9] == "Ankle boot"
    # Not in a build.json: the card's rebuild command is the publish of its run.
    assert card["training"]["command"].startswith("python -m blur_keras.zoo publish --run_dir=")
    assert card["training"]["command"].endswith(f"--name={TINY}")
    assert card["splits"]["train"] == "train split, first 64 images"
    assert len(card["corruptions"]["by_corruption"]) == 15
    assert model.compiled and model.loss is not None
    index = json.load(open(zoo_copy / "index.json"))
    assert set(index[TINY]["files"]) == {"model.weights.h5", "metadata.json", "README.md",
                                         "curves.json", "curves.png", "test_outcomes.json"}
    assert index[TINY]["version"] == card["version"] == 1
    assert TINY in (zoo_copy / "README.md").read_text()


@pytest.mark.slow
def test_card_readme_says_what_was_evaluated_and_how_this_preset_loads(tiny_zoo, zoo_copy):
    from blur_keras.publishing.card_readme import card_readme
    from blur_keras.zoo.files import shipped_zoo_directory
    readme = (tiny_zoo / TINY / "README.md").read_text()
    # Published with test_subset=64: the "first 1,000" rows are over 64 images.
    assert "First 64 test images" in readme and "1,000" not in readme
    # Outside the shipped zoo it loads by its directory (by name only through BLUR_KERAS_ZOO_DIR).
    assert f'blur_keras.zoo.load("{tiny_zoo / TINY}", seed=0)' in readme
    assert f'load("{TINY}"' not in readme and f"BLUR_KERAS_ZOO_DIR={tiny_zoo}" in readme
    card = zoo.card(TINY)
    shipped = card_readme(card, os.path.join(shipped_zoo_directory(), TINY))
    assert f'model = blur_keras.zoo.load("{TINY}", seed=0)' in shipped
    # The card is JSON for every parser: a metric that does not exist is null, not NaN.
    json.loads((tiny_zoo / TINY / "metadata.json").read_text(), parse_constant=refuse_non_json)


def refuse_non_json(constant):
    raise ValueError(f"{constant} is not JSON")


@pytest.mark.slow
def test_card_numbers_are_reproduced_by_loading_the_preset(zoo_copy):
    from blur_keras.publishing.card_evaluation import evaluate_preset
    card = zoo.card(TINY)
    again = evaluate_preset(str(zoo_copy / TINY), "fashion_mnist", 64, (1,))
    assert again["1"]["accuracy"] == pytest.approx(card["evaluation"]["first_1000"]["1"]["accuracy"])
    assert again["1"]["nll"] == pytest.approx(card["evaluation"]["first_1000"]["1"]["nll"], rel=1e-5)


def flip_byte(path, offset=-100):
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def tamper_flip(directory):
    flip_byte(directory / "model.weights.h5")
    return "model.weights.h5"


def tamper_truncate(directory):
    path = directory / "model.weights.h5"
    path.write_bytes(path.read_bytes()[:1000])
    return "model.weights.h5"


def tamper_swap(directory):
    # Weights of another architecture (width 2 instead of 4) under the same name.
    from blur_keras import protocol
    other = protocol.build_model("resnet_dnn_smoothing_18", "fashion_mnist", {"width": 2})
    other.save_weights(directory / "model.weights.h5")
    return "model.weights.h5"


def tamper_builder(directory):
    # The card's builder edited to another architecture (width 8), weights as they were.
    path = directory / "metadata.json"
    path.write_text(path.read_text().replace('"width": 4', '"width": 8', 1))
    return "metadata.json"


def tamper_missing(directory):
    os.remove(directory / "metadata.json")
    return "metadata.json"


def tamper_curves(directory):
    # The curves are hashed like the weights: another epoch's numbers are refused.
    path = directory / "curves.json"
    path.write_text(path.read_text().replace('"epoch": [1]', '"epoch": [7]'))
    return "curves.json"


def tamper_plot(directory):
    flip_byte(directory / "curves.png")
    return "curves.png"


@pytest.mark.slow
@pytest.mark.parametrize("tamper", [tamper_flip, tamper_truncate, tamper_swap, tamper_builder,
                                    tamper_missing, tamper_curves, tamper_plot])
def test_tampered_preset_is_refused_before_anything_is_built(tamper, zoo_copy, monkeypatch):
    name = tamper(zoo_copy / TINY)
    built = []
    monkeypatch.setattr(preset_module, "build_network", lambda *a, **k: built.append(a))
    with pytest.raises(zoo.PresetError, match=name.replace(".", r"\.")):
        zoo.load(TINY)
    with pytest.raises(zoo.PresetError, match=name.replace(".", r"\.")):
        zoo.verify()
    assert built == []


@pytest.mark.slow
def test_a_preset_directory_verifies_itself_through_its_card(zoo_copy, tmp_path):
    model = zoo.load(str(zoo_copy / TINY))                       # by directory, outside the index
    assert model.count_params() == zoo.card(TINY)["parameters"]
    flip_byte(zoo_copy / TINY / "model.weights.h5")
    with pytest.raises(zoo.PresetError, match=r"model\.weights\.h5 .* the directory's own card"):
        zoo.load(str(zoo_copy / TINY))


def rewrite_card(directory, change):
    path = directory / "metadata.json"
    card = json.loads(path.read_text())
    change(card)
    path.write_text(json.dumps(card))


@pytest.mark.slow                  # ~20 s: the zoo_copy fixture publishes a preset
def test_a_card_builds_registry_models_only_and_the_weights_must_fit_whole(zoo_copy):
    config = keras.saving.serialize_keras_object(zoo.load(TINY, include_preprocessing=False))
    directory = zoo_copy / TINY          # by its path: checked against its own card only
    rewrite_card(directory, lambda card: card["builder"]["arguments"].update(width=8))
    with pytest.raises(zoo.PresetError, match="do not fit"):
        zoo.load(str(directory))
    rewrite_card(directory, lambda card: card["builder"].update(name="os.system"))
    with pytest.raises(zoo.PresetError, match="does not build a model"):
        zoo.load(str(directory))
    rewrite_card(directory, lambda card: card.update(builder=config))   # a Keras config: no
    with pytest.raises(zoo.PresetError, match="does not build a model"):
        zoo.load(str(directory))


def test_save_preset_needs_the_builder_of_the_architecture(tmp_path):
    from blur_keras.publishing import save_preset
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    with pytest.raises(zoo.PresetError, match="builder"):
        save_preset(model, str(tmp_path / "dense.preset"), {"name": "dense.preset"})


@pytest.mark.slow
def test_unknown_preset_names_the_close_ones(zoo_copy):
    with pytest.raises(zoo.PresetError, match="closest: resnet_dnn_smoothing_18.tiny"):
        zoo.load("resnet_dnn_smoothing_18.tinyy")


@pytest.mark.slow
def test_overrides_rebuild_from_the_registry_and_must_fit(zoo_copy):
    plain = zoo.load(TINY)
    seeded = zoo.load(TINY, mc_dropout=0.3, mc_dropout_seed=1)
    assert any(layer.__class__.__name__ == "MCDropout" for layer in seeded.layers)
    from blur_keras.layers import monte_carlo_disabled
    with monte_carlo_disabled(seeded):     # dropout off: the same function as the preset
        np.testing.assert_allclose(seeded.predict(images(), verbose=0),
                                   plain.predict(images(), verbose=0), rtol=1e-5, atol=1e-5)
    with pytest.raises(zoo.PresetError, match="do not fit"):
        zoo.load(TINY, width=8)


@pytest.mark.slow
def test_remote_weights_are_fetched_once_by_url_and_checked(zoo_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    remote = tmp_path / "server" / "weights.h5"
    remote.parent.mkdir()
    os.replace(zoo_copy / TINY / "model.weights.h5", remote)      # the weights do not ship
    index_path = zoo_copy / "index.json"
    index = json.load(open(index_path))
    index[TINY]["url"] = remote.as_uri()
    index_path.write_text(json.dumps(index))
    first = zoo.load(TINY)
    cached = tmp_path / "keras_home" / "blur_keras" / f"{TINY}.weights.h5"
    assert cached.is_file()
    os.remove(remote)                                              # offline: the cache serves
    second = zoo.load(TINY)
    np.testing.assert_array_equal(first.predict(images(), verbose=0),
                                  second.predict(images(), verbose=0))
    flip_byte(cached)                                              # a damaged cache, no source
    with pytest.raises(zoo.PresetError, match="cannot fetch"):
        zoo.load(TINY)


def run_zoo(*args, **env):
    environment = {**os.environ, **env}
    environment.pop("TF_CPP_MIN_LOG_LEVEL", None)     # as a user's shell: start-up logs hidden
    return subprocess.run([sys.executable, "-m", "blur_keras.zoo", *args], capture_output=True,
                          text=True, timeout=300, env=environment)


@pytest.mark.slow
def test_cli_list_show_verify_and_errors(zoo_copy):
    env = {"BLUR_KERAS_ZOO_DIR": str(zoo_copy)}
    listed = run_zoo("list", **env)
    assert listed.returncode == 0 and listed.stdout.split() == zoo.names(), listed.stderr
    assert TINY in listed.stdout.split()                 # with the shipped presets
    shown = run_zoo("show", TINY, **env)
    assert shown.returncode == 0 and json.loads(shown.stdout)["name"] == TINY
    verified = run_zoo("verify", **env)
    assert verified.returncode == 0 and f"verified {len(zoo.names())} preset" in verified.stdout
    flip_byte(zoo_copy / TINY / "README.md")
    broken = run_zoo("verify", **env)
    assert broken.returncode == 1 and "README.md" in broken.stderr
    assert len(broken.stderr.strip().splitlines()) == 1
    bad = run_zoo("frobnicate", **env)
    assert bad.returncode == 2 and "expected a command" in bad.stderr
    for command in ("show", "verify"):      # a mistyped name is bad input, not a failed check
        typo = run_zoo(command, TINY + "x", **env)
        assert typo.returncode == 2 and f"Unknown preset '{TINY}x'" in typo.stderr
        nowhere = run_zoo(command, str(zoo_copy / "nowhere"), **env)   # a path with no preset
        assert nowhere.returncode == 2 and "No preset directory at" in nowhere.stderr
    # The verbs that write presets are `python -m blur_keras.publishing`'s, reached from here too.
    unpublished = run_zoo("publish", "--run_dir=/nonexistent", f"--name={TINY}", **env)
    assert unpublished.returncode == 2 and "no result.json" in unpublished.stderr
    assert len(unpublished.stderr.strip().splitlines()) == 1
    nameless = run_zoo("--zoo_dir", str(zoo_copy), "publish", "--run_dir=/nonexistent")
    assert nameless.returncode == 2 and "publish needs --run_dir and --name" in nameless.stderr
    direct = subprocess.run([sys.executable, "-m", "blur_keras.publishing", "list"],
                            capture_output=True, text=True, timeout=300)
    assert direct.returncode == 2 and "expected a command in ('publish'" in direct.stderr


@pytest.mark.slow
def test_publish_refuses_unfinished_runs_and_names_of_other_models(tiny_zoo, tmp_path):
    from blur_keras.publishing import publish
    run_dir = tiny_zoo.parent / "run"
    with pytest.raises(zoo.PresetError, match="resnet_dnn_smoothing_18.<tag>"):
        publish(str(run_dir), "resnet_mcdo_18.tiny", str(tmp_path), progress=False)
    with pytest.raises(zoo.PresetError, match="no result.json"):
        publish(str(tmp_path), TINY, str(tmp_path), progress=False)


@pytest.mark.slow
def test_evaluation_programs_take_a_preset_name(zoo_copy):
    from blur_keras.model_source import ModelSource, load_model, resolve_model
    model = load_model(TINY, None, "fashion_mnist")
    assert model.count_params() == zoo.card(TINY)["parameters"]
    assert resolve_model(TINY) == ModelSource("preset", TINY)
    with pytest.raises(ValueError, match="not a zoo preset"):
        resolve_model("resnet_dnn_18.nope")
    with pytest.raises(ValueError, match="a zoo preset holds its weights"):
        load_model(TINY, "x.weights.h5", "fashion_mnist")


@pytest.mark.slow
def test_the_zoo_table_is_copied_into_the_readme_beside_the_zoo(zoo_copy):
    from blur_keras.publishing.zoo_table import TABLE_MARKERS, write_zoo_readme
    readme = zoo_copy.parent / "README.md"
    start, end = TABLE_MARKERS
    readme.write_text(f"# Project\n\n{start}\nstale rows\n{end}\n\n## Next\n")
    write_zoo_readme(str(zoo_copy))
    text = readme.read_text()
    assert "stale rows" not in text and text.endswith(f"{end}\n\n## Next\n")
    assert f"| `{TINY}` |" in text.split(start)[1].split(end)[0]
    unmarked = "# Project without the markers\n"
    readme.write_text(unmarked)
    write_zoo_readme(str(zoo_copy))
    assert readme.read_text() == unmarked


@pytest.mark.slow
def test_cli_readmes_rewrites_the_readmes_from_the_cards_and_nothing_else(zoo_copy):
    from blur_keras.integrity import file_record
    from blur_keras.publishing.card_readme import card_readme
    directory = zoo_copy / TINY
    readme = directory / "README.md"
    readme.write_text("# an older template\n")                 # as the index records it
    index = json.loads((zoo_copy / "index.json").read_text())
    index[TINY]["files"]["README.md"] = file_record(str(readme))
    (zoo_copy / "index.json").write_text(json.dumps(index))
    kept = {name: (directory / name).read_bytes()
            for name in ("model.weights.h5", "metadata.json")}
    rewritten = run_zoo("readmes", BLUR_KERAS_ZOO_DIR=str(zoo_copy))
    assert rewritten.returncode == 0 and "rewrote the README of 1 preset" in rewritten.stdout, \
        rewritten.stderr
    # A preset outside the shipped zoo: its README loads it by its directory.
    assert readme.read_text() == card_readme(json.loads((directory / "metadata.json").read_text()),
                                             str(directory))
    assert f'blur_keras.zoo.load("{directory}", seed=0)' in readme.read_text()
    assert {name: (directory / name).read_bytes() for name in kept} == kept
    assert zoo.verify(TINY) == [TINY]


@pytest.mark.slow
def test_reevaluate_rewrites_the_metrics_and_nothing_else(zoo_copy):
    """A card whose numbers no longer match its weights gets them back; weights stay as they are."""
    from blur_keras.integrity import file_record
    from blur_keras.publishing import reevaluate
    directory = zoo_copy / TINY
    card_path = directory / "metadata.json"
    original = json.loads(card_path.read_text())
    stale = json.loads(card_path.read_text())
    stale["evaluation"]["test"]["1"]["nll"] = 123.0
    card_path.write_text(json.dumps(stale, indent=2) + "\n")
    index = json.loads((zoo_copy / "index.json").read_text())
    index[TINY]["files"]["metadata.json"] = file_record(str(card_path))
    (zoo_copy / "index.json").write_text(json.dumps(index))
    kept = {name: (directory / name).read_bytes() for name in ("model.weights.h5",)}
    assert reevaluate([TINY], str(zoo_copy), progress=False) == [TINY]
    card = json.loads(card_path.read_text())
    assert card["evaluation"] == original["evaluation"]
    assert card["corruptions"] == original["corruptions"]
    assert {name: (directory / name).read_bytes() for name in kept} == kept
    assert zoo.verify(TINY) == [TINY]
    with pytest.raises(ValueError, match="Not in the zoo"):
        reevaluate(["resnet_dnn_18.nothing"], str(zoo_copy), progress=False)
    refused = run_zoo("reevaluate", "resnet_dnn_18.nothing", BLUR_KERAS_ZOO_DIR=str(zoo_copy))
    assert refused.returncode == 2 and "Not in the zoo" in refused.stderr, refused.stderr
