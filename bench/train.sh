#!/usr/bin/env bash
# A training run of the paper's model (N = 300, batch 512, dW3, lr 0.1, Anderson to 1e-5) on the embedded
# data in dataset order: fixpoint.h (bench/train.c) against PyTorch written batched and written per sample
# (bench/train_torch.py), from the same initial weights. Usage: bash bench/train.sh quick|full|report
set -euo pipefail
cd "$(dirname "$0")/.."
out=${BENCH_OUT:-build/bench/results}; bin=build/bench; PY=/usr/bin/python3
mode=${1:-quick}
stat() { sort -g "$1" | awk '{ v[NR] = $1; l = $2 } END { printf("%.1f %s", v[int((NR + 1) / 2)], l) }'; }
if [ "$mode" = report ]; then
  echo
  echo "## A training run against PyTorch (N = 300, batch 512, dW3, lr 0.1, Anderson 1e-5, float32, 1 thread)"
  echo
  echo "Median milliseconds per training step (solve + loss + rule + update), median over hyperfine runs; the"
  echo "first-step losses are compared before any time (they must agree to 1e-4 relative)."
  echo
  echo "| form | ms per step | first loss | fixpoint.h speed-up | 3-epoch run on 60000 images (354 steps) |"
  echo "|---|---|---|---|---|"
  read -r cm cl <<< "$(stat $out/train-fixpoint.log)"
  for f in fixpoint torch-batched torch-persample; do
    [ -f "$out/train-$f.log" ] || continue
    read -r m l <<< "$(stat $out/train-$f.log)"
    awk -v f=$f -v m=$m -v l=$l -v cm=$cm -v cl=$cl 'BEGIN { d = l - cl; if (d < 0) d = -d;
      printf("| %s | %.1f | %.6f%s | %.1fx | %.0f s |\n", f, m, l, d > 1e-4 * cl ? " (DIFFERS)" : "", m / cm, 354 * m / 1e3) }'
  done
  exit 0
fi
CC=${CC:-cc}
$CC -std=c99 -O2 -fopenmp -o $bin/train bench/train.c -lm
$bin/train --init $bin/init.bin 7
rm -f $out/train-*.log
echo "== train (fixpoint.h vs PyTorch, batched and per sample)"
hyperfine -N --style basic --warmup 0 --runs 3 --export-json $out/train-batched.json \
  "env OMP_NUM_THREADS=1 BENCH_LOG=$out/train-fixpoint.log $bin/train data 4000 3 3 0.1 $bin/init.bin" \
  "env BENCH_LOG=$out/train-torch-batched.log $PY bench/train_torch.py data 4000 1 3 0.1 $bin/init.bin batched 1" \
  > $out/train-batched.txt 2>&1 || { cat $out/train-batched.txt; exit 1; }
if [ "$mode" = full ]; then
  # per sample is ~100x slower: two steps (1024 images) per run are enough for a per-step median
  hyperfine -N --style basic --warmup 0 --runs 2 --export-json $out/train-persample.json \
    "env BENCH_LOG=$out/train-torch-persample.log $PY bench/train_torch.py data 1024 1 3 0.1 $bin/init.bin persample 1" \
    > $out/train-persample.txt 2>&1 || { cat $out/train-persample.txt; exit 1; }
fi
