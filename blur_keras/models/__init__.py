"""The paper's model families as functional Keras models, behind one registry."""

from blur_keras.models.alexnet import alexnet
from blur_keras.models.components import LayerFactory
from blur_keras.models.options import PAPER_SMOOTHING, smoothing_factory
from blur_keras.models.preact_resnet import preact_resnet
from blur_keras.models.registry import (
    FAMILIES, VARIANTS, Family, Variant, accepted_arguments, build, get, names, parse,
    register_variant)
from blur_keras.models.resnet import resnet, resnext, wide_resnet
from blur_keras.models.spec import ModelSpec
from blur_keras.models.vgg import preact_vgg, vgg

__all__ = [
    "accepted_arguments", "alexnet", "build", "FAMILIES", "Family", "get", "LayerFactory",
    "ModelSpec", "names", "PAPER_SMOOTHING", "parse", "preact_resnet", "preact_vgg",
    "register_variant", "resnet", "resnext", "smoothing_factory", "Variant", "VARIANTS", "vgg",
    "wide_resnet",
]
