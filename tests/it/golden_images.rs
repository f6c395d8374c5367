//! Golden images: fixed seed, time, size and theme must render pixel for pixel the same.
//! Regenerate with `TRAINSAVER_BLESS=1 cargo test --test golden_images` after an intended change.

use crate::common;

use std::time::Duration;

use raster::{FontSet, PixelScale, Rasterizer, Theme};
use sim::Framework as Flavor;
use term::{Color, Grid, Style, StyledLine, TermOp};
use trainsaver::Layout;
use trainsaver::Pipeline;

use common::look;

fn frame(seed: u64, flavor: Flavor, theme: &str, at: u64, w: usize, h: usize) -> raster::Frame {
    let mut p = Pipeline::new(common::run(seed, flavor, 0), &look(theme), 1.0, w, h);
    p.frame_at(Duration::from_secs(at), w, h)
}

#[test]
fn training_default_theme() {
    common::check_golden_png(
        "train_default_960x540.png",
        &frame(42, Flavor::Ddp, "default", 1200, 960, 540),
    );
}

#[test]
fn setup_phosphor_theme() {
    common::check_golden_png(
        "setup_phosphor_800x480.png",
        &frame(7, Flavor::Torchtitan, "phosphor", 40, 800, 480),
    );
}

#[test]
fn hf_trainer_paper_theme() {
    common::check_golden_png(
        "hf_paper_800x480.png",
        &frame(3, Flavor::HfTrainer, "paper", 1500, 800, 480),
    );
}

/// Block elements, box drawing, braille, bold, dim and 256/true colours in one frame.
#[test]
fn glyph_sampler() {
    let mut r = Rasterizer::new(
        FontSet::bundled(20.0),
        Theme::by_name("dracula").unwrap().clone(),
        8,
    );
    let (w, h) = (520, 250);
    let (cols, rows) = r.grid_size(w, h);
    let mut g = Grid::new(cols, rows, 0);
    let lines = [
        StyledLine::plain("┌──────┬──────┐ ╔════╗ ┏━━┓"),
        StyledLine::plain("│ box  │ ⣿⡇⠁⢸ │ ║ 2x ║ ┃  ┃"),
        StyledLine::plain("├──────┼──────┤ ╚════╝ ┗━━┛"),
        StyledLine::new()
            .push("▏▎▍▌▋▊▉█ ", Style::fg(Color::GREEN))
            .push("░▒▓█ ▁▂▃▄▅▆▇█", Style::fg(Color::Indexed(208))),
        StyledLine::new()
            .push("bold ", Style::PLAIN.bold())
            .push("dim ", Style::PLAIN.dim())
            .push("rgb ", Style::fg(Color::Rgb(255, 120, 0)))
            .push(
                "bg",
                Style {
                    bg: Color::BLUE,
                    ..Style::PLAIN
                },
            ),
    ];
    for l in lines {
        g.apply(&TermOp::Print(l));
    }
    let f = r.render_frame(&mut g, w, h, true);
    common::check_golden_png("glyph_sampler.png", &f);
}

/// Burn-in drift moves the whole picture, one pixel at a time, within its reserve.
#[test]
fn drift_shifts_the_whole_picture() {
    let mut l = look("default");
    l.drift_px = 6;
    l.drift_period = 600.0;
    let bbox_left_top = |f: &raster::Frame| {
        let bg = Theme::by_name("default").unwrap().bg;
        let inked = |x: usize, y: usize| f.pixel(x, y)[..3] != bg;
        let left = (0..f.width)
            .find(|&x| (0..f.height).any(|y| inked(x, y)))
            .unwrap_or(usize::MAX);
        // The top of the first column's glyphs (every line opens with `[`): the tops of other
        // glyphs differ with the text.
        let cols = left..(left + 6).min(f.width);
        let top = (0..f.height)
            .find(|&y| cols.clone().any(|x| inked(x, y)))
            .unwrap_or(usize::MAX);
        (left, top)
    };
    // The run is paused on one line long enough to compare the same text at two times.
    let frame_at = |t: f64| {
        // Wide enough that no line wraps: every row then opens with `[`.
        let mut p = Pipeline::new(common::run(42, Flavor::Ddp, 0), &l, 1.0, 1600, 400);
        p.frame_at(Duration::from_secs_f64(t), 1600, 400)
    };
    // Two moments with full screens of log lines (the same first column of `[`).
    let a = frame_at(3600.2);
    let b = frame_at(3600.2 + 300.0);
    let (ta, tb) = (
        trainsaver::drift_offset(6, 600.0, 3600.2),
        trainsaver::drift_offset(6, 600.0, 3900.2),
    );
    assert_ne!(ta, tb, "the drift moved in half a period");
    // The top-left of the drawn text follows the offset (text differs, its margin does not).
    let (ba, bb) = (bbox_left_top(&a), bbox_left_top(&b));
    assert_eq!(
        bb.0 as i64 - ba.0 as i64,
        tb.0 as i64 - ta.0 as i64,
        "horizontal shift"
    );
    assert_eq!(
        bb.1 as i64 - ba.1 as i64,
        tb.1 as i64 - ta.1 as i64,
        "vertical shift"
    );
}

fn dashboard(theme: &str, w: usize, h: usize, at: u64) -> raster::Frame {
    let mut l = look(theme);
    l.layout = Layout::Dashboard;
    let mut p = Pipeline::new(common::run(42, Flavor::Ddp, 0), &l, 1.0, w, h);
    p.frame_at(Duration::from_secs(at), w, h)
}

/// FNV-1a of a frame's pixels, for goldens too big to store as images.
fn checksum(f: &raster::Frame) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in &f.data {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{}x{} {h:016x}", f.width, f.height)
}

/// The dashboard at 1920x1080 in every theme, as checksums (six 800 kB PNGs would bloat the
/// repository; the panels' own golden images are in `panels.rs`); mismatches write the
/// actual PNGs beside the checksums.
#[test]
fn dashboard_per_theme() {
    let mut lines = String::new();
    let mut frames = Vec::new();
    for t in raster::THEMES {
        let f = dashboard(t.name, 1920, 1080, 2400);
        lines.push_str(&format!("{} {}\n", t.name, checksum(&f)));
        frames.push((t.name, f));
    }
    let path = common::golden_path("dashboard_checksums.txt");
    if !common::bless() && std::fs::read_to_string(&path).ok().as_deref() != Some(lines.as_str()) {
        for (name, f) in &frames {
            trainsaver::write_png(
                f,
                &path.with_file_name(format!("dashboard_{name}.actual.png")),
            )
            .unwrap();
        }
    }
    common::check_golden_text("dashboard_checksums.txt", &lines);
}

/// At every size and orientation the panels keep off the terminal: its part of the frame is
/// exactly what a terminal-only screen of that size shows.
#[test]
fn dashboard_adapts_without_overlap() {
    use raster::dashboard::DashLayout;
    for (w, h) in [
        (1280, 720),
        (1920, 1080),
        (2560, 1440),
        (1080, 1920),
        (800, 1280),
    ] {
        // Seed 1 trains from scratch: its whole curve is this job's.
        let mut l = look("default");
        l.layout = Layout::Dashboard;
        let mut dp = Pipeline::new(common::run(1, Flavor::Ddp, 0), &l, 1.0, w, h);
        let dash = dp.frame_at(Duration::from_secs(3600), w, h);
        let lay = DashLayout::for_size(w, h);
        let t = lay.term;
        let mut l = look("default");
        l.pixel_scale = PixelScale::Fixed(1);
        let mut p = Pipeline::new(common::run(1, Flavor::Ddp, 0), &l, 1.0, t.w, t.h);
        let alone = p.frame_at(Duration::from_secs(3600), t.w, t.h);
        for y in 0..t.h {
            let a = &dash.data[((t.y + y) * w + t.x) * 4..((t.y + y) * w + t.x + t.w) * 4];
            let b = &alone.data[y * t.w * 4..(y + 1) * t.w * 4];
            assert!(
                a == b,
                "{w}x{h}: terminal row {y} differs from a terminal-only screen"
            );
        }
        // The panel part has a curve drawn in the theme's accent colour.
        let accent = Theme::by_name("default").unwrap().ansi[6];
        let p = lay.panels;
        let inked = (p.y..p.y + p.h)
            .flat_map(|y| (p.x..p.x + p.w).map(move |x| (x, y)))
            .filter(|&(x, y)| dash.pixel(x, y)[..3] == accent)
            .count();
        assert!(
            inked > 50,
            "{w}x{h}: no loss curve in the panels ({inked} px)"
        );
    }
}
