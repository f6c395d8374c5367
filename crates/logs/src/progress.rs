//! The progress bars a style keeps under its log, kept up with every event (written or
//! skipped), so they read as tqdm's would at any moment: a plain script's epoch bar over its
//! per-epoch step bar, the HF Trainer's one bar over all steps, and evaluation bars.

use sim::{Event, JobKind, RunPlan};

use crate::tqdm::Tqdm;

/// Which bars a style's tool draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bars {
    /// None (torchtitan, Megatron-LM).
    None,
    /// `trange(epochs, initial=done)` over `tqdm(loader, initial=step_in_epoch)`.
    EpochAndStep,
    /// One bar over every optimizer step, created at 0 and moved by the global step (the HF
    /// Trainer's `ProgressCallback`: on a resume its first update is the whole jump).
    AllSteps,
}

/// The bars' state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    /// The bar over epochs.
    pub epoch: Option<Tqdm>,
    /// The bar over steps (of the epoch, or of the run).
    pub steps: Option<Tqdm>,
    /// A running evaluation's bar.
    pub eval: Option<Tqdm>,
    /// A bar over files being read: published weights' shards, or a checkpoint's rank files.
    pub load: Option<Tqdm>,
    /// Job seconds when the checkpoint being loaded was opened.
    restore_start: f64,
    /// The epoch (0-based) the step bar belongs to.
    epoch_of_steps: u64,
}

/// Where a step is in its epoch: epochs done before it, and its place (1-based) in the epoch.
pub fn epoch_position(p: &RunPlan, step: u64) -> (u64, u64) {
    let spe = p.steps_per_epoch().max(1);
    let epochs = p.epochs.max(1) as u64;
    let done = (step.saturating_sub(1) / spe).min(epochs - 1);
    (done, step - done * spe)
}

impl Progress {
    /// Keeps the bars up with an event at job seconds `now`; `eval` names the evaluation
    /// bar's description (`None`: the tool shows none; `Some("")`: a bar without one).
    pub fn follow(&mut self, ev: &Event, p: &RunPlan, bars: Bars, eval: Option<&str>, now: f64) {
        match ev {
            Event::RunStarted { .. } => *self = Progress::default(),
            &Event::TrainingStarted { from_step } => self.start(p, bars, from_step, now),
            Event::StepFinished { stats, .. } => self.step(p, bars, stats.step, now),
            Event::ValidationStarted => {
                self.eval = eval.map(|d| {
                    let desc = (!d.is_empty()).then(|| d.to_string());
                    Tqdm::new(desc, u64::from(p.val_batches), 0, now)
                });
            }
            &Event::ValidationProgress { done, .. } => {
                if let Some(b) = self.eval.as_mut() {
                    b.update(u64::from(done), now);
                }
            }
            Event::ValidationFinished { .. } => self.eval = None,
            _ => self.loading(ev, p, now),
        }
    }

    /// The bars over files read at the start: `from_pretrained`'s over shards (only when
    /// there are several), a checkpoint loader's over rank files.
    fn loading(&mut self, ev: &Event, p: &RunPlan, now: f64) {
        let shards = u64::from(p.shards);
        match *ev {
            Event::ModelLoading => {
                self.load = (p.kind == JobKind::FineTune && shards > 1)
                    .then(|| Tqdm::new(Some("Loading checkpoint shards".into()), shards, 0, now));
            }
            Event::WeightsProgress { frac, .. } => {
                if let Some(b) = self.load.as_mut() {
                    b.update(((frac * shards as f64) as u64).min(shards), now);
                }
            }
            Event::WeightsLoaded { .. } => {
                if let Some(b) = self.load.as_mut() {
                    b.update(shards, now);
                }
            }
            Event::CheckpointLoading { .. } => {
                self.load = None;
                self.restore_start = now;
            }
            Event::CheckpointProgress {
                files_done, files, ..
            } => {
                let start = self.restore_start;
                self.load
                    .get_or_insert_with(|| {
                        Tqdm::new(
                            Some("Loading checkpoint".into()),
                            u64::from(files),
                            0,
                            start,
                        )
                    })
                    .update(u64::from(files_done), now);
            }
            Event::CheckpointLoaded { .. } => self.load = None,
            _ => {}
        }
    }

    fn start(&mut self, p: &RunPlan, bars: Bars, from_step: u64, now: f64) {
        match bars {
            Bars::None => {}
            Bars::EpochAndStep => {
                let (done, in_epoch) = epoch_position(p, from_step + 1);
                let epochs = p.epochs as u64;
                self.epoch = Some(Tqdm::new(Some("Epoch".into()), epochs, done, now));
                self.steps = Some(step_bar(p, done, in_epoch - 1, now));
                self.epoch_of_steps = done;
            }
            Bars::AllSteps => self.steps = Some(Tqdm::new(None, p.total_steps, 0, now)),
        }
    }

    fn step(&mut self, p: &RunPlan, bars: Bars, step: u64, now: f64) {
        match bars {
            Bars::None => {}
            Bars::AllSteps => {
                let b = self
                    .steps
                    .get_or_insert_with(|| Tqdm::new(None, p.total_steps, 0, now));
                b.update(step, now);
            }
            Bars::EpochAndStep => {
                let (done, in_epoch) = epoch_position(p, step);
                if self.epoch.is_none() {
                    let epochs = p.epochs as u64;
                    self.epoch = Some(Tqdm::new(Some("Epoch".into()), epochs, done, now));
                }
                if self.steps.is_none() || self.epoch_of_steps != done {
                    // A new epoch: the loader's bar starts again.
                    self.steps = Some(step_bar(p, done, in_epoch - 1, now));
                    self.epoch_of_steps = done;
                }
                if let Some(b) = self.steps.as_mut() {
                    b.update(in_epoch, now);
                }
                if in_epoch == p.steps_per_epoch()
                    && let Some(e) = self.epoch.as_mut()
                {
                    e.update(done + 1, now);
                }
            }
        }
    }
}

/// The loader's bar of an epoch (`Epoch e/E`), starting at `initial`.
fn step_bar(p: &RunPlan, done: u64, initial: u64, now: f64) -> Tqdm {
    let epochs = p.epochs as u64;
    Tqdm::new(
        Some(format!("Epoch {}/{epochs}", (done + 1).min(epochs))),
        p.steps_per_epoch(),
        initial,
        now,
    )
}
