# charts.gp: bench/compare's two charts, from DIR/conns.tsv and DIR/p99.tsv
# (a row per concurrency, a column per server, "?" where none: first the
# NECHO built-in echo servers, forkd first, then the exec /bin/cat ones,
# forkd-cat first).
#	gnuplot -e "dir='DIR'; ncol=N; necho=NECHO" bench/charts.gp
# writes DIR/conns.png (connections/s against concurrency) and DIR/p99.png.
set terminal pngcairo size 760,440 font ",9" noenhanced
set datafile separator "\t"
set datafile missing "?"
set key outside right top
set logscale x 2
set xrange [0.8:170]
set xtics (1, 2, 4, 8, 16, 32, 64, 128, 256)
set xlabel "concurrent clients"
set grid
set linetype 1 lc rgb "#d62728" lw 1.5 pt 7
set linetype 2 lc rgb "#1f77b4" lw 1.5 pt 5
set linetype 3 lc rgb "#2ca02c" lw 1.5 pt 9
set linetype 4 lc rgb "#9467bd" lw 1.5 pt 11
set linetype 5 lc rgb "#ff7f0e" lw 1.5 pt 13
set linetype 6 lc rgb "#8c564b" lw 1.5 pt 4
set linetype 7 lc rgb "#e377c2" lw 1.5 pt 6
set linetype 8 lc rgb "#7f7f7f" lw 1.5 pt 8
set linetype 9 lc rgb "#bcbd22" lw 1.5 pt 10
set linetype 10 lc rgb "#17becf" lw 1.5 pt 12
set linetype 11 lc rgb "#000000" lw 1.5 pt 14
set linetype 12 lc rgb "#aec7e8" lw 1.5 pt 1
set linetype 13 lc rgb "#98df8a" lw 1.5 pt 2
set linetype 14 lc rgb "#ffbb78" lw 1.5 pt 3
set linetype cycle 14

# Solid: built-in echo; dashed: exec /bin/cat; forkd's two lines thick.
style(i) = (i - 1 <= necho) ? 1 : 2
width(i) = (i == 2 || i == necho + 2) ? 3 : 1.5
set key title "solid: built-in echo\ndashed: exec /bin/cat"

set output dir . "/conns.png"
set title "connections per second (median of the rounds; higher is better)"
set ylabel "connections/s"
set yrange [0:*]
plot for [i=2:ncol] dir . "/conns.tsv" using 1:i with linespoints lt (i - 1) \
	dt style(i) lw width(i) title columnhead(i)

set output dir . "/p99.png"
set title "p99 latency, connect to close (median of the rounds; lower is better)"
set ylabel "ms"
set logscale y
set yrange [*:*]
plot for [i=2:ncol] dir . "/p99.tsv" using 1:i with linespoints lt (i - 1) \
	dt style(i) lw width(i) title columnhead(i)
