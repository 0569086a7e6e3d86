# bench-share: time until a data set is readable on another host, per size
# (medians of the interleaved rounds; log scale). gnuplot -e "dat='share.dat'; out='share.png'" share.gp
set terminal pngcairo size 900,520 font ",10"
set output out
set termoption noenhanced
set title "bench-share: data set available on another host (lower is better)"
set ylabel "milliseconds (log scale)"
set logscale y
set yrange [0.01:*]
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left
set grid ytics
set xtics format ""
plot dat using 2:xtic(1) title "famfs handoff (median)", \
     '' using 3 title "famfs handoff + read every byte", \
     '' using 4 title "TCP copy, cold receive buffer", \
     '' using 5 title "TCP copy, pre-faulted receive buffer", \
     '' using 6 title "memcpy into pre-faulted memory", \
     '' using 7 title "shared ext4 image write + read"
