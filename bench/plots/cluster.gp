# bench-cluster: handoff of a data set vs its baselines: median of the
# interleaved rounds, bars from min to max (log scale; lower is better).
# gnuplot -e "dat='cluster.dat'; out='cluster.png'" cluster.gp
# dat columns: what min_ms median_ms max_ms
set terminal pngcairo size 800,480 font ",10"
set output out
set termoption noenhanced
set title "bench-cluster: handoff vs copies of the data set (median, min-max; lower is better)"
set ylabel "milliseconds (log scale)"
set logscale y
set yrange [0.01:*]
set style fill solid 0.8 border -1
set boxwidth 0.6
set grid ytics
unset key
plot dat using 0:3:xtic(1) with boxes lc rgb "#4a7fb0", \
     '' using 0:3:2:4 with yerrorbars lc rgb "black" pt 0, \
     '' using 0:3:(sprintf("%.4g ms", $3)) with labels offset 0,1
