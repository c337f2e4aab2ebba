#!/usr/bin/env bash
# Peak memory (max RSS) and wall time of sweeps of 10 000 and 100 000 runs of the default
# scenario: memory must stay flat as the run count grows tenfold.
# Usage: benches/sweep_memory.sh [threads]   (needs GNU time: /usr/bin/time)
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-2}"
cargo build --release --quiet
out="$(mktemp -d)"
for n in 10k 100k; do
    /usr/bin/time -v ./target/release/plenum sweep "benches/fixtures/sweep-$n.ron" \
        --out "$out/$n" --threads "$threads" --quiet 2> "$out/time-$n.txt"
    rss=$(grep "Maximum resident set size" "$out/time-$n.txt" | awk '{print $6}')
    wall=$(grep "Elapsed (wall clock)" "$out/time-$n.txt" | awk '{print $8}')
    rows=$(($(wc -l < "$out/$n/runs.csv") - 1))
    echo "sweep-$n: $rows runs, $threads threads, wall $wall, max RSS ${rss} kB"
done
rm -rf "$out"
