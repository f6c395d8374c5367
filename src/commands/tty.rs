//! `tty` mode: the run as ANSI text on stdout, paced in real time or as fast as possible.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::cli::TtyArgs;
use crate::pipeline::{Feed, TimedOp};
use crate::present::ansi::AnsiWriter;

use crate::error::{AppError, IoFailure};
use crate::follow::Follow;
use crate::runtime::clock_watch::ClockWatch;
use crate::settings::{Settings, now_start};

/// Simulated time generated per batch in fast mode (bounds memory for long durations).
const FAST_CHUNK: Duration = Duration::from_secs(60);
/// Job time written at once when joining a running job: about a screenful of lines.
const RECENT: Duration = Duration::from_secs(600);
/// Longest sleep between checks for Ctrl-C.
const TICK: Duration = Duration::from_millis(50);

/// Runs `tty`; Ctrl-C ends it with the terminal restored.
pub fn run(s: &Settings, args: &TtyArgs) -> Result<(), AppError> {
    let now = now_start();
    let s = &s.synced(now);
    let (start, elapsed) = s.live_origin(now);
    s.announce_seed();
    let stop = Arc::new(AtomicBool::new(false));
    // Without handlers Ctrl-C (or a SIGTERM, a closed terminal) would leave wrapping off and
    // colours set: the loop sees the flag and restores the terminal.
    for sig in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(sig, stop.clone())
            .map_err(|e| IoFailure::new("cannot handle Ctrl-C", e))?;
    }
    let stdout = std::io::stdout();
    let tty = stdout.is_terminal();
    let cols = if tty {
        crate::present::ansi::terminal_cols()
    } else {
        None
    };
    let mut w = AnsiWriter::new(stdout.lock(), tty, !args.no_color).with_cols(cols);
    let io = |e: std::io::Error| AppError::from(IoFailure::new("writing to stdout", e));
    w.begin().map_err(io)?;
    if let Some(follow) = s.following(start) {
        let written = follow_log(follow, &mut w, args, &stop);
        return match written {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(io(e)),
            Ok(()) => w
                .finish()
                .or_else(|e| match e.kind() {
                    std::io::ErrorKind::BrokenPipe => Ok(()),
                    _ => Err(e),
                })
                .map_err(io),
        };
    }
    let mut sim = s.feed(start);
    let join = elapsed.mul_f64(s.config.speed);
    let clock = Clocks {
        watch: ClockWatch::start(),
        synced: s.sync_epoch.is_some(),
        fresh: &|| s.feed(start),
    };
    let written = catch_up(&mut sim, &mut w, join)
        .and_then(|()| pump(&mut sim, &mut w, args, s.config.speed, join, &stop, clock));
    match written {
        // A closed pipe (e.g. `| head`) is a normal way to stop; nothing more can be written.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(io(e)),
        Ok(()) => match w.finish() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            r => r.map_err(io),
        },
    }
}

/// `tty --follow`: the log redrawn through the terminal parser (only its text, colours and
/// rewrites reach this terminal, never the log's own control sequences), looked at four times a
/// second until stopped, for `--duration`, or with `--fast` until it has nothing more.
fn follow_log<W: Write>(
    mut follow: Follow,
    w: &mut AnsiWriter<W>,
    args: &TtyArgs,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    let started = Instant::now();
    let end = args.duration.unwrap_or(Duration::MAX);
    let mut looks = 0u32;
    while !stop.load(Ordering::SeqCst) {
        // `--fast` looks again at once, as if the wall clock ran on.
        looks += 1;
        let t = if args.fast {
            crate::follow::POLL * looks
        } else {
            started.elapsed()
        };
        if t >= end {
            break;
        }
        let mut wrote = false;
        let mut failed = Ok(());
        follow.advance_each(t, |op| {
            wrote = true;
            if failed.is_ok() {
                failed = w.write(&op);
            }
        });
        failed?;
        w.flush()?;
        if args.fast && !wrote {
            break;
        }
        if !args.fast {
            std::thread::sleep(TICK);
        }
    }
    Ok(())
}

/// Joining a running job (or synchronised with other screens): catches up silently to a
/// little before where the run is at `to`, then writes the last stretch at once, as `tail -f`
/// would show it (time and memory stay bounded however far `to` is).
fn catch_up<W: Write>(sim: &mut Feed, w: &mut AnsiWriter<W>, to: Duration) -> std::io::Result<()> {
    sim.skip_to(to.saturating_sub(RECENT));
    let mut backlog = Vec::new();
    sim.advance_timed(to, &mut backlog);
    backlog.iter().try_for_each(|t| w.write(&t.op))
}

/// The clocks a live tty follows, and how to start the run afresh.
struct Clocks<'a> {
    watch: ClockWatch,
    /// Synchronised screens derive the run's moment from the wall clock alone.
    synced: bool,
    fresh: &'a dyn Fn() -> Feed,
}

impl Clocks<'_> {
    /// Follows a change of the machine's clock: after a jump forward (a resume, NTP) the job
    /// has run on, so the run skips ahead; after one back the job keeps its pace and the
    /// timestamps read the wall (a synchronised screen goes back to the wall's moment, as one
    /// started now would show); a DST change moves only the timestamps. Returns by how many
    /// wall seconds the run's moment moved.
    fn follow(&mut self, sim: &mut Feed) -> Option<f64> {
        let change = self.watch.check();
        if let Some(o) = change.offset {
            sim.shift_wall(f64::from(o));
        }
        let j = change.jump?;
        if j > 0.0 {
            return Some(j);
        }
        if self.synced {
            *sim = (self.fresh)();
            return Some(j);
        }
        sim.shift_wall(j);
        None
    }
}

/// Where a live run is and how it is paced: the job-clock moment `base` (seconds; moved when
/// the wall clock jumps) showed at `started`, and the moment written up to.
struct Pace {
    base: f64,
    started: Instant,
    t: Duration,
    end: Duration,
    speed: f64,
}

impl Pace {
    /// The moment the wall clock says the run is at.
    fn now(&self) -> Duration {
        let run = Instant::now().saturating_duration_since(self.started);
        let at = (self.base + run.as_secs_f64() * self.speed).max(0.0);
        Duration::from_secs_f64(at).min(self.end)
    }

    /// When (monotonic) the run reaches `at`.
    fn wall_due(&self, at: Duration) -> Instant {
        let ahead = ((at.as_secs_f64() - self.base) / self.speed).max(0.0);
        self.started + Duration::from_secs_f64(ahead)
    }
}

/// Follows a change of the machine's clock (see [`Clocks::follow`]); true when the run moved.
fn follow_clock<W: Write>(
    sim: &mut Feed,
    w: &mut AnsiWriter<W>,
    clock: &mut Clocks<'_>,
    pace: &mut Pace,
) -> std::io::Result<bool> {
    let Some(shift) = clock.follow(sim) else {
        return Ok(false);
    };
    pace.base += shift * pace.speed;
    // A run started afresh (a synchronised screen set back) or far behind writes its last
    // stretch at once; a short way behind, the loop catches up line by line.
    let now = pace.now();
    if now < pace.t || now > pace.t + RECENT {
        catch_up(sim, w, now)?;
        pace.t = now;
    }
    w.flush()?;
    Ok(true)
}

fn pump<W: Write>(
    sim: &mut Feed,
    w: &mut AnsiWriter<W>,
    args: &TtyArgs,
    speed: f64,
    from: Duration,
    stop: &AtomicBool,
    mut clock: Clocks<'_>,
) -> std::io::Result<()> {
    let mut pace = Pace {
        base: from.as_secs_f64(),
        started: Instant::now(),
        t: from,
        end: args.duration.map_or(Duration::MAX, |d| from + d),
        speed,
    };
    let mut ops: Vec<TimedOp> = Vec::new();
    let mut looked = Instant::now();
    'run: while pace.t < pace.end && !stop.load(Ordering::SeqCst) {
        let next = if args.fast {
            (pace.t + FAST_CHUNK).min(pace.end)
        } else {
            sim.next_due().min(pace.end)
        };
        if !args.fast {
            // Sleep in short ticks so Ctrl-C is noticed promptly, looking at the wall clock
            // once a second.
            loop {
                let now = Instant::now();
                if now >= pace.wall_due(next) || stop.load(Ordering::SeqCst) {
                    break;
                }
                if now.saturating_duration_since(looked) >= Duration::from_secs(1) {
                    looked = now;
                    if follow_clock(sim, w, &mut clock, &mut pace)? {
                        continue 'run;
                    }
                }
                std::thread::sleep((pace.wall_due(next) - now).min(TICK));
            }
            if stop.load(Ordering::SeqCst) {
                break;
            }
        }
        ops.clear();
        sim.advance_timed(next, &mut ops);
        for op in &ops {
            w.write(&op.op)?;
        }
        if !args.fast {
            w.flush()?;
        }
        pace.t = next;
    }
    Ok(())
}
