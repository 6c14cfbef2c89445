r"""`python -m blur_keras.corruption_gallery`: one image under every corruption and severity.

Example (the README's image):
    python -m blur_keras.corruption_gallery --dataset=fashion_mnist --index=0 \
        --output=docs/corruption_gallery.png
"""

from __future__ import annotations

import sys

import numpy as np
from absl import flags

from blur_keras.startup import quiet_tensorflow_start, run_program

FLAGS = flags.FLAGS
flags.DEFINE_string("dataset", "fashion_mnist", "fashion_mnist or mnist (IDX test split).")
flags.DEFINE_integer("index", 0, "Index of the test image.")
flags.DEFINE_integer("seed", 0, "Seed of the random corruptions.")
flags.DEFINE_string("data_dir", None, "Directory of the IDX files (default: see blur_keras.data).")
flags.DEFINE_string("output", "corruption_gallery.png", "PNG to write.")


def gallery_grid(image: np.ndarray, seed: int = 0) -> tuple[np.ndarray, tuple[str, ...]]:
    """`(19, 5, height, width, channels)`: `image` under every corruption and severity.

    Args:
        image: `(height, width, channels)` float in [0, 1].
        seed: corruption seed.

    Returns:
        The grid and the corruption names (its rows).
    """
    from blur_keras import corruptions
    names = corruptions.names(extra=True)
    grid = np.stack([np.stack([corruptions.corrupt(image[None], name, s, seed=seed)[0]
                               for s in corruptions.SEVERITIES]) for name in names])
    return grid, names


def main(argv) -> None:
    del argv
    quiet_tensorflow_start()
    from blur_keras import corruptions, plots
    from blur_keras.data import load_idx_arrays
    try:
        images, labels = load_idx_arrays(FLAGS.dataset, "test", FLAGS.data_dir)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    if not 0 <= FLAGS.index < len(images):
        print(f"error: --index must be in [0, {len(images)}); got {FLAGS.index}.", file=sys.stderr)
        sys.exit(2)
    grid, names = gallery_grid(images[FLAGS.index].astype(np.float32) / 255.0, FLAGS.seed)
    plots.image_grid(grid, names, [f"severity {s}" for s in corruptions.SEVERITIES],
                     title=f"{FLAGS.dataset} test image {FLAGS.index} (label "
                           f"{labels[FLAGS.index]}), seed {FLAGS.seed}", path=FLAGS.output)
    print(f"Wrote {FLAGS.output}")


if __name__ == "__main__":
    run_program(main)
