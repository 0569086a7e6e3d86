# bench-rpc: famfsd RPC rates as a ratio of a raw ping-pong over the same
# transport (1.0 = as fast as raw; higher is better).
# gnuplot -e "dat='rpc.dat'; out='rpc.png'" rpc.gp
set terminal pngcairo size 900,520 font ",10"
set output out
set termoption noenhanced
set title "bench-rpc: famfsd RPCs vs raw ping-pong on the same transport (higher is better)"
set ylabel "ratio of raw"
set yrange [0:*]
set style fill solid 0.8 border -1
set boxwidth 0.6
set grid ytics
set xtics rotate by -25 font ",8"
set bmargin 10
set key top left
plot dat using 0:2:xtic(1) with boxes lc rgb "#4a7fb0" title "famfsd / raw", \
     1 with lines dashtype 2 lc rgb "black" title "raw"
