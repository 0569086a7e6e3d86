# bench-cluster: handoff of a data set vs copying it over TCP (log scale;
# lower is better). gnuplot -e "dat='cluster.dat'; out='cluster.png'" cluster.gp
set terminal pngcairo size 700,480 font ",10"
set output out
set termoption noenhanced
set title "bench-cluster: handoff vs TCP copy of the data set (lower is better)"
set ylabel "milliseconds (log scale)"
set logscale y
set yrange [0.1:*]
set style fill solid 0.8 border -1
set boxwidth 0.6
set grid ytics
unset key
plot dat using 0:2:xtic(1) with boxes lc rgb "#4a7fb0", \
     '' using 0:2:(sprintf("%.4g ms", $2)) with labels offset 0,1
