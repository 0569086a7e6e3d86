# bench-meta: metadata log rates next to their raw baselines (higher is better).
# gnuplot -e "dat='meta.dat'; out='meta.png'" meta.gp
set terminal pngcairo size 900,520 font ",10"
set output out
set termoption noenhanced
set title "bench-meta: metadata records per second (higher is better)"
set ylabel "records / s (log scale)"
set logscale y
set yrange [1000:*]
set style fill solid 0.8 border -1
set boxwidth 0.6
set grid ytics
set xtics rotate by -25 font ",8"
set bmargin 9
unset key
plot dat using 0:2:xtic(1) with boxes lc rgb "#4a7fb0"
