"""`blur_keras.model_source`: one rule for a preset name, a `.keras` file or a registry name."""

import pytest

from blur_keras import model_source


def test_one_rule_tells_the_kinds_apart():
    assert model_source.source_kind("resnet_mcdo_18.fmnist_w16") == "preset"
    assert model_source.source_kind("runs/a/model.keras") == "keras_file"
    assert model_source.source_kind("model.keras") == "keras_file"
    assert model_source.source_kind("resnet_mcdo_18") == "registry"


def test_resolve_model_checks_every_argument_and_expands_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "w.weights.h5").write_text("")
    (tmp_path / "m.keras").write_text("")
    assert model_source.resolve_model("~/m.keras") == model_source.ModelSource(
        "keras_file", str(tmp_path / "m.keras"))
    assert model_source.resolve_model("resnet_dnn_18", "~/w.weights.h5", {"width": 16}) == \
        model_source.ModelSource("registry", "resnet_dnn_18", str(tmp_path / "w.weights.h5"),
                                 {"width": 16})
    for args, message in [
            (("m.keras",), "--model: file not found: m.keras"),
            (("~/m.keras", "~/w.weights.h5"), "a .keras file holds its weights"),
            (("~/m.keras", None, {"width": 16}), "--model_args is for registry names"),
            (("resnet_dnn_19", "~/w.h5"), "Unknown model name 'resnet_dnn_19'"),
            (("resnet_dnn_18",), "--weights is required with the registry name"),
            (("resnet_dnn_18", "~/nowhere.h5"), "--weights: file not found: ~/nowhere.h5"),
            (("resnet_dnn_18", "~/w.weights.h5", {"widht": 16}), "are not arguments of"),
            (("resnet_dnn_18.nope",), "is not a zoo preset")]:
        with pytest.raises(ValueError, match=message):
            model_source.resolve_model(*args)


def test_the_argument_checks_of_the_programs_need_no_zoo():
    """`cli_checks` sits below the zoo: it imports neither the zoo nor the resolver."""
    import inspect
    from blur_keras import cli_checks
    source = inspect.getsource(cli_checks)
    assert "zoo" not in source and "model_source" not in source
