# GFLOP/s of float32 GEMM (square, one thread) per configuration against the size, with the measured peak.
if (!exists("dir")) dir = 'bench/results'
if (!exists("peak")) peak = 0
set terminal pngcairo size 900,550 font ",10"
set output dir.'/gemm.png'
set title "float32 GEMM, one thread: GFLOP/s against size (line: the measured FMA peak of one core)"
set logscale x 2
set xlabel "m = n = k"; set ylabel "GFLOP/s"
set grid
set key top left
set yrange [0:*]
plot dir.'/gemm-plot.dat' using 1:2 with linespoints pt 7 lw 2 title "fixpoint.h AVX-512", \
     '' using 1:3 with linespoints pt 6 title "fixpoint.h AVX2", \
     '' using 1:4 with linespoints pt 4 dt 2 title "BLIS default", \
     '' using 1:5 with linespoints pt 5 title "BLIS forced", \
     '' using 1:6 with linespoints pt 8 dt 2 title "OpenBLAS default", \
     '' using 1:7 with linespoints pt 9 title "OpenBLAS forced", \
     (peak > 0 ? peak : 1/0) with lines lw 2 dt 3 lc rgb "black" title sprintf("peak %.0f", peak)
