"""What a loaded preset takes: raw pixels, standardised by its first layer as its card says."""

from __future__ import annotations

import keras

from blur_keras.layers import PixelStandardization
from blur_keras.zoo.files import PresetError

#: The card's words for the standardisation every preset was trained with (`publish` writes
#: them); `with_preprocessing` applies it.
SCALING = "pixels / 255, then (x - mean) / std per channel"
#: The value of a white pixel in the raw images a loaded preset takes.
MAX_PIXEL = 255.0
#: The name of the first layer of a preset loaded with its preprocessing.
LAYER_NAME = "pixel_standardization"


def with_preprocessing(model: keras.Model, card: dict) -> keras.Model:
    """`model` behind the standardisation of its card, as one functional model taking raw pixels.

    The `PixelStandardization` layer is the graph's first layer (so Monte Carlo
    prediction counts it in the deterministic prefix); every other layer is
    `model`'s own, shared (no weight is copied).

    Args:
        model: the bare network of a preset (a functional model with one input).
        card: the preset's card.

    An `Ensemble` (a deep-ensemble preset) becomes the `Ensemble` of its
    members, each behind the standardisation.

    Returns:
        The model taking raw pixels, named as `model`.

    Raises:
        PresetError: the card describes a standardisation other than `SCALING`.
    """
    from blur_keras.predict import Ensemble
    if isinstance(model, Ensemble):
        ensemble = Ensemble([with_preprocessing(member, card) for member in model.members],
                            from_logits=model.from_logits, name=model.name)
        ensemble.build((None,) + tuple(ensemble.expected_input_shape or ()))
        return ensemble
    preprocessing = card["preprocessing"]
    if preprocessing.get("scaling") != SCALING:
        raise PresetError(
            f"Preset {card.get('name')}: its card's input scaling {preprocessing.get('scaling')!r} "
            f"is not the one this version applies ({SCALING!r}); load it with "
            f"include_preprocessing=False and standardise the images as the card says.")
    standardize = PixelStandardization(preprocessing["mean"], preprocessing["std"], MAX_PIXEL,
                                       name=LAYER_NAME)
    source = model.inputs[0]
    inputs = keras.Input(batch_shape=source.shape, dtype=source.dtype, name=source.name)
    standardized = standardize(inputs)

    def call(layer, *args, **kwargs):   # the layers that read the input read it standardised
        args, kwargs = keras.tree.map_structure(
            lambda value: standardized if value is inputs else value, (args, kwargs))
        return layer(*args, **kwargs)

    return keras.models.clone_model(model, input_tensors=inputs,
                                    clone_function=lambda layer: layer, call_function=call)
