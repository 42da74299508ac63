#!/usr/bin/env bash
# Where the firing path's time goes: the firing-lag benchmark (50 schedules every 2 s) with dotnet-counters attached for
# the whole window, the CPU the benchmark's process and Azurite each used over it, and a summary of the counters.
# usage: benchmarks/profile/profile-firing.sh [seconds=60]   (writes benchmarks/results/firing-profile-counters.csv and
# prints the summary tables; needs dotnet-counters: dotnet tool install --tool-path /tmp/tools dotnet-counters)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
counters=${DOTNET_COUNTERS:-/tmp/tools/dotnet-counters}
out=benchmarks/results
log=$(mktemp)
dotnet build -c Release benchmarks/FunctionsScheduler.Benchmarks -v q -nologo >/dev/null
dotnet benchmarks/FunctionsScheduler.Benchmarks/bin/Release/net10.0/FunctionsScheduler.Benchmarks.dll firing-lag --schedules 50 --cron "*/2 * * * * *" --seconds "$seconds" --report firing-profile-lag 2>"$log" &
bench=$!
until grep -q "occurrences in" "$log"; do sleep 0.2; done
azurite=$(ps -eo pid,args | awk '/node .*azurite/ && !/awk/ {print $1; exit}')
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
"$counters" collect -p "$bench" --counters System.Runtime,FunctionsScheduler --refresh-interval 1 --maxHistograms 200 --maxTimeSeries 5000 \
    --duration "$(printf '00:00:%02d:%02d' $(((seconds + 8) / 60)) $(((seconds + 8) % 60)))" --format csv -o "$out/firing-profile-counters.csv" >/dev/null &
collector=$!
sleep 8   # the window opens about 8 s after the schedules are created
h0=$(ticks "$bench"); a0=$(ticks "$azurite")
sleep "$seconds"
h1=$(ticks "$bench"); a1=$(ticks "$azurite")
wait "$collector" || true
wait "$bench"
grep -E "window \+|did not fire" "$log" || true
echo
echo "CPU over the ${seconds} s window (clock ticks, 100 = one core-second): benchmark process (host + probes) $((h1 - h0)), Azurite $((a1 - a0))"
echo
# Only the window's seconds: its line names them as [HH:mm:ss, HH:mm:ss); counters are stamped in local time (UTC here).
window=$(sed -n 's/.*occurrences in \[\([0-9:]*\), \([0-9:]*\).*/\1 \2/p' "$log" | head -1)
python3 benchmarks/profile/summarize-counters.py "$out/firing-profile-counters.csv" 25 $window
rm -f "$log"
