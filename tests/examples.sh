#!/usr/bin/env bash
# The examples that read IDX data (paper_mnist, compare_rules) treat a data error as a message on stderr
# and exit status 1, never as an abort: a test set whose images differ in size from the training set's,
# a test set with fewer labels than images, a label outside the ten classes. A matching small set runs
# (so the files written here are well formed and the failures are the data's).
# Run from the repository root: bash tests/examples.sh (CC picks the compiler, cc by default).
set -u
if [ ! -f fixpoint.h ] || [ ! -d examples ]; then echo "tests/examples.sh: run it from the repository root" >&2; exit 2; fi
CC=${CC:-cc}
mkdir -p build
for e in paper_mnist compare_rules; do
    echo "$CC -O2 -std=c99 -Wall -Wextra -o build/$e examples/$e.c -lm"
    "$CC" -O2 -std=c99 -Wall -Wextra -o "build/$e" "examples/$e.c" -lm || { echo "0 passed, 1 failed"; exit 1; }
done
tmp=$(mktemp -d build/examples-test.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

# IDX: magic 0 0 0x08 ndim, big-endian 32-bit dimensions, then the unsigned bytes.
be32() { printf "\\$(printf %03o $(( ($1 >> 24) & 255 )))\\$(printf %03o $(( ($1 >> 16) & 255 )))\\$(printf %03o $(( ($1 >> 8) & 255 )))\\$(printf %03o $(( $1 & 255 )))"; }
images() { # file count rows cols: pixels i*7 mod 256
    { printf '\000\000\010\003'; be32 "$2"; be32 "$3"; be32 "$4"
      awk -v n=$(( $2 * $3 * $4 )) 'BEGIN { for (i = 0; i < n; ++i) printf "%c", (i * 7) % 256 }'; } > "$1"
}
labels() { # file count [first label]: labels first, first+1, ... mod 10, the first one as given
    { printf '\000\000\010\001'; be32 "$2"
      awk -v n="$2" -v f="${3:-0}" 'BEGIN { printf "%c", f; for (i = 1; i < n; ++i) printf "%c", i % 10 }'; } > "$1"
}
dataset() { # dir train_count train_side test_count test_side test_label_count [first test label]
    mkdir -p "$1"
    images "$1/train-images-idx3-ubyte" "$2" "$3" "$3"; labels "$1/train-labels-idx1-ubyte" "$2"
    images "$1/t10k-images-idx3-ubyte" "$4" "$5" "$5"; labels "$1/t10k-labels-idx1-ubyte" "$6" "${7:-0}"
}
export LC_ALL=C
dataset "$tmp/good" 64 28 16 28 16
dataset "$tmp/size" 64 28 16 10 16
dataset "$tmp/count" 64 28 16 28 15
dataset "$tmp/label" 64 28 16 28 16 12

passed=0 failed=0
# expect NAME STATUS REGEX... -- COMMAND...: the exit status, and every REGEX found on stderr
expect() {
    local name=$1 status=$2 rc miss=
    local -a pats=()
    shift 2
    while [ "$1" != -- ]; do pats+=("$1"); shift; done
    shift
    ("$@"; exit $?) > "$tmp/stdout" 2> "$tmp/stderr" # in a subshell: the shell's note of an abort goes to stderr too
    rc=$?
    for p in "${pats[@]}"; do grep -Eq -- "$p" "$tmp/stderr" || miss="$miss [$p]"; done
    if [ "$rc" -eq "$status" ] && [ -z "$miss" ]; then
        echo "ok   $name"; passed=$((passed + 1))
    else
        echo "FAIL $name: exit status $rc (expected $status)${miss:+, stderr lacks$miss}"
        sed 's/^/    /' "$tmp/stderr" | tail -n 5
        failed=$((failed + 1))
    fi
}

pm=(./build/paper_mnist --rules 1 --epochs 1 --out "$tmp/paper_mnist.csv" --data)
cr=(./build/compare_rules --rules 1 --epochs 1 --n 8 --out "$tmp/compare_rules.csv" --plot "$tmp/compare_rules.dat" --data)
expect "paper_mnist runs on matching data" 0 -- "${pm[@]}" "$tmp/good"
expect "compare_rules runs on matching data" 0 -- "${cr[@]}" "$tmp/good"
expect "paper_mnist: test images 10x10, training 28x28" 1 "test images have 100 pixels" "training images 784" "--data" -- "${pm[@]}" "$tmp/size"
expect "compare_rules: test images 10x10, training 28x28" 1 "test images have 100 pixels" "training images 784" "--data" -- "${cr[@]}" "$tmp/size"
expect "paper_mnist: 16 test images, 15 labels" 1 "image and label counts differ" "--data" -- "${pm[@]}" "$tmp/count"
expect "compare_rules: 16 test images, 15 labels" 1 "image and label counts differ" "--data" -- "${cr[@]}" "$tmp/count"
expect "paper_mnist: a test label outside the 10 classes" 1 "label lies outside" "--data" -- "${pm[@]}" "$tmp/label"
expect "compare_rules: a test label outside the 10 classes" 1 "label lies outside" "--data" -- "${cr[@]}" "$tmp/label"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
