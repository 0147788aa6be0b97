#!/usr/bin/env bash
# The examples from a user's side. Every example answers --help (exit 0, a usage text), rejects an
# unknown option and a bad value with a one-line message and exit status 2, and writes into a folder
# that --out names, creating it. The ones that read IDX data (paper_mnist, compare_rules) find it from
# any working directory (data/ beside the program's folder, FIXPOINT_DATA, --data) under either naming,
# say where they looked when they find none, and treat a data error as a message on stderr and exit
# status 1, never as an abort: a test set whose images differ in size from the training set's, a test set
# with fewer labels than images, a label outside the ten classes. A matching small set runs (so the files
# written here are well formed and the failures are the data's).
# Run from the repository root: bash tests/examples.sh (CC picks the compiler, cc by default).
set -u
if [ ! -f fixpoint.h ] || [ ! -d examples ]; then echo "tests/examples.sh: run it from the repository root" >&2; exit 2; fi
CC=${CC:-cc}
root=$(pwd)
unset FIXPOINT_DATA # the search order is under test; the caller's setting would bypass it
mkdir -p build
examples="paper_mnist compare_rules paper_linear feedback_stability toy_singularity sweep"
for e in $examples; do
    echo "$CC -O2 -std=c99 -Wall -Wextra -I. -o build/$e examples/$e.c -lm"
    "$CC" -O2 -std=c99 -Wall -Wextra -I. -o "build/$e" "examples/$e.c" -lm || { echo "0 passed, 1 failed"; exit 1; }
done
tmp=$(mktemp -d "$root/build/examples-test.XXXXXX") || exit 1
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
# the same set under the names of the subset shipped in data/
mkdir -p "$tmp/subset"
for p in train-images-idx3-ubyte:fashion-train-images.idx train-labels-idx1-ubyte:fashion-train-labels.idx \
         t10k-images-idx3-ubyte:fashion-test-images.idx t10k-labels-idx1-ubyte:fashion-test-labels.idx; do
    cp "$tmp/good/${p%%:*}" "$tmp/subset/${p#*:}"
done
# a working directory without data/, and a copy of a program with no data beside its folder
mkdir -p "$tmp/elsewhere" "$tmp/bin"
cp build/compare_rules "$tmp/bin/compare_rules"

passed=0 failed=0
# expect NAME STATUS REGEX... -- COMMAND...: the exit status, and every REGEX found on stderr (on stdout
# when ON=stdout)
expect() {
    local name=$1 status=$2 rc miss= on=${ON:-stderr}
    local -a pats=()
    shift 2
    while [ "$1" != -- ]; do pats+=("$1"); shift; done
    shift
    ("$@"; exit $?) > "$tmp/stdout" 2> "$tmp/stderr" # in a subshell: the shell's note of an abort goes to stderr too
    rc=$?
    for p in "${pats[@]}"; do grep -Eq -- "$p" "$tmp/$on" || miss="$miss [$p]"; done
    if [ "$rc" -eq "$status" ] && [ -z "$miss" ]; then
        echo "ok   $name"; passed=$((passed + 1))
    else
        echo "FAIL $name: exit status $rc (expected $status)${miss:+, $on lacks$miss}"
        sed 's/^/    /' "$tmp/stderr" | tail -n 5
        failed=$((failed + 1))
    fi
}
# check NAME FILE...: every file exists and is not empty
check() {
    local name=$1 f miss=
    shift
    for f in "$@"; do [ -s "$f" ] || miss="$miss $f"; done
    if [ -z "$miss" ]; then echo "ok   $name"; passed=$((passed + 1)); else echo "FAIL $name: missing or empty:$miss"; failed=$((failed + 1)); fi
}
in_dir() { cd "$1" && shift && "$@"; } # in_dir DIR COMMAND...: the command run from DIR

# ---- every example: --help, an unknown option, a bad value, a stray argument ----
for e in $examples; do
    ON=stdout expect "$e --help: usage, exit 0" 0 "^usage: $e" "--out DIR" -- "build/$e" --help
    ON=stdout expect "$e -h: usage, exit 0" 0 "^usage: $e" -- "build/$e" -h
    expect "$e: an unknown option is exit 2" 2 "^$e: unknown option --bogus" -- "build/$e" --bogus 1
    expect "$e: a stray argument is exit 2" 2 "^$e: unexpected argument '3'" -- "build/$e" 3
    expect "$e: --out without a value is exit 2" 2 "^$e: --out: needs a value" -- "build/$e" --out
done
expect "compare_rules --seed abc is exit 2" 2 "^compare_rules: --seed: 'abc' is not a whole number" -- build/compare_rules --seed abc
expect "compare_rules --solver foo is exit 2" 2 "^compare_rules: --solver: unknown value 'foo' \(one of: anderson, euler, damped, newton\)" -- build/compare_rules --solver foo
expect "compare_rules --rules 15 is exit 2" 2 "^compare_rules: --rules: '15'" -- build/compare_rules --rules 15
expect "compare_rules --n 0 is exit 2" 2 "^compare_rules: --n: 0 is out of range" -- build/compare_rules --n 0
expect "compare_rules --lr-scale=nan is exit 2" 2 "^compare_rules: --lr-scale: 'nan' is not a finite number" -- build/compare_rules --lr-scale=nan
expect "compare_rules --out FILE.csv (the old meaning) is exit 2" 2 "^compare_rules: --out: takes a folder.*--csv FILE" -- build/compare_rules --out x.csv
expect "paper_mnist --solver foo is exit 2" 2 "^paper_mnist: --solver: unknown value 'foo' \(one of: euler, anderson\)" -- build/paper_mnist --solver foo
expect "paper_mnist --seeds 0 is exit 2" 2 "^paper_mnist: --seeds: 0 is out of range" -- build/paper_mnist --seeds 0
expect "sweep --solvers foo is exit 2" 2 "^sweep: --solvers: unknown value 'foo'" -- build/sweep --solvers foo
expect "sweep: a test set of other images is exit 1" 1 "test images have 100 pixels" "training images 784" -- build/sweep --rules 3 --epochs 1 --out "$tmp/sw" --data "$tmp/size"
printf 'rule,lr\ndW3,0.1\n' > "$tmp/other.csv"
expect "sweep: a CSV of something else is exit 1" 1 "is not a sweep CSV" -- build/sweep --rules 3 --csv "$tmp/other.csv"
[ "$(cat "$tmp/other.csv")" = "$(printf 'rule,lr\ndW3,0.1')" ] && { echo "ok   sweep: the other CSV is left as it was"; passed=$((passed + 1)); } ||
    { echo "FAIL sweep: the other CSV was changed"; failed=$((failed + 1)); }
expect "paper_linear --seed abc is exit 2" 2 "^paper_linear: --seed: 'abc' is not a whole number" -- build/paper_linear --seed abc
expect "paper_linear --iters 1x is exit 2" 2 "^paper_linear: --iters: '1x' is not a whole number" -- build/paper_linear --iters 1x
expect "feedback_stability --n 5 is exit 2" 2 "^feedback_stability: --n: 5 is out of range \(10 to" -- build/feedback_stability --n 5
expect "feedback_stability --quiet=yes is exit 2" 2 "^feedback_stability: --quiet: takes no value" -- build/feedback_stability --quiet=yes
expect "toy_singularity --out= (empty) is exit 2" 2 "^toy_singularity: --out: needs a folder" -- build/toy_singularity --out=

# ---- from another working directory, by absolute path, output into a folder that does not exist yet ----
expect "compare_rules from another directory finds data/ beside its folder" 0 "data from .*/data \(the embedded subset\)" -- \
    in_dir "$tmp/elsewhere" "$root/build/compare_rules" --rules=3 --epochs=1 --n=16 --train=512 --test=200 --out "$tmp/elsewhere/cr/new"
check "compare_rules wrote into --out DIR" "$tmp/elsewhere/cr/new/compare_rules.csv" "$tmp/elsewhere/cr/new/compare_rules.dat"
expect "paper_mnist from another directory finds data/ beside its folder" 0 "data from .*/data \(the embedded subset\)" -- \
    in_dir "$tmp/elsewhere" "$root/build/paper_mnist" --rules 3 --epochs 1 --train 256 --out "$tmp/elsewhere/pm"
check "paper_mnist wrote into --out DIR" "$tmp/elsewhere/pm/paper_mnist.csv"
expect "paper_linear from another directory" 0 -- in_dir "$tmp/elsewhere" "$root/build/paper_linear" --rules 3 --iters 20 --out "$tmp/elsewhere/pl"
check "paper_linear wrote into --out DIR" "$tmp/elsewhere/pl/paper_linear.csv"
expect "toy_singularity from another directory" 0 -- in_dir "$tmp/elsewhere" "$root/build/toy_singularity" --out "$tmp/elsewhere/toy"
check "toy_singularity wrote into --out DIR" "$tmp/elsewhere/toy/toy_surface.dat" "$tmp/elsewhere/toy/toy_boundary.dat" "$tmp/elsewhere/toy/toy_paths.dat"
expect "an output folder that cannot be made is exit 1, naming it and why" 1 "cannot create the folder /dev/null/x: Not a directory" -- \
    build/toy_singularity --out /dev/null/x
expect "no data anywhere: exit 1, where it looked and how to fix it" 1 "no IDX data found" "FIXPOINT_DATA \(not set\)" \
    "$tmp/bin/\.\./data \(beside the program's folder\)" "--data DIR" "make data-full" -- in_dir "$tmp/elsewhere" "$tmp/bin/compare_rules" --out "$tmp/x"
expect "FIXPOINT_DATA points at the data" 0 "data from $tmp/good \(the standard names\)" -- \
    in_dir "$tmp/elsewhere" env FIXPOINT_DATA="$tmp/good" "$tmp/bin/compare_rules" --rules 1 --epochs 1 --n 8 --out "$tmp/x"
expect "--data with neither naming: exit 1, both namings named" 1 "^compare_rules: --data $tmp/elsewhere: no IDX data set there" \
    "fashion-train-images.idx" "train-images-idx3-ubyte" -- build/compare_rules --data "$tmp/elsewhere"

# ---- data errors, under both namings ----
pm=(./build/paper_mnist --rules 1 --epochs 1 --out "$tmp/pm" --data)
cr=(./build/compare_rules --rules 1 --epochs 1 --n 8 --out "$tmp/cr" --data)
expect "paper_mnist runs on matching data" 0 -- "${pm[@]}" "$tmp/good"
expect "compare_rules runs on matching data" 0 -- "${cr[@]}" "$tmp/good"
expect "paper_mnist runs on the subset's file names" 0 "data from $tmp/subset \(the embedded subset\)" -- "${pm[@]}" "$tmp/subset"
expect "compare_rules runs on the subset's file names" 0 "data from $tmp/subset \(the embedded subset\)" -- "${cr[@]}" "$tmp/subset"
expect "paper_mnist: test images 10x10, training 28x28" 1 "test images have 100 pixels" "training images 784" "--data" -- "${pm[@]}" "$tmp/size"
expect "compare_rules: test images 10x10, training 28x28" 1 "test images have 100 pixels" "training images 784" "--data" -- "${cr[@]}" "$tmp/size"
expect "paper_mnist: 16 test images, 15 labels" 1 "image and label counts differ" "--data" -- "${pm[@]}" "$tmp/count"
expect "compare_rules: 16 test images, 15 labels" 1 "image and label counts differ" "--data" -- "${cr[@]}" "$tmp/count"
expect "paper_mnist: a test label outside the 10 classes" 1 "label lies outside" "--data" -- "${pm[@]}" "$tmp/label"
expect "compare_rules: a test label outside the 10 classes" 1 "label lies outside" "--data" -- "${cr[@]}" "$tmp/label"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
