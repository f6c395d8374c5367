#!/usr/bin/env python3
"""Where the fullscreen saver's memory goes: resident set by mapping kind, per theme and layout.

Starts a private Xvfb (SIZE, default 1920x1080), runs `trainsaver --fullscreen --seed 42` with
each theme x layout for WARM seconds, then reads /proc/PID/smaps and sums Rss by kind: heap and
anonymous memory (frames, glyph cache, scrollback, catalog), the shared-memory image the X
server reads (SysV shm), the trainsaver binary, and shared libraries; plus VmHWM (peak).

    benches/memory.py
    THEMES=default LAYOUTS=terminal SIZE=3840x2160 benches/memory.py
"""

import os
import subprocess
import sys
import time

from window_spikes import start_xvfb

BIN = os.environ.get("BIN", "target/release/trainsaver")
THEMES = os.environ.get("THEMES", "default,phosphor").split(",")
LAYOUTS = os.environ.get("LAYOUTS", "terminal,dashboard").split(",")
SIZE = os.environ.get("SIZE", "1920x1080")
WARM = float(os.environ.get("WARM", "4"))


def kinds(pid):
    out = {"anon+heap": 0, "shm image": 0, "binary": 0, "libraries": 0, "other": 0}
    name = ""
    exe = os.path.realpath(f"/proc/{pid}/exe")
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = line.split()
            if "-" in head[0] and len(head) >= 5 and ":" not in head[0]:
                name = head[5] if len(head) > 5 else ""
            elif head[0] == "Rss:":
                kb = int(head[1])
                if name in ("", "[heap]", "[stack]") or name.startswith("[anon"):
                    out["anon+heap"] += kb
                elif name.startswith(("/SYSV", "/dev/shm/")):
                    out["shm image"] += kb
                elif os.path.realpath(name) == exe:
                    out["binary"] += kb
                elif ".so" in name:
                    out["libraries"] += kb
                else:
                    out["other"] += kb
    with open(f"/proc/{pid}/status") as f:
        hwm = next(int(l.split()[1]) for l in f if l.startswith("VmHWM"))
    return out, hwm


def main():
    if not os.access(BIN, os.X_OK):
        sys.exit(f"{BIN}: build it first (cargo build --release)")
    print(f"{BIN} --fullscreen on Xvfb {SIZE}, after {WARM:.0f} s; MB resident")
    print(f"{'theme':<10} {'layout':<10} | {'anon+heap':>9} {'shm':>6} {'binary':>6} {'libs':>6} "
          f"{'other':>6} | {'peak':>6}")
    for theme in THEMES:
        for layout in LAYOUTS:
            xvfb, env = start_xvfb(SIZE)
            saver = subprocess.Popen(
                [BIN, "--fullscreen", "--seed", "42", "--theme", theme, "--layout", layout],
                env=env, stderr=subprocess.DEVNULL)
            try:
                time.sleep(WARM)
                k, hwm = kinds(saver.pid)
            finally:
                saver.terminate()
                saver.wait()
                xvfb.terminate()
                xvfb.wait()
            mb = {n: v / 1024 for n, v in k.items()}
            print(f"{theme:<10} {layout:<10} | {mb['anon+heap']:9.1f} {mb['shm image']:6.1f} "
                  f"{mb['binary']:6.1f} {mb['libraries']:6.1f} {mb['other']:6.1f} | {hwm / 1024:6.1f}",
                  flush=True)


if __name__ == "__main__":
    main()
