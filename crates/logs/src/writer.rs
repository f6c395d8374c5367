//! The state a log style writes with: the run's plan, the job clock, the console's rank, the
//! live bar rows and the last step shown.

use std::sync::Arc;

use chrono::{Duration as ChronoDuration, NaiveDateTime};
use sim::{Event, RunPlan, StepStats};
use term::{LiveWriter, StyledLine, TermOp};

use crate::level::{Level, RankTag};
use crate::progress::Progress;
use crate::style::LogStyle;

/// What the last `StepFinished` reported, for step lines and bars.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LastStep {
    /// The step's numbers.
    pub stats: StepStats,
    /// fp16 loss scale then (1 for bf16).
    pub loss_scale: f64,
    /// Steps skipped for overflow in the run so far.
    pub skipped: u64,
    /// Steps skipped since the last logged step (what a per-interval counter shows).
    pub skipped_in_step: u64,
    /// Job seconds at the first training step.
    pub train_start: f64,
}

/// Writes lines for one console: prefixes from the style, live rows kept under the log.
pub struct Writer {
    style: &'static dyn LogStyle,
    start: NaiveDateTime,
    view_rank: u32,
    plan: Arc<RunPlan>,
    job: f64,
    live: LiveWriter,
    /// The last step shown, if the run has trained yet.
    pub last: Option<LastStep>,
    /// The progress bars' state.
    pub progress: Progress,
    /// The NCCL version the job's stack ships (its lines' format depends on it).
    pub nccl_version: String,
    /// Steps skipped in the run up to the last logged step.
    skipped_at_log: u64,
    /// Whether to print the `# trainsaver:` disclosure line.
    pub disclosure: bool,
    /// The source `file:line` the next prefix names, for styles whose prefix shows it.
    pub src: Option<&'static str>,
}

impl Writer {
    /// A writer for a style, a start time (the job clock's zero) and the console's rank.
    pub fn new(
        style: &'static dyn LogStyle,
        start: NaiveDateTime,
        view_rank: u32,
        plan: Arc<RunPlan>,
        disclosure: bool,
    ) -> Self {
        Writer {
            style,
            start,
            view_rank,
            plan,
            job: 0.0,
            live: LiveWriter::new(),
            last: None,
            progress: Progress::default(),
            nccl_version: String::new(),
            skipped_at_log: 0,
            disclosure,
            src: None,
        }
    }

    /// The style writing now.
    pub fn style(&self) -> &'static dyn LogStyle {
        self.style
    }

    pub(crate) fn set_style(&mut self, style: &'static dyn LogStyle) {
        self.style = style;
    }

    /// Moves the wall clock the timestamps read by `secs` (the machine's clock was set, or
    /// its local time changed offset): later lines read the new time.
    pub fn shift_wall(&mut self, secs: f64) {
        let d = ChronoDuration::milliseconds((secs * 1000.0).round() as i64);
        self.start = self.start.checked_add_signed(d).unwrap_or(self.start);
    }

    /// Moves the writer's clock to `job` seconds (a style whose tool waits between lines).
    pub fn set_job(&mut self, job: f64) {
        self.job = job;
    }

    /// The current run's plan.
    pub fn plan(&self) -> &RunPlan {
        &self.plan
    }

    /// Replaces the plan (a new run, or a revised micro batch).
    pub(crate) fn set_plan(&mut self, plan: Arc<RunPlan>) {
        self.plan = plan;
    }

    /// Job-clock seconds of the event being written.
    pub fn job(&self) -> f64 {
        self.job
    }

    /// The rank whose console this is (taken modulo the world size: a rank beyond a small
    /// run's world views the rank it wraps to).
    pub fn view_rank(&self) -> u32 {
        self.view_rank % self.plan.world().max(1)
    }

    /// Wall-clock time at `job` seconds after the start.
    pub fn time_at(&self, job: f64) -> NaiveDateTime {
        // Microseconds: Megatron and glog print them, so they must not all end in 000.
        let us = (job * 1e6).round() as i64;
        ChronoDuration::new(
            us.div_euclid(1_000_000),
            (us.rem_euclid(1_000_000) * 1000) as u32,
        )
        .and_then(|d| self.start.checked_add_signed(d))
        .unwrap_or(NaiveDateTime::MAX)
    }

    /// Wall-clock time of the event being written.
    pub fn now(&self) -> NaiveDateTime {
        self.time_at(self.job)
    }

    /// A log line: the style's prefix, then `body` (already styled).
    pub fn line(&self, level: Level, rank: RankTag, body: StyledLine) -> StyledLine {
        let mut l = StyledLine::new();
        self.style.prefix(self, level, rank, &mut l);
        for s in body.spans {
            l.append(s.text, s.style);
        }
        l
    }

    /// A log line whose prefix names the logging call's `file:line`.
    pub fn line_from(&mut self, level: Level, src: &'static str, body: StyledLine) -> StyledLine {
        self.src = Some(src);
        let l = self.line(level, None, body);
        self.src = None;
        l
    }

    /// A log line at a level.
    pub fn log(&mut self, level: Level, msg: &str) {
        let l = self.line(level, None, StyledLine::new().push(msg, level.body()));
        self.print(l);
    }

    /// A log line at a level, its prefix naming the logging call's `file:line`.
    pub fn log_from(&mut self, level: Level, src: &'static str, msg: &str) {
        self.src = Some(src);
        self.log(level, msg);
        self.src = None;
    }

    /// A log line on behalf of one rank of `world`.
    pub fn log_rank(&mut self, level: Level, rank: u32, world: u32, msg: &str) {
        let body = StyledLine::new().push(msg, level.body());
        let l = self.line(level, Some((rank, world)), body);
        self.print(l);
    }

    /// The style's bars as they stand.
    pub fn bars(&self) -> Vec<StyledLine> {
        self.style.bars(self)
    }

    /// The live rows as last drawn.
    pub fn live_rows(&self) -> &[StyledLine] {
        self.live.live_rows()
    }

    /// Prints one line above the live rows.
    pub fn print(&mut self, line: StyledLine) {
        self.live.print(line);
    }

    /// Redraws the live rows.
    pub fn live(&mut self, rows: Vec<StyledLine>) {
        self.live.live(rows);
    }

    /// Prints lines above new live rows.
    pub fn show(&mut self, above: &[StyledLine], rows: Vec<StyledLine>) {
        self.live.show(above, rows);
    }

    /// Leaves the live rows on screen as ordinary lines.
    pub fn settle(&mut self) {
        self.live.settle();
    }

    /// Removes the live rows, printing `above` where they were.
    pub fn clear_live(&mut self, above: &[StyledLine]) {
        self.live.clear_live(above);
    }

    pub(crate) fn drain(&mut self) -> std::vec::Drain<'_, TermOp> {
        self.live.drain()
    }

    /// Keeps the state every style writes with (plan, last step, the bars under a
    /// validation) up with an event, whether it is written or skipped.
    pub(crate) fn follow(&mut self, ev: &Event) {
        let (bars, eval) = (self.style.bar_kind(), self.style.eval_bar());
        self.progress.follow(ev, &self.plan, bars, eval, self.job);
        match ev {
            Event::NcclBootstrap { version } => self.nccl_version = version.to_string(),
            Event::RunStarted { plan, .. } => {
                self.set_plan(plan.clone());
                self.last = None;
                self.skipped_at_log = 0;
            }
            Event::OomRetry { plan, .. } => self.set_plan(plan.clone()),
            Event::StepFinished {
                stats,
                loss_scale,
                skipped,
                train_start,
                logged,
            } => {
                self.last = Some(LastStep {
                    stats: *stats,
                    loss_scale: *loss_scale,
                    skipped: *skipped,
                    skipped_in_step: skipped.saturating_sub(self.skipped_at_log),
                    train_start: *train_start,
                });
                if *logged {
                    self.skipped_at_log = *skipped;
                }
            }
            _ => {}
        }
    }
}
