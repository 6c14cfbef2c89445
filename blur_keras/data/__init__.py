"""Datasets: `load` (tf.data pipelines through tfds or offline IDX files) and their specs."""

from blur_keras.data.idx import read_idx
from blur_keras.data.idx_datasets import IDX_DATASETS, load_idx_arrays
from blur_keras.data.load import load, source_dataset
from blur_keras.data.specs import DATASETS, DatasetSpec, get_spec

__all__ = ["DATASETS", "DatasetSpec", "get_spec", "IDX_DATASETS", "load", "load_idx_arrays",
           "read_idx", "source_dataset"]
