//! Reading a training log: text lines (colours already stripped) in, what they tell a viewer
//! out, for the four styles trainsaver writes (the plain DDP script, torchtitan, Megatron-LM,
//! the HF Trainer), nanoGPT's line and a `key=value` / `key: value` fallback. A followed real
//! log feeds the run view through it; the simulated run's view is checked against it.

mod cues;
mod scan;
mod steps;

use crate::observation::{JobCard, Observation, StepPoint};
use crate::phase::Phase;

pub use scan::{num_after, number};

/// Reads a log line by line, keeping what later lines refer to (the step a bar shows, the
/// checkpoint being saved).
#[derive(Debug, Default)]
pub struct LogReader {
    /// The job as the log has described it so far.
    card: JobCard,
    /// Whether a job has been announced to the view.
    started: bool,
    /// The step the log last showed (a step line or a progress bar).
    step: u64,
    /// The step of a checkpoint being saved.
    saving: Option<u64>,
    /// The last step line read, for lines that give numbers without their step.
    last: Option<StepPoint>,
    /// An evaluation announced itself: a bar without a description is its bar.
    evaluating: bool,
}

impl LogReader {
    /// A reader that has seen nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The job as the log has described it so far.
    pub fn card(&self) -> &JobCard {
        &self.card
    }

    /// Reads one line (a final line, or the latest rewrite of a progress bar), handing what it
    /// says to `out` in order.
    pub fn read(&mut self, line: &str, out: &mut impl FnMut(Observation)) {
        let launch = cues::launch(line);
        if launch || (!self.started && !line.trim().is_empty()) {
            // A launch starts a job; a log followed from its middle starts with what we learn.
            self.new_job(out);
        }
        let card_before = self.card.clone();
        cues::learn(line, &mut self.card);
        if self.card != card_before {
            out(Observation::JobRevised(self.card.clone()));
        }
        if launch {
            out(Observation::Phase(Phase::Launching));
            return;
        }
        if let Some(s) = steps::read(line) {
            self.step_line(s, out);
            return;
        }
        if let Some((frac, n, total)) = scan::tqdm(line) {
            self.bar(line, frac, n, total, out);
            // A logger writing while a bar is on screen continues the bar's line.
            if let Some(rest) = scan::after_bar(line) {
                self.cue(rest, out);
            }
            return;
        }
        self.cue(line, out);
    }

    fn new_job(&mut self, out: &mut impl FnMut(Observation)) {
        *self = LogReader {
            started: true,
            ..LogReader::default()
        };
        out(Observation::Job(self.card.clone()));
    }

    fn step_line(&mut self, s: steps::StepLine, out: &mut impl FnMut(Observation)) {
        let mut p = s.point;
        if !s.has_step {
            p.step = self.step;
        }
        if let Some(t) = s.total
            && self.card.total_steps != Some(t)
        {
            self.card.total_steps = Some(t);
            out(Observation::JobRevised(self.card.clone()));
        }
        if p.step_time.is_none() {
            p.step_time = self.last.and_then(|q| q.step_time);
        }
        self.step = p.step;
        self.last = Some(p);
        self.finish_save(out);
        out(Observation::Step(p));
    }

    /// A progress bar: loading, validating, or the training bar (its step).
    fn bar(
        &mut self,
        line: &str,
        frac: f64,
        n: u64,
        total: u64,
        out: &mut impl FnMut(Observation),
    ) {
        let phase = if line.starts_with("Loading checkpoint:")
            || (line.contains("Loading checkpoint shards") && self.card.start_step > 0)
        {
            Phase::LoadingCheckpoint { frac }
        } else if line.contains("Loading checkpoint shards") || line.contains("Loading weights") {
            Phase::LoadingWeights { frac }
        } else if line.contains("Validation")
            || line.contains("Evaluat")
            // While an evaluation runs, a bar that is not the training bar as it stood.
            || (self.evaluating && !(self.card.total_steps == Some(total) && n == self.step))
        {
            Phase::Validating {
                done: n as u32,
                total: total as u32,
            }
        } else {
            // The training bar (HF Trainer over all steps, or a script's bar over an epoch's
            // steps: `Epoch e/E: ... n/per_epoch`). A bar redrawn under a new line has not
            // moved.
            if line.starts_with("Epoch:") {
                return;
            }
            let n = match scan::ratio_after(line, "Epoch ") {
                Some((e, _)) if line.starts_with("Epoch ") => e.saturating_sub(1) * total + n,
                _ => n,
            };
            if n == self.step {
                return;
            }
            self.step = n;
            self.finish_save(out);
            if self.card.total_steps.is_none() {
                self.card.total_steps = Some(total);
                out(Observation::JobRevised(self.card.clone()));
            }
            if let Some(t) = scan::tqdm_rate(line)
                && let Some(last) = self.last.as_mut()
            {
                last.step_time = Some(t);
            }
            return;
        };
        out(Observation::Phase(phase));
    }

    /// A checkpoint being saved is done once training goes on.
    fn finish_save(&mut self, out: &mut impl FnMut(Observation)) {
        if let Some(step) = self.saving.take() {
            out(Observation::CheckpointSaved { step });
        }
    }

    fn cue(&mut self, line: &str, out: &mut impl FnMut(Observation)) {
        let Some(c) = cues::read(line, self.step) else {
            return;
        };
        match c {
            cues::Cue::Phase(p) => {
                if p == Phase::Finished {
                    // The last save has no line of its own in some tools.
                    self.finish_save(out);
                }
                self.evaluating = matches!(p, Phase::Validating { .. });
                out(Observation::Phase(p));
            }
            cues::Cue::Validation(step, loss) => {
                self.evaluating = false;
                out(Observation::Validation {
                    step: step.unwrap_or(self.step),
                    loss,
                });
                out(Observation::Phase(Phase::Training));
            }
            cues::Cue::Saving(step) => {
                let step = step.unwrap_or(self.step);
                self.saving = Some(step);
                out(Observation::Phase(Phase::Saving { step }));
            }
            cues::Cue::Saved(step) => {
                let step = step.or(self.saving).unwrap_or(self.step);
                self.saving = None;
                out(Observation::CheckpointSaved { step });
                out(Observation::Phase(Phase::Training));
            }
            cues::Cue::Incident(i, phase) => {
                out(Observation::Incident(i));
                if let Some(p) = phase {
                    out(Observation::Phase(p));
                }
            }
            cues::Cue::StragglerGone => out(Observation::StragglerGone),
        }
    }
}
