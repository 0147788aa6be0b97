#!/usr/bin/env bash
# Time per training step against N (B = 64) and against B (N = 256) for each rule, with the fitted exponent
# of time ~ N^a (and ~ B^b), and the peak resident memory of each run (bench/scaling.c).
#   bash bench/scaling.sh quick|full|report
set -euo pipefail
cd "$(dirname "$0")/.."
out=${BENCH_OUT:-build/bench/results}; bin=build/bench
mode=${1:-quick}

fit() { # LOG COLUMN(2: N, 3: B): per rule, the least-squares slope of log(ms) on log(size)
  awk -v c=$2 '{ k = $1; x = log($c); y = log($4); n[k]++; sx[k] += x; sy[k] += y; sxx[k] += x * x; sxy[k] += x * y }
    END { for (k in n) printf("%s %.2f\n", k, (n[k] * sxy[k] - sx[k] * sy[k]) / (n[k] * sxx[k] - sx[k] * sx[k])) }' "$1" | sort
}
fit2() { # LOG COLUMN: per rule, the slope between the two largest sizes (medians)
  awk -v c=$2 '{ k = $1 SUBSEP $c; v[k] = v[k] " " $4; if (!($c in seen)) { seen[$c] = 1; sz[++ns] = $c } r[$1] = 1 }
    END { for (i = 2; i <= ns; ++i) for (j = i; j > 1 && sz[j] < sz[j-1]; --j) { t = sz[j]; sz[j] = sz[j-1]; sz[j-1] = t }
      a = sz[ns-1]; b = sz[ns]
      for (q in r) { na = split(v[q SUBSEP a], x, " "); nb = split(v[q SUBSEP b], y, " "); ma = 0; mb = 0
        for (i = 1; i <= na; ++i) ma += x[i] / na; for (i = 1; i <= nb; ++i) mb += y[i] / nb
        printf("%s %.2f\n", q, log(mb / ma) / log(b / a)) } }' "$1" | sort
}
table() { # LOG COLUMN LABEL
  local log=$1 c=$2 label=$3
  local sizes; sizes=$(awk -v c=$c '{ print $c }' "$log" | sort -n -u | tr '\n' ' ')
  printf "| rule |"; for s in $sizes; do printf " %s = %s |" "$label" "$s"; done; printf " exponent (all) | exponent (two largest) | peak RSS at the largest (MB) |\n"
  printf "|---|"; for s in $sizes; do printf -- "---|"; done; printf -- "---|---|---|\n"
  for r in dW1 dW2 dW3 dW4; do
    printf "| %s |" $r
    for s in $sizes; do
      awk -v r=$r -v s=$s -v c=$c '$1 == r && $c == s { v[++n] = $4 } END { if (!n) { printf(" - |"); exit }
        for (i = 2; i <= n; ++i) for (j = i; j > 1 && v[j] < v[j-1]; --j) { t = v[j]; v[j] = v[j-1]; v[j-1] = t }
        printf(" %.3g [%.3g - %.3g] |", n % 2 ? v[(n+1)/2] : 0.5 * (v[n/2] + v[n/2+1]), v[1], v[n]) }' "$log"
    done
    printf " %s |" "$(fit "$log" $c | awk -v r=$r '$1 == r { print $2 }')"
    printf " %s |" "$(fit2 "$log" $c | awk -v r=$r '$1 == r { print $2 }')"
    awk -v r=$r -v c=$c '$1 == r && $c >= m { m = $c; rss = $5 } END { printf(" %.1f |\n", rss / 1024) }' "$log"
  done
}

if [ "$mode" = report ]; then
  [ -f $out/scaling-n.log ] || exit 0
  echo
  echo "## Scaling: milliseconds per training step against N and B ($(cat $out/scaling.mode 2>/dev/null || echo quick) run)"
  echo
  echo "One step = a forward solve of exactly 30 Anderson iterations (the same work at every size), the MSE loss,"
  echo "the rule, an SGD update; float32, tanh, 1 thread; median over 7 steps in each of hyperfine's runs, then"
  echo "median [min - max] over the runs. Exponents: least-squares slope of log(ms) on log(N) (or log(B)) over all"
  echo "sizes, and between the two largest. The formulas' leading terms are O(N^2 B) (GEMMs) for the solve and dW2-dW4,"
  echo "and O(N^3 B) for dW1's direct adjoint (N <= 64) or O(N^2 B) per sweep for its iterative one; below N of a few"
  echo "hundred the O(N B) work per iteration (activation, Anderson's history) still weighs, so the measured exponent"
  echo "in N sits below 2 there; in B every term is linear except dW2's B x B solve (O(B^3 + B^2 N))."
  echo
  echo "Against N (B = 64):"
  echo
  table $out/scaling-n.log 2 N
  echo
  echo "Against B (N = 256):"
  echo
  table $out/scaling-b.log 3 B
  if command -v gnuplot >/dev/null; then
    gnuplot -e "dir='$out'" bench/scaling.gp 2>/dev/null && { echo; echo "![time per step against N and B](scaling.png)"; }
  fi
  exit 0
fi

CC=${CC:-cc}
mkdir -p $bin
$CC -std=c99 -O2 -o $bin/scaling bench/scaling.c -lm
rm -f $out/scaling-*.log $out/scaling-*.json
echo "$mode" > $out/scaling.mode
if [ "$mode" = quick ]; then ns=64,128,256,512; bs=16,64,256; runs=2; else ns=32,64,128,256,512,1024; bs=8,16,32,64,128,256,512; runs=3; fi
echo "== scaling (time per step against N and B)"
hyperfine -N --style basic --warmup 0 --runs $runs -L rule 1,2,3,4 -L n $ns --export-json $out/scaling-n.json \
  "env OMP_NUM_THREADS=1 BENCH_LOG=$out/scaling-n.log $bin/scaling {rule} {n} 64" > $out/scaling-n.txt 2>&1 || { cat $out/scaling-n.txt; exit 1; }
hyperfine -N --style basic --warmup 0 --runs $runs -L rule 1,2,3,4 -L b $bs --export-json $out/scaling-b.json \
  "env OMP_NUM_THREADS=1 BENCH_LOG=$out/scaling-b.log $bin/scaling {rule} 256 {b}" > $out/scaling-b.txt 2>&1 || { cat $out/scaling-b.txt; exit 1; }
