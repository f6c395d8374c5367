#!/usr/bin/env bash
# Memory of the fullscreen saver over a real-time run under a private Xvfb:
# prints RSS (VmRSS) and CPU time every minute for $MINUTES minutes (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/trainsaver}
SIZE=${SIZE:-1920x1080}
MINUTES=${MINUTES:-10}
[ -x "$BIN" ] || cargo build --release
tck=$(getconf CLK_TCK)
tmp=$(mktemp -d)
Xvfb -displayfd 1 -screen 0 "${SIZE}x24" -nolisten tcp >"$tmp/display" 2>/dev/null &
xpid=$!
for _ in $(seq 100); do [ -s "$tmp/display" ] && break; sleep 0.1; done
DISPLAY=":$(head -1 "$tmp/display")" XDG_RUNTIME_DIR=$tmp XDG_CONFIG_HOME=$tmp "$BIN" --fullscreen --seed 42 2>/dev/null &
spid=$!
trap 'kill -TERM $spid 2>/dev/null; kill $xpid 2>/dev/null; rm -rf "$tmp"' EXIT
printf '%-7s %10s %12s\n' minute "RSS" "CPU so far"
for m in $(seq 0 "$MINUTES"); do
  [ "$m" -gt 0 ] && sleep 60
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$spid/status")
  cpu=$(awk '{print $14 + $15}' "/proc/$spid/stat")
  awk -v m="$m" -v r="$rss" -v c="$cpu" -v t="$tck" 'BEGIN { printf "%-7d %7.1f MB %10.2f s\n", m, r/1024, c/t }'
done
