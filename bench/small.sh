#!/usr/bin/env bash
# Small products against OpenBLAS and BLIS, one thread (bench/small.c: in one process with each peer,
# interleaved batch by batch; a process-level timer cannot resolve calls of a microsecond).
#   bash bench/small.sh quick|full|report
set -euo pipefail
cd "$(dirname "$0")/.."
out=${BENCH_OUT:-build/bench/results}; bin=build/bench; mode=${1:-quick}
mkdir -p "$out" "$bin"
if grep -q avx512f /proc/cpuinfo; then ob_core=SKYLAKEX; blis_arch=skx # OpenBLAS's SkylakeX kernels only where the CPU has AVX-512
elif grep -q avx2 /proc/cpuinfo; then
  if grep -q AuthenticAMD /proc/cpuinfo; then ob_core=ZEN; blis_arch=zen3; else ob_core=HASWELL; blis_arch=haswell; fi
else ob_core=PRESCOTT; blis_arch=generic; fi

if [ "$mode" != report ]; then
  [ -e /usr/lib/x86_64-linux-gnu/libopenblas.so ] || { echo "small: OpenBLAS is missing (make deps installs libopenblas-dev)"; exit 0; }
  echo "== small GEMM (fixpoint.h vs OpenBLAS $ob_core and BLIS $blis_arch, one thread)"
  ${CC:-cc} -std=c99 -O2 -DPEER_OPENBLAS -I/usr/include/x86_64-linux-gnu -o $bin/small_openblas bench/small.c -lopenblas -lm
  have_blis=0
  if ${CC:-cc} -std=c99 -O2 -DPEER_BLIS -o $bin/small_blis bench/small.c -lblis -lm 2>/dev/null; then have_blis=1; fi
  # BLIS takes the configuration's number (bench/blis_arch.c); without one, its own choice
  blis_force=""
  if [ $have_blis = 1 ] && ${CC:-cc} -std=c99 -O2 -o $bin/blis_arch bench/blis_arch.c -lblis -lm 2>/dev/null &&
     id=$($bin/blis_arch $blis_arch); then blis_force="BLIS_ARCH_TYPE=$id"; else blis_arch="default"; fi
  if [ "$mode" = quick ]; then shapes="32x32x32 64x64x64"; else shapes="16x16x16 32x32x32 48x48x48 64x64x64 100x100x100 128x128x128 64x32x64 300x16x300"; fi
  : > "$out/small.log"
  for t in f32 f64; do
    for s in $shapes; do
      IFS=x read -r m n k <<< "$s"
      o=$(OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=$ob_core $bin/small_openblas $m $n $k $t)
      if [ $have_blis = 1 ]; then b=$(env BLIS_NUM_THREADS=1 $blis_force $bin/small_blis $m $n $k $t); else b="- - - - - - - - - - - - - - -"; fi
      echo "$o | $b" | tee -a "$out/small.log"
    done
  done
  awk '{ printf "%s{\"type\":\"%s\",\"shape\":\"%s\",\"fixpoint_us\":%s,\"openblas_us\":%s,\"ratio_openblas\":%s}",
         (NR > 1 ? ",\n" : "[\n"), $2, $3, $5, $9, $13 } END { print "\n]" }' "$out/small.log" > "$out/small-runs.json"
  echo "$ob_core $blis_arch" > "$out/small.meta"
  exit 0
fi

[ -f "$out/small.log" ] || exit 0
read -r core arch < "$out/small.meta"
echo
echo "## Small GEMM against OpenBLAS and BLIS (one thread)"
echo
echo "bench/small.c: C = A B, row-major, alpha 1, beta 0; fixpoint.h's fp_gemm against cblas_?gemm (OpenBLAS,"
echo "OPENBLAS_CORETYPE=$core) in one process and against bli_?gemm (BLIS, configuration $arch) in another,"
echo "each interleaved with fixpoint.h batch by batch on the same matrices; the median over 201 batches of"
echo "the time per call (fixpoint.h's column: the OpenBLAS process). vs best: the smaller of the two ratios"
echo "peer time / fixpoint.h time, each from its own process (above 1: fixpoint.h is faster than both)."
echo "diff: the largest difference from OpenBLAS's C relative to its largest entry."
echo
echo "| type | m x n x k | fixpoint.h us | GFLOP/s | OpenBLAS us | GFLOP/s | BLIS us | GFLOP/s | vs best | diff |"
echo "|---|---|---|---|---|---|---|---|---|---|"
awk '{ r = $13; if ($29 != "-" && $29 + 0 < r + 0) r = $29; bl = $25;
       printf "| %s | %s | %.3f | %.1f | %.3f | %.1f | %s | %s | %.2f | %s |\n", $2, $3, $5, $7, $9, $11,
              bl == "-" ? "-" : sprintf("%.3f", bl), $27 == "-" ? "-" : sprintf("%.1f", $27), r, $15 }' "$out/small.log"
