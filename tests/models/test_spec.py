"""`ModelSpec`: a model name parsed once, and the registry functions that take it."""

import pytest

import blur_keras.models as models
from blur_keras.models import ModelSpec


def test_name_round_trips_through_parse_for_every_registered_name():
    for name in models.names():
        spec = models.parse(name)
        assert spec.name == name and spec.arguments == {}


def test_parse_returns_the_parts_of_the_name():
    spec = models.parse("wideresnet_mcdo_smoothing_101")
    assert (spec.family, spec.variant, spec.smoothing, spec.depth) == (
        "wideresnet", "mcdo", True, 101)
    assert models.parse("alexnet_dnn") == ModelSpec("alexnet", "dnn")


def test_with_arguments_returns_a_new_spec_and_later_arguments_win():
    spec = models.parse("resnet_dnn_18")
    wide = spec.with_arguments(width=16, num_classes=3)
    assert spec.arguments == {} and wide.arguments == {"width": 16, "num_classes": 3}
    assert wide.with_arguments(width=8).arguments == {"width": 8, "num_classes": 3}
    assert wide.name == spec.name


def test_a_spec_is_an_immutable_value():
    given = {"width": 16}
    spec = ModelSpec("resnet", "dnn", depth=18, arguments=given)
    given["width"] = 8                              # the spec holds its own copy
    assert spec.arguments == {"width": 16}
    assert spec == ModelSpec("resnet", "dnn", depth=18, arguments={"width": 16})
    assert spec != spec.with_arguments(width=8)
    assert hash(spec) == hash(spec.with_arguments(width=8))   # equal parts, any arguments
    with pytest.raises(AttributeError):
        spec.depth = 34


def test_build_is_get_with_a_spec():
    spec = models.parse("resnet_mcdo_smoothing_18").with_arguments(
        input_shape=(16, 16, 1), num_classes=3, width=4)
    built = models.build(spec)
    got = models.get("resnet_mcdo_smoothing_18", input_shape=(16, 16, 1), num_classes=3,
                     width=4)
    assert built.name == "resnet_mcdo_smoothing_18"
    assert built.get_config() == got.get_config()
    assert models.build(spec.with_arguments(name="renamed")).name == "renamed"


@pytest.mark.parametrize("spec", [ModelSpec("resnet", "dnn", depth=19),
                                  ModelSpec("resnext", "bnn", depth=50),
                                  ModelSpec("transformer", "dnn"),
                                  ModelSpec("alexnet", "dnn", depth=18)])
def test_an_unregistered_spec_is_refused_like_its_name(spec):
    with pytest.raises(ValueError, match="Unknown model name"):
        models.build(spec)
    with pytest.raises(ValueError, match="Unknown model name"):
        models.accepted_arguments(spec)


def test_accepted_arguments_follow_the_family_and_the_variant():
    resnet = models.accepted_arguments(models.parse("resnet_dnn_18"))
    assert "stem" in resnet and "groups" in resnet and "depth" not in resnet
    assert "name" not in resnet and "kl_weight" not in resnet
    # ResNeXt forwards `resnet`'s arguments but sets `groups` (its cardinality) itself.
    resnext = models.accepted_arguments(models.parse("resnext_dnn_50"))
    assert {"cardinality", "width_per_group", "stem", "width"} <= set(resnext)
    assert "groups" not in resnext
    assert "stem" not in models.accepted_arguments(models.parse("vgg_dnn_16"))
    bnn = models.accepted_arguments(models.parse("vgg_bnn_16"))
    assert {"kl_weight", "estimator", "variational", "prior", "posterior_scale_init"} <= set(bnn)


def test_register_variant_adds_names_and_refuses_clashes(monkeypatch):
    monkeypatch.setattr(models.registry, "VARIANTS", dict(models.VARIANTS))
    half = models.Variant(lambda family, overrides: {"mc_dropout": 0.5},
                          applies_to=lambda family: family.builder is models.alexnet)
    models.register_variant("halfdrop", half)
    models.register_variant("halfdrop", half)               # the same variant again: fine
    assert [n for n in models.names() if "halfdrop" in n] == [
        "alexnet_halfdrop", "alexnet_halfdrop_smoothing"]
    assert models.get("alexnet_halfdrop").get_layer("conv1_dropout").rate == 0.5
    with pytest.raises(ValueError, match="registered already"):
        models.register_variant("halfdrop", models.VARIANTS["dnn"])
    with pytest.raises(ValueError, match="lower-case letters"):
        models.register_variant("half_drop", half)
