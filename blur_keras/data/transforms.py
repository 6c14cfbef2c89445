"""Per-example preprocessing: normalisation and the reference augmentations (tf.image).

Resizes are bilinear with antialiasing, as the reference's torchvision/PIL
resizes: downsizing averages the pixels under each output pixel instead of
sampling (and aliasing) them.
"""

from __future__ import annotations

import tensorflow as tf

from blur_keras.data.specs import DatasetSpec

IMAGENET_SIZE = 224
IMAGENET_RESIZE = 256


def normalize(image, spec: DatasetSpec):
    """uint8 image -> float32, scaled to [0, 1] and standardised per channel."""
    image = tf.cast(image, tf.float32) / 255.0
    return (image - tf.constant(spec.mean)) / tf.constant(spec.std)


def _pad_crop(image, pad: int, seed):
    height, width, channels = image.shape
    padded = tf.pad(image, [[pad, pad], [pad, pad], [0, 0]])
    return tf.image.stateless_random_crop(padded, (height, width, channels), seed=seed)


def _random_resized_crop(image, seed):
    begin, size, _ = tf.image.stateless_sample_distorted_bounding_box(
        tf.shape(image), tf.zeros((0, 0, 4)), seed=seed, min_object_covered=0.0,
        aspect_ratio_range=(3 / 4, 4 / 3), area_range=(0.08, 1.0), max_attempts=10,
        use_image_if_no_bounding_boxes=True)
    crop = tf.slice(image, begin, size)
    return tf.image.resize(crop, (IMAGENET_SIZE, IMAGENET_SIZE), antialias=True)


def resize_center_crop(image):
    """Resize the shorter side to 256 and crop the centre 224x224 (ImageNet evaluation).

    As torchvision's `Resize(256)`: antialiased bilinear, the longer side
    `floor(256 * long / short)`.
    """
    shape = tf.cast(tf.shape(image)[:2], tf.int64)
    size = tf.math.floordiv(IMAGENET_RESIZE * shape, tf.reduce_min(shape))
    resized = tf.image.resize(image, tf.cast(size, tf.int32), antialias=True)
    return tf.image.resize_with_crop_or_pad(resized, IMAGENET_SIZE, IMAGENET_SIZE)


def preprocess(image, label, seed, spec: DatasetSpec, training: bool):
    """One example: augmentation (training only, from a stateless `seed`) then normalisation.

    Args:
        image: uint8 `(height, width, channels)`.
        label: integer label.
        seed: int32/int64 `(2,)` stateless seed (ignored when not training).
        spec: the dataset's spec.
        training: apply the training augmentation.

    Returns:
        `(float32 image, int32 label)`.
    """
    seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 2)
    if spec.augmentation == "imagenet":
        image = tf.cast(image, tf.float32)
        if training:
            image = _random_resized_crop(image, seeds[0])
            image = tf.image.stateless_random_flip_left_right(image, seeds[1])
        else:
            image = resize_center_crop(image)
        image = tf.clip_by_value(image, 0, 255)
    elif training:
        pad = 4 if spec.augmentation == "crop_flip" else 2
        image = _pad_crop(image, pad, seeds[0])
        if spec.augmentation != "crop":
            image = tf.image.stateless_random_flip_left_right(image, seeds[1])
    return normalize(image, spec), tf.cast(label, tf.int32)
