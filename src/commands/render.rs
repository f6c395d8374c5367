//! `render`: the frame the window shows at a simulated time, as a PNG file; or, with `--clip`,
//! the frames it shows over a span, as a looping GIF.

use std::io::IsTerminal as _;
use std::time::Duration;

use crate::cli::RenderArgs;
use crate::error::{AppError, IoFailure, UsageError};
use crate::pipeline::Pipeline;
use crate::present::gif::{GifWriter, Histogram, Palette};
use crate::present::png::write_png;
use crate::settings::{Settings, fixed_start};

/// `render`: one frame to a PNG file, or a clip to a GIF.
pub fn run(s: &Settings, args: &RenderArgs) -> Result<(), AppError> {
    let (w, h) = (args.size.0 as usize, args.size.1 as usize);
    let synced = args.wall.map(|wall| s.synced(wall));
    let s = synced.as_ref().unwrap_or(s);
    let at = match (args.wall, s.sync_epoch) {
        (Some(wall), Some(_)) => s.elapsed_since_epoch(wall).mul_f64(s.config.speed),
        (Some(_), None) => return Err(UsageError::WallWithoutEpoch.into()),
        (None, _) => args.at,
    };
    if let Some(path) = s.follow.as_ref().filter(|p| p.as_os_str() != "-") {
        // A log to render must be there now (live screens wait for one to appear).
        std::fs::metadata(path)
            .map_err(|e| IoFailure::new(format!("--follow {}", path.display()), e))?;
    }
    if let Some(span) = args.clip {
        return clip(s, args, at, span);
    }
    let mut p = s.pipeline(fixed_start(), w, h);
    let frame = p.frame_at(at, w, h);
    write_png(&frame, &args.output)?;
    note!(
        "trainsaver: wrote {} ({}x{}, seed {}, t={:.1}s)",
        args.output.display(),
        w,
        h,
        s.seed,
        at.as_secs_f64()
    );
    Ok(())
}

/// The moments of a clip: `frames` of them, `1/fps` s of wall time apart (the pipeline's
/// speed turns wall time into simulated time, as the window does).
fn moments(at: Duration, span: Duration, fps: u32, speed: f64) -> impl Iterator<Item = Duration> {
    let frames = (span.as_secs_f64() * f64::from(fps)).round().max(1.0) as u32;
    (0..frames).map(move |i| at + Duration::from_secs_f64(f64::from(i) / f64::from(fps) * speed))
}

/// Renders the frames a pipeline shows at each moment, handing each to `f`.
fn each_frame(
    s: &Settings,
    args: &RenderArgs,
    at: Duration,
    span: Duration,
    mut f: impl FnMut(usize, &raster::Frame) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let (w, h) = (args.size.0 as usize, args.size.1 as usize);
    let mut p: Pipeline = s.pipeline(fixed_start(), w, h);
    for (i, t) in moments(at, span, args.fps, s.config.speed).enumerate() {
        let frame = p.frame_at(t, w, h);
        f(i, &frame)?;
    }
    Ok(())
}

/// `render --clip`: two passes over the same deterministic frames, the first counting their
/// colours for the palette, the second streaming them to the encoder (memory stays that of a
/// frame or two however long the clip).
fn clip(s: &Settings, args: &RenderArgs, at: Duration, span: Duration) -> Result<(), AppError> {
    let ext = args
        .output
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("");
    if !ext.eq_ignore_ascii_case("gif") {
        return Err(UsageError::ClipNotGif(args.output.display().to_string()).into());
    }
    let (w, h) = (args.size.0 as usize, args.size.1 as usize);
    let total = moments(at, span, args.fps, s.config.speed).count();
    let progress = Progress::new(total, span > Duration::from_secs(3));
    let mut hist = Histogram::default();
    each_frame(s, args, at, span, |i, f| {
        progress.show("colours", i);
        hist.add(f);
        Ok(())
    })?;
    let palette = Palette::from(&hist);
    let exact = palette.exact(&hist);
    let mut gif = GifWriter::create(&args.output, w, h, palette)?;
    // Delays in hundredths of a second, from cumulative time so they do not drift.
    let cs = |i: usize| ((i as f64) * 100.0 / f64::from(args.fps)).round() as u16;
    each_frame(s, args, at, span, |i, f| {
        progress.show("frames", i);
        gif.push(f, cs(i + 1).saturating_sub(cs(i)).max(2))?;
        Ok(())
    })?;
    gif.finish()?;
    progress.done();
    note!(
        "trainsaver: wrote {} ({}x{}, {} frames at {} fps, {}, seed {}, t={:.1}s to {:.1}s)",
        args.output.display(),
        w,
        h,
        total,
        args.fps,
        if exact {
            "exact colours"
        } else {
            "255 colours, the rest nearest"
        },
        s.seed,
        at.as_secs_f64(),
        (at + span.mul_f64(s.config.speed)).as_secs_f64()
    );
    Ok(())
}

/// A progress line on stderr for clips longer than a few seconds: rewritten in place on a
/// terminal, a line per quarter otherwise.
struct Progress {
    total: usize,
    on: bool,
    tty: bool,
}

impl Progress {
    fn new(total: usize, on: bool) -> Progress {
        Progress {
            total,
            on,
            tty: std::io::stderr().is_terminal(),
        }
    }

    fn show(&self, what: &str, i: usize) {
        if !self.on {
            return;
        }
        let n = i + 1;
        if self.tty {
            eprint!("\rtrainsaver: {what} {n}/{}", self.total);
        } else {
            let quarter = |k: usize| k * 4 / self.total.max(1);
            if quarter(n) != quarter(n - 1) {
                note!("trainsaver: {what} {n}/{}", self.total);
            }
        }
    }

    fn done(&self) {
        if self.on && self.tty {
            eprintln!();
        }
    }
}
