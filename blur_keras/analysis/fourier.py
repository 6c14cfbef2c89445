"""Fourier analysis of feature maps: log amplitude from frequency 0 to pi (Fig. 6)."""

from __future__ import annotations

import numpy as np

#: Added to the amplitude before the log, as in the reference analysis.
EPSILON = 1e-6


def fourier_log_amplitude(feature_maps, relative: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The half-diagonal of the centred, averaged log amplitude of feature maps.

    Every map (one example, one channel) is transformed with a 2-D FFT; the
    log amplitude `log(|F| + 1e-6)` is averaged over examples and channels,
    shifted so frequency 0 sits in the centre (`fftshift`), and read along the
    diagonal from the centre to the corner, where both frequencies go from 0
    to pi together. The reference notebook reads the diagonal towards the
    positive frequencies, which for an even size stops one step before pi;
    this reads it towards the negative ones, which reach -pi (the same
    amplitudes for real maps, since `|F(-w)| = |F(w)|`), so a 2x2 box blur's
    zero at pi shows.

    Args:
        feature_maps: channels-last maps `(batch, size, size, channels)`
            (square; a 3-D array is one map per channel of one example).
        relative: subtract the value at frequency 0 (the "relative log
            amplitude" of the reference plots).

    Returns:
        `(frequencies, log_amplitude)`: `size // 2 + 1` frequencies in
        radians per pixel, `2 pi k / size` (0 to pi for an even size), and the
        averaged log amplitude at each.

    Raises:
        ValueError: not a 3-D/4-D array of square maps.

    Example:

    >>> checkerboard = (-1.0) ** np.add.outer(np.arange(8), np.arange(8))
    >>> freqs, amplitude = fourier_log_amplitude(checkerboard[None, :, :, None])
    >>> float(freqs[-1] / np.pi), round(float(np.exp(amplitude[-1])))   # all of it at pi
    (1.0, 64)
    """
    maps = np.asarray(feature_maps)
    if maps.ndim == 3:
        maps = maps[None]
    if maps.ndim != 4 or maps.shape[1] != maps.shape[2] or min(maps.shape) == 0:
        raise ValueError(f"feature_maps must be channels-last square maps (batch, size, size, "
                         f"channels); received an array of shape {maps.shape}.")
    size = maps.shape[1]
    total = np.zeros((size, size))
    for example in maps:  # one example at a time bounds the memory of the complex spectrum
        spectrum = np.fft.fft2(example.astype(np.float64), axes=(0, 1))
        total += np.log(np.abs(spectrum) + EPSILON).sum(axis=-1)
    centred = np.fft.fftshift(total / (maps.shape[0] * maps.shape[3]))
    steps = np.arange(size // 2 + 1)
    amplitude = centred[size // 2 - steps, size // 2 - steps]
    if relative:
        amplitude = amplitude - amplitude[0]
    return 2 * np.pi * steps / size, amplitude
