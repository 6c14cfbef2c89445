"""Presets whose weights do not ship: fetched once by URL into the Keras cache, hash checked."""

from __future__ import annotations

import os

from blur_keras.zoo.files import PresetError, check_file

#: Subdirectory of the Keras cache (`~/.keras`, or `$KERAS_HOME`) for fetched weights.
CACHE_SUBDIR = "blur_keras"


def fetch_weights(preset: str, url: str, record: dict, source: str) -> str:
    """The local path of a preset's remote weights, downloaded once and verified.

    A file already in the Keras cache (e.g. seeded by hand on an offline
    machine) is used when its SHA-256 matches; otherwise `url` (http(s) or
    `file://`) is fetched with `keras.utils.get_file`, which checks the hash.

    Args:
        preset: the preset name (the cached file is `<preset>.weights.h5`).
        url: where the weights are.
        record: `{"sha256": ..., "bytes": ...}` from the zoo index.
        source: the index, as `files.index_source` names it (for messages).

    Returns:
        The path of the verified weights file.

    Raises:
        PresetError: the download failed or the file does not match its hash.
    """
    import keras
    keras_home = os.environ.get("KERAS_HOME", os.path.expanduser("~/.keras"))
    cache = os.path.join(keras_home, CACHE_SUBDIR)
    os.makedirs(cache, exist_ok=True)   # get_file falls back to /tmp for a missing directory
    cached = os.path.join(cache, f"{preset}.weights.h5")
    if os.path.isfile(cached):
        try:
            check_file(cached, record, preset, source)
            return cached
        except PresetError:
            os.remove(cached)          # a stale or damaged copy: fetch it again
    try:
        path = keras.utils.get_file(f"{preset}.weights.h5", origin=url,
                                    file_hash=record["sha256"], hash_algorithm="sha256",
                                    cache_dir=keras_home, cache_subdir=CACHE_SUBDIR)
    except Exception as error:          # network, permission and hash errors differ by type
        raise PresetError(f"Preset {preset}: cannot fetch its weights from {url} "
                          f"({type(error).__name__}: {error}). Offline, put the file at "
                          f"{cached} (SHA-256 {record['sha256']}).") from None
    check_file(path, record, preset, source)
    return path
