//! The training loop: steps, validation, checkpoints, incidents and the end of a job.

use std::sync::Arc;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::draws::step_noise;
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

/// Slow steps per step (a data-loader stall, garbage collection, a noisy neighbour).
const SLOW_STEP_CHANCE: f64 = 0.015;

/// What a step led to.
#[derive(Debug, PartialEq)]
pub(crate) enum Outcome {
    /// Training goes on.
    Continue,
    /// The worker group restarts from this checkpoint (none: from scratch), `repeated` logged
    /// steps to be done again.
    Restart {
        /// The checkpoint's step.
        resume: Option<u64>,
        /// Steps logged after it.
        repeated: u64,
    },
    /// The job ended (finished, failed for good, or stopped by the time limit).
    Ended,
}

/// A decaying loss excursion, and the gradient norms that come with it.
#[derive(Clone, Copy, Debug)]
struct Spike {
    at: u64,
    height: f64,
    decay: f64,
    gnorm: f64,
}

impl Spike {
    /// Extra loss `since` steps after the spike.
    fn loss(&self, step: u64) -> f64 {
        self.height * (-(step.saturating_sub(self.at) as f64) / self.decay).exp()
    }

    /// Factor on the gradient norm, decaying a little faster than the loss.
    fn gnorm(&self, step: u64) -> f64 {
        let since = step.saturating_sub(self.at) as f64;
        1.0 + (self.gnorm - 1.0) * (-since / (self.decay * 0.6)).exp()
    }
}

/// A straggling rank slowing every step; the monitor reports it after watching a while.
#[derive(Clone, Copy, Debug)]
struct Straggler {
    rank: u32,
    factor: f64,
    /// Step at which the monitor, having seen enough slow steps, says so.
    reported_at: u64,
    until: u64,
    reported: bool,
}

/// The fp16 loss scaler's state.
#[derive(Clone, Copy, Debug)]
struct ScalerState {
    scale: f64,
    clean: u64,
    hysteresis_left: u32,
}

/// The state of a run's training loop.
#[derive(Debug)]
pub struct Trainer {
    /// The plan; the micro batch may shrink after an OOM.
    pub(crate) plan: RunPlan,
    /// Steps completed.
    pub(crate) step: u64,
    /// Last checkpointed step.
    pub(crate) last_ckpt: Option<u64>,
    /// Totals so far.
    totals: RunTotals,
    /// What the last step reported.
    last: Option<StepStats>,
    /// The last step the log reported (where a restart repeats from).
    last_logged: u64,
    scaler: ScalerState,
    /// Whether the loop has started since the last (re)start.
    running: bool,
    /// Steps since the last (re)start: the first ones are slow.
    since_start: u64,
    /// A restart happened: no OOM check, the loop resumes.
    restarted: bool,
    /// The step after a checkpoint save is slower (the file system still flushes).
    after_save: bool,
    spike: Option<Spike>,
    /// Every loss spike so far: the data that caused it comes again when steps are repeated.
    spikes: Vec<Spike>,
    /// The furthest step run: steps up to it, run again after a restart, see the same data.
    furthest: u64,
    straggler: Option<Straggler>,
}

impl Trainer {
    /// A trainer at the plan's first step.
    pub fn new(plan: RunPlan, rng: &mut ChaCha8Rng) -> Self {
        let rules = plan.framework.scaler();
        // A resumed fp16 run restores its scaler's state from the checkpoint.
        let scale = match (plan.precision, plan.kind) {
            (Precision::Bf16, _) => 1.0,
            (Precision::Fp16, JobKind::Resume) => {
                *crate::draws::pick(rng, &[8192.0, 16384.0, 32768.0, 65536.0])
            }
            (Precision::Fp16, _) => rules.initial,
        };
        // A resumed job's own starting checkpoint is where a restart goes back to.
        let last_ckpt = (plan.kind == JobKind::Resume).then_some(plan.start_step);
        Trainer {
            step: plan.start_step,
            last_logged: plan.start_step,
            last_ckpt,
            plan,
            scaler: ScalerState {
                scale,
                clean: 0,
                hysteresis_left: rules.hysteresis,
            },
            totals: RunTotals::default(),
            last: None,
            running: false,
            since_start: 0,
            restarted: false,
            after_save: false,
            spike: None,
            spikes: Vec::new(),
            furthest: 0,
            straggler: None,
        }
    }

    /// The loop starts (again): the framework says so; a fresh job may run out of memory at
    /// its first step and retry with half the micro batch.
    fn begin(&mut self, out: &mut Emitter, rng: &mut ChaCha8Rng) {
        self.running = true;
        self.since_start = 0;
        if self.totals.steps_run == 0 {
            self.totals.train_start = out.job;
        }
        out.emit(Event::TrainingStarted {
            from_step: self.step,
        });
        // Only a new configuration near the GPU's capacity runs out of memory: a resumed job
        // trained with this micro batch already.
        let fill = self.plan.memory_gib() / self.plan.gpu.memory_gib;
        let fresh = !self.restarted
            && self.plan.kind != JobKind::Resume
            && self.plan.framework.retries_oom();
        if fresh && self.plan.micro_batch > 1 && fill > 0.8 && rng.random_bool(0.12) {
            self.oom(out, rng);
        }
    }

    /// Runs one optimizer step (and whatever falls due at it).
    pub(crate) fn step(&mut self, out: &mut Emitter, rng: &mut ChaCha8Rng) -> Outcome {
        if !self.running {
            self.begin(out, rng);
        }
        self.straggler_news(out);
        self.step += 1;
        self.since_start += 1;
        let s = self.compute(rng);
        self.totals.steps_run += 1;
        self.totals.mfu_sum += s.mfu;
        out.pause(s.step_time);
        self.last = Some(s);
        self.fp16_scaler(out, rng);
        match self.incidents(out, rng) {
            Outcome::Continue => {}
            other => return other,
        }
        let s = self.last.unwrap_or(s);
        self.furthest = self.furthest.max(self.step);
        self.totals.loss_sum += s.loss;
        let logged = self.plan.logs_step(s.step);
        if logged {
            self.last_logged = s.step;
        }
        out.emit(Event::StepFinished {
            stats: s,
            logged,
            loss_scale: self.scaler.scale,
            skipped: self.totals.skipped,
            train_start: self.totals.train_start,
        });
        self.after_step(out, rng)
    }

    /// Epochs, validation, checkpoints and the end of the job, after a step.
    fn after_step(&mut self, out: &mut Emitter, rng: &mut ChaCha8Rng) -> Outcome {
        let p = &self.plan;
        if self.step.is_multiple_of(p.steps_per_epoch()) && self.step < p.total_steps {
            out.emit(Event::EpochFinished {
                epoch: self.step / p.steps_per_epoch(),
                step: self.step,
            });
        }
        if p.framework.validates(self.step, p.val_every, p.total_steps) {
            self.validate(out, rng);
        }
        let p = &self.plan;
        if self.step.is_multiple_of(p.ckpt_every) || self.step == p.total_steps {
            self.checkpoint(out, rng);
        }
        if self.step >= self.plan.total_steps {
            self.summary(out, rng);
            return Outcome::Ended;
        }
        if self.step >= self.plan.end_step {
            out.emit(Event::TimeLimit);
            out.pause(rng.random_range(20.0..40.0));
            out.emit(Event::RunGap);
            return Outcome::Ended;
        }
        Outcome::Continue
    }

    /// A step's numbers. The loss and gradient norm at a step are the same whenever it is run
    /// (same weights, same data order), up to a trace of non-determinism; step times are
    /// mostly steady with an occasional slow step, and the first steps after a start are slow
    /// (compilation, allocator and NCCL warm-up).
    fn compute(&mut self, rng: &mut ChaCha8Rng) -> StepStats {
        let p = &self.plan;
        let step = self.step;
        let u = |salt| step_noise(p.noise_seed, step, salt);
        // A sum of uniforms: most steps near the curve, few far off it.
        let wobble = (u(1) + u(2) + u(3)) / 3.0 - 0.5;
        let mut loss = p.loss_curve(step) * (1.0 + 0.03 * wobble);
        loss *= 1.0 + rng.random_range(-1e-4..1e-4);
        let mut grad_norm = p.grad_norm_curve(step) * (0.85 + 0.33 * u(4));
        if let Some(sp) = self.spike {
            loss += sp.loss(step);
            grad_norm *= sp.gnorm(step);
            if step > sp.at + (sp.decay * 8.0) as u64 {
                self.spike = None;
            }
        }
        let jitter = 1.0
            + ((rng.random::<f64>() + rng.random::<f64>() + rng.random::<f64>()) / 3.0 - 0.5)
                * 0.02;
        let mut slow = self.straggler.map_or(1.0, |s| s.factor) * jitter;
        slow *= match self.since_start {
            1 => rng.random_range(3.0..8.0),
            2 => rng.random_range(1.1..1.4),
            _ if self.after_save => rng.random_range(1.05..1.3),
            _ if rng.random_bool(SLOW_STEP_CHANCE) => rng.random_range(1.1..1.6),
            _ => 1.0,
        };
        self.after_save = false;
        let step_time = p.step_time() * slow;
        let tps = p.tokens_per_step() / (step_time * p.world() as f64);
        let tflops = p.flops_per_token() * tps / 1e12;
        StepStats {
            step,
            loss,
            lr: p.lr(step - 1),
            grad_norm,
            tps,
            tflops,
            mfu: tflops / p.gpu.peak_tflops,
            step_time,
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
        // A fixed held-out set of hundreds of millions of tokens: its loss moves smoothly; a
        // spike's damage to the weights shows in it too.
        let spike = self.spike.map_or(0.0, |s| s.loss(self.step));
        let loss = p.val_loss_curve(self.step) + spike + rng.random_range(-0.0015..0.0015);
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
        self.after_save = true;
    }

    /// The framework's dynamic loss scaler: early overflows while the scale is too large,
    /// rare ones later; halving after `hysteresis` overflows, doubling after a clean window.
    fn fp16_scaler(&mut self, out: &mut Emitter, rng: &mut ChaCha8Rng) {
        if self.plan.precision != Precision::Fp16 {
            return;
        }
        let rules = self.plan.framework.scaler();
        let sc = &mut self.scaler;
        let p = if sc.scale > 131_072.0 {
            0.9
        } else if self.since_start < 12 {
            0.3
        } else {
            0.004
        };
        if rng.random_bool(p) {
            let scale = sc.scale;
            sc.hysteresis_left = sc.hysteresis_left.saturating_sub(1);
            if sc.hysteresis_left == 0 {
                sc.scale = (sc.scale / 2.0).max(1.0);
            }
            sc.clean = 0;
            self.totals.skipped += 1;
            out.emit(Event::Fp16Overflow {
                step: self.step,
                scale,
                new_scale: sc.scale,
            });
        } else {
            sc.clean += 1;
            if sc.clean >= rules.growth_interval {
                sc.clean = 0;
                sc.scale *= 2.0;
                sc.hysteresis_left = rules.hysteresis;
            }
        }
    }

    /// Maybe something goes wrong at this step.
    fn incidents(&mut self, out: &mut Emitter, rng: &mut ChaCha8Rng) -> Outcome {
        let p = &self.plan;
        if self.step < p.start_step + p.warmup_steps.min(50) {
            return Outcome::Continue;
        }
        // Rates per hour of job time, so a step's chance follows its length; failures grow
        // with the GPU count.
        let hours = self.last.map_or(p.step_time(), |s| s.step_time) / 3600.0;
        let failure = FAILURES_PER_GPU_HOUR * p.world() as f64 * hours;
        if rng.random_bool(failure.min(0.5)) {
            return self.watchdog(out, rng);
        }
        if self.step <= self.furthest {
            // A repeated step: its batch does what it did the first time.
            if let Some(sp) = self.spikes.iter().find(|sp| sp.at == self.step).copied() {
                self.apply_spike(sp, out);
            }
            return Outcome::Continue;
        }
        if !rng.random_bool((INCIDENTS_PER_HOUR * hours).min(0.5)) {
            return Outcome::Continue;
        }
        match rng.random_range(0..100) {
            0..35 => self.loss_spike(out, rng),
            35..65 => self.grad_spike(out, rng),
            _ => self.slow_node(rng),
        }
        Outcome::Continue
    }

    fn loss_spike(&mut self, out: &mut Emitter, rng: &mut ChaCha8Rng) {
        let spike = Spike {
            at: self.step,
            height: rng.random_range(0.4..1.6),
            decay: rng.random_range(6.0..25.0),
            gnorm: rng.random_range(3.0..8.0),
        };
        self.spikes.push(spike);
        self.apply_spike(spike, out);
    }

    /// A spike hits this step.
    fn apply_spike(&mut self, spike: Spike, out: &mut Emitter) {
        let Some(s) = self.last.as_mut() else { return };
        let before = s.loss;
        s.loss += spike.height;
        s.grad_norm *= spike.gnorm;
        self.spike = Some(spike);
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

    /// A rank starts straggling; the monitor says so only after watching its slow steps.
    fn slow_node(&mut self, rng: &mut ChaCha8Rng) {
        if self.straggler.is_some() {
            return;
        }
        let watch = rng.random_range(20..50);
        self.straggler = Some(Straggler {
            rank: rng.random_range(0..self.plan.world()),
            factor: rng.random_range(1.08..1.3),
            reported_at: self.step + watch,
            until: self.step + watch + rng.random_range(20..120),
            reported: false,
        });
    }

    /// The straggler monitor's report, and the straggler's recovery.
    fn straggler_news(&mut self, out: &mut Emitter) {
        let Some(st) = self.straggler.as_mut() else {
            return;
        };
        if !st.reported && self.step >= st.reported_at {
            st.reported = true;
            // The slowdown the steps really show, as the monitor measures it.
            let noise = 0.98 + 0.04 * step_noise(self.plan.noise_seed, self.step, 9);
            out.emit(Event::Straggler {
                rank: st.rank,
                reported: st.factor * noise,
            });
        }
        if self.step >= st.until {
            let (rank, reported) = (st.rank, st.reported);
            self.straggler = None;
            if reported {
                out.emit(Event::StragglerRecovered { rank });
            }
        }
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

    /// A collective hangs until the NCCL watchdog kills the job: the rank's process aborts a
    /// moment later and torchrun's agent notices at its next poll; it restarts the worker
    /// group from the last checkpoint, or gives up once its restarts are used.
    fn watchdog(&mut self, out: &mut Emitter, rng: &mut ChaCha8Rng) -> Outcome {
        let world = self.plan.world();
        let rank = rng.random_range(1..world);
        let seq = self.step * 57 + rng.random_range(0..40);
        out.emit(Event::Hang);
        out.pause(600.0);
        out.emit(Event::WatchdogTimeout {
            rank,
            seq,
            numel: rng.random_range(1_000_000..40_000_000),
        });
        out.pause(rng.random_range(0.2..0.6));
        out.emit(Event::NcclPeerError { rank });
        out.pause(rng.random_range(0.1..0.8));
        let failed_at = out.job;
        out.pause(rng.random_range(0.1..4.0));
        out.emit(Event::WorkerFailed { rank, failed_at });
        if self.totals.restarts >= MAX_RESTARTS {
            out.pause(rng.random_range(1.0..3.0));
            out.emit(Event::JobFailed { rank, failed_at });
            out.pause(rng.random_range(20.0..60.0));
            out.emit(Event::RunGap);
            return Outcome::Ended;
        }
        self.totals.restarts += 1;
        out.pause(rng.random_range(3.0..10.0));
        out.emit(Event::WorkerGroupRestart {
            restart: self.totals.restarts,
            max: MAX_RESTARTS,
            rank,
        });
        out.pause(rng.random_range(2.0..4.0));
        let resume = self.last_ckpt;
        let repeated = self.last_logged.saturating_sub(resume.unwrap_or(0));
        self.step = resume.unwrap_or(0);
        self.last_logged = self.step;
        // The checkpoint's weights carry a spike that was still decaying when it was saved.
        self.spike = self
            .spikes
            .iter()
            .rev()
            .find(|sp| sp.at <= self.step)
            .copied();
        self.straggler = None;
        self.last = None;
        self.running = false;
        self.restarted = true;
        Outcome::Restart { resume, repeated }
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
    use crate::cluster::Cluster;
    use rand::SeedableRng;

    fn setup(seed: u64) -> (Trainer, Emitter, ChaCha8Rng) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let catalog = Catalog::builtin();
        let cluster = Arc::new(Cluster::draw(&mut rng, &catalog));
        let mut plan = RunPlan::draw(&mut rng, &catalog, &cluster, crate::Framework::Ddp);
        plan.ckpt_every = 20;
        plan.val_every = 20;
        plan.log_every = 1;
        // From step 0, so the checkpoints are this test's own.
        plan.kind = JobKind::Scratch;
        plan.start_step = 0;
        plan.total_steps = plan.total_steps.max(1000);
        plan.end_step = plan.total_steps;
        let tr = Trainer::new(plan, &mut rng);
        (tr, Emitter::default(), rng)
    }

    fn events(out: &Emitter) -> Vec<&Event> {
        out.queue.iter().map(|t| &t.event).collect()
    }

    #[test]
    fn a_restart_goes_back_to_the_last_checkpoint_and_repeats_the_same_losses() {
        let (mut tr, mut out, mut rng) = setup(11);
        let mut losses = std::collections::HashMap::new();
        while tr.step < 47 {
            tr.step(&mut out, &mut rng);
            if let Some(s) = tr.last {
                losses.insert(s.step, s.loss);
            }
        }
        assert_eq!(tr.last_ckpt, Some(40));
        let job_before = out.job;
        out.queue.clear();
        let outcome = tr.watchdog(&mut out, &mut rng);
        assert_eq!(
            outcome,
            Outcome::Restart {
                resume: Some(40),
                repeated: 7
            }
        );
        assert!(
            out.job - job_before >= 600.0,
            "the NCCL timeout takes its 600 s"
        );
        assert!(matches!(events(&out)[0], Event::Hang));
        // The loop starts again from the checkpoint; the repeated steps give the same loss.
        tr.step(&mut out, &mut rng);
        let again = tr.last.unwrap();
        assert_eq!(again.step, 41);
        let before = losses[&41];
        assert!(
            (again.loss - before).abs() < 1e-3 * before,
            "{} vs {before}",
            again.loss
        );
        assert!(
            events(&out).contains(&&Event::TrainingStarted { from_step: 40 }),
            "the loop says where it starts"
        );
    }

    #[test]
    fn a_failure_after_the_last_restart_ends_the_job() {
        let (mut tr, mut out, mut rng) = setup(5);
        while tr.step < 25 {
            tr.step(&mut out, &mut rng);
        }
        for _ in 0..MAX_RESTARTS {
            assert!(matches!(
                tr.watchdog(&mut out, &mut rng),
                Outcome::Restart { .. }
            ));
        }
        out.queue.clear();
        assert_eq!(tr.watchdog(&mut out, &mut rng), Outcome::Ended);
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
    fn fp16_overflow_halves_the_loss_scale_after_the_hysteresis() {
        for framework in [crate::Framework::Ddp, crate::Framework::Megatron] {
            let (mut tr, mut out, mut rng) = setup(3);
            tr.plan.precision = Precision::Fp16;
            tr.plan.framework = framework;
            let rules = framework.scaler();
            tr.scaler = ScalerState {
                scale: rules.initial,
                clean: 0,
                hysteresis_left: rules.hysteresis,
            };
            let mut scales = vec![tr.scaler.scale];
            for _ in 0..40 {
                tr.fp16_scaler(&mut out, &mut rng);
                scales.push(tr.scaler.scale);
            }
            assert!(
                scales
                    .windows(2)
                    .all(|w| w[1] == w[0] || w[1] == w[0] / 2.0)
            );
            assert!(tr.scaler.scale < rules.initial, "{framework}: {scales:?}");
            let warned = events(&out)
                .iter()
                .filter(|e| matches!(e, Event::Fp16Overflow { .. }))
                .count() as u64;
            assert_eq!(warned, tr.totals.skipped);
            // Megatron's hysteresis: the first overflow does not halve yet.
            if framework == crate::Framework::Megatron {
                assert_eq!(scales[1], rules.initial, "{scales:?}");
            }
        }
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
