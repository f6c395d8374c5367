#!/usr/bin/env python3
"""Start and exit latency of the fullscreen saver on a real (Xvfb) window.

For each of TRIALS runs on a private Xvfb (SIZE, default 1920x1080) it spawns
`trainsaver --fullscreen --seed S` with TRAINSAVER_TRACE=1 and measures

  start: from just before spawning the process to the moment it reports its first frame handed
         to the X server (stderr line "first frame presented"; the frame is already full, the
         saver opening on a running job);
  exit:  from just before an XTEST key press (xdotool key space, sent 1 s after the first frame,
         past the input grace period) to the process's exit.

xdotool's own start-up is part of `exit` (the saver is often gone before xdotool itself has
exited); `xdotool getmouselocation` alone is timed for scale. Prints median, p95 (nearest rank), min and max. Needs Xvfb, xdotool and a release build (BIN).

    benches/latency.py
    TRIALS=20 SIZE=3840x2160 BIN=target/release/trainsaver benches/latency.py
"""

import os
import statistics
import subprocess
import sys
import time

from window_spikes import start_xvfb

BIN = os.environ.get("BIN", "target/release/trainsaver")
TRIALS = int(os.environ.get("TRIALS", "20"))
SIZE = os.environ.get("SIZE", "1920x1080")
ARGS = os.environ.get("ARGS", "").split()


def p95(ms):
    # Nearest rank: the value 95% of the trials do not exceed.
    s = sorted(ms)
    return s[max(0, -(-95 * len(s) // 100) - 1)]


def summary(name, ms):
    print(f"{name:<22} median {statistics.median(ms):7.1f} ms   p95 {p95(ms):7.1f}   min {min(ms):7.1f}"
          f"   max {max(ms):7.1f}   ({len(ms)} trials)")


def main():
    if not os.access(BIN, os.X_OK):
        sys.exit(f"{BIN}: build it first (cargo build --release)")
    xvfb, env = start_xvfb(SIZE)
    env.update(TRAINSAVER_TRACE="1")
    starts, exits, tool = [], [], []
    try:
        for trial in range(TRIALS):
            t0 = time.perf_counter()
            saver = subprocess.Popen([BIN, "--fullscreen", "--seed", str(100 + trial)] + ARGS,
                                     env=env, stderr=subprocess.PIPE, text=True)
            for line in saver.stderr:
                if "first frame presented" in line:
                    starts.append(1000 * (time.perf_counter() - t0))
                    break
            else:
                sys.exit(f"trial {trial}: the saver ended before its first frame")
            time.sleep(1.0)
            t1 = time.perf_counter()
            subprocess.run(["xdotool", "key", "space"], env=env, check=True)
            saver.wait(timeout=10)
            exits.append(1000 * (time.perf_counter() - t1))
            t2 = time.perf_counter()
            subprocess.run(["xdotool", "getmouselocation"], env=env, check=True,
                           stdout=subprocess.DEVNULL)
            tool.append(1000 * (time.perf_counter() - t2))
            time.sleep(0.3)
    finally:
        xvfb.terminate()
        xvfb.wait()
    print(f"{BIN} --fullscreen {' '.join(ARGS)} on Xvfb {SIZE}")
    summary("start to first frame", starts)
    summary("key press to exit", exits)
    summary("xdotool alone", tool)


if __name__ == "__main__":
    main()
