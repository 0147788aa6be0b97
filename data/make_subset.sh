#!/bin/sh
# Cuts the embedded default data from Debian's dataset-fashion-mnist (MIT licensed, Zalando SE):
# the first 4000 training images and the first 1000 test images, as raw IDX files, with the label files
# to match. Reproducible: the same package gives the same bytes. Usage: sh data/make_subset.sh [SRC] [DST]
set -eu
src=${1:-/usr/share/datasets/fashion-mnist}
dst=${2:-$(dirname "$0")}
cut_idx() { # in.gz out count rowbytes ndim
    tmp=$(mktemp)
    gunzip -c "$1" > "$tmp"
    hdr=$((4 + 4 * $5))
    { printf '\000\000\010'; printf "\\$(printf '%03o' "$5")"
      printf "\\$(printf '%03o' $(( ($3 >> 24) & 255 )))\\$(printf '%03o' $(( ($3 >> 16) & 255 )))"
      printf "\\$(printf '%03o' $(( ($3 >> 8) & 255 )))\\$(printf '%03o' $(( $3 & 255 )))"
      if [ "$5" = 3 ]; then dd if="$tmp" bs=1 skip=8 count=8 2>/dev/null; fi
      tail -c +$((hdr + 1)) "$tmp" | head -c $(( $3 * $4 ))
    } > "$2"
    rm -f "$tmp"
}
cut_idx "$src/train-images-idx3-ubyte.gz" "$dst/fashion-train-images.idx" 4000 784 3
cut_idx "$src/train-labels-idx1-ubyte.gz" "$dst/fashion-train-labels.idx" 4000 1 1
cut_idx "$src/t10k-images-idx3-ubyte.gz" "$dst/fashion-test-images.idx" 1000 784 3
cut_idx "$src/t10k-labels-idx1-ubyte.gz" "$dst/fashion-test-labels.idx" 1000 1 1
echo "wrote 4000 training and 1000 test images to $dst"
