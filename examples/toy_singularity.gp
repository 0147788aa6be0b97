# The loss surface of examples/toy_singularity.c with the stability boundary and each rule's path.
#   gnuplot -e "dir='build'" examples/toy_singularity.gp
if (!exists("dir")) dir = 'build'
set terminal pngcairo size 1100,800 font ",10"
set output dir.'/toy_singularity.png'
set title "log10 loss on the slice W = [[a, c], [c, b]]; paths projected onto (a, b); white: eigenvalue 1 (dW1 singular)"
set xlabel "a = W_{11}"; set ylabel "b = W_{22}"
set xrange [-0.6:1.2]; set yrange [-0.6:1.2]
set palette rgb 33,13,10
set cbrange [-6:6]
set key outside right top
plot dir.'/toy_surface.dat' using 1:2:3 with image notitle, \
     dir.'/toy_boundary.dat' using 1:2 with lines lc rgb "white" lw 2 title "eigenvalue of W = 1", \
     for [i=0:7] dir.'/toy_paths.dat' index i using 1:2 with linespoints pt 7 ps 0.4 lw 1.5 title columnheader(2)
