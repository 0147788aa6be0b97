#!/usr/bin/env bash
# Rule convergence (bench/rules.c): steps and seconds each rule (dW1..dW4) needs to reach a loss target on
# each problem family, over seeds; failures (target never reached, solves lost, loss spikes) counted.
# hyperfine scans rule x seed (-L) and repeats each run; the program logs its own in-process figures.
#   bash bench/rules.sh quick|full|report
set -euo pipefail
cd "$(dirname "$0")/.."
out=${BENCH_OUT:-build/bench/results}; bin=build/bench; hj=$bin/hfjson
mode=${1:-quick}

if [ "$mode" = report ]; then
  echo
  echo "## Rule convergence: steps and seconds to a loss target ($(cat $out/rules.mode 2>/dev/null || echo quick) run)"
  echo
  echo "Each row: one rule (and rate, optimizer, solver) over the seeds shown, each seed run by hyperfine several times"
  echo "(the steps are deterministic; the seconds vary). *reached*: seeds that met the target within the step cap;"
  echo "*steps* and *seconds to target* (in-process, from the first step): median [min - max] over seeds and runs;"
  echo "*process*: hyperfine's median wall time of the whole run with its standard deviation (seed 1, set-up included);"
  echo "*spikes*: steps whose loss rose above 1.5x the previous one; *lost*: steps undone because the solve or the rule"
  echo "failed (summed over seeds); *vs dW1*: median seconds to target of dW1 over this rule's, same optimizer, solver"
  echo "and N (>1: faster than dW1; the rates may differ, as in the Fashion-MNIST rows: each rule at the paper's rate)."
  for f in $(ls $out/rules-*.log 2>/dev/null | sort -V); do
    name=$(basename "$f" .log); name=${name#rules-}
    json=$out/rules-$name.json
    [ -f "$json" ] && $hj "$json" > "$out/rules-$name.tsv" || : > "$out/rules-$name.tsv"
    echo
    echo "### $name: $(head -1 "$out/rules-$name.title" 2>/dev/null || echo "$name")"
    echo
    echo "| rule | optimizer | solver | N | lr | reached | steps | seconds to target | process (s) | spikes | lost | peak RSS (MB) | vs dW1 |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    awk -v tsv="$out/rules-$name.tsv" '
      function med(arr, n,   i, j, t) { for (i = 2; i <= n; ++i) for (j = i; j > 1 && arr[j] < arr[j-1]; --j) { t = arr[j]; arr[j] = arr[j-1]; arr[j-1] = t } return n % 2 ? arr[(n+1)/2] : 0.5 * (arr[n/2] + arr[n/2+1]) }
      BEGIN { while ((getline line < tsv) > 0) { split(line, c, "\t"); r = ""; s = ""; for (i = 7; i in c; ++i) { if (c[i] ~ /^rule=/) r = substr(c[i], 6); if (c[i] ~ /^seed=/) s = substr(c[i], 6) }
                if (s == "1" || s == "") { pm[r] = c[2]; ps[r] = c[3] } } }
      { key = $2 " " $3 " " $4 " " $6 " " $7; if (!(key in seen)) { seen[key] = 1; order[++nk] = key }
        n[key]++; st[key, n[key]] = $9; se[key, n[key]] = $10; if ($8 == 1) { ok[key, $5] = 1 } sd[key, $5] = 1
        sp[key, $5] = $12; lo[key, $5] = $13; if ($14 > rss[key]) rss[key] = $14 }
      END {
        for (k = 1; k <= nk; ++k) { key = order[k]; m = n[key]
          for (i = 1; i <= m; ++i) { a[i] = st[key, i]; b[i] = se[key, i] }
          smin = 1e30; smax = 0; tmin = 1e30; tmax = 0
          for (i = 1; i <= m; ++i) { if (a[i] < smin) smin = a[i]; if (a[i] > smax) smax = a[i]; if (b[i] < tmin) tmin = b[i]; if (b[i] > tmax) tmax = b[i] }
          ms[key] = med(a, m); mt[key] = med(b, m); smn[key] = smin; smx[key] = smax; tmn[key] = tmin; tmx[key] = tmax
          nseed = 0; nok = 0; spk = 0; lst = 0
          for (sk in sd) { split(sk, q, SUBSEP); if (q[1] == key) { nseed++; if ((key, q[2]) in ok) nok++; spk += sp[key, q[2]]; lst += lo[key, q[2]] } }
          ns[key] = nseed; nr[key] = nok; nsp[key] = spk; nlo[key] = lst
          split(key, f, " "); if (f[1] == "dW1" && nr[key] > 0) base[f[2] " " f[3] " " f[4]] = mt[key] }
        for (k = 1; k <= nk; ++k) { key = order[k]; split(key, f, " "); r = substr(f[1], 3)
          bk = f[2] " " f[3] " " f[4]
          ratio = (bk in base && mt[key] > 0 && nr[key] > 0) ? sprintf("%.2fx", base[bk] / mt[key]) : "-"
          proc = (r in pm) ? sprintf("%.2f ± %.2f", pm[r], ps[r]) : "-"
          printf("| %s | %s | %s | %s | %s | %d/%d | %d [%d - %d] | %.3f [%.3f - %.3f] | %s | %d | %d | %.1f | %s |\n", f[1], f[2], f[3], f[4], f[5],
                 nr[key], ns[key], ms[key], smn[key], smx[key], mt[key], tmn[key], tmx[key], proc, nsp[key], nlo[key], rss[key] / 1024, ratio) } }' "$f"
  done
  if command -v gnuplot >/dev/null && ls $out/curve-*.dat >/dev/null 2>&1; then
    gnuplot -e "dir='$out'" bench/rules.gp 2>/dev/null && {
      echo
      echo "Loss against steps and against seconds, seed 1, one line per rule:"
      echo
      echo "![loss against steps](rules-steps.png)"
      echo
      echo "![loss against seconds](rules-seconds.png)"
    }
  fi
  exit 0
fi

CC=${CC:-cc}
mkdir -p $bin
$CC -std=c99 -O2 -o $bin/rules bench/rules.c -lm
# RULES_RESUME=1 keeps the groups already measured (their .json and .log) and runs the rest
[ "${RULES_RESUME:-0}" = 1 ] || rm -f $out/rules-*.log $out/rules-*.json $out/rules-*.title $out/curve-*.dat
echo "$mode" > $out/rules.mode

run() { # NAME "TITLE" FAMILY SEEDS RUNS [rules options]: hyperfine over rule x seed
  local name=$1 title=$2 fam=$3 seeds=$4 runs=$5; shift 5
  if [ "${RULES_RESUME:-0}" = 1 ] && [ -f $out/rules-$name.json ] && [ -f $out/rules-$name.log ]; then echo "  rules $name: kept"; return; fi
  rm -f $out/rules-$name.log
  echo "$title" > $out/rules-$name.title
  echo "  rules $name: $title"
  hyperfine -N --style basic --warmup 0 --runs "$runs" -L rule 1,2,3,4 -L seed "$seeds" --export-json $out/rules-$name.json \
    "env OMP_NUM_THREADS=1 BENCH_LOG=$out/rules-$name.log $bin/rules $fam {rule} {seed} $* --curve $out/curve-$name-dW{rule}-s{seed}.dat" \
    > $out/rules-$name.txt 2>&1 || { cat $out/rules-$name.txt; exit 1; }
}

echo "== rules (convergence of dW1..dW4 to a loss target)"
if [ "$mode" = quick ]; then
  run linear "the paper's linear toy (N = 200, m = 100), SGD lr 1, target loss 0.025" linear 1,2 2 --lr 1
  run teacher64 "tanh teacher, N = 64, B = 64, SGD lr 0.3, target 1e-2 x initial loss" teacher 1,2 2 --n 64 --lr 0.3
  run feedback "feedback task (N = 128, z = u for 4 inputs, read-out fixed), SGD lr 3, target 1e-2 x initial" feedback 1,2 2 --n 128 --lr 3
  run fashion "embedded Fashion-MNIST (4000 images, N = 64, batch 256), the paper's rates, target: batch loss 1.6" fashion 1 1 --n 64
else
  for lr in 0.3 1 3; do
    run linear-lr$lr "the paper's linear toy (N = 200, m = 100), SGD lr $lr, target loss 0.025" linear 1,2,3 3 --lr $lr
  done
  for n in 32 128 256; do
    run teacher$n "tanh teacher, N = $n, B = 64, SGD lr 0.3, target 1e-2 x initial loss, cap 1500 steps" teacher 1,2,3 2 --n $n --lr 0.3 --cap 1500
  done
  run teacher256-lr0.1 "tanh teacher, N = 256, B = 64, SGD lr 0.1, target 1e-2 x initial loss, cap 1500 steps" teacher 1,2,3 2 --n 256 --lr 0.1 --cap 1500
  run teacher128-momentum "tanh teacher, N = 128, momentum 0.9 lr 0.1, cap 1500" teacher 1,2,3 2 --n 128 --lr 0.1 --optim momentum --cap 1500
  run teacher128-adam "tanh teacher, N = 128, Adam lr 0.003, cap 1500" teacher 1,2,3 2 --n 128 --lr 0.003 --optim adam --cap 1500
  run teacher128-damped "tanh teacher, N = 128, SGD lr 0.3, damped iteration instead of Anderson, cap 1500" teacher 1,2,3 2 --n 128 --lr 0.3 --solver damped --cap 1500
  for lr in 0.3 1 3; do
    run feedback-lr$lr "feedback task (N = 256, z = u for 4 inputs, read-out fixed), SGD lr $lr, target 1e-2 x initial" feedback 1,2,3 2 --n 256 --lr $lr
  done
  run fashion "embedded Fashion-MNIST (4000 images, N = 300, batch 256), the paper's rates, target: batch loss 1.6" fashion 1,2,3 1 --n 300
fi
