#!/bin/sh
# Makes sure the real Fashion-MNIST IDX files are where blur_keras.data looks for them
# (blur_keras/data/idx_datasets.py): $BLUR_KERAS_DATA_DIR, its fashion_mnist/ or fashion-mnist/
# subdirectory, or Debian's directory. When they are missing and this user may run apt-get (root,
# or passwordless sudo), installs Debian's dataset-fashion-mnist package; otherwise stops with one
# message saying how to get them. `make demo` and `make test` run it before anything else.
#
# Usage: sh scripts/fashion_mnist.sh [--tests]
#   --tests: with BLUR_KERAS_ALLOW_MISSING_DATA=1, missing files are not an error (the tests that
#            read them are then skipped, each saying why).
# Environment: DEBIAN_DATA_DIR (default /usr/share/datasets/fashion-mnist) and APT_GET (default
# apt-get) exist so that tests can simulate a machine without the package.
set -u
DEBIAN_DATA_DIR=${DEBIAN_DATA_DIR:-/usr/share/datasets/fashion-mnist}
APT_GET=${APT_GET:-apt-get}
FILES="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"

has_files() {
  for stem in $FILES; do
    [ -f "$1/$stem" ] || [ -f "$1/$stem.gz" ] || return 1
  done
}

found() {
  if [ -n "${BLUR_KERAS_DATA_DIR:-}" ]; then
    for dir in "$BLUR_KERAS_DATA_DIR" "$BLUR_KERAS_DATA_DIR/fashion_mnist" \
               "$BLUR_KERAS_DATA_DIR/fashion-mnist"; do
      has_files "$dir" && return 0
    done
  fi
  has_files "$DEBIAN_DATA_DIR"
}

# Prints the command prefix that runs apt-get as root, or fails when this user may not.
as_root() {
  command -v "$APT_GET" >/dev/null 2>&1 || return 1
  if [ "$(id -u)" = 0 ]; then
    echo env
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    echo sudo -n env
  else
    return 1
  fi
}

found && exit 0
if prefix=$(as_root); then
  echo "Fashion-MNIST IDX files not found; installing Debian's dataset-fashion-mnist" \
       "($APT_GET install -y dataset-fashion-mnist)."
  $prefix DEBIAN_FRONTEND=noninteractive "$APT_GET" update -qq \
    && $prefix DEBIAN_FRONTEND=noninteractive "$APT_GET" install -y -qq dataset-fashion-mnist
  found && exit 0
  reason="installing dataset-fashion-mnist did not put them in $DEBIAN_DATA_DIR"
else
  reason="this user cannot install them (that needs apt-get, as root or with passwordless sudo)"
fi
if [ "${1:-}" = --tests ] && [ "${BLUR_KERAS_ALLOW_MISSING_DATA:-}" = 1 ]; then
  echo "note: the real Fashion-MNIST files are missing; BLUR_KERAS_ALLOW_MISSING_DATA=1:" \
       "the tests that read them are skipped."
  exit 0
fi
cat >&2 <<EOF
error: the real Fashion-MNIST files are missing and $reason. Nothing was run.
Get them with one of:
  sudo apt-get install dataset-fashion-mnist   (Debian/Ubuntu; installs $DEBIAN_DATA_DIR)
  export BLUR_KERAS_DATA_DIR=/path/to/dir       (a directory with the four IDX files: $FILES, each optionally .gz)
or, for make test only, BLUR_KERAS_ALLOW_MISSING_DATA=1 runs the suite and skips the tests that need them.
EOF
exit 1
