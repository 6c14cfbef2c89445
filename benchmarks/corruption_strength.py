"""How much each corruption changes images, per severity (what the monotonicity test checks).

Usage:
    python -m benchmarks.corruption_strength [--count=16] [--seed=3]

Prints the mean absolute change `mean |corrupt(x) - x|` of the first `count`
real Fashion-MNIST test images, grey 28x28 and tinted into 32x32 RGB (a
garment colour over a background colour, as tests/corruptions does).
"""

from __future__ import annotations

from absl import app, flags

flags.DEFINE_integer("count", 16, "Number of test images.")
flags.DEFINE_integer("seed", 3, "Corruption seed.")
FLAGS = flags.FLAGS


def tinted(grey):
    """32x32 RGB versions of `(n, 28, 28, 1)` grey images in [0, 1] (seeded colours)."""
    import numpy as np
    tint = np.random.default_rng(0).uniform(0.3, 1.0, (len(grey), 1, 1, 3))
    rgb = grey * tint + (1 - grey) * tint[..., ::-1] * 0.3
    return np.pad(rgb, ((0, 0), (2, 2), (2, 2), (0, 0)), mode="edge")


def main(argv) -> None:
    del argv
    import numpy as np
    from blur_keras import corruptions
    from blur_keras.data import load_idx_arrays
    grey = load_idx_arrays("fashion_mnist", "test")[0][:FLAGS.count].astype(np.float64) / 255
    for label, images in (("grey 28x28", grey), ("tinted RGB 32x32", tinted(grey))):
        print(f"{label}: mean |change| at severities 1-5 (monotonic flag)")
        for name in corruptions.names(extra=True):
            change = [np.abs(corruptions.corrupt(images, name, s, seed=FLAGS.seed) - images).mean()
                      for s in corruptions.SEVERITIES]
            flag = corruptions.CORRUPTIONS[name].monotonic
            print(f"{name:>18} " + " ".join(f"{c:.4f}" for c in change) + f"  ({flag})")


if __name__ == "__main__":
    app.run(main)
