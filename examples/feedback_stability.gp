# z against the target A: mean-field solutions (filled: stable, open: unstable) and the attractors a
# finite-N network reaches.   gnuplot -e "dir='build'" examples/feedback_stability.gp
if (!exists("dir")) dir = 'build'
set terminal pngcairo size 900,600 font ",10"
set output dir.'/feedback_stability.png'
set title "Trained feedback network: fixed points of the read-out z against the target A"
set xlabel "target A"; set ylabel "read-out z at the fixed point"
set key top left
set grid
plot dir.'/feedback_meanfield.dat' using 1:($3 == 1 ? $2 : 1/0) with points pt 7 ps 1.2 lc rgb "#1f77b4" title "mean-field, stable", \
     dir.'/feedback_meanfield.dat' using 1:($3 == 0 ? $2 : 1/0) with points pt 6 ps 1.2 lc rgb "#1f77b4" title "mean-field, unstable", \
     dir.'/feedback_simulation.dat' using 1:2 with points pt 2 ps 1.5 lc rgb "#d62728" title "N = 1000 simulation, attractors", \
     x with lines dt 2 lc rgb "gray" title "z = A (the target)"
