//! The dashboard tells the log's story: at any moment, what the panels show follows from the
//! log lines printed so far. The simulated run's view (fed by events) is held against a second
//! view fed only by the printed lines, read back as a follow mode would read a real log.

use crate::common;

use std::collections::HashSet;
use std::time::Duration;

use sim::{Catalog, Event, Framework, Simulation};
use term::TermOp;
use trainsaver::Feed;
use view::{LogReader, Phase, RunView};

/// Whether the log can show this phase's start in a style (validation bars exist only in the
/// plain script and the HF Trainer; a hang shows as silence).
fn silent_in(p: Phase, framework: Framework) -> bool {
    match p {
        Phase::Validating { .. } => {
            matches!(framework, Framework::Torchtitan | Framework::Megatron)
        }
        Phase::Hung => true,
        _ => false,
    }
}

/// Coarse phase groups that a log and its monitoring agree on.
fn group(p: Phase) -> &'static str {
    match p {
        // The next job is queued once the last one ended.
        Phase::Queued => "ended",
        Phase::Launching
        | Phase::LoadingWeights { .. }
        | Phase::LoadingData
        | Phase::InitNccl
        | Phase::LoadingCheckpoint { .. } => "setup",
        Phase::Training | Phase::Hung => "training",
        Phase::Validating { .. } => "validating",
        Phase::Saving { .. } => "saving",
        Phase::Crashed | Phase::Restarting { .. } => "down",
        Phase::Cancelled | Phase::Failed | Phase::Finished => "ended",
    }
}

/// A feed and the view its printed lines give.
struct Pair {
    feed: Feed,
    reader: LogReader,
    parsed: RunView,
    framework: Framework,
}

impl Pair {
    fn new(seed: u64, framework: Framework) -> Pair {
        Pair {
            feed: common::sim(seed, framework, 0),
            reader: LogReader::new(),
            parsed: RunView::new(),
            framework,
        }
    }

    /// Runs to `t`, reading every line written (final lines and bar rewrites).
    fn advance(&mut self, t: Duration) {
        let mut ops = Vec::new();
        self.feed.advance_timed(t, &mut ops);
        for op in ops {
            let (TermOp::Print(l) | TermOp::Rewrite(l)) = &op.op else {
                continue;
            };
            let at = op.at.as_secs_f64();
            let parsed = &mut self.parsed;
            self.reader.read(&l.text(), &mut |o| parsed.apply(at, o));
        }
    }

    /// Every panel value the simulated view gives follows from the printed lines; returns
    /// the phase group checked.
    fn check(&self, what: &str) -> &'static str {
        let (sim, log) = (self.feed.view(), &self.parsed);
        let ctx = format!(
            "{what} ({}, sim {:?}, log {:?})",
            self.framework,
            sim.phase(),
            log.phase()
        );
        // The step and its loss: the last step line printed.
        let (s, l) = (sim.last_step(), log.last_step());
        assert_eq!(s.map(|p| p.step), l.map(|p| p.step), "step: {ctx}");
        if let (Some(a), Some(b)) = (s.and_then(|p| p.loss), l.and_then(|p| p.loss)) {
            assert!((a - b).abs() < 6e-4, "loss {a} vs printed {b}: {ctx}");
        }
        // The last validation of this job and its last checkpoint: what the log printed last
        // (the tracker's history from before a resume is not in this job's log).
        let start = sim.job().map_or(0, |j| j.start_step);
        let this_job = |v: &RunView| v.validations().iter().rev().find(|v| v.0 > start).copied();
        let (sv, lv) = (this_job(sim), this_job(log));
        assert_eq!(sv.map(|v| v.0), lv.map(|v| v.0), "validation step: {ctx}");
        if let (Some(a), Some(b)) = (sv, lv) {
            assert!(
                (a.1 - b.1).abs() < 6e-4,
                "validation {a:?} vs printed {b:?}: {ctx}"
            );
        }
        let sc = sim.last_checkpoint().map(|c| c.step);
        let lc = log.last_checkpoint().map(|c| c.step);
        let saving = match log.phase() {
            Phase::Saving { step } => Some(step),
            _ => None,
        };
        assert!(
            sc == lc || sc == saving,
            "checkpoint {sc:?} vs printed {lc:?}: {ctx}"
        );
        // The phase, as far as the log shows it.
        let (sp, lp) = (sim.phase(), log.phase());
        let agrees = group(sp) == group(lp)
            || (silent_in(sp, self.framework) && group(lp) == "training")
            // The Trainer says nothing when a save ends: the log shows it until the next step.
            || (sp == Phase::Training
                && matches!(lp, Phase::Saving { .. })
                && self.framework == Framework::HfTrainer)
            // The log has not said anything yet of a job that just launched, or of workers
            // being brought back up after a restart.
            || (group(sp) == "setup" && matches!(lp, Phase::Launching | Phase::Queued))
            || (group(sp) == "setup" && group(lp) == "down");
        assert!(agrees, "phase: {ctx}");
        // GPUs are busy only when the log shows work, and idle when it shows none.
        let util = sim.telemetry(0).util_avg;
        match group(lp) {
            "setup" | "down" | "ended" if group(sp) == group(lp) => {
                assert!(util < 0.15, "util {util} while the log shows {lp:?}: {ctx}")
            }
            "training" if sp == Phase::Training => {
                assert!(util > 0.85, "util {util} while training: {ctx}")
            }
            _ => {}
        }
        group(sp)
    }
}

/// Seeds whose first job has a collective timeout (and a restart) within `hours`, and seeds
/// whose first job ends within them: the moments the panels most often got wrong.
/// Seeds with the moment something happens to them.
type Moments = Vec<(u64, Duration)>;

fn eventful_seeds(hours: f64, want: usize) -> (Moments, Moments) {
    let catalog = std::sync::Arc::new(Catalog::builtin());
    let (mut crashes, mut endings) = (Vec::new(), Vec::new());
    let horizon = Duration::from_secs_f64(hours * 3600.0);
    for seed in 0..4000u64 {
        if crashes.len() >= want && endings.len() >= want {
            break;
        }
        let fw = Framework::ALL[seed as usize % Framework::ALL.len()];
        let mut s = Simulation::with_framework(seed, catalog.clone(), Some(fw));
        let mut ev = Vec::new();
        s.advance(horizon, &mut ev);
        let at = |f: &dyn Fn(&Event) -> bool| ev.iter().find(|t| f(&t.event)).map(|t| t.at);
        if crashes.len() < want
            && let Some(t) = at(&|e| matches!(e, Event::WorkerGroupRestart { .. }))
        {
            crashes.push((seed, t));
        }
        if endings.len() < want
            && let Some(t) = at(&|e| matches!(e, Event::RunGap))
        {
            endings.push((seed, t));
        }
    }
    (crashes, endings)
}

/// Over 200 seeds in every style, every 10 s of the first 40 minutes (launch, loading, the
/// first steps, validations and checkpoints).
#[test]
fn panels_follow_the_printed_log_through_the_start_of_a_job() {
    let mut seen = HashSet::new();
    for seed in 0..200u64 {
        let fw = Framework::ALL[seed as usize % Framework::ALL.len()];
        let mut p = Pair::new(seed, fw);
        for k in 1..=240u64 {
            let t = Duration::from_secs(k * 10);
            p.advance(t);
            seen.insert(p.check(&format!("seed {seed} at {t:?}")));
        }
    }
    for g in ["setup", "training", "validating", "saving"] {
        assert!(seen.contains(g), "no moment in phase {g}: {seen:?}");
    }
}

/// Around crashes, restarts and the end of a job and the start of the next.
#[test]
fn panels_follow_the_printed_log_through_crashes_and_job_changes() {
    let (crashes, endings) = eventful_seeds(14.0, 6);
    assert!(
        crashes.len() >= 3 && endings.len() >= 3,
        "{crashes:?} {endings:?}"
    );
    let mut seen = HashSet::new();
    for &(seed, at) in crashes.iter().chain(&endings) {
        let fw = Framework::ALL[seed as usize % Framework::ALL.len()];
        let mut p = Pair::new(seed, fw);
        // Continuously up to a quarter of an hour before, then every 5 s for 30 minutes.
        let from = at.saturating_sub(Duration::from_secs(900));
        p.advance(from);
        for k in 0..360u64 {
            let t = from + Duration::from_secs(k * 5);
            p.advance(t);
            seen.insert(p.check(&format!("seed {seed} at {t:?} (event at {at:?})")));
        }
    }
    for g in ["down", "ended", "setup", "training"] {
        assert!(seen.contains(g), "no moment in phase {g}: {seen:?}");
    }
}

/// A dashboard pipeline of seed `seed` in `framework` for `w` x `h` pixels.
fn dashboard(seed: u64, framework: Framework, w: usize, h: usize) -> trainsaver::Pipeline {
    let mut look = common::look("default");
    look.layout = trainsaver::Layout::Dashboard;
    trainsaver::Pipeline::new(common::run(seed, framework, 0), &look, 1.0, w, h)
}

/// When the first job of `seed` first does something (its first event matching `f`).
fn first(seed: u64, framework: Framework, f: impl Fn(&Event) -> bool) -> Option<Duration> {
    let catalog = std::sync::Arc::new(Catalog::builtin());
    let mut s = Simulation::with_framework(seed, catalog, Some(framework));
    let mut ev = Vec::new();
    s.advance(Duration::from_secs(16 * 3600), &mut ev);
    ev.into_iter().find(|t| f(&t.event)).map(|t| t.at)
}

/// The moments the panels are drawn at in the golden images and the overflow check.
fn moments(seed: u64, fw: Framework) -> Vec<(&'static str, Duration)> {
    let s = Duration::from_secs;
    let mut v = vec![("launch", s(10)), ("mid-run", s(3 * 3600))];
    let resumed = first(
        seed,
        fw,
        |e| matches!(e, Event::TrainingStarted { from_step } if *from_step > 0),
    );
    let validating = first(
        seed,
        fw,
        |e| matches!(e, Event::ValidationProgress { done, total } if done * 2 > *total),
    );
    let crashed = first(seed, fw, |e| matches!(e, Event::WorkerFailed { .. }));
    // Half a minute after a resume or a crash; validating at its midpoint.
    for (name, t) in [
        ("resumed", resumed.map(|t| t + s(30))),
        ("validating", validating),
        ("crashed", crashed.map(|t| t + s(30))),
    ] {
        if let Some(t) = t {
            v.push((name, t));
        }
    }
    v
}

/// No panel text overflows its place, from 1280x720 to 3840x2160, landscape and portrait, at
/// launch, mid-run, after a resume, while validating and after a crash.
#[test]
fn no_panel_text_overflows_at_any_supported_size() {
    let sizes = [
        (1280, 720),
        (1920, 1080),
        (2560, 1440),
        (3840, 2160),
        (720, 1280),
        (1080, 1920),
        (2160, 3840),
    ];
    let mut drawn = 0;
    for (seed, fw) in [
        (42, Framework::Ddp),
        (7, Framework::Torchtitan),
        (150, Framework::Megatron),
        (3, Framework::HfTrainer),
    ] {
        for (name, at) in moments(seed, fw) {
            for (w, h) in sizes {
                let mut p = dashboard(seed, fw, w, h);
                p.frame_at(at, w, h);
                assert_eq!(p.panel_overflow(), 0, "seed {seed} {fw} {name} at {w}x{h}");
                drawn += 1;
            }
        }
    }
    assert!(
        drawn >= 4 * 3 * sizes.len(),
        "only {drawn} dashboards drawn"
    );
}

/// The panels at the moments they used to get wrong, as images (the panel part of a
/// 1280x720 screen, seed 209's Megatron job: a resumed run that crashes).
#[test]
fn dashboard_golden_moments() {
    let (seed, fw, w, h) = (209, Framework::Megatron, 1280, 720);
    let mut names = Vec::new();
    for (name, at) in moments(seed, fw) {
        let mut p = dashboard(seed, fw, w, h);
        let f = p.frame_at(at, w, h);
        let r = p.dash_layout().unwrap().panels;
        common::check_golden_png(
            &format!("panels_{name}.png"),
            &common::crop(&f, r.x, r.y, r.w, r.h),
        );
        names.push(name);
    }
    assert_eq!(
        names,
        ["launch", "mid-run", "resumed", "validating", "crashed"]
    );
}

/// A person sizes the terminal so the step lines they watch fit: one row each for the plain
/// script, torchtitan and the HF Trainer at 1920x1080 and 3840x2160, in the terminal layout
/// and the dashboard's terminal pane; Megatron's 300-column line wraps.
#[test]
fn step_lines_fit_one_row() {
    for layout in [trainsaver::Layout::Terminal, trainsaver::Layout::Dashboard] {
        for (w, h) in [(1920, 1080), (3840, 2160)] {
            for fw in Framework::ALL {
                let mut look = common::look("default");
                look.layout = layout;
                let mut p = trainsaver::Pipeline::new(common::run(42, fw, 0), &look, 1.0, w, h);
                p.frame_at(Duration::from_secs(3 * 3600), w, h);
                let cols = p.grid().cols();
                let need = p.step_columns();
                let ctx = format!("{fw} {layout:?} {w}x{h}: {cols} columns for {need}");
                if fw == Framework::Megatron {
                    assert!(cols < need, "{ctx}");
                } else {
                    assert!(cols >= need, "{ctx}");
                    assert!(p.grid().rows() >= 40, "{ctx}: {} rows", p.grid().rows());
                }
            }
        }
    }
}

/// The panels read back with OCR say what a viewer of the log would: busy only once steps run,
/// the phase in words, the step the log shows.
#[test]
fn the_panels_read_back_say_what_the_log_says() {
    if !common::have("tesseract") {
        assert!(
            !common::required(),
            "OCR tests are required (TRAINSAVER_REQUIRE_DISPLAY=1): tesseract is not installed (apt-get install tesseract-ocr)"
        );
        eprintln!("skipping: tesseract is not installed");
        return;
    }
    let dir = common::TempDir::new("ocr");
    let read = |seed: u64, fw: Framework, at: Duration| -> (String, String) {
        let (w, h) = (1920, 1080);
        let mut p = dashboard(seed, fw, w, h);
        let f = p.frame_at(at, w, h);
        let r = p.dash_layout().unwrap().panels;
        let path = dir
            .path()
            .join(format!("panel-{seed}-{}.png", at.as_secs()));
        trainsaver::write_png(&common::crop(&f, r.x, r.y, r.w, r.h), &path).unwrap();
        let o = std::process::Command::new("tesseract")
            .arg(&path)
            .arg("-")
            .output()
            .unwrap();
        let step = p
            .view()
            .last_step()
            .map_or(String::new(), |s| s.step.to_string());
        (String::from_utf8_lossy(&o.stdout).into_owned(), step)
    };
    // At launch: no GPU shown busy, the phase says the job is being set up.
    let (launch, _) = read(2, Framework::Torchtitan, Duration::from_secs(10));
    assert!(
        ["launching", "loading", "NCCL"]
            .iter()
            .any(|w| launch.contains(w)),
        "{launch}"
    );
    // NCCL's set-up runs a few kernels; nothing like training's load.
    let util = view::read::num_after(&launch, "util ").unwrap_or(100.0);
    assert!(util < 10.0, "{launch}");
    // Three hours in: training, the step the log printed last, busy GPUs.
    let (mid, step) = read(42, Framework::Ddp, Duration::from_secs(3 * 3600));
    assert!(mid.contains("training"), "{mid}");
    assert!(!step.is_empty(), "no step three hours in");
    // The panel writes it as "step N/TOTAL".
    assert!(
        mid.contains(&format!("step {step}/")),
        "step {step} not on the panel: {mid}"
    );
    assert!(mid.contains("util 9"), "{mid}");
}

/// What a presenter uploads (the damage) holds every pixel that changed, and a step redraws
/// the terminal's rows and the panels, never the whole width for the panels' sake.
#[test]
fn dashboard_damage_covers_every_change_and_stays_in_its_part() {
    use raster::Rect;
    let inside = |r: &Rect, a: Rect| {
        r.x >= a.x && r.right() <= a.right() && r.y >= a.y && r.bottom() <= a.bottom()
    };
    for (w, h) in [(1280, 720), (800, 1280)] {
        let mut p = dashboard(42, Framework::Ddp, w, h);
        let (iw, ih) = p.internal_size();
        let lay = p.dash_layout().unwrap();
        let mut frame = vec![0u8; iw * ih * 4];
        let mut shown = frame.clone();
        let mut t = Duration::from_secs(1800);
        let mut term_rects = 0;
        for k in 0..60 {
            t += Duration::from_millis(2300);
            p.step_to(t);
            p.render_into(&mut frame, t);
            for r in p.damage() {
                assert!(
                    k == 0 || inside(r, lay.term) || inside(r, lay.panels),
                    "{w}x{h}: damage {r:?} outside the terminal {:?} and the panels {:?}",
                    lay.term,
                    lay.panels
                );
                term_rects += usize::from(k > 0 && inside(r, lay.term));
                for y in r.y..r.bottom() {
                    let span = (y * iw + r.x) * 4..(y * iw + r.right()) * 4;
                    shown[span.clone()].copy_from_slice(&frame[span]);
                }
            }
            assert!(
                shown == frame,
                "{w}x{h}: pixels changed outside the damage at frame {k}"
            );
        }
        assert!(term_rects > 0, "{w}x{h}: the terminal never changed");
    }
}

/// Copies rectangle `r` of a frame `iw` wide from `src` to `dst` (both whole frames, or `src`
/// holding only `r` when `held`).
fn put_rect(dst: &mut [u8], src: &[u8], r: raster::Rect, iw: usize, held: bool) {
    for y in r.y..r.bottom() {
        let to = (y * iw + r.x) * 4..(y * iw + r.right()) * 4;
        let from = if held {
            (y - r.y) * r.w * 4..(y - r.y + 1) * r.w * 4
        } else {
            to.clone()
        };
        dst[to].copy_from_slice(&src[from]);
    }
}

/// Moves rectangle `s.src` of a frame `iw` wide up to row `s.to`.
fn shift_rect(buf: &mut [u8], s: raster::Shift, iw: usize) {
    for k in 0..s.src.h {
        let from = ((s.src.y + k) * iw + s.src.x) * 4;
        buf.copy_within(from..from + s.src.w * 4, ((s.to + k) * iw + s.src.x) * 4);
    }
}

/// With no frame kept (the X11 presenter), what the window ends up showing from the streamed
/// scrolls, rows and panels is the kept frame, pixel for pixel, in both layouts; so is a
/// window sent the kept frame's scroll and painted rectangles only.
#[test]
fn streamed_and_copied_renders_show_what_the_kept_frame_does() {
    for (layout, (w, h)) in [
        (trainsaver::Layout::Dashboard, (1280, 720)),
        (trainsaver::Layout::Dashboard, (800, 1280)),
        (trainsaver::Layout::Terminal, (1024, 600)),
    ] {
        let mut look = common::look("default");
        look.layout = layout;
        let pipeline =
            || trainsaver::Pipeline::new(common::run(42, Framework::Ddp, 0), &look, 1.0, w, h);
        let (mut kept, mut streamed) = (pipeline(), pipeline());
        let (iw, ih) = kept.internal_size();
        let mut frame = vec![0u8; iw * ih * 4];
        let (mut window, mut copier) = (vec![7u8; iw * ih * 4], vec![9u8; iw * ih * 4]);
        let mut t = Duration::from_secs(1800);
        let (mut shifts, mut panels) = (0, 0);
        for k in 0..60 {
            t += Duration::from_millis(2300);
            kept.step_to(t);
            streamed.step_to(t);
            kept.render_into(&mut frame, t);
            if let Some(s) = kept.moved() {
                shift_rect(&mut copier, s, iw);
            }
            for r in kept.painted() {
                put_rect(&mut copier, &frame, *r, iw, false);
            }
            streamed
                .render_streamed(t, |out| {
                    match out {
                        trainsaver::Out::Shift(s) => {
                            shifts += 1;
                            shift_rect(&mut window, s, iw);
                        }
                        trainsaver::Out::Pixels { at, pixels } => {
                            panels += usize::from(at.w * at.h * 4 == pixels.len() && at.h > 100);
                            put_rect(&mut window, pixels, at, iw, true);
                        }
                    }
                    Ok::<(), ()>(())
                })
                .unwrap();
            let ctx = format!("{layout:?} {w}x{h} frame {k}");
            assert!(window == frame, "{ctx}: the streamed window differs");
            assert!(copier == frame, "{ctx}: the copied window differs");
        }
        assert!(shifts > 0, "{layout:?} {w}x{h}: nothing scrolled");
        if layout == trainsaver::Layout::Dashboard {
            assert!(panels > 1, "{w}x{h}: the panels were drawn {panels} times");
        }
    }
}
