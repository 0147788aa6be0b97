# Loss and batch accuracy against training steps, one line per rule and learning rate.
#   gnuplot -e "datafile='build/compare_rules.dat'; outfile='build/compare_rules.png'" examples/compare_rules.gp
if (!exists("datafile")) datafile = 'build/compare_rules.dat'
if (!exists("outfile")) outfile = 'build/compare_rules.png'
set terminal pngcairo size 1400,560 font ",10"
set output outfile
set multiplot layout 1,2 title "fixpoint.h: learning rules on the recurrent network (Fashion-MNIST subset)"
set key outside right top
# one colour per rule, one dash per learning rate (three rates per rule, as compare_rules runs)
set xlabel "training step"
set ylabel "training loss (batch, cross-entropy)"
set grid
stats datafile using 1 nooutput
nblocks = STATS_blocks
plot for [i=0:nblocks-1] datafile index i using 1:2 with lines lw 1.5 linecolor (i/3+1) dashtype 1+i%3 title columnheader(2)
set ylabel "training accuracy (batch)"
plot for [i=0:nblocks-1] datafile index i using 1:3 with lines lw 1.5 linecolor (i/3+1) dashtype 1+i%3 title columnheader(2)
unset multiplot
