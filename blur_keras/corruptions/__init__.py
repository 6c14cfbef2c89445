"""Common corruptions (Hendrycks & Dietterich 2019): 15 benchmark types + 4 extras, severities 1-5.

`corrupt(images, name, severity, seed=None)` applies one to a batch of images;
`names(extra=False)` lists them; `corrupt_dataset` maps one over a `tf.data`
pipeline; `gallery_grid` shows one image under all of them (command line:
`python -m blur_keras.corruptions`). Written in NumPy/SciPy/Pillow after the reference generators
(`make_cifar_c.py`, `make_imagenet_c.py`): no maintained library implements
the CIFAR-10-C parameters (`imagecorruptions` 1.1.2 fails on NumPy 2 and uses
the ImageNet set only). Deviations from the published files are stated in each
function's docstring; the main ones: frost uses procedural textures, and
ImageMagick/OpenCV steps are NumPy ports. The CIFAR-10-P-style perturbation
sequences (gradual translation, rotation, zoom, brightness, noise) are
`blur_keras.corruptions.perturbations`.
"""

from blur_keras.corruptions.corrupt import SEVERITIES, corrupt, corrupt_dataset
from blur_keras.corruptions.frost_texture import frost_texture
from blur_keras.corruptions.gallery import gallery_grid
from blur_keras.corruptions.parameters import parameter_set
from blur_keras.corruptions.registry import CORRUPTIONS, Corruption, names

__all__ = ["CORRUPTIONS", "Corruption", "SEVERITIES", "corrupt", "corrupt_dataset",
           "frost_texture", "gallery_grid", "names", "parameter_set"]
