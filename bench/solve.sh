#!/usr/bin/env bash
# Solvers, adjoints and whole forward+backward steps: fixpoint.h (bench/solve.c) against PyTorch CPU
# (bench/solve_torch.py) on the same problem file, same threads, tolerance 1e-6.
# hyperfine runs each program (whole-process times in the JSON, start-up included: PyTorch's import costs
# seconds); each run also logs its median per-call time measured around the calls themselves, and the
# table reports the median and spread of those over the hyperfine runs. Usage: bash bench/solve.sh quick|full|report
set -euo pipefail
cd "$(dirname "$0")/.."
out=${BENCH_OUT:-build/bench/results}; bin=build/bench; PY=/usr/bin/python3
mode=${1:-quick}
if [ "$mode" = report ]; then
  echo
  echo "## Fixed-point solves and adjoints against PyTorch (float32, tanh, W = 0.9 randn/sqrt(N), tol 1e-6)"
  echo
  echo "Milliseconds per call: median over hyperfine runs of each run's median per call (± standard deviation over"
  echo "runs); \"adj-*\" and \"step\" include the forward solve; step ="
  echo "forward Anderson + adjoint (automatic choice) + dW = V R^T. The check column compares sum(R), |V|, |dW|."
  echo
  [ -f $out/solve-note.txt ] && { cat $out/solve-note.txt; echo; }
  echo "| threads | N | B | what | fixpoint.h ms | PyTorch ms | speed-up | same result |"
  echo "|---|---|---|---|---|---|---|---|"
  for f in $(ls $out/solve-*.json | sort -V); do
    b=${f%.json}; read -r t n bb what R < "$b.meta"
    stat() { sort -g "$1" | awk '{ v[NR] = $1; s += $1; q += $1 * $1 } END { m = s / NR; printf("%.3f %.3f", v[int((NR + 1) / 2)], sqrt(q / NR - m * m > 0 ? q / NR - m * m : 0)) }'; }
    read -r cm cs <<< "$(stat $b.cfp.log)"; read -r pm ps <<< "$(stat $b.torch.log)"
    awk -v t=$t -v n=$n -v b=$bb -v what=$what -v cm=$cm -v cs=$cs -v pm=$pm -v ps=$ps -v chk="$(cat $b.check)" \
      'BEGIN { printf("| %d | %d | %d | %s | %.3f ± %.3f | %.3f ± %.3f | %.1fx | %s |\n", t, n, b, what, cm, cs, pm, ps, pm / cm, chk) }'
  done
  exit 0
fi
CC=${CC:-cc}
$CC -std=c99 -O2 -fopenmp -o $bin/solve bench/solve.c -lm
if [ "$mode" = quick ]; then grid="64:64 256:64"; whats="anderson damped adj-iter step"; threads="1"; runs=3
else grid="64:1 64:64 256:1 256:64 1024:1 1024:64"; whats="anderson damped newton adj-direct adj-iter step"; threads="1 2"; runs=7; fi
# overrides for re-running part of the grid: SOLVE_GRID="64:64", SOLVE_WHATS="newton", SOLVE_THREADS="1"
grid=${SOLVE_GRID:-$grid}; whats=${SOLVE_WHATS:-$whats}; threads=${SOLVE_THREADS:-$threads}
# a whole run replaces the previous figures; a partial re-run (any override) keeps the rest
[ -n "${SOLVE_GRID:-}${SOLVE_WHATS:-}${SOLVE_THREADS:-}" ] || rm -f $out/solve-t*
echo "== solve (fixpoint.h vs PyTorch $($PY -c 'import torch; print(torch.__version__)'))"
for nb in $grid; do
  n=${nb%:*}; b=${nb#*:}
  $bin/solve --make $bin/p${n}_$b.bin $n $b 1
  # R: enough calls that the work is well above the start-up noise
  case $n in 64) R=$(( b == 1 ? 40 : 20 ));; 256) R=$(( b == 1 ? 20 : 10 ));; *) R=$(( b == 1 ? 5 : 3 ));; esac
  for what in $whats; do
    [ "$what" = newton ] && [ $n -gt 256 ] && continue
    [ "$what" = adj-direct ] && [ $n -gt 256 ] && continue
    for t in $threads; do
      name="solve-t$t-n$n-b$b-$what"
      c=$(OMP_NUM_THREADS=$t $bin/solve $bin/p${n}_$b.bin $what 1 | sed 's/ status=[^ ]*//; s/ iterations=[^ ]*//')
      p=$($PY bench/solve_torch.py $bin/p${n}_$b.bin $what 1 $t | sed 's/ iterations=[^ ]*//')
      same=$(awk -v a="$c" -v b="$p" 'BEGIN { split(a, x, " "); split(b, y, " "); ok = "yes";
        for (i = 4; i <= 6; ++i) { split(x[i], u, "="); split(y[i], v, "="); d = u[2] - v[2]; if (d < 0) d = -d;
          m = u[2] < 0 ? -u[2] : u[2]; if (d > 1e-4 * (m > 1 ? m : 1)) ok = "NO (" x[i] " vs " y[i] ")" } print ok }')
      echo "$same" > "$out/$name.check"
      rm -f "$out/$name.cfp.log" "$out/$name.torch.log"
      hyperfine -N --style basic --warmup 1 --runs $runs --export-json "$out/$name.json" \
        "env OMP_NUM_THREADS=$t BENCH_LOG=$out/$name.cfp.log $bin/solve $bin/p${n}_$b.bin $what $R" \
        "env BENCH_LOG=$out/$name.torch.log $PY bench/solve_torch.py $bin/p${n}_$b.bin $what $R $t" > "$out/$name.log" 2>&1 \
        || { cat "$out/$name.log"; exit 1; }
      echo "$t $n $b $what $R" > "$out/$name.meta"
      echo "  $name: same result: $same"
    done
  done
done
