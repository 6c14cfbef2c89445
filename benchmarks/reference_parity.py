"""Our ports of the reference generators' library calls against the libraries themselves.

The CIFAR-10-C / ImageNet-C generators call OpenCV, scikit-image and
ImageMagick (through Wand); blur_keras reimplements those steps in
NumPy/SciPy. This script runs both on the same inputs and prints the largest
differences. Those libraries are not dependencies of blur_keras; to rerun:

    apt-get install libmagickwand-6.q16-6
    pip install --no-deps --target /tmp/ref opencv-python-headless scikit-image lazy_loader \
        imageio tifffile networkx Wand
    pip download --no-deps imagecorruptions==1.1.2 -d /tmp/ic   # only for the frost photographs
    unzip -o /tmp/ic/imagecorruptions-1.1.2-py3-none-any.whl -d /tmp/ic
    PYTHONPATH=/tmp/ref python -m benchmarks.reference_parity \
        --frost_dir=/tmp/ic/imagecorruptions/frost
"""

from __future__ import annotations

import os

import numpy as np
from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_string("frost_dir", None, "Directory of frost1.png ... frost5.jpg (optional).")


def _report(name: str, difference: float, unit: str) -> None:
    print(f"{name:<58} {difference:>12.3g} {unit}", flush=True)


def check_colour_and_gaussian(rng) -> None:
    import skimage
    from blur_keras.corruptions import color, image_ops
    rgb = rng.random((64, 64, 3))
    _report("rgb_to_hsv vs skimage.color.rgb2hsv", np.abs(
        color.rgb_to_hsv(rgb) - skimage.color.rgb2hsv(rgb)).max(), "(max abs)")
    hsv = skimage.color.rgb2hsv(rgb)
    _report("hsv_to_rgb vs skimage.color.hsv2rgb", np.abs(
        color.hsv_to_rgb(hsv) - skimage.color.hsv2rgb(hsv)).max(), "(max abs)")
    for sigma in (0.4, 1.0, 6.0):
        ours = image_ops.gaussian_filter(rgb[None], sigma)[0]
        theirs = skimage.filters.gaussian(rgb, sigma=sigma, channel_axis=-1)
        _report(f"gaussian sigma {sigma} vs skimage.filters.gaussian",
                np.abs(ours - theirs).max(), "(max abs)")


def check_defocus(rng) -> None:
    import cv2
    from blur_keras.corruptions import blurs, parameters
    image = rng.random((1, 32, 32, 3))
    for table in ("CIFAR", "IMAGENET"):
        for radius, alias in getattr(parameters, table)["defocus_blur"]:
            half, ksize = (8, (3, 3)) if radius <= 8 else (int(radius), (5, 5))
            grid = np.arange(-half, half + 1)
            disk = (grid[:, None] ** 2 + grid[None, :] ** 2 <= radius ** 2).astype(np.float32)
            kernel = cv2.GaussianBlur(disk / disk.sum(), ksize=ksize, sigmaX=alias)
            theirs = np.stack([cv2.filter2D(image[0, ..., k].astype(np.float32), -1, kernel)
                               for k in range(3)], axis=-1)
            ours = blurs.defocus_blur(image, (radius, alias), None)[0]
            _report(f"defocus {table.lower()} ({radius}, {alias}) vs cv2 disk + filter2D",
                    np.abs(ours - theirs).max(), "(max abs, float32)")


def check_motion_blur(rng) -> None:
    from wand.image import Image as WandImage
    from blur_keras.corruptions import image_ops, parameters
    image = (rng.random((32, 32, 3)) * 255).astype(np.uint8)
    image = np.round(image_ops.gaussian_filter(image[None].astype(float), 1.0)[0]).astype(np.uint8)
    worst = 0.0
    for radius, sigma in parameters.CIFAR["motion_blur"]:
        for angle in (-45.0, -20.0, 0.0, 13.0, 45.0):
            with WandImage.from_array(image) as wand_image:
                wand_image.motion_blur(radius=radius, sigma=sigma, angle=angle)
                theirs = np.asarray(wand_image.export_pixels(channel_map="RGB"),
                                    dtype=np.float64).reshape(32, 32, 3)
            ours = image_ops.motion_blur(image.astype(np.float64), radius, sigma, angle)
            worst = max(worst, np.abs(ours - theirs).max())
    _report("motion blur (5 CIFAR severities x 5 angles) vs ImageMagick", worst,
            "grey levels (max abs)")


def check_spatter_steps(rng) -> None:
    import cv2
    from blur_keras.corruptions import image_ops, spatter
    canny_mismatch, equalise, distance, masks = [], 0.0, 0.0, []
    for c in ((0.62, 0.1, 0.7, 0.7), (0.65, 0.3, 1, 0.69), (0.65, 0.3, 4, 0.69)):
        for _ in range(20):
            layer = image_ops.gaussian_filter(rng.normal(c[0], c[1], (1, 32, 32)), c[2])[0]
            layer[layer < c[3]] = 0
            layer8 = np.clip(layer * 255, 0, 255).astype(np.uint8)
            edges = cv2.Canny(layer8, 50, 150) > 0
            canny_mismatch.append(np.mean(edges != spatter.canny(layer8, 50, 150)))
            dist = cv2.distanceTransform(np.where(edges, 0, 255).astype(np.uint8), cv2.DIST_L2, 5)
            if edges.any():
                from scipy import ndimage
                distance = max(distance, np.abs(np.minimum(dist, 20) - np.minimum(
                    ndimage.distance_transform_edt(~edges), 20)).max())
            _, dist = cv2.threshold(dist, 20, 20, cv2.THRESH_TRUNC)
            dist = cv2.blur(dist, (3, 3)).astype(np.uint8)
            equalise = max(equalise, np.abs(cv2.equalizeHist(dist).astype(int) - spatter
                                            .equalize_histogram(dist).astype(int)).max())
            dist = cv2.equalizeHist(dist)
            dist = cv2.filter2D(dist, cv2.CV_8U, spatter.EMBOSS)
            dist = cv2.blur(dist, (3, 3)).astype(np.float32)
            theirs = layer8 * dist
            theirs = theirs / theirs.max() if theirs.max() > 0 else theirs
            masks.append(np.abs(spatter._water_mask(layer) - theirs).mean())
    _report("Canny(50, 150) vs cv2.Canny", float(np.mean(canny_mismatch)),
            "(fraction of pixels differing)")
    _report("exact distance vs cv2.distanceTransform(L2, 5), <= 20", distance, "pixels (max abs)")
    _report("equalize_histogram vs cv2.equalizeHist", equalise, "grey levels (max abs)")
    _report("water mask vs the cv2 pipeline", float(np.mean(masks)), "(mean abs, mask in [0, 1])")


def check_affine(rng) -> None:
    import cv2
    from scipy import ndimage
    from blur_keras.corruptions import digital
    image = rng.random((32, 32)).astype(np.float32)
    worst = 0.0
    for seed in range(20):
        src_y, src_x = digital._affine_source_grid(32, 32, 2.56, np.random.default_rng(seed))
        ours = ndimage.map_coordinates(image, [src_y, src_x], order=1, mode="mirror")
        anchors = np.float32([[26, 26], [26, 6], [6, 6]])
        moved = anchors + np.random.default_rng(seed).uniform(-2.56, 2.56, (3, 2))
        matrix = cv2.getAffineTransform(anchors, moved.astype(np.float32))
        theirs = cv2.warpAffine(image, matrix, (32, 32), borderMode=cv2.BORDER_REFLECT_101)
        worst = max(worst, np.abs(ours - theirs).max())
    _report("elastic affine step vs cv2.warpAffine (reflect-101)", worst, "(max abs, [0, 1] image)")


def _texture_statistics(crops) -> str:
    crops = np.asarray(crops, dtype=np.float64)
    mean = crops.mean(axis=(1, 2, 3)).mean()
    std = crops.std(axis=(1, 2, 3)).mean()
    gradient = np.abs(np.diff(crops, axis=2)).mean()
    return f"mean {mean:6.1f}  std within crop {std:5.1f}  mean |horizontal step| {gradient:5.1f}"


def check_frost(rng) -> None:
    """32x32 crops of the photographs (x0.2, as make_cifar_c.py) against our textures."""
    import cv2
    from blur_keras.corruptions import frost_texture
    files = ("frost1.png", "frost2.png", "frost3.png", "frost4.jpg", "frost5.jpg")
    photos = [cv2.resize(cv2.imread(os.path.join(FLAGS.frost_dir, name)), (0, 0), fx=0.2, fy=0.2)
              [..., ::-1] for name in files]
    crops = []
    for _ in range(500):
        photo = photos[rng.integers(5)]
        top, left = rng.integers(0, photo.shape[0] - 32), rng.integers(0, photo.shape[1] - 32)
        crops.append(photo[top:top + 32, left:left + 32])
    ours = [frost_texture(32, 32, 0.2, np.random.default_rng(i)) for i in range(500)]
    print(f"{'frost, 500 32x32 crops of the photographs:':<58} {_texture_statistics(crops)}")
    print(f"{'frost, 500 procedural 32x32 textures:':<58} {_texture_statistics(ours)}")


def main(argv) -> None:
    del argv
    rng = np.random.default_rng(0)
    check_colour_and_gaussian(rng)
    check_defocus(rng)
    check_motion_blur(rng)
    check_spatter_steps(rng)
    check_affine(rng)
    if FLAGS.frost_dir:
        check_frost(rng)


if __name__ == "__main__":
    app.run(main)
