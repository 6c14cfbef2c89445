"""Hand-checked cases of the reference formulas (make_cifar_c.py / make_imagenet_c.py)."""

import io

import numpy as np
import pytest
from matplotlib import colors
from PIL import Image

from blur_keras import corruptions
from blur_keras.corruptions import blurs, color, image_ops, parameters, spatter


def test_brightness_adds_to_hsv_value():
    pixel = np.array([0.2, 0.4, 0.6]).reshape(1, 1, 1, 3)
    images = np.tile(pixel, (1, 8, 8, 1))
    out = corruptions.corrupt(images, "brightness", 1, seed=0)  # CIFAR c = 0.05
    # Same hue and saturation, value 0.6 -> 0.65: every channel scales by 0.65 / 0.6.
    np.testing.assert_allclose(out[0, 0, 0], np.array([0.2, 0.4, 0.6]) * 0.65 / 0.6)
    black = corruptions.corrupt(np.zeros((1, 8, 8, 1)), "brightness", 5, seed=0)
    np.testing.assert_allclose(black, 0.3)  # grey stays grey: V = 0 + 0.3


def test_contrast_uses_per_channel_means():
    images = np.zeros((1, 8, 8, 3))
    images[0, :4, :, 0] = 1.0  # red channel mean 0.5
    images[0, :, :, 1] = 0.8  # green constant 0.8
    out = corruptions.corrupt(images, "contrast", 2, seed=0)  # c = 0.5
    np.testing.assert_allclose(out[0, 0, 0], [0.75, 0.8, 0.0])
    np.testing.assert_allclose(out[0, 7, 0], [0.25, 0.8, 0.0])


def test_saturate_scales_hsv_saturation():
    images = np.tile(np.array([0.8, 0.4, 0.4]).reshape(1, 1, 1, 3), (1, 8, 8, 1))
    out = corruptions.corrupt(images, "saturate", 1, seed=0)  # S 0.5 -> 0.15
    np.testing.assert_allclose(out[0, 0, 0], [0.8, 0.68, 0.68])


def test_hsv_matches_matplotlib():
    rgb = np.random.default_rng(0).random((50, 7, 3))
    rgb[0, :3] = [0.5, 0.5, 0.5]  # grey
    rgb[1, :2] = [0.9, 0.9, 0.2]  # two equal maxima
    np.testing.assert_allclose(color.rgb_to_hsv(rgb), colors.rgb_to_hsv(rgb), atol=1e-12)
    np.testing.assert_allclose(color.hsv_to_rgb(color.rgb_to_hsv(rgb)), rgb, atol=1e-12)


def test_pixelate_is_pil_box_resampling():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    for severity, size in zip(range(1, 6), (30, 28, 27, 24, 20)):
        expected = np.stack([np.asarray(Image.fromarray(image).resize((size, size), Image.BOX)
                                        .resize((32, 32), Image.BOX)) for image in images])
        out = corruptions.corrupt(images, "pixelate", severity, seed=0)
        # The reference rounds its 8-bit intermediate; we keep floats: within 1 grey level.
        assert np.abs(out.astype(int) - expected.astype(int)).max() <= 1


@pytest.mark.parametrize("severity, quality", list(zip(range(1, 6), (80, 65, 58, 50, 40))))
def test_jpeg_quality(severity, quality):
    image = np.random.default_rng(severity).integers(0, 256, (1, 32, 32, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(image[0]).save(buffer, "JPEG", quality=quality)
    expected = np.asarray(Image.open(buffer))
    np.testing.assert_array_equal(corruptions.corrupt(image, "jpeg_compression", severity)[0],
                                  expected)


def test_defocus_kernels_for_cifar():
    kernels = [blurs.disk_kernel(*c) for c in parameters.CIFAR["defocus_blur"]]
    for kernel in kernels:
        assert kernel.sum() == pytest.approx(1.0)
    # Severities 1-3: a disk of radius < 1 is one pixel, so a 3x3 Gaussian remains.
    for kernel, centre in zip(kernels[:3], (0.8450, 0.6193, 0.4452)):
        assert kernel[8, 8] == pytest.approx(centre, abs=1e-4)
        assert np.abs(kernel).sum() - np.abs(kernel[7:10, 7:10]).sum() < 1e-12
    # Severity 4: the 5-point plus, 0.2 each; severity 5: the 3x3 box.
    plus = np.zeros((17, 17))
    plus[8, 7:10] = plus[7:10, 8] = 0.2
    np.testing.assert_allclose(kernels[3], plus, atol=2e-5)
    box = np.zeros((17, 17))
    box[7:10, 7:10] = 1 / 9
    np.testing.assert_allclose(kernels[4], box, atol=1e-12)


def test_defocus_applies_the_kernel_with_reflect_101_borders():
    image = np.zeros((1, 9, 9, 1))
    image[0, 4, 4, 0] = 1.0
    out = corruptions.corrupt(image, "defocus_blur", 5, seed=0)
    np.testing.assert_allclose(out[0, 3:6, 3:6, 0], 1 / 9)
    edge = np.zeros((1, 9, 9, 1))
    edge[0, :, 0, 0] = 1.0  # column 0; reflect-101 mirrors column 1 to column -1
    out = corruptions.corrupt(edge, "defocus_blur", 5, seed=0)
    np.testing.assert_allclose(out[0, 4, 0, 0], 1 / 3)
    np.testing.assert_allclose(out[0, 4, 1, 0], 1 / 3)


def test_motion_kernels_are_imagemagick_one_sided_gaussians():
    widths = [len(image_ops.motion_kernel(*c)) for c in parameters.CIFAR["motion_blur"]]
    assert widths == [13, 13, 13, 17, 19]
    np.testing.assert_allclose(image_ops.motion_kernel(6, 1)[:5],
                               [0.5703, 0.3459, 0.0772, 0.0063, 0.0002], atol=1e-4)
    np.testing.assert_allclose(image_ops.motion_kernel(6, 2)[:5],
                               [0.3326, 0.2935, 0.2017, 0.1080, 0.0450], atol=1e-4)
    np.testing.assert_allclose(image_ops.motion_kernel(8, 2)[:5],
                               [0.3326, 0.2935, 0.2017, 0.1080, 0.0450], atol=1e-4)
    np.testing.assert_allclose(image_ops.motion_kernel(9, 2.5)[:5],
                               [0.2752, 0.2541, 0.1999, 0.1340, 0.0765], atol=1e-4)


def test_motion_blur_samples_along_the_angle_with_edge_pixels():
    image = np.zeros((32, 32, 1))
    image[10, 20, 0] = 1.0
    weights = image_ops.motion_kernel(6, 1)
    out = image_ops.motion_blur(image, 6, 1, angle=0.0)
    # Angle 0: output (y, x) = sum_i w_i image[y, x + i], so the dot spreads to the left.
    np.testing.assert_allclose(out[10, 20 - np.arange(13), 0], weights)
    assert out.sum() == pytest.approx(1.0)
    down = image_ops.motion_blur(image, 6, 1, angle=90.0)
    np.testing.assert_allclose(down[10 - np.arange(11), 20, 0], weights[:11])
    ramp = np.tile(np.arange(32.0)[None, :, None], (32, 1, 1))
    right_edge = image_ops.motion_blur(ramp, 6, 1, angle=0.0)[0, 31, 0]
    assert right_edge == pytest.approx(31.0)  # past the edge: the edge pixel repeats


def test_zoom_factor_counts_include_the_float_end_point():
    counts = [len(parameters.zoom_factors(*c)) for c in parameters.CIFAR["zoom_blur"]]
    assert counts == [7, 12, 16, 21, 26]
    counts = [len(parameters.zoom_factors(*c)) for c in parameters.IMAGENET["zoom_blur"]]
    assert counts == [12, 16, 11, 13, 11]


def test_zoom_blur_of_a_constant_image_is_the_image():
    images = np.full((1, 32, 32, 3), 0.3)
    np.testing.assert_allclose(corruptions.corrupt(images, "zoom_blur", 5), 0.3)


def test_gaussian_blur_radius_and_border():
    image = np.zeros((1, 32, 32, 1))
    image[0, 16, 16, 0] = 1.0
    out = corruptions.corrupt(image, "gaussian_blur", 5, seed=0)  # sigma 1, radius 4
    assert out[0, 16, 12, 0] > 0 and out[0, 16, 11, 0] == 0
    assert out.sum() == pytest.approx(1.0)


def test_noise_statistics():
    grey = np.full((4, 32, 32, 3), 0.5)
    noisy = corruptions.corrupt(grey, "gaussian_noise", 3, seed=0)  # sigma 0.08
    assert np.std(noisy - 0.5) == pytest.approx(0.08, rel=0.05)
    shot = corruptions.corrupt(grey, "shot_noise", 5, seed=0)  # variance x / 50
    assert np.var(shot) == pytest.approx(0.5 / 50, rel=0.1)
    assert np.mean(shot) == pytest.approx(0.5, abs=0.01)
    speckle = corruptions.corrupt(grey, "speckle_noise", 5, seed=0)  # x + x N(0, 0.2^2)
    assert np.std(speckle - 0.5) == pytest.approx(0.1, rel=0.05)


def test_impulse_noise_replaces_values_not_pixels():
    grey = np.full((8, 32, 32, 3), 0.5)
    out = corruptions.corrupt(grey, "impulse_noise", 5, seed=0)  # amount 0.07
    assert np.mean(out == 0) == pytest.approx(0.035, abs=0.005)
    assert np.mean(out == 1) == pytest.approx(0.035, abs=0.005)
    changed = out != 0.5
    # Per value: a changed pixel seldom has all three channels changed.
    assert changed.any(-1).mean() > 2.5 * changed.all(-1).mean()


def test_glass_blur_offsets_are_minus_one_or_zero():
    # sigma 0.05 blurs nothing (radius 0) and d = 1: every pixel is copied from
    # itself or its upper/left neighbours, so a lone bright pixel can only spread down/right.
    image = np.zeros((1, 32, 32, 1))
    image[0, 10, 10, 0] = 1.0
    for seed in range(5):
        out = corruptions.corrupt(image, "glass_blur", 1, seed=seed)
        rows, cols = np.nonzero(out[0, ..., 0])
        assert (rows >= 10).all() and (cols >= 10).all()


def test_fog_of_a_constant_image():
    images = np.full((1, 32, 32, 3), 0.6)
    out = corruptions.corrupt(images, "fog", 1, seed=0)  # amount 0.2
    # (x + a P) m / (m + a) with P in [0, 1]: between 0.6 * 0.75 and 0.8 * 0.75.
    assert out.min() == pytest.approx(0.45) and out.max() == pytest.approx(0.6)
    np.testing.assert_array_equal(out[..., 0], out[..., 1])


def test_plasma_fractal_is_scaled_to_unit_range():
    plasma = image_ops.plasma_fractal(32, 3, np.random.default_rng(0))
    assert plasma.shape == (32, 32) and plasma.min() == 0 and plasma.max() == 1


def test_canny_finds_a_step_edge_once():
    image = np.zeros((16, 16), np.uint8)
    image[:, 8:] = 200
    edges = spatter.canny(image, 50, 150)
    assert edges[:, 7].all() and edges.sum() == 16  # one column, the left side of the step
    assert not spatter.canny(np.full((16, 16), 9, np.uint8), 50, 150).any()


def test_equalize_histogram_matches_opencv_rule():
    image = np.array([[0, 0, 1, 1], [1, 2, 2, 3]], np.uint8)
    # counts 2, 3, 2, 1: lut[v] = round((cdf[v] - cdf[0]) * 255 / (8 - 2)), ties to
    # even as OpenCV's cvRound: 127.5 -> 128, 212.5 -> 212.
    expected = np.array([[0, 0, 128, 128], [128, 212, 212, 255]])
    np.testing.assert_array_equal(spatter.equalize_histogram(image), expected)
    np.testing.assert_array_equal(spatter.equalize_histogram(np.full((2, 2), 7, np.uint8)), 7)


def test_grey_images_get_the_rgb_result_seen_in_luma():
    grey = np.random.default_rng(0).random((2, 32, 32, 1))
    out = corruptions.corrupt(grey, "brightness", 3, seed=0)
    np.testing.assert_allclose(out, np.clip(grey + 0.15, 0, 1))
    snow_grey = corruptions.corrupt(grey, "snow", 3, seed=0)
    assert snow_grey.mean() > grey.mean()


def test_frost_texture_matches_the_photographs_colour_statistics():
    from blur_keras.corruptions.frost_texture import FROST_PHOTO_STATISTICS
    means = np.array([s[0] for s in FROST_PHOTO_STATISTICS])
    textures = [corruptions.frost_texture(32, 32, 0.2, np.random.default_rng(i))
                for i in range(40)]
    for texture in textures:
        assert texture.shape == (32, 32, 3) and 0 <= texture.min() and texture.max() <= 255
        # Each texture is coloured after one photograph: its mean is one of theirs.
        assert np.abs(means - texture.mean(axis=(0, 1))).max(axis=1).min() < 3.0
        assert texture.std() > 10
    picked = {int(np.abs(means - t.mean(axis=(0, 1))).max(axis=1).argmin()) for t in textures}
    assert {0, 3, 4} <= picked  # frost2 and frost3 share statistics


@pytest.mark.parametrize("factor", [1.0, 1.01, 1.06, 1.13, 1.25, 1.75, 2.25, 4.5])
def test_clipped_zoom_equals_scipy_zoom(factor):
    import math
    from scipy import ndimage
    x = np.random.default_rng(0).random((2, 32, 30, 3))
    crop_h, crop_w = math.ceil(32 / factor), math.ceil(30 / factor)
    top, left = (32 - crop_h) // 2, (30 - crop_w) // 2
    ref = ndimage.zoom(x[:, top:top + crop_h, left:left + crop_w], (1, factor, factor, 1), order=1)
    th, tw = (ref.shape[1] - 32) // 2, (ref.shape[2] - 30) // 2
    np.testing.assert_allclose(image_ops.clipped_zoom(x, factor),
                               ref[:, th:th + 32, tw:tw + 30], atol=1e-12)


def test_glass_blur_vectorised_loop_equals_the_reference_loop():
    # The reference, per image: for h, w from the far edge inwards, x[h, w] <- x[h + dy, w + dx]
    # (NumPy's "swap" copies). Our batched loop must do the same with the same offsets.
    sigma, delta, iterations = parameters.CIFAR["glass_blur"][4]
    images = np.random.default_rng(0).random((3, 32, 32, 3))
    ours = blurs.glass_blur(images, (sigma, delta, iterations),
                            [np.random.default_rng(i) for i in range(3)])
    for i, image in enumerate(images):
        blurred = np.floor(np.clip(image_ops.gaussian_filter(image[None], sigma)[0], 0, 1) * 255)
        blurred /= 255
        offsets = np.random.default_rng(i).integers(-delta, delta, size=(iterations, 30, 30, 2))
        for it in range(iterations):
            for a, h in enumerate(range(32 - delta, delta, -1)):
                for b, w in enumerate(range(32 - delta, delta, -1)):
                    dx, dy = offsets[it, a, b]
                    blurred[h, w] = blurred[h + dy, w + dx]
        expected = image_ops.gaussian_filter(blurred[None], sigma)[0]
        np.testing.assert_allclose(ours[i], expected, atol=1e-12)
