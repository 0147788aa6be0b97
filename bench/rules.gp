# Loss against steps and against seconds, seed 1, per rule and family (bench/rules.sh report calls this).
if (!exists("dir")) dir = 'bench/results'
set terminal pngcairo size 1400,900 font ",9"
# one group per family when there are several (full runs), else whatever was run
fams = system("for f in linear-lr1 linear teacher128 teacher64 teacher256 feedback-lr1 feedback fashion; do [ -f ".dir."/curve-$f-dW1-s1.dat ] && echo $f; done | head -6")
if (words(fams) == 0) fams = system("ls ".dir."/curve-*-dW1-s1.dat 2>/dev/null | sed 's|.*/curve-||; s|-dW1-s1.dat||' | head -6")
nf = words(fams)
cols = nf > 3 ? 3 : nf
rows = (nf + cols - 1) / cols
set logscale y
set grid
set key top right
do for [xcol in "1 2"] {
  set output dir.(xcol eq "1" ? '/rules-steps.png' : '/rules-seconds.png')
  set multiplot layout rows, cols title (xcol eq "1" ? "loss against steps" : "loss against seconds (in-process)")
  do for [i = 1:nf] {
    f = word(fams, i)
    set title f
    set xlabel (xcol eq "1" ? "step" : "seconds")
    plot for [r = 1:4] dir.'/curve-'.f.'-dW'.r.'-s1.dat' using (column(int(xcol))):3 with lines lw 2 title 'dW'.r
  }
  unset multiplot
}
