//! A console: events written in the style of each run's framework, as terminal operations.

use std::sync::Arc;

use chrono::NaiveDateTime;
use sim::{Event, RunPlan, StepStats, Timed};
use term::TermOp;

use crate::dispatch;
use crate::styles::style_for;
use crate::writer::{LastStep, Writer};

/// Settings of one console.
#[derive(Clone, Copy, Debug)]
pub struct ConsoleConfig {
    /// Wall-clock time of the job clock's zero (injected; never read from the OS here).
    pub start: NaiveDateTime,
    /// Whose console is shown: rank-specific lines follow it; the run is the same.
    pub rank: u32,
    /// Print a `# trainsaver:` line at each run's start saying the job is simulated.
    pub disclosure: bool,
}

/// One rank's console: it holds no simulation, only what a log style needs to go on.
pub struct Console {
    writer: Writer,
}

impl Console {
    /// A console whose first run has `plan` (the plan its `RunStarted` event carries).
    pub fn new(cfg: ConsoleConfig, plan: Arc<RunPlan>) -> Self {
        let style = style_for(plan.framework);
        Console {
            writer: Writer::new(style, cfg.start, cfg.rank, plan, cfg.disclosure),
        }
    }

    /// Writes one event, handing its terminal operations to `out` in order.
    pub fn write(&mut self, t: &Timed, mut out: impl FnMut(TermOp)) {
        self.follow(t);
        dispatch::write(self.writer.style(), &t.event, &mut self.writer);
        self.writer.drain().for_each(&mut out);
    }

    /// How many columns the current job's step line takes (its widest numbers): what a person
    /// sizes their terminal to.
    pub fn step_columns(&self) -> usize {
        let p = self.writer.plan();
        let tps = p.tps_per_gpu();
        let stats = StepStats {
            step: p.total_steps,
            loss: 10.0,
            lr: p.peak_lr,
            grad_norm: 9.999,
            tps,
            tflops: p.flops_per_token() * tps / 1e12,
            mfu: p.mfu,
            step_time: p.step_time(),
        };
        let last = LastStep {
            stats,
            loss_scale: 1.0,
            skipped: 0,
            skipped_in_step: 0,
            train_start: 0.0,
        };
        let w = &self.writer;
        w.style().step_line(w, &last).text().chars().count()
    }

    /// The machine's wall clock moved by `secs` without the job's progress doing so (set
    /// back, or a DST change): lines written from now on carry the new time.
    pub fn shift_wall(&mut self, secs: f64) {
        self.writer.shift_wall(secs);
    }

    /// Keeps up with an event without writing it (a far jump skips what would long have
    /// scrolled off): only the state the style needs to go on follows it.
    pub fn follow(&mut self, t: &Timed) {
        if let Event::RunStarted { plan, .. } = &t.event {
            self.writer.set_style(style_for(plan.framework));
        }
        self.writer.set_job(t.secs());
        self.writer.follow(&t.event);
    }
}
