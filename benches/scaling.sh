#!/usr/bin/env bash
# The size-scaling table (issue 12): chains, trees and meshes of 10 to 10 000 compartments of
# air (1 cm2 orifices between neighbours, a 1 mm2 leak to space), a 30-day run with daily
# outputs, default tolerances, the Jacobian chosen as a run would (dense up to 128 states,
# sparse above). Per row: the median wall time per run over REPEATS runs in one process, its
# peak resident memory (/usr/bin/time), and the work counts of one run. Then the exponent b
# of time ~ links^b, least squares on log-log over the sparse rows (300..10 000 compartments)
# per topology: below 129 states the dense path's cost grows with the cube of the state.
#   benches/scaling.sh [DAYS] [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
days=${1:-30}
repeats=${2:-3}
cargo build --release --example scaling -p plenum-physics >/dev/null 2>&1
bin=target/release/examples/scaling
echo "| topology | compartments | links | states | Jacobian | ms per run (median of $repeats) | peak RSS MB | steps | RHS | JVP | Jacobians | LU |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
rows=$(mktemp)
for topo in chain tree mesh; do
    for n in 10 100 300 1000 3000 10000; do
        line=$(/usr/bin/time -f "rss_kb=%M" "$bin" "$topo" "$n" "$days" auto "$repeats" 2>&1)
        echo "$line" | tr ' ' '\n' | awk -F= -v topo="$topo" '
            NF == 2 { v[$1] = $2 }
            END {
                printf "| %s | %s | %s | %s | %s | %.2f | %.0f | %s | %s | %s | %s | %s |\n",
                    topo, v["compartments"], v["links"], v["states"], v["jacobian"], v["ms_per_run"],
                    v["rss_kb"] / 1024, v["steps"], v["rhs"], v["jvp"], v["jacobians"], v["lu"]
            }' | tee -a "$rows"
    done
done
echo
echo "Fitted exponent b in time ~ links^b (sparse rows, 300 to 10 000 compartments):"
awk -F'|' '{ gsub(/ /, "", $2); gsub(/ /, "", $4); gsub(/ /, "", $6); gsub(/ /, "", $7);
             if ($6 == "sparse") { n[$2]++; x = log($4); y = log($7);
                 sx[$2] += x; sy[$2] += y; sxx[$2] += x * x; sxy[$2] += x * y } }
     END { for (t in n) { b = (n[t] * sxy[t] - sx[t] * sy[t]) / (n[t] * sxx[t] - sx[t] * sx[t]);
                          printf "  %s: b = %.2f\n", t, b } }' "$rows"
rm -f "$rows"
