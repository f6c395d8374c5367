//! `bench`: headless figures for the simulation and the renderer (medians and p99 of one run).

use std::time::{Duration, Instant};

use crate::cli::BenchArgs;
use raster::PixelScale;

use crate::error::AppError;
use crate::settings::{Settings, fixed_start};

/// Sizes measured when `--size` is not given.
const SIZES: [(usize, usize); 3] = [(1280, 720), (1920, 1080), (3840, 2160)];

/// Median and 99th percentile of durations, in milliseconds.
pub fn median_p99(samples: &mut [Duration]) -> (f64, f64) {
    if samples.is_empty() {
        return (0.0, 0.0);
    }
    samples.sort();
    let at =
        |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
    (at(0.5), at(0.99))
}

/// Seconds to simulate `span` with output discarded.
fn fast_forward(s: &Settings, span: Duration) -> (Duration, usize) {
    let mut sim = s.feed(fixed_start());
    let mut ops = Vec::new();
    let mut count = 0;
    let t0 = Instant::now();
    let mut t = Duration::ZERO;
    while t < span {
        t = (t + Duration::from_secs(600)).min(span);
        ops.clear();
        sim.advance(t, &mut ops);
        count += ops.len();
    }
    (t0.elapsed(), count)
}

/// Per-size figures.
struct RenderFigures {
    steady: (f64, f64),
    full: (f64, f64),
    misses_per_frame: f64,
    frames: usize,
}

fn render_figures(s: &Settings, w: usize, h: usize, frames: usize) -> RenderFigures {
    let mut p = s.pipeline(fixed_start(), w, h);
    let (iw, ih) = p.internal_size();
    let mut buf = vec![0u8; iw * ih * 4];
    // Warm up into the training loop, where the stream is steady.
    let speed = 8.0;
    let mut t = Duration::from_secs(300);
    p.step_to(t);
    p.render_into(&mut buf, t);
    let frame = Duration::from_secs_f64(speed / 30.0);
    let (mut steady, mut full) = (Vec::with_capacity(frames), Vec::with_capacity(frames));
    let mut misses = 0;
    let mut measured = 0;
    while measured < frames {
        t += frame;
        let t0 = Instant::now();
        p.step_to(t);
        let damaged = !p.grid().damage().is_empty();
        let rep = p.render_into(&mut buf, t);
        let dt = t0.elapsed();
        if damaged {
            steady.push(dt);
            misses += rep.glyph_misses;
            measured += 1;
            // A full repaint of the same frame, for comparison.
            p.invalidate();
            let t1 = Instant::now();
            p.render_into(&mut buf, t);
            full.push(t1.elapsed());
        }
    }
    RenderFigures {
        steady: median_p99(&mut steady),
        full: median_p99(&mut full),
        misses_per_frame: misses as f64 / frames as f64,
        frames,
    }
}

/// Resident memory of this process in kB (Linux), if known.
fn rss_kb() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Long run headless: memory and per-frame cost at the start and the end.
fn soak(s: &Settings, span: Duration) -> Result<(), AppError> {
    let (w, h) = (1920, 1080);
    let mut p = s.pipeline(fixed_start(), w, h);
    let (iw, ih) = p.internal_size();
    let mut buf = vec![0u8; iw * ih * 4];
    let step = Duration::from_secs(5);
    // Compare whole days, so both windows mix setup phases and training alike.
    let day = 86_400 / step.as_secs() as usize;
    let mut t = Duration::ZERO;
    let (mut first, mut last) = (Vec::new(), std::collections::VecDeque::with_capacity(day));
    let mut rss_start = None;
    let started = Instant::now();
    let mut frames = 0usize;
    while t < span {
        t += step;
        let t0 = Instant::now();
        p.step_to(t);
        p.render_into(&mut buf, t);
        let dt = t0.elapsed();
        frames += 1;
        if frames <= day {
            first.push(dt);
        } else {
            if last.len() == day {
                last.pop_front();
            }
            last.push_back(dt);
        }
        if frames == day {
            rss_start = rss_kb();
        }
    }
    let rss_end = rss_kb();
    let (f, _) = median_p99(&mut first);
    let (l, _) = median_p99(last.make_contiguous());
    out!(
        "soak: {:.1} days simulated at 1920x1080, a frame every {} s of run time ({frames} frames, {} runs) in {:.1} s",
        span.as_secs_f64() / 86400.0,
        step.as_secs(),
        p.runs(),
        started.elapsed().as_secs_f64()
    )?;
    match (rss_start, rss_end) {
        (Some(a), Some(b)) => out!(
            "RSS after the first day {:.1} MB, at the end {:.1} MB (growth {:+.2} MB)",
            a as f64 / 1024.0,
            b as f64 / 1024.0,
            (b as f64 - a as f64) / 1024.0
        )?,
        _ => out!("RSS: not available on this platform")?,
    }
    out!(
        "frame cost median: first day {f:.3} ms, last day {l:.3} ms (ratio {:.2})",
        l / f.max(1e-9)
    )?;
    Ok(())
}

/// Runs the benchmarks and prints a table.
pub fn run(s: &Settings, args: &BenchArgs) -> Result<(), AppError> {
    if let Some(span) = args.soak {
        return soak(s, span);
    }
    let mut runs: Vec<Duration> = Vec::new();
    let mut ops = 0;
    for _ in 0..5 {
        let (d, n) = fast_forward(s, Duration::from_secs(24 * 3600));
        runs.push(d);
        ops = n;
    }
    let (ff, _) = median_p99(&mut runs);
    out!(
        "simulation: 24 h of run time with output discarded in {ff:.0} ms (median of 5; {ops} operations)"
    )?;
    out!()?;
    out!(
        "rendering (seed {}, steady = frames with new output at 30 fps and 8x speed; full = same frame repainted whole)",
        s.seed
    )?;
    out!(
        "{:<18} {:>8} {:>15} {:>12} {:>13} {:>11} {:>14}",
        "size",
        "frames",
        "steady median",
        "steady p99",
        "full median",
        "full p99",
        "misses/frame"
    )?;
    let sizes: Vec<(usize, usize)> = match args.size {
        Some((w, h)) => vec![(w as usize, h as usize)],
        None => SIZES.to_vec(),
    };
    // Every size at the configured pixel scale, and 4K once more at native resolution.
    let mut native = s.clone();
    native.config.pixel_scale = PixelScale::Fixed(1);
    let mut runs: Vec<(&Settings, usize, usize, &str)> =
        sizes.iter().map(|&(w, h)| (s, w, h, "")).collect();
    if let Some(&(w, h)) = sizes.iter().find(|(w, _)| PixelScale::Auto.factor(*w) > 1)
        && s.config.pixel_scale == PixelScale::Auto
    {
        runs.push((&native, w, h, " native"));
    }
    for (settings, w, h, tag) in runs {
        let f = render_figures(settings, w, h, args.frames);
        out!(
            "{:<18} {:>8} {:>12.3} ms {:>9.3} ms {:>10.3} ms {:>8.3} ms {:>14.2}",
            format!("{w}x{h}{tag}"),
            f.frames,
            f.steady.0,
            f.steady.1,
            f.full.0,
            f.full.1,
            f.misses_per_frame
        )?;
    }
    Ok(())
}
