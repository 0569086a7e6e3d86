# make bench-metadata: gnuplot -e "dat='PREFIX'; out='FILE.png'" bench/plots/metadata.gp
# PREFIX.creates: hosts aggregate per-host...; PREFIX.us: "label" microseconds;
# PREFIX.startup: "label" milliseconds.
set terminal pngcairo size 1500,480 font ",10"
set output out
set datafile missing "?"
set style fill solid 0.8 border -1
set grid ytics
set bmargin 6
set multiplot layout 1,3 title "famfs metadata: 3 famfsd on loopback over one fabric file"

set title "creates/s from 1, 2, 3 hosts at once"
set xlabel "hosts creating"
set ylabel "creates/s"
set yrange [0:*]
set style data histograms
set style histogram clustered gap 1
set key top right
plot dat.".creates" using 2:xtic(1) title "aggregate", \
     "" using 3 title "host 1 (master)", "" using 4 title "host 2", "" using 5 title "host 3"

set style data boxes
set boxwidth 0.6
set title "commit latency and replay lag (1 in flight)"
set xlabel ""
set ylabel "microseconds"
set logscale y
set yrange [*:*]
unset key
plot dat.".us" using 0:2:xtic(1) with boxes lc rgb "#4a7ab5", \
     "" using 0:2:(sprintf("%.0f", $2)) with labels offset 0,0.8

set title "joining host, 100k files in the log"
set ylabel "milliseconds"
plot dat.".startup" using 0:2:xtic(1) with boxes lc rgb "#b5754a", \
     "" using 0:2:(sprintf("%.1f", $2)) with labels offset 0,0.8
unset multiplot
