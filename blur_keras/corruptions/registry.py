"""The 19 corruptions: their functions, families and properties."""

from __future__ import annotations

import dataclasses
from typing import Callable

from blur_keras.corruptions import blurs, digital, noise, spatter, weather


@dataclasses.dataclass(frozen=True)
class Corruption:
    """One corruption type.

    Attributes:
        function: `function(x, c, rngs[, parameter_set]) -> array` on float64
            `(batch, height, width, channels)` in [0, 1]; the result is clipped
            by `corrupt`.
        family: `"noise"`, `"blur"`, `"weather"` or `"digital"`.
        extra: one of the four held-out corruptions (not in the 15 of mCE).
        rgb: defined on RGB images; other channel counts go through
            `color.per_channel_as_rgb`.
        needs_parameter_set: `function` takes the parameter set's name.
        monotonic: the mean absolute change of the image grows with the
            severity. Not for elastic_transform, spatter and saturate (their
            published parameters change kind between severities), glass_blur
            (sigma drops from severity 3 to 4 while the iterations double) and
            frost (the image weight falls while the texture weight rises, so
            the change depends on the image's brightness).
    """

    function: Callable
    family: str
    extra: bool = False
    rgb: bool = False
    needs_parameter_set: bool = False
    monotonic: bool = True


CORRUPTIONS: dict[str, Corruption] = {
    "gaussian_noise": Corruption(noise.gaussian_noise, "noise"),
    "shot_noise": Corruption(noise.shot_noise, "noise"),
    "impulse_noise": Corruption(noise.impulse_noise, "noise"),
    "defocus_blur": Corruption(blurs.defocus_blur, "blur"),
    "glass_blur": Corruption(blurs.glass_blur, "blur", monotonic=False),
    "motion_blur": Corruption(blurs.motion_blur, "blur"),
    "zoom_blur": Corruption(blurs.zoom_blur, "blur"),
    "snow": Corruption(weather.snow, "weather", rgb=True),
    "frost": Corruption(weather.frost, "weather", rgb=True, needs_parameter_set=True,
                        monotonic=False),
    "fog": Corruption(weather.fog, "weather"),
    "brightness": Corruption(digital.brightness, "digital", rgb=True),
    "contrast": Corruption(digital.contrast, "digital"),
    "elastic_transform": Corruption(digital.elastic_transform, "digital",
                                    needs_parameter_set=True, monotonic=False),
    "pixelate": Corruption(digital.pixelate, "digital"),
    "jpeg_compression": Corruption(digital.jpeg_compression, "digital"),
    "speckle_noise": Corruption(noise.speckle_noise, "noise", extra=True),
    "gaussian_blur": Corruption(blurs.gaussian_blur, "blur", extra=True),
    "spatter": Corruption(spatter.spatter, "weather", extra=True, rgb=True, monotonic=False),
    "saturate": Corruption(digital.saturate, "digital", extra=True, rgb=True, monotonic=False),
}


def names(extra: bool = False) -> tuple[str, ...]:
    """The 15 benchmark corruptions in the published order; with `extra=True` the 4 extras too.

    Args:
        extra: append speckle_noise, gaussian_blur, spatter and saturate.

    Returns:
        Corruption names, as `corrupt` accepts them.
    """
    return tuple(name for name, corruption in CORRUPTIONS.items()
                 if extra or not corruption.extra)
