#!/usr/bin/env bash
# The dense factorizations against OpenBLAS's LAPACK (bench/factor.c, one thread, one process per order and
# type, the two libraries interleaved on the same column-major matrices): LU, the solve with 100 right-hand
# sides and Cholesky at n = 200, 500, 1000 (quick: 200, 1000), float64 and float32; the eigenvalues
# (float64) against dgeev.
#   bash bench/factor.sh quick|full|report
set -euo pipefail
cd "$(dirname "$0")/.."
out=${BENCH_OUT:-build/bench/results}; bin=build/bench; mode=${1:-quick}
mkdir -p "$out" "$bin"
if grep -q avx512f /proc/cpuinfo; then ob_core=SKYLAKEX # OpenBLAS only where the CPU has AVX-512
elif grep -q avx2 /proc/cpuinfo; then if grep -q AuthenticAMD /proc/cpuinfo; then ob_core=ZEN; else ob_core=HASWELL; fi
else ob_core=PRESCOTT; fi

if [ "$mode" != report ]; then
  [ -e /usr/lib/x86_64-linux-gnu/libopenblas.so ] || { echo "factor: OpenBLAS is missing (make deps installs libopenblas-dev)"; exit 0; }
  echo "== factor (fixpoint.h vs OpenBLAS LAPACK, OPENBLAS_CORETYPE=$ob_core, one thread)"
  ${CC:-cc} -std=c99 -O2 -o $bin/factor bench/factor.c -lopenblas -lm
  if [ "$mode" = quick ]; then orders="200 1000"; reps=7; else orders="200 500 1000"; reps=21; fi
  : > "$out/factor.log"
  for p in f64 f32; do
    for n in $orders; do
      OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=$ob_core $bin/factor "$n" "$p" "$reps" | tee -a "$out/factor.log"
    done
  done
  # one JSON record per line of the log (the report reads them back)
  awk '{ printf "%s{\"op\":\"%s\",\"type\":\"%s\",\"n\":%s,\"fixpoint_ms\":%s,\"openblas_ms\":%s,\"ratio\":%s,\"diff\":\"%s\"}",
         (NR > 1 ? ",\n" : "[\n"), $1, $2, substr($3, 3), $5, $10, $15, $17 } END { print "\n]" }' \
    "$out/factor.log" > "$out/factor-runs.json"
  echo "$ob_core $reps" > "$out/factor.meta"
  exit 0
fi

[ -f "$out/factor.log" ] || exit 0
read -r core reps < "$out/factor.meta"
echo
echo "## Dense factorizations against OpenBLAS's LAPACK (one thread)"
echo
echo "bench/factor.c: fixpoint.h's fp_lu_factor / fp_lu_solve (100 right-hand sides) / fp_chol_factor against"
echo "OpenBLAS's ?getrf / ?getrs / ?potrf (OPENBLAS_CORETYPE=$core) in one process, interleaved, on the same"
echo "column-major matrices; the median of $reps calls each. ratio = OpenBLAS time / fixpoint.h time (above 1:"
echo "fixpoint.h is faster). diff: the largest difference of the two results relative to their largest entry"
echo "(the solutions of the solve, Cholesky's factor; LU is checked through its solve). eig: fp_eig_f64 against"
echo "LAPACK's dgeev without vectors (what NumPy's eigvals calls), float64 only, the median of at most 7 calls;"
echo "its GFLOP/s counts a nominal 10 n^3, and diff is the largest distance between matched eigenvalues"
echo "relative to the spectral radius."
echo
echo "| operation | type | n | fixpoint.h ms | GFLOP/s | OpenBLAS ms | GFLOP/s | ratio | diff |"
echo "|---|---|---|---|---|---|---|---|---|"
awk '{ printf "| %s | %s | %s | %.3f | %.1f | %.3f | %.1f | %.2f | %s |\n", $1, $2, substr($3, 3), $5, $7, $10, $12, $15, $17 }' "$out/factor.log"
