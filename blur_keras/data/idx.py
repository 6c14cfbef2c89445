"""Reader for the IDX files of MNIST and Fashion-MNIST (gzip-compressed or raw)."""

from __future__ import annotations

import gzip
import os
import zlib

import numpy as np

# The third byte of the magic number gives the element type.
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Reads one IDX file into a numpy array.

    Args:
        path: an IDX file, optionally gzip-compressed (`.gz`).

    Returns:
        The array, with the shape recorded in the file.

    Raises:
        ValueError: the file is damaged (a truncated or corrupt gzip stream)
            or not a well-formed IDX file; the message names it.
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise ValueError(f"{path} is damaged: its gzip stream is truncated or corrupt "
                         f"({type(error).__name__}: {error}); download or install it again.") \
            from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number {data[:4]!r}).")
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    ndim = data[3]
    header = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(data[4:header], dtype=">u4"))
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) - header != expected:
        raise ValueError(
            f"{path} is damaged (truncated or corrupt): its header says shape {shape} "
            f"({expected} bytes) but it holds {len(data) - header} bytes of data; download or "
            f"install it again.")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))
