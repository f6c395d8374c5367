//! `bench`: headless figures for the simulation and the renderer (medians and p99 of one run).

use std::time::{Duration, Instant};

use crate::cli::BenchArgs;
use crate::raster::PixelScale;
use crate::sim::Simulation;

use super::{AppError, Settings, fixed_start};

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
    let mut sim = Simulation::new(s.sim(fixed_start()), s.catalog.clone());
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

fn render_figures(
    s: &Settings,
    w: usize,
    h: usize,
    frames: usize,
) -> Result<RenderFigures, AppError> {
    let mut p = s.pipeline(fixed_start(), w, h)?;
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
        let damaged = !p.grid.damage().is_empty();
        let rep = p.render_into(&mut buf, t);
        let dt = t0.elapsed();
        if damaged {
            steady.push(dt);
            misses += rep.glyph_misses;
            measured += 1;
            // A full repaint of the same frame, for comparison.
            p.raster.invalidate();
            let t1 = Instant::now();
            p.render_into(&mut buf, t);
            full.push(t1.elapsed());
        }
    }
    Ok(RenderFigures {
        steady: median_p99(&mut steady),
        full: median_p99(&mut full),
        misses_per_frame: misses as f64 / frames as f64,
        frames,
    })
}

/// Runs the benchmarks and prints a table.
pub fn run(s: &Settings, args: &BenchArgs) -> Result<(), AppError> {
    let mut runs: Vec<Duration> = Vec::new();
    let mut ops = 0;
    for _ in 0..5 {
        let (d, n) = fast_forward(s, Duration::from_secs(24 * 3600));
        runs.push(d);
        ops = n;
    }
    let (ff, _) = median_p99(&mut runs);
    println!(
        "simulation: 24 h of run time with output discarded in {ff:.0} ms (median of 5; {ops} operations)"
    );
    println!();
    println!(
        "rendering (seed {}, steady = frames with new output at 30 fps and 8x speed; full = same frame repainted whole)",
        s.seed
    );
    println!(
        "{:<18} {:>8} {:>15} {:>12} {:>13} {:>11} {:>14}",
        "size", "frames", "steady median", "steady p99", "full median", "full p99", "misses/frame"
    );
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
        let f = render_figures(settings, w, h, args.frames)?;
        println!(
            "{:<18} {:>8} {:>12.3} ms {:>9.3} ms {:>10.3} ms {:>8.3} ms {:>14.2}",
            format!("{w}x{h}{tag}"),
            f.frames,
            f.steady.0,
            f.steady.1,
            f.full.0,
            f.full.1,
            f.misses_per_frame
        );
    }
    Ok(())
}
