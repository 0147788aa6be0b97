#!/usr/bin/env bash
# The benchmark suite: builds the benchmark programs, runs them under hyperfine, writes JSON to
# $BENCH_OUT (default build/bench/results, untracked) and turns it into $BENCH_OUT/RESULTS.md
# (bench/report.sh). BENCH_OUT=bench/results (`make bench-results`) rewrites the committed results.
#   bash bench/run.sh quick|full [section ...]      sections: gemm small solve train rules scaling factor (default: all)
# Every comparison runs the peers in the same hyperfine invocation, on the same data and threads.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-quick}; shift || true
sections=${*:-"gemm small solve train rules scaling factor"}
out=${BENCH_OUT:-build/bench/results}; bin=build/bench
mkdir -p "$out" "$bin"
command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (make deps)"; exit 1; }
CC=${CC:-cc}
PY=/usr/bin/python3

# ---- the machine, and the forced library configurations that suit its CPU ----
if grep -q avx512f /proc/cpuinfo; then blis_arch=skx; ob_core=SKYLAKEX
elif grep -q avx2 /proc/cpuinfo; then
  if grep -q AuthenticAMD /proc/cpuinfo; then blis_arch=zen3; ob_core=ZEN; else blis_arch=haswell; ob_core=HASWELL; fi
else blis_arch=generic; ob_core=PRESCOTT; fi
{
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "cores: $(nproc); flags: $(grep -m1 flags /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|fma|avx512f)$' | tr '\n' ' ')"
  echo "compiler: $($CC --version | head -1); flags: -O2 (native and BLIS builds add -fopenmp for 2 threads)"
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ); mode: $mode"
} > "$out/machine.txt"

$CC -std=c99 -O2 -Wall -o $bin/hfjson bench/hfjson.c
$CC -std=c99 -O2 -Wall -o $bin/peak bench/peak.c
for i in 1 2 3; do $bin/peak; done | awk '$2 > m[$1] { m[$1] = $2 } END { for (k in m) print k, m[k] }' | sort > "$out/peak.txt" # the best of 3

hf() { # name, then hyperfine arguments
  local name=$1; shift
  hyperfine -N --style basic --export-json "$out/$name.json" "$@" > "$out/$name.log" 2>&1 || { cat "$out/$name.log"; return 1; }
}

if [[ " $sections " == *" gemm "* ]]; then
  echo "== gemm"
  rm -f $out/gemm-t* $out/gemm-plot.dat # this run's figures only
  $CC -std=c99 -O2 -fopenmp -o $bin/gemm_native bench/gemm.c -lm
  $CC -std=c99 -O2 -DFIXPOINT_USE_BLIS -o $bin/gemm_blis bench/gemm.c -lblis -lm
  # BLIS takes the configuration's number (bench/blis_arch.c); without one, its own choice
  blis_force=""
  if $CC -std=c99 -O2 -o $bin/blis_arch bench/blis_arch.c -lblis -lm && id=$($bin/blis_arch $blis_arch); then blis_force="BLIS_ARCH_TYPE=$id"; else blis_arch="default"; fi
  $CC -std=c99 -O2 -DBENCH_OPENBLAS -I/usr/include/x86_64-linux-gnu -o $bin/gemm_openblas bench/gemm.c -lopenblas -lm
  {
    echo "native: $($bin/gemm_native --info)"
    echo "blis default: $($bin/gemm_blis --info 2>&1 | tail -1); forced: $blis_arch ($blis_force) -> $(env $blis_force $bin/gemm_blis --info 2>&1 | tail -1)"
    echo "openblas default: $(env -u OPENBLAS_CORETYPE $bin/gemm_openblas --info); forced: OPENBLAS_CORETYPE=$ob_core -> $(OPENBLAS_CORETYPE=$ob_core $bin/gemm_openblas --info)"
  } > "$out/gemm-configs.txt"
  cat "$out/gemm-configs.txt"
  if [ "$mode" = quick ]; then shapes="128x128x128 512x512x512 256x16x256 256x64x256 1024x64x1024"; threads="1"; runs=5
  else shapes="32x32x32 64x64x64 128x128x128 256x256x256 512x512x512 1024x1024x1024 256x1x256 256x16x256 256x64x256 256x256x256 1024x1x1024 1024x16x1024 1024x64x1024 1024x256x1024"; threads="1 2"; runs=10; fi
  for t in $threads; do
    for s in $shapes; do
      IFS=x read -r m n k <<< "$s"
      reps=$(( 10000000000 / (2 * m * n * k) )); [ $reps -lt 3 ] && reps=3; [ $reps -gt 100000 ] && reps=100000
      a="$m $n $k f32 $reps"
      # the same product first: every configuration's check element must agree with fixpoint.h's to 1e-4
      ref=$(env FP_ISA=avx512 $bin/gemm_native $m $n $k f32 1 | sed 's/.*check=//')
      same=yes
      for c in "$bin/gemm_blis" "env $blis_force $bin/gemm_blis" "$bin/gemm_openblas" "env OPENBLAS_CORETYPE=$ob_core $bin/gemm_openblas" "env FP_ISA=avx2 $bin/gemm_native"; do
        v=$($c $m $n $k f32 1 2>/dev/null | sed 's/.*check=//')
        awk -v a="$ref" -v b="$v" 'BEGIN { d = a - b; if (d < 0) d = -d; s = a < 0 ? -a : a; exit !(d <= 1e-4 * (s + 1e-3)) }' || same=no
      done
      echo "$same" > "$out/gemm-t$t-$s.check"
      hf "gemm-t$t-$s" --warmup 2 --runs $runs \
        -n "native avx512" "env OMP_NUM_THREADS=$t FP_ISA=avx512 $bin/gemm_native $a" \
        -n "native avx2" "env OMP_NUM_THREADS=$t FP_ISA=avx2 $bin/gemm_native $a" \
        -n "blis default" "env BLIS_NUM_THREADS=$t $bin/gemm_blis $a" \
        -n "blis $blis_arch" "env BLIS_NUM_THREADS=$t $blis_force $bin/gemm_blis $a" \
        -n "openblas default" "env -u OPENBLAS_CORETYPE OPENBLAS_NUM_THREADS=$t $bin/gemm_openblas $a" \
        -n "openblas $ob_core" "env OPENBLAS_NUM_THREADS=$t OPENBLAS_CORETYPE=$ob_core $bin/gemm_openblas $a"
      echo "$t $m $n $k $reps" > "$out/gemm-t$t-$s.meta"
      echo "  threads $t, $s done"
    done
  done
fi

for s in $sections; do
  case $s in gemm) ;; *) if [ -f "bench/$s.sh" ]; then bash "bench/$s.sh" "$mode"; fi ;; esac
done

bash bench/report.sh > "$out/RESULTS.md"
echo "wrote $out/RESULTS.md"
