# bench-vm: famfs and ext4 -o dax relative to devdax on the same memory in
# the same VM (higher is better, 1.0 = as fast as devdax).
# gnuplot -e "dat='vm.dat'; out='vm.png'" vm.gp
set terminal pngcairo size 900,520 font ",10"
set output out
set termoption noenhanced
set title "bench-vm: mmap access vs devdax in one qemu TCG VM (ratios; higher is better)"
set ylabel "ratio vs devdax"
set yrange [0:*]
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left Left reverse width 2
set grid ytics
set xtics rotate by -20
plot dat using 2:xtic(1) title "famfs / devdax", \
     '' using 3 title "ext4 -o dax / devdax", \
     1 with lines dashtype 2 lc rgb "black" title "devdax"
