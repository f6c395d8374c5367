#!/usr/bin/env python3
"""Per-second CPU of the fullscreen saver and of its X server, to find spikes.

For every combination of theme x layout x size x join point it starts a private Xvfb, runs
`trainsaver --fullscreen --seed 42` (JOIN: `start` = --from-start, the job's launch; `auto` =
the default, joining the running job at the seed's moment; a duration such as `3h` = a shared
run started that long ago, --sync-epoch; `validation`, `checkpoint`, `incident`, `run-change` =
a shared run joined so that the first such moment of seed 42's stream falls 8 s into the
samples, found by reading `trainsaver tty --fast` for the same seed), waits WARM
seconds, then samples /proc every second for SECS seconds and prints, for the saver and for Xvfb,
the mean, p99 and max of per-second CPU (% of one core), the saver's wakeups per second
(context switches of all its threads) and its peak RSS (VmHWM).

    benches/window_spikes.py                       # defaults below
    THEMES=default,phosphor LAYOUTS=terminal SIZES=1920x1080 JOINS=0,3h SECS=30 benches/window_spikes.py

Needs Xvfb and a release build (BIN, default target/release/trainsaver).
"""

import datetime
import os
import subprocess
import sys
import tempfile
import time

BIN = os.environ.get("BIN", "target/release/trainsaver")
THEMES = os.environ.get("THEMES", "default,phosphor").split(",")
LAYOUTS = os.environ.get("LAYOUTS", "terminal,dashboard").split(",")
SIZES = os.environ.get("SIZES", "1920x1080,3840x2160").split(",")
JOINS = os.environ.get("JOINS", "start,auto,3h").split(",")
WARM = float(os.environ.get("WARM", "5"))
SECS = int(os.environ.get("SECS", "30"))
TCK = os.sysconf("SC_CLK_TCK")


def ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def switches(pid):
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass  # a thread ended between listing and reading
    return total


def hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM"):
                return int(line.split()[1])
    return 0


EVENTS = {
    "validation": "INFO Validation @",
    "checkpoint": "INFO Checkpoint saved",
    "incident": ("Watchdog caught", "Loss spike", "Straggler detected"),
    "run-change": "$ srun ",
}


def event_time(kind):
    """Seconds from the run's start to the first `kind` moment of seed 42's stream."""
    start = datetime.datetime(2026, 1, 1, 0, 0, 0)
    out = subprocess.run(
        [BIN, "tty", "--seed", "42", "--fast", "--duration", "14d", "--no-color",
         "--start", start.strftime("%Y-%m-%d %H:%M:%S")],
        capture_output=True, text=True, check=True).stdout
    marks = EVENTS[kind] if isinstance(EVENTS[kind], tuple) else (EVENTS[kind],)
    lines = out.splitlines()
    hits = [i for i, l in enumerate(lines) if any(m in l for m in marks)]
    # The first prompt is the first run's launch; a run change is the second.
    hits = hits[1:] if kind == "run-change" else hits
    for i in hits[:1]:
        # The moment is the first timestamped line from there (a prompt has none).
        for line in lines[i:]:
            if line.startswith("[20"):
                at = datetime.datetime.strptime(line[1:20], "%Y-%m-%d %H:%M:%S")
                return (at - start).total_seconds()
    raise SystemExit(f"no {kind} in 14 days of seed 42")


def seconds(join):
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if join in ("start", "auto"):
        return 0
    if join in EVENTS:
        return max(event_time(join) - WARM - 8, 1)
    return float(join[:-1]) * units[join[-1]]


def start_xvfb(size):
    """A private Xvfb at `size` (it picks a free display itself) and an environment for its
    clients, with their own config and runtime directories."""
    tmp = tempfile.mkdtemp()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", "1", "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    display = ":" + xvfb.stdout.readline().decode().strip()
    env = dict(os.environ, DISPLAY=display, XDG_RUNTIME_DIR=tmp, XDG_CONFIG_HOME=tmp)
    env.pop("WAYLAND_DISPLAY", None)
    return xvfb, env


def stats(values):
    v = sorted(values)
    p99 = v[min(len(v) - 1, int(round(0.99 * (len(v) - 1))))]
    return sum(v) / len(v), p99, v[-1]


def run(theme, layout, size, join):
    args = [BIN, "--fullscreen", "--seed", "42", "--theme", theme, "--layout", layout]
    if join == "start":
        args.append("--from-start")
    if seconds(join) > 0:
        epoch = datetime.datetime.now() - datetime.timedelta(seconds=seconds(join))
        args += ["--sync-epoch", epoch.strftime("%Y-%m-%d %H:%M:%S")]
    xvfb, env = start_xvfb(size)
    saver = subprocess.Popen(args, env=env, stderr=subprocess.DEVNULL)
    try:
        time.sleep(WARM)
        s_cpu, x_cpu = [], []
        s0, x0, w0 = ticks(saver.pid), ticks(xvfb.pid), switches(saver.pid)
        for _ in range(SECS):
            time.sleep(1)
            s1, x1 = ticks(saver.pid), ticks(xvfb.pid)
            s_cpu.append(100 * (s1 - s0) / TCK)
            x_cpu.append(100 * (x1 - x0) / TCK)
            s0, x0 = s1, x1
        wakeups = (switches(saver.pid) - w0) / SECS
        rss = hwm_kib(saver.pid) / 1024
    finally:
        saver.terminate()
        saver.wait()
        xvfb.terminate()
        xvfb.wait()
    sm, sp, sx = stats(s_cpu)
    xm, xp, xx = stats(x_cpu)
    print(f"{theme:<10} {layout:<10} {size:<10} {join:>5} | "
          f"{sm:6.2f} {sp:6.1f} {sx:6.1f} | {xm:6.2f} {xp:6.1f} {xx:6.1f} | "
          f"{wakeups:7.1f} {rss:7.1f}", flush=True)


def main():
    if not os.access(BIN, os.X_OK):
        sys.exit(f"{BIN}: build it first (cargo build --release)")
    print(f"{SECS} one-second samples after {WARM:.0f} s; CPU in % of one core")
    print(f"{'theme':<10} {'layout':<10} {'size':<10} {'join':>5} | "
          f"{'mean':>6} {'p99':>6} {'max':>6} | {'X mean':>6} {'X p99':>6} {'X max':>6} | "
          f"{'wake/s':>7} {'RSS MB':>7}")
    for size in SIZES:
        for theme in THEMES:
            for layout in LAYOUTS:
                for join in JOINS:
                    run(theme, layout, size, join)


if __name__ == "__main__":
    main()
