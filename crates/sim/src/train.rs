//! The training loop: steps, validation, checkpoints, incidents and the end of a run.

use std::sync::Arc;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::emit::Emitter;
use crate::event::{Event, RunTotals, StepStats};
use crate::plan::{JobKind, Precision, RunPlan};

/// Watchdog restarts a run may have at most (torchrun's `--max-restarts`).
const MAX_RESTARTS: u32 = 3;

/// Unexpected interruptions per GPU-hour: the Llama 3 report counts 419 in 54 days on 16,384
/// GPUs (one about every 3 hours at that scale).
pub const FAILURES_PER_GPU_HOUR: f64 = 419.0 / (54.0 * 24.0 * 16384.0);

/// Loss spikes, gradient spikes and slow nodes per hour of training: an odd one every few
/// hours.
pub const INCIDENTS_PER_HOUR: f64 = 0.3;

/// The fp16 loss scale a run starts with.
const INITIAL_LOSS_SCALE: f64 = 65536.0;

/// What an incident did to the run.
#[derive(Debug, PartialEq)]
enum Incident {
    /// Nothing that stops training.
    None,
    /// The workers restarted from the last checkpoint.
    Restarted,
    /// The job failed for good.
    Failed,
}

/// A decaying loss excursion.
#[derive(Clone, Copy, Debug)]
struct Spike {
    at: u64,
    height: f64,
    decay: f64,
}

/// A straggling rank slowing every step.
#[derive(Clone, Copy, Debug)]
struct Straggler {
    rank: u32,
    until: u64,
    factor: f64,
}

/// The state of a run's training loop.
#[derive(Debug)]
pub struct Trainer {
    /// The plan; the micro batch may shrink after an OOM.
    pub plan: RunPlan,
    /// Steps completed.
    pub step: u64,
    /// Last checkpointed step.
    pub last_ckpt: Option<u64>,
    /// Dynamic loss scale (fp16 only).
    pub loss_scale: f64,
    /// Totals so far.
    pub totals: RunTotals,
    /// What the last step reported.
    pub last: Option<StepStats>,
    /// Set once the OOM check at the first step has run.
    oom_checked: bool,
    spike: Option<Spike>,
    straggler: Option<Straggler>,
    clean_steps: u64,
}

impl Trainer {
    /// A trainer at the plan's first step.
    pub fn new(plan: RunPlan) -> Self {
        let loss_scale = if plan.precision == Precision::Fp16 {
            INITIAL_LOSS_SCALE
        } else {
            1.0
        };
        // A resumed job's own starting checkpoint is where a restart goes back to.
        let last_ckpt = (plan.kind == JobKind::Resume).then_some(plan.start_step);
        Trainer {
            step: plan.start_step,
            last_ckpt,
            plan,
            loss_scale,
            totals: RunTotals::default(),
            last: None,
            oom_checked: false,
            spike: None,
            straggler: None,
            clean_steps: 0,
        }
    }

    /// Runs one optimizer step (and whatever falls due at it); returns true when the run ended.
    pub(crate) fn step(&mut self, out: &mut Emitter, rng: &mut ChaCha8Rng) -> bool {
        if !self.oom_checked {
            self.oom_checked = true;
            self.totals.train_start = out.job;
            out.emit(Event::TrainingStarted {
                from_step: self.step,
            });
            // Only a plan near the GPU's capacity can run out of memory at its first step.
            let fill = self.plan.memory_gib() / self.plan.gpu.memory_gib;
            if self.plan.micro_batch > 1 && fill > 0.8 && rng.random_bool(0.12) {
                self.oom(out, rng);
            }
        }
        if let Some(st) = self.straggler
            && self.step >= st.until
        {
            self.straggler = None;
            out.emit(Event::StragglerRecovered { rank: st.rank });
        }
        self.step += 1;
        let s = self.compute(rng);
        self.totals.steps_run += 1;
        self.totals.mfu_sum += s.mfu;
        out.pause(s.step_time);
        self.last = Some(s);

        self.fp16_scaler(out, rng);
        match self.incidents(out, rng) {
            Incident::Restarted => return false,
            Incident::Failed => return true,
            Incident::None => {}
        }
        let s = self.last.unwrap_or(s);
        self.totals.loss_sum += s.loss;
        out.emit(Event::StepFinished {
            stats: s,
            logged: self.plan.logs_step(s.step),
            loss_scale: self.loss_scale,
            skipped: self.totals.skipped,
            train_start: self.totals.train_start,
        });
        let p = &self.plan;
        if self.step.is_multiple_of(p.steps_per_epoch()) && self.step < p.total_steps {
            out.emit(Event::EpochFinished {
                epoch: self.step / p.steps_per_epoch(),
                step: self.step,
            });
        }
        if self.step.is_multiple_of(p.val_every) || self.step == p.total_steps {
            self.validate(out, rng);
        }
        let p = &self.plan;
        if self.step.is_multiple_of(p.ckpt_every) || self.step == p.total_steps {
            self.checkpoint(out, rng);
        }
        if self.step >= self.plan.total_steps {
            self.summary(out, rng);
            return true;
        }
        if self.step >= self.plan.end_step {
            out.emit(Event::TimeLimit);
            out.pause(rng.random_range(20.0..40.0));
            out.emit(Event::RunGap);
            return true;
        }
        false
    }

    fn compute(&mut self, rng: &mut ChaCha8Rng) -> StepStats {
        let p = &self.plan;
        let step = self.step;
        let mut loss = p.loss_curve(step) * (1.0 + rng.random_range(-0.012..0.012));
        if let Some(sp) = self.spike {
            let since = step.saturating_sub(sp.at) as f64;
            loss += sp.height * (-since / sp.decay).exp();
            if since > sp.decay * 8.0 {
                self.spike = None;
            }
        }
        let grad_norm = p.grad_norm_curve(step) * rng.random_range(0.85..1.18);
        let slow = self.straggler.map_or(1.0, |s| s.factor);
        let tps = p.tps_per_gpu() * rng.random_range(0.975..1.02) / slow;
        let tflops = p.flops_per_token() * tps / 1e12;
        StepStats {
            step,
            loss,
            lr: p.lr(step - 1),
            grad_norm,
            tps,
            tflops,
            mfu: tflops / p.gpu.peak_tflops,
            step_time: p.tokens_per_step() / (tps * p.world() as f64),
        }
    }

    fn validate(&mut self, out: &mut Emitter, rng: &mut ChaCha8Rng) {
        let p = &self.plan;
        let batches = p.val_batches;
        // A forward pass per batch, about a third of a training micro-step; it varies run to run.
        let real = batches as f64 * p.step_time() / p.grad_accum as f64 / 3.0
            * rng.random_range(0.94..1.07);
        let per = batches.div_ceil(10).max(1);
        out.emit(Event::ValidationStarted);
        for b in (per..=batches)
            .step_by(per as usize)
            .chain(std::iter::once(batches))
        {
            out.pause(real * per as f64 / batches as f64);
            out.emit(Event::ValidationProgress {
                done: b,
                total: batches,
            });
            if b == batches {
                break;
            }
        }
        let loss = p.loss_curve(self.step) + rng.random_range(0.01..0.05);
        // Rounded as printed, so the perplexity shown is exp of the loss shown.
        let loss = (loss * 1e4).round() / 1e4;
        self.totals.best_val = Some(self.totals.best_val.map_or(loss, |b: f64| b.min(loss)));
        out.emit(Event::ValidationFinished {
            step: self.step,
            loss,
            secs: real,
            batches,
        });
    }

    fn checkpoint(&mut self, out: &mut Emitter, rng: &mut ChaCha8Rng) {
        let p = &self.plan;
        let rate = p.storage_bps * rng.random_range(0.8..1.1);
        let secs = (p.weight_bytes() + p.optimizer_bytes()) / rate;
        out.emit(Event::CheckpointStarted { step: self.step });
        out.pause(secs);
        out.emit(Event::CheckpointSaved {
            step: self.step,
            secs,
            rate,
        });
        self.last_ckpt = Some(self.step);
        self.totals.checkpoints += 1;
    }

    fn fp16_scaler(&mut self, out: &mut Emitter, rng: &mut ChaCha8Rng) {
        if self.plan.precision != Precision::Fp16 {
            return;
        }
        // The dynamic scaler overflows a few times at the start, then rarely.
        let p = if self.step < self.plan.start_step + 12 {
            0.45
        } else {
            0.004
        };
        if rng.random_bool(p) {
            let new = (self.loss_scale / 2.0).max(1.0);
            self.totals.skipped += 1;
            self.clean_steps = 0;
            out.emit(Event::Fp16Overflow {
                step: self.step,
                scale: self.loss_scale,
                new_scale: new,
            });
            self.loss_scale = new;
        } else {
            self.clean_steps += 1;
            if self.clean_steps >= 1000 {
                self.clean_steps = 0;
                self.loss_scale = (self.loss_scale * 2.0).min(INITIAL_LOSS_SCALE);
            }
        }
    }

    /// Maybe something goes wrong at this step.
    fn incidents(&mut self, out: &mut Emitter, rng: &mut ChaCha8Rng) -> Incident {
        let p = &self.plan;
        if self.step < p.start_step + p.warmup_steps.min(50) {
            return Incident::None;
        }
        // Rates per hour of job time, so a step's chance follows its length; failures grow
        // with the GPU count.
        let hours = self.last.map_or(p.step_time(), |s| s.step_time) / 3600.0;
        let failure = FAILURES_PER_GPU_HOUR * p.world() as f64 * hours;
        if rng.random_bool(failure.min(0.5)) {
            return self.watchdog_restart(out, rng);
        }
        if !rng.random_bool((INCIDENTS_PER_HOUR * hours).min(0.5)) {
            return Incident::None;
        }
        match rng.random_range(0..100) {
            0..35 => self.loss_spike(out, rng),
            35..65 => self.grad_spike(out, rng),
            _ => self.slow_node(out, rng),
        }
        Incident::None
    }

    fn loss_spike(&mut self, out: &mut Emitter, rng: &mut ChaCha8Rng) {
        let Some(s) = self.last.as_mut() else { return };
        let height = rng.random_range(0.4..1.6);
        let before = s.loss;
        s.loss += height;
        self.spike = Some(Spike {
            at: self.step,
            height,
            decay: rng.random_range(6.0..25.0),
        });
        s.grad_norm *= rng.random_range(3.0..8.0);
        out.emit(Event::LossSpike {
            step: self.step,
            before,
            after: s.loss,
            grad_norm: s.grad_norm,
        });
    }

    fn grad_spike(&mut self, out: &mut Emitter, rng: &mut ChaCha8Rng) {
        let Some(s) = self.last.as_mut() else { return };
        // Well above the clipping threshold (1.0), whatever the norm was before.
        s.grad_norm = (s.grad_norm * rng.random_range(4.0..12.0)).max(1.5);
        out.emit(Event::GradSpike {
            step: self.step,
            grad_norm: s.grad_norm,
        });
    }

    fn slow_node(&mut self, out: &mut Emitter, rng: &mut ChaCha8Rng) {
        if self.straggler.is_some() {
            return;
        }
        let rank = rng.random_range(0..self.plan.world());
        let factor = rng.random_range(1.08..1.3);
        self.straggler = Some(Straggler {
            rank,
            until: self.step + rng.random_range(20..120),
            factor,
        });
        // The monitor reports the slowdown the steps really show, measured with some noise.
        out.emit(Event::Straggler {
            rank,
            reported: factor * rng.random_range(0.98..1.02),
        });
    }

    fn oom(&mut self, out: &mut Emitter, rng: &mut ChaCha8Rng) {
        let free_gib = rng.random_range(0.3..2.5);
        out.pause(rng.random_range(2.0..5.0));
        let rank = rng.random_range(0..self.plan.world());
        out.emit(Event::OutOfMemory {
            rank,
            alloc_gib: rng.random_range(1.0..4.0),
            free_gib,
        });
        out.pause(rng.random_range(1.5..3.0));
        let old_micro_batch = self.plan.micro_batch;
        self.plan.micro_batch = old_micro_batch / 2;
        self.plan.grad_accum *= 2;
        out.emit(Event::OomRetry {
            old_micro_batch,
            plan: Arc::new(self.plan.clone()),
        });
        out.pause(rng.random_range(60.0..180.0));
        out.emit(Event::OomRecovered);
    }

    /// A collective hangs until the NCCL watchdog kills the job; torchrun restarts the
    /// workers from the last checkpoint, or gives up once its restarts are used.
    fn watchdog_restart(&mut self, out: &mut Emitter, rng: &mut ChaCha8Rng) -> Incident {
        let world = self.plan.world();
        let rank = rng.random_range(1..world);
        let seq = self.step * 57 + rng.random_range(0..40);
        out.emit(Event::Hang);
        out.pause(600.0);
        let failed_at = out.job;
        out.emit(Event::WatchdogTimeout {
            rank,
            seq,
            numel: rng.random_range(1_000_000..40_000_000),
        });
        out.pause(0.4);
        out.emit(Event::NcclPeerError { rank });
        out.pause(0.6);
        out.emit(Event::WorkerFailed { rank, failed_at });
        if self.totals.restarts >= MAX_RESTARTS {
            out.pause(rng.random_range(1.0..3.0));
            out.emit(Event::JobFailed { rank, failed_at });
            out.pause(rng.random_range(20.0..60.0));
            out.emit(Event::RunGap);
            return Incident::Failed;
        }
        self.totals.restarts += 1;
        out.pause(rng.random_range(90.0..300.0));
        out.emit(Event::WorkerGroupRestart {
            restart: self.totals.restarts,
            max: MAX_RESTARTS,
            rank,
        });
        out.pause(rng.random_range(2.0..4.0));
        out.emit(Event::ProcessGroupInit { restart: true });
        out.pause(rng.random_range(1.0..2.5));
        let resume = self.last_ckpt.unwrap_or(0);
        match self.last_ckpt {
            Some(step) => crate::setup::load_checkpoint(out, &self.plan, step, rng),
            None => out.emit(Event::NoCheckpoint { restart: true }),
        }
        self.step = resume;
        // Fresh processes start the loop again from the checkpoint, and say so.
        out.emit(Event::TrainingStarted { from_step: resume });
        self.spike = None;
        self.straggler = None;
        let steps = self.last.map_or(0, |l| l.step.saturating_sub(resume));
        if steps > 0 {
            out.emit(Event::StepsRepeated { steps });
        }
        self.last = None;
        Incident::Restarted
    }

    fn summary(&mut self, out: &mut Emitter, rng: &mut ChaCha8Rng) {
        out.emit(Event::RunFinished {
            totals: self.totals.clone(),
            final_loss: self.last.map_or(f64::NAN, |s| s.loss),
            wall: out.job - self.totals.train_start,
        });
        out.pause(rng.random_range(4.0..8.0));
        out.emit(Event::RunGap);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use rand::SeedableRng;

    fn setup(seed: u64) -> (Trainer, Emitter, ChaCha8Rng) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut plan = RunPlan::draw(&mut rng, &Catalog::builtin(), crate::plan::Framework::Ddp);
        plan.ckpt_every = 20;
        plan.val_every = 20;
        plan.log_every = 1;
        // From step 0, so the checkpoints are this test's own.
        plan.kind = JobKind::Scratch;
        plan.start_step = 0;
        plan.total_steps = plan.total_steps.max(1000);
        plan.end_step = plan.total_steps;
        (Trainer::new(plan), Emitter::default(), rng)
    }

    fn events(out: &Emitter) -> Vec<&Event> {
        out.queue.iter().map(|t| &t.event).collect()
    }

    #[test]
    fn watchdog_restart_resumes_from_the_last_checkpoint() {
        let (mut tr, mut out, mut rng) = setup(11);
        while tr.step < 47 {
            tr.step(&mut out, &mut rng);
        }
        let saved = tr.last_ckpt.expect("a checkpoint by step 40");
        assert_eq!(saved, 40);
        let job_before = out.job;
        out.queue.clear();
        assert_eq!(tr.watchdog_restart(&mut out, &mut rng), Incident::Restarted);
        assert_eq!(tr.step, saved);
        assert_eq!(tr.totals.restarts, 1);
        assert!(
            out.job - job_before >= 600.0,
            "the NCCL timeout takes its 600 s"
        );
        let ev = events(&out);
        assert!(matches!(ev[0], Event::Hang));
        assert!(ev.contains(&&Event::CheckpointLoading { step: 40 }));
        assert!(ev.contains(&&Event::StepsRepeated { steps: 7 }), "{ev:#?}");
        tr.step(&mut out, &mut rng);
        assert_eq!(
            tr.last.unwrap().step,
            41,
            "steps repeat from the checkpoint"
        );
    }

    #[test]
    fn a_failure_after_the_last_restart_ends_the_job() {
        let (mut tr, mut out, mut rng) = setup(5);
        while tr.step < 25 {
            tr.step(&mut out, &mut rng);
        }
        for _ in 0..MAX_RESTARTS {
            assert_eq!(tr.watchdog_restart(&mut out, &mut rng), Incident::Restarted);
        }
        out.queue.clear();
        assert_eq!(tr.watchdog_restart(&mut out, &mut rng), Incident::Failed);
        let ev = events(&out);
        assert!(ev.iter().any(|e| matches!(e, Event::JobFailed { .. })));
        assert!(
            !ev.iter()
                .any(|e| matches!(e, Event::WorkerGroupRestart { .. }))
        );
    }

    #[test]
    fn oom_halves_micro_batch_and_keeps_the_global_batch() {
        for seed in 0..50 {
            let (mut tr, mut out, mut rng) = setup(seed);
            if tr.plan.micro_batch < 2 {
                continue;
            }
            let (mb, global) = (tr.plan.micro_batch, tr.plan.global_batch());
            tr.oom(&mut out, &mut rng);
            assert_eq!(tr.plan.micro_batch, mb / 2);
            assert_eq!(tr.plan.global_batch(), global);
            let revised = events(&out).into_iter().find_map(|e| match e {
                Event::OomRetry { plan, .. } => Some(plan.clone()),
                _ => None,
            });
            assert_eq!(revised.expect("retry event").micro_batch, mb / 2);
            return;
        }
        panic!("no plan with micro_batch > 1 in 50 seeds");
    }

    #[test]
    fn fp16_overflow_halves_the_loss_scale() {
        let (mut tr, mut out, mut rng) = setup(3);
        tr.plan.precision = Precision::Fp16;
        tr.loss_scale = INITIAL_LOSS_SCALE;
        tr.step = 1;
        let mut scales = vec![tr.loss_scale];
        for _ in 0..12 {
            tr.fp16_scaler(&mut out, &mut rng);
            scales.push(tr.loss_scale);
        }
        assert!(
            scales
                .windows(2)
                .all(|w| w[1] == w[0] || w[1] == w[0] / 2.0)
        );
        assert!(
            tr.loss_scale < INITIAL_LOSS_SCALE,
            "early overflows expected: {scales:?}"
        );
        let warned = events(&out)
            .iter()
            .filter(|e| matches!(e, Event::Fp16Overflow { .. }))
            .count() as u64;
        assert_eq!(warned, tr.totals.skipped);
    }

    #[test]
    fn bf16_runs_never_scale_the_loss() {
        let (mut tr, mut out, mut rng) = setup(4);
        tr.plan.precision = Precision::Bf16;
        for _ in 0..200 {
            tr.fp16_scaler(&mut out, &mut rng);
        }
        assert_eq!(tr.totals.skipped, 0);
        assert!(out.queue.is_empty());
    }
}
