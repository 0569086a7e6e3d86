#!/usr/bin/env bash
# make bench-plots: regenerate bench/results/NAME.png from NAME.dat for
# every bench/plots/NAME.gp (or only the NAMEs given).
set -uo pipefail
. bench/bench_lib.sh
rc=0
names=("$@")
[ ${#names[@]} -gt 0 ] || for gp in bench/plots/*.gp; do names+=("$(basename "$gp" .gp)"); done
for n in "${names[@]}"; do bench_plot "$n" || rc=1; done
exit $rc
