#!/usr/bin/env bash
# Sweep speed against the number of worker threads, on a many-core machine: the P4 sweep
# (1000 runs) and a 20 000-run sweep (benches/data/p4-20k-sweep.ron), each timed ROUNDS times
# per thread count, alternating thread counts within a round; prints the median wall time,
# the speed-up over 1 thread, and checks that runs.csv has the same bytes on every count.
#   benches/many-core.sh [PLENUM_BINARY] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/plenum}
out=${2:-out/many-core}
rounds=${ROUNDS:-5}
cores=$(nproc)
threads="1 2 4 8 $cores"
threads=$(printf '%s\n' $threads | awk -v c="$cores" '$1 <= c' | sort -n | uniq | tr '\n' ' ')
mkdir -p "$out"
echo "machine: $cores cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
for sweep in scenarios/validation/p4-sweep.ron benches/data/p4-20k-sweep.ron; do
    name=$(basename "$sweep" .ron)
    : > "$out/$name.times"
    for r in $(seq "$rounds"); do
        for t in $threads; do
            dir="$out/$name-t$t"
            rm -rf "$dir"
            s=$(date +%s%N)
            "$bin" sweep "$sweep" --threads "$t" --quiet --out "$dir" > /dev/null
            e=$(date +%s%N)
            echo "$t $(( (e - s) / 1000000 ))" >> "$out/$name.times"
        done
    done
    echo "== $name ($rounds rounds)"
    base=""
    for t in $threads; do
        med=$(awk -v t="$t" '$1 == t {print $2}' "$out/$name.times" | sort -g |
            awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
        [ -z "$base" ] && base=$med
        sum=$(sha256sum < "$out/$name-t$t/runs.csv" | cut -c1-16)
        awk -v t="$t" -v m="$med" -v b="$base" -v s="$sum" 'BEGIN {
            printf "threads %3d  median %8.3f s  speed-up %6.2f  runs.csv sha256 %s\n", t, m / 1000, b / m, s }' 
    done
done
