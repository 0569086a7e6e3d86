# make bench-scale: gnuplot -e "dat='PREFIX'; out='FILE.png'" bench/plots/scale.gp
# PREFIX.files: files creates/s p50_us p99_us rss_kb base_ms replay_ms ready_ms anon_kb
# PREFIX.hosts: hosts creates/s commit_p50_us commit_p99_us lag_p50_us lag_p99_us ("?" = none)
# PREFIX.ckpt: files creates/s max_us records_per_create (a small log filling up)
# PREFIX.churn: live_files calls/s max_us records_per_call (create/delete churn, same log)
set terminal pngcairo size 1950,1000 font ",10"
set output out
set datafile missing "?"
set grid
set key top left
set multiplot layout 2,3 title "famfs metadata: growth with file count (1 famfsd) and host count (famfsd on loopback)"

set title "creates/s as the namespace grows"
set logscale x
set xlabel "files in the namespace"
set ylabel "creates/s (64 in flight)"
set y2label "commit latency, 1 in flight (us)"
set yrange [0:*]
set y2range [*:*]
set ytics nomirror
set y2tics
set logscale y2
plot dat.".files" using 1:2 with linespoints lw 2 title "creates/s", \
     "" using 1:3 axes x1y2 with linespoints title "commit p50 (us)", \
     "" using 1:4 axes x1y2 with linespoints title "commit p99 (us)"

set title "replay and startup time (log-log; dashed: linear from the smallest size)"
unset y2label
unset logscale y2
unset y2tics
set ytics mirror
set logscale y
set yrange [*:*]
set ylabel "milliseconds"
stats dat.".files" every ::0::0 using 1 nooutput prefix "N"
stats dat.".files" every ::0::0 using 8 nooutput prefix "R"
plot dat.".files" using 1:6 with linespoints title "baseline: invalidate + copy + CRC32C", \
     "" using 1:7 with linespoints title "replay in process", \
     "" using 1:8 with linespoints lw 2 title "famfsd start to READY=1", \
     R_min * x / N_min with lines dt 2 lc rgb "gray" title "linear"

set title "famfsd memory (RSS) after creating"
set ylabel "MiB"
set y2label "bytes per file"
set ytics nomirror
set y2tics
set y2range [0:*]
plot dat.".files" using 1:($5 / 1024) with linespoints lw 2 title "RSS incl. mapped log (MiB)", \
     "" using 1:($9 / 1024) with linespoints lw 2 title "own memory, RssAnon (MiB)", \
     "" using 1:($9 * 1024 / $1) axes x1y2 with linespoints title "RssAnon / files (bytes, right axis)"

set title "growth with host count"
unset logscale
unset y2range
set logscale y
set xlabel "famfsd hosts (all creating at once)"
set ylabel "aggregate creates/s"
set y2label "microseconds"
set ytics nomirror
set y2tics
set logscale y2
set xtics (1, 2, 4, 8)
set xrange [0.5:8.5]
plot dat.".hosts" using 1:2 with linespoints lw 2 title "aggregate creates/s", \
     "" using 1:3 axes x1y2 with linespoints title "commit p50, master (us)", \
     "" using 1:5 axes x1y2 with linespoints title "replay lag p50 (us)", \
     "" using 1:6 axes x1y2 with linespoints title "replay lag p99 (us)"

set title "a 16 MiB log filling up with creates (no deletes)"
unset logscale
unset xtics
set xtics
set xrange [*:*]
set xlabel "files in the namespace (one famfsd, small log)"
set ylabel "creates/s"
set yrange [0:*]
set y2label "log records written per create"
set logscale y2
set y2range [*:*]
plot dat.".ckpt" using 1:2 with linespoints lw 2 title "creates/s", \
     "" using 1:4 axes x1y2 with linespoints title "records per create (right axis)"

set title "create/delete churn on the same log: checkpoints"
set xlabel "live files while creating and deleting"
set ylabel "calls/s"
set y2label "log records per call; worst call (ms)"
plot dat.".churn" using 1:2 with linespoints lw 2 title "calls/s", \
     "" using 1:4 axes x1y2 with linespoints title "records per call (right axis)", \
     "" using 1:($3 / 1000) axes x1y2 with linespoints title "worst call, ms (right axis)"
unset multiplot
