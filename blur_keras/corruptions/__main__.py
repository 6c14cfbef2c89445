r"""`python -m blur_keras.corruptions`: one image under every corruption and severity.

Example (the README's image):
    python -m blur_keras.corruptions --dataset=fashion_mnist --index=0 \
        --output=docs/corruption_gallery.png
"""

from __future__ import annotations

import numpy as np
from absl import flags

from blur_keras import program_flags
from blur_keras.startup import ProgramError, run_tensorflow_program

FLAGS = flags.FLAGS
flags.DEFINE_string("dataset", "fashion_mnist", "fashion_mnist or mnist (IDX test split).")
flags.DEFINE_integer("index", 0, "Index of the test image.")
flags.DEFINE_integer("seed", 0, "Seed of the random corruptions.")
program_flags.define_data_dir_flag()
flags.DEFINE_string("output", "corruption_gallery.png", "PNG to write.")


def main(argv) -> None:
    del argv
    from blur_keras import plots
    from blur_keras.corruptions import SEVERITIES, gallery_grid
    from blur_keras.data import load_idx_arrays
    images, labels = load_idx_arrays(FLAGS.dataset, "test", FLAGS.data_dir)
    if not 0 <= FLAGS.index < len(images):
        raise ProgramError(f"--index must be in [0, {len(images)}); got {FLAGS.index}.")
    grid, names = gallery_grid(images[FLAGS.index].astype(np.float32) / 255.0, FLAGS.seed)
    plots.image_grid(grid, names, [f"severity {s}" for s in SEVERITIES],
                     title=f"{FLAGS.dataset} test image {FLAGS.index} (label "
                           f"{labels[FLAGS.index]}), seed {FLAGS.seed}", path=FLAGS.output)
    print(f"Wrote {FLAGS.output}")


if __name__ == "__main__":
    run_tensorflow_program(main)
