//! `tty` mode: the run as ANSI text on stdout, paced in real time or as fast as possible.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::cli::TtyArgs;
use crate::pipeline::{Feed, TimedOp};
use crate::present::ansi::AnsiWriter;

use crate::error::{AppError, IoFailure};
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
    {
        let stop = stop.clone();
        // Without a handler Ctrl-C would leave wrapping off and colours set.
        ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst))
            .map_err(|e| IoFailure::new("cannot handle Ctrl-C", std::io::Error::other(e)))?;
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
    let mut sim = s.feed(start);
    // Joining a running job (or synchronised with other screens): catch up silently to a
    // little before where the run is now, then write the last stretch at once, as `tail -f`
    // would show it.
    let join = elapsed.mul_f64(s.config.speed);
    let shown = join.saturating_sub(RECENT);
    sim.skip_to(shown);
    let mut backlog = Vec::new();
    sim.advance_timed(join, &mut backlog);
    let written = backlog
        .iter()
        .try_for_each(|t| w.write(&t.op))
        .and_then(|()| pump(&mut sim, &mut w, args, s.config.speed, join, &stop));
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

fn pump<W: Write>(
    sim: &mut Feed,
    w: &mut AnsiWriter<W>,
    args: &TtyArgs,
    speed: f64,
    from: Duration,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    let end = args.duration.map_or(Duration::MAX, |d| from + d);
    let started = Instant::now();
    let mut ops: Vec<TimedOp> = Vec::new();
    let mut t = from;
    while t < end && !stop.load(Ordering::SeqCst) {
        let next = if args.fast {
            (t + FAST_CHUNK).min(end)
        } else {
            sim.next_due().min(end)
        };
        if !args.fast {
            // Sleep in short ticks so Ctrl-C is noticed promptly.
            let wall_due = started + (next - from).div_f64(speed);
            loop {
                let now = Instant::now();
                if now >= wall_due || stop.load(Ordering::SeqCst) {
                    break;
                }
                std::thread::sleep((wall_due - now).min(TICK));
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
        t = next;
    }
    Ok(())
}
