"""The datasets blur_keras knows: sizes, classes and the reference normalisation."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """What the loaders need to know about one dataset.

    Attributes:
        num_classes: number of labels.
        image_shape: shape of the model input `(height, width, channels)`.
        mean, std: per-channel normalisation of pixels scaled to [0, 1].
        train_examples: size of the training split (default KL weight, schedules).
        validation_examples: size of the fixed validation hold-out, the last
            `validation_examples` images of the training split (see
            `blur_keras.data.splits`); None: the dataset has no hold-out.
        augmentation: `"crop_flip"` (pad-4 random crop + flip, CIFAR),
            `"crop"` (pad-2 random crop, digits), `"crop_flip_small"` (pad-2
            crop + flip, Fashion-MNIST) or `"imagenet"` (random-resized crop
            224 + flip; test: resize 256, centre crop 224).
        test_split: the tfds split used as test set.
        offline_idx: readable from MNIST-style IDX files without tfds.
        stem: the reference protocol's model stem, `"cifar"` (3x3 conv,
            stride 1) or `"imagenet"` (7x7/2 conv + max pool); it also picks
            the family's MC dropout rate of that protocol (e.g. 30% vs 5%).
        label_names: the class names by label, where they are short enough to
            carry here (None otherwise).
    """

    num_classes: int
    image_shape: tuple[int, int, int]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    train_examples: int
    augmentation: str
    test_split: str = "test"
    offline_idx: bool = False
    stem: str = "cifar"
    label_names: tuple[str, ...] | None = None
    validation_examples: int | None = None


DATASETS: dict[str, DatasetSpec] = {
    "cifar10": DatasetSpec(10, (32, 32, 3), (0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010),
                           50_000, "crop_flip", validation_examples=5_000,
                           label_names=("airplane", "automobile", "bird", "cat", "deer", "dog",
                                        "frog", "horse", "ship", "truck")),
    "cifar100": DatasetSpec(100, (32, 32, 3), (0.5071, 0.4867, 0.4408),
                            (0.2675, 0.2565, 0.2761), 50_000, "crop_flip",
                            validation_examples=5_000),
    "imagenet2012": DatasetSpec(1000, (224, 224, 3), (0.485, 0.456, 0.406),
                                (0.229, 0.224, 0.225), 1_281_167, "imagenet",
                                test_split="validation", stem="imagenet"),
    # Fashion-MNIST / MNIST statistics of their training sets.
    "fashion_mnist": DatasetSpec(10, (28, 28, 1), (0.2860,), (0.3530,), 60_000,
                                 "crop_flip_small", offline_idx=True, validation_examples=10_000,
                                 label_names=("T-shirt/top", "Trouser", "Pullover", "Dress",
                                              "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                                              "Ankle boot")),
    "mnist": DatasetSpec(10, (28, 28, 1), (0.1307,), (0.3081,), 60_000, "crop",
                         offline_idx=True, validation_examples=10_000,
                         label_names=tuple(str(d) for d in range(10))),
}


def get_spec(name: str) -> DatasetSpec:
    """The spec of dataset `name`; a clear `ValueError` for unknown names."""
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}: expected one of {sorted(DATASETS)}.")
    return DATASETS[name]
