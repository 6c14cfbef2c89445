"""File integrity: SHA-256 and size records, for training backups and zoo presets."""

from __future__ import annotations

import hashlib
import os


def sha256(path: str) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_record(path: str) -> dict:
    """`{"sha256": ..., "bytes": ...}` of a file."""
    return {"sha256": sha256(path), "bytes": os.path.getsize(path)}
