"""One image under every corruption and severity, as a grid (`python -m blur_keras.corruptions`)."""

from __future__ import annotations

import numpy as np

from blur_keras.corruptions.corrupt import SEVERITIES, corrupt
from blur_keras.corruptions.registry import names


def gallery_grid(image: np.ndarray, seed: int = 0) -> tuple[np.ndarray, tuple[str, ...]]:
    """`(19, 5, height, width, channels)`: `image` under every corruption and severity.

    Args:
        image: `(height, width, channels)` float in [0, 1].
        seed: corruption seed.

    Returns:
        The grid and the corruption names (its rows).

    Example:
        `grid, rows = gallery_grid(images[0].astype("float32") / 255.0)`
    """
    rows = names(extra=True)
    grid = np.stack([np.stack([corrupt(image[None], name, severity, seed=seed)[0]
                               for severity in SEVERITIES]) for name in rows])
    return grid, rows
