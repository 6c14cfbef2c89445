"""Datasets: offline IDX reader for MNIST-style data."""

from blur_keras.data.idx import read_idx
from blur_keras.data.idx_datasets import IDX_DATASETS, load_idx_arrays

__all__ = ["IDX_DATASETS", "load_idx_arrays", "read_idx"]
