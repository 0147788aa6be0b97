# Milliseconds per step against N and B per rule, log-log (bench/scaling.sh report calls this).
if (!exists("dir")) dir = 'bench/results'
set terminal pngcairo size 1200,500 font ",10"
set output dir.'/scaling.png'
set multiplot layout 1,2 title "time per training step (float32, 30 Anderson iterations + rule, 1 thread)"
set logscale xy
set grid
set key top left
set ylabel "ms per step"
set xlabel "N (B = 64)"
plot for [r = 1:4] '< sort -k2,2n '.dir.'/scaling-n.log' using (strcol(1) eq 'dW'.r ? $2 : 1/0):4 with linespoints pt 7 title 'dW'.r
set xlabel "B (N = 256)"
plot for [r = 1:4] '< sort -k3,3n '.dir.'/scaling-b.log' using (strcol(1) eq 'dW'.r ? $3 : 1/0):4 with linespoints pt 7 title 'dW'.r
unset multiplot
