#!/usr/bin/env python3
"""trainsaver beside its peers, measured in one run: the same log stream shown by the
fullscreen saver (default theme, phosphor theme, dashboard), by xterm running `trainsaver tty`,
and by XScreenSaver's Phosphor hack reading `trainsaver tty`.

Each program gets a private Xvfb (SIZE, default 1920x1080, no window manager), WARM seconds to
settle, then SECS one-second samples of its CPU and of the X server's; prints mean, p99 and max
per-second CPU (% of one core) and peak RSS of the program (for xterm and Phosphor, the terminal
program itself; the `trainsaver tty` feeding them is listed on its own line).

    benches/peers.py
    SECS=60 SIZE=3840x2160 benches/peers.py

Needs Xvfb, xterm, xscreensaver-data-extra (Phosphor) and a release build (BIN).
"""

import os
import shutil
import subprocess
import sys
import time

from window_spikes import hwm_kib, start_xvfb, stats, ticks

BIN = os.path.abspath(os.environ.get("BIN", "target/release/trainsaver"))
SIZE = os.environ.get("SIZE", "1920x1080")
WARM = float(os.environ.get("WARM", "5"))
SECS = int(os.environ.get("SECS", "30"))
TCK = os.sysconf("SC_CLK_TCK")
PHOSPHOR = next((p for p in ("/usr/libexec/xscreensaver/phosphor", "/usr/lib/xscreensaver/phosphor")
                 if os.access(p, os.X_OK)), None)
TTY = f"{BIN} tty --seed 42"

PROGRAMS = [
    ("trainsaver --fullscreen", [BIN, "--fullscreen", "--seed", "42"]),
    ("trainsaver --theme phosphor", [BIN, "--fullscreen", "--seed", "42", "--theme", "phosphor"]),
    ("trainsaver --layout dashboard", [BIN, "--fullscreen", "--seed", "42", "--layout", "dashboard"]),
    ("xterm + trainsaver tty", ["xterm", "-fa", "Monospace", "-fs", "16", "-geometry", "160x45+0+0",
                                "-e", TTY]),
    ("Phosphor + trainsaver tty", [PHOSPHOR, "-root", "-program", TTY] if PHOSPHOR else None),
]


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except FileNotFoundError:
        return []


def measure(name, args):
    if args is None or shutil.which(args[0]) is None:
        print(f"{name:<30} skipped: {args[0] if args else 'phosphor'} is not installed")
        return
    xvfb, env = start_xvfb(SIZE)
    prog = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(WARM)
        feeders = [c for c in children(prog.pid)]
        # xterm runs the command through a shell or directly; Phosphor through /bin/sh -c.
        feeders += [g for c in feeders for g in children(c)]
        feeder = next((p for p in feeders if os.path.realpath(f"/proc/{p}/exe") == BIN), None)
        p_cpu, x_cpu, f_cpu = [], [], []
        p0, x0 = ticks(prog.pid), ticks(xvfb.pid)
        f0 = ticks(feeder) if feeder else 0
        for _ in range(SECS):
            time.sleep(1)
            p1, x1 = ticks(prog.pid), ticks(xvfb.pid)
            p_cpu.append(100 * (p1 - p0) / TCK)
            x_cpu.append(100 * (x1 - x0) / TCK)
            p0, x0 = p1, x1
            if feeder:
                f1 = ticks(feeder)
                f_cpu.append(100 * (f1 - f0) / TCK)
                f0 = f1
        rss = hwm_kib(prog.pid) / 1024
        f_rss = hwm_kib(feeder) / 1024 if feeder else 0
    finally:
        prog.terminate()
        prog.wait()
        xvfb.terminate()
        xvfb.wait()
    pm, pp, px = stats(p_cpu)
    xm, xp, xx = stats(x_cpu)
    print(f"{name:<30} | {pm:6.2f} {pp:6.1f} {px:6.1f} | {xm:6.2f} {xp:6.1f} {xx:6.1f} | {rss:7.1f}",
          flush=True)
    if f_cpu:
        fm, fp, fx = stats(f_cpu)
        print(f"{'  (its trainsaver tty)':<30} | {fm:6.2f} {fp:6.1f} {fx:6.1f} | {'':>6} {'':>6} {'':>6} |"
              f" {f_rss:7.1f}", flush=True)


def main():
    if not os.access(BIN, os.X_OK):
        sys.exit(f"{BIN}: build it first (cargo build --release)")
    print(f"Xvfb {SIZE}, {SECS} one-second samples after {WARM:.0f} s; CPU in % of one core")
    print(f"{'program':<30} | {'mean':>6} {'p99':>6} {'max':>6} | {'X mean':>6} {'X p99':>6} "
          f"{'X max':>6} | {'RSS MB':>7}")
    for name, args in PROGRAMS:
        measure(name, args)


if __name__ == "__main__":
    main()
