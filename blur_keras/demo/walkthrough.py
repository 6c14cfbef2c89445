"""The smoothing walkthrough: spatial smoothing at work on a real Fashion-MNIST image.

`python -m blur_keras.demo --walkthrough [--index=0]` reads one test image
from the offline Fashion-MNIST files, applies Prob, Blur and
SpatialSmoothing to it, prints what each does, saves a picture of the steps,
and prints the stage layout of a smoothed MC dropout ResNet-18 built for
28x28 grayscale input.
"""

from __future__ import annotations

import os

CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot")


def smoothing_steps(image):
    """The image after each smoothing step, as (title, 2-D array) pairs."""
    import numpy as np
    from keras import ops
    from blur_keras.layers import Blur, Prob, SpatialSmoothing

    # A feature map in the range a conv layer produces: standardised pixels x 20.
    x = ((image.astype("float32") / 255.0 - 0.286) / 0.353 * 20.0)[None]
    steps = [
        ("feature map (x)", x),
        ("Prob: relu(10 tanh(x/10))", Prob()(x)),
        ("Blur 2x2 box, full", Blur((1, 1), padding="full")(x)),
        ("SpatialSmoothing (paper)", SpatialSmoothing(padding="full")(x)),
        ("SpatialSmoothing (1,4,6,4,1)", SpatialSmoothing(kernel=(1, 4, 6, 4, 1))(x)),
    ]
    return [(title, np.asarray(ops.convert_to_numpy(y))[0, :, :, 0]) for title, y in steps]


def save_figure(steps, path: str, label: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(steps), figsize=(3 * len(steps), 3.3))
    for axis, (title, array) in zip(axes, steps):
        axis.imshow(array, cmap="magma")
        axis.set_title(f"{title}\n{array.shape[0]}x{array.shape[1]}, "
                       f"[{array.min():.1f}, {array.max():.1f}]", fontsize=8)
        axis.axis("off")
    fig.suptitle(f"Fashion-MNIST test image: {label}")
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    fig.savefig(path, dpi=100)
    plt.close(fig)


def print_model(model) -> None:
    import numpy as np
    from blur_keras.layers import MCDropout, SpatialSmoothing

    print(f"\nModel {model.name}: {model.count_params():,} parameters "
          f"({sum(int(np.prod(w.shape)) for w in model.trainable_weights):,} trainable)")
    print(f"{'layer':<22}{'type':<20}{'output shape':<22}")
    for layer in model.layers:
        if isinstance(layer, (SpatialSmoothing, MCDropout)) or layer.name.endswith("block1_out") \
                or layer.name in ("image", "stem_relu", "logits"):
            print(f"{layer.name:<22}{type(layer).__name__:<20}{str(layer.output.shape):<22}")
    smooth = [l for l in model.layers if isinstance(l, SpatialSmoothing)]
    dropout = [l for l in model.layers if isinstance(l, MCDropout)]
    print(f"{len(smooth)} SpatialSmoothing layers ({smooth[0].get_config()['prob']}, "
          f"t={smooth[0].get_config()['temperature']}, kernel {smooth[0].get_config()['kernel']}), "
          f"{len(dropout)} MCDropout layers (rate {dropout[0].rate}).")


def run(index: int = 0, output_dir: str = "demo_output", data_dir: str | None = None) -> str:
    """Runs the walkthrough on test image `index`: prints the steps and the model; saves the figure.

    Args:
        index: the Fashion-MNIST test image to show.
        output_dir: where `smoothing_steps.png` is written.
        data_dir: directory with the Fashion-MNIST IDX files (default:
            `$BLUR_KERAS_DATA_DIR`, then Debian's location).

    Returns:
        The path of the figure.

    Raises:
        ValueError: `index` is not an index of the test split.

    Example:

    >>> from blur_keras.demo import walkthrough
    >>> walkthrough.run(index=1, output_dir="/tmp/walkthrough")
    """
    import numpy as np
    from blur_keras import models
    from blur_keras.data import load_idx_arrays

    images, labels = load_idx_arrays("fashion_mnist", "test", data_dir)
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(images):
        raise ValueError(f"index must be in [0, {len(images)}); received {index!r}.")
    image, label = images[index], CLASS_NAMES[labels[index]]
    steps = smoothing_steps(image)
    print(f"Fashion-MNIST test image {index} ({label}), 28x28x1")
    print(f"{'step':<32}{'shape':<10}{'min':>8}{'max':>8}{'mean':>8}{'total variation':>17}")
    for title, array in steps:
        tv = np.abs(np.diff(array, axis=0)).mean() + np.abs(np.diff(array, axis=1)).mean()
        print(f"{title:<32}{str(array.shape):<10}{array.min():8.2f}{array.max():8.2f}"
              f"{array.mean():8.2f}{tv:17.3f}")
    os.makedirs(output_dir, exist_ok=True)
    path = os.path.join(output_dir, "smoothing_steps.png")
    save_figure(steps, path, label)
    print(f"Saved {path}")
    print_model(models.get("resnet_mcdo_smoothing_18", input_shape=(28, 28, 1)))
    return path
