#!/usr/bin/env bash
# CPU and memory of the fullscreen saver under a private Xvfb (no window manager).
#
#   benches/window_cpu.sh [PRESENTER...]     # presenters: auto (default), cpu, gpu
#
# For each presenter it starts Xvfb at $SIZE, runs `trainsaver --fullscreen` with default
# settings, waits $WARM seconds, then reads /proc CPU time of trainsaver and of the X server
# over $SECS seconds, and the saver's peak RSS (VmHWM). Needs Xvfb and a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/trainsaver}
SIZE=${SIZE:-1920x1080}
WARM=${WARM:-10}
SECS=${SECS:-60}
[ -x "$BIN" ] || cargo build --release
presenters=("$@")
[ ${#presenters[@]} -gt 0 ] || presenters=(auto)
tck=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

printf '%-10s %-10s %16s %16s %14s\n' presenter size "trainsaver CPU" "Xvfb CPU" "peak RSS"
for p in "${presenters[@]}"; do
  tmp=$(mktemp -d)
  Xvfb -displayfd 1 -screen 0 "${SIZE}x24" -nolisten tcp >"$tmp/display" 2>/dev/null &
  xpid=$!
  for _ in $(seq 100); do [ -s "$tmp/display" ] && break; sleep 0.1; done
  disp=":$(head -1 "$tmp/display")"
  DISPLAY=$disp XDG_RUNTIME_DIR=$tmp XDG_CONFIG_HOME=$tmp "$BIN" --fullscreen --seed 42 --presenter "$p" 2>"$tmp/err" &
  spid=$!
  sleep "$WARM"
  s0=$(cpu_ticks $spid); x0=$(cpu_ticks $xpid)
  sleep "$SECS"
  s1=$(cpu_ticks $spid); x1=$(cpu_ticks $xpid)
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$spid/status")
  kill -TERM $spid; wait $spid || true
  kill $xpid; wait $xpid 2>/dev/null || true
  awk -v p="$p" -v sz="$SIZE" -v s=$((s1 - s0)) -v x=$((x1 - x0)) -v t="$tck" -v d="$SECS" -v r="$rss" \
    'BEGIN { printf "%-10s %-10s %15.2f%% %15.2f%% %11.1f MB\n", p, sz, 100*s/t/d, 100*x/t/d, r/1024 }'
  rm -rf "$tmp"
done
