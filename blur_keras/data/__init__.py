"""Datasets: `load` (tf.data pipelines through tfds or offline IDX files), specs, splits (with the
fixed validation hold-out), and the published corruption (CIFAR-10/100-C, ImageNet-C) and
perturbation (CIFAR-10-P) benchmarks."""

from blur_keras.data.cifar10_p import CIFAR10_P_PERTURBATIONS, flip_reference, load_cifar10_p
from blur_keras.data.corrupted import corrupted_source, load_corrupted
from blur_keras.data.idx import read_idx
from blur_keras.data.idx_datasets import IDX_DATASETS, load_idx_arrays
from blur_keras.data.load import load, load_arrays, source_dataset
from blur_keras.data.specs import DATASETS, DatasetSpec, get_spec
from blur_keras.data.splits import SPLITS, describe_split, split_range, tfds_split

__all__ = ["CIFAR10_P_PERTURBATIONS", "DATASETS", "DatasetSpec", "IDX_DATASETS", "SPLITS",
           "corrupted_source", "describe_split", "flip_reference", "get_spec", "load",
           "load_arrays", "load_cifar10_p", "load_corrupted", "load_idx_arrays", "read_idx",
           "source_dataset", "split_range", "tfds_split"]
