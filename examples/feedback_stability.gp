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

# Phase diagram: number of stable mean-field solutions over (c_m, c_I), with the simulated checks.
set output dir.'/feedback_phase.png'
set title "Mean-field phase diagram (g = 0.5, u = 1): stable fixed points over the read-out overlaps (c_m, c_I)"
set xlabel "c_m (overlap of n with the feedback m)"; set ylabel "c_I (overlap of n with the input I)"
set key below
unset grid
set xrange [-0.1:4.1]; set yrange [-1.58:1.58]
set cbrange [0:3]; set cbtics 1; set cblabel "solutions: colour = number stable"
set palette defined (0 "#ffffff", 1 "#9ecae1", 2 "#3182bd", 3 "#08519c")
plot dir.'/feedback_phase.dat' using 1:2:4 with image notitle, \
     dir.'/feedback_phase.dat' using 1:($3 == 3 ? $2 : 1/0) with points pt 1 ps 0.6 lc rgb "black" title "3 solutions (one a saddle)", \
     dir.'/feedback_phase_checks.dat' using 1:2:(sprintf("sim %d / mf %d", $6, $4)) with labels point pt 7 ps 1.5 lc rgb "#d62728" offset 0,1 title "N = 1000 simulation: stable attractors / predicted"

# Spectra at the target A = 1: the eigenvalues of W diag(phi') with the bulk circle and the predicted outlier.
set terminal pngcairo size 1300,640 font ",10"
set output dir.'/feedback_spectra.png'
unset colorbox
set xrange [-0.3:0.3]; set yrange [-0.3:0.3]
set multiplot layout 1,2 title "Spectra of W diag(phi') at the target fixed point (N = 1000, A = 1)"
set size ratio -1
set xlabel "Re lambda"; set ylabel "Im lambda"
set key inside top right font ",9"
set grid
stats dir.'/feedback_spectra_predicted.dat' every ::0::0 using 2:3 nooutput
b2 = STATS_min_x; o2 = STATS_min_y
stats dir.'/feedback_spectra_predicted.dat' every ::1::1 using 4 nooutput
b3 = STATS_min
set parametric; set trange [0:2*pi]
set title "read-out along (1, 1, 0.3), teacher-forced"
plot dir.'/feedback_spectra.dat' index 0 using 2:3 with points pt 7 ps 0.4 lc rgb "#1f77b4" title "eigenvalues", \
     b2*cos(t), b2*sin(t) with lines lc rgb "#ff7f0e" lw 2 title "mean-field bulk radius", \
     o2, 0 with points pt 2 ps 2.5 lw 2 lc rgb "#d62728" title "mean-field outlier"
set title "read-out trained by least squares"
plot dir.'/feedback_spectra.dat' index 1 using 2:3 with points pt 7 ps 0.4 lc rgb "#1f77b4" title "eigenvalues", \
     b3*cos(t), b3*sin(t) with lines lc rgb "#ff7f0e" lw 2 title "g sqrt(<phi'^2>), the network's gains"
unset multiplot
