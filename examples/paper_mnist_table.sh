#!/bin/sh
# Aggregates examples/paper_mnist's (or examples/sweep's) CSV over seeds into a Markdown table beside the paper's numbers
# (Zhu & Rosenbaum 2024, MNIST experiment, docs/THEORY.md (E2): mean training loss over the last 50 steps /
# test accuracy).
#   sh examples/paper_mnist_table.sh [build/paper_mnist.csv]
usage="usage: sh examples/paper_mnist_table.sh [CSV]   (CSV: paper_mnist's output, default build/paper_mnist.csv)"
case ${1:-} in
  -h|--help) echo "$usage"; exit 0 ;;
  -*) echo "paper_mnist_table.sh: unknown option $1; $usage" >&2; exit 2 ;;
esac
[ $# -le 1 ] || { echo "paper_mnist_table.sh: one CSV at most; $usage" >&2; exit 2; }
csv=${1:-build/paper_mnist.csv}
if [ ! -r "$csv" ]; then
  echo "paper_mnist_table.sh: cannot read $csv: run paper_mnist first (it writes build/paper_mnist.csv; --csv FILE elsewhere)" >&2
  exit 1
fi
echo "| rule | lr | seeds | train loss (last 50) | paper | test acc | paper | largest loss jump | min gap 1-Re(lambda) | max Re eig(W) | s/run |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
awk -F, 'NR == 1 { o = $1 == "solver" } # a sweep CSV: a solver column first; rows in any order
  NR > 1 {
    if (o) { sv = $1; for (i = 1; i < NF; ++i) $i = $(i + 1); NF-- } else sv = ""
    k = $1 "," $2; if (!(k in n)) order[++m] = k; n[k]++; if (sv != "") s[k] = sv
    l[k] += $5; l2[k] += $5 * $5; a[k] += $7; a2[k] += $7 * $7
    if (!(k in j) || $8 > j[k]) j[k] = $8
    if (!(k in g) || $9 < g[k]) g[k] = $9
    e[k] += $10; t[k] += $13 }
  END {
    # the paper: rule,lr -> loss, test accuracy
    split("dW1,0.001,2.26,15 dW1,0.0025,2.09,34 dW1,0.005,1.79,59 dW1,0.01,1.40,63 dW1,0.025,2.08,38 " \
          "dW3,0.01,1.70,67 dW3,0.025,1.21,78 dW3,0.05,0.89,82 dW3,0.1,0.69,85 dW3,0.25,0.54,87 " \
          "dW4,0.005,1.92,51 dW4,0.01,1.64,69 dW4,0.02,1.30,77 dW4,0.05,0.93,82 dW4,0.1,0.80,83", P, " ")
    for (i in P) { split(P[i], q, ","); pl[q[1] "," q[2]] = q[3]; pa[q[1] "," q[2]] = q[4] }
    # by rule, then rate (a sweep writes its rows as they finish)
    for (i = 2; i <= m; ++i) { x = order[i]; split(x, xr, ","); for (h = i - 1; h >= 1; --h) { split(order[h], hr, ",");
      if (hr[1] < xr[1] || (hr[1] == xr[1] && hr[2] + 0 <= xr[2] + 0)) break; order[h + 1] = order[h] } order[h + 1] = x }
    for (i = 1; i <= m; ++i) {
      k = order[i]; c = n[k]; split(k, r, ",")
      ml = l[k] / c; sl = sqrt(l2[k] / c - ml * ml > 0 ? l2[k] / c - ml * ml : 0)
      ma = a[k] / c; sa = sqrt(a2[k] / c - ma * ma > 0 ? a2[k] / c - ma * ma : 0)
      printf("| %s | %s | %d | %.3f ± %.3f | %s | %.1f ± %.1f %% | %s %% | %.2f | %.3f | %.2f | %.0f |\n", r[1], r[2], c, ml, sl,
             (k in pl) ? pl[k] : "-", 100 * ma, 100 * sa, (k in pa) ? pa[k] : "-", j[k], g[k], e[k] / c, t[k] / c)
    } }' "$csv"
