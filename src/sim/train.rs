//! The training loop: steps, bars, validation, checkpoints, incidents and the end-of-run summary.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::flavor::{Flavor, Level, META};
use super::fmt::{bar, bytes, clock, commas, eta, short};
use super::metrics::History;
use super::out::Out;
use super::plan::{GPUS_PER_NODE, Precision, RunPlan};
use super::setup::host;
use crate::term::{Color, Style, StyledLine};

/// Steps a watchdog restart may happen at most per run.
const MAX_RESTARTS: u32 = 3;

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

/// Numbers one step printed, kept for tests and the summary.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepStats {
    /// Step number (1-based).
    pub step: u64,
    /// Training loss.
    pub loss: f64,
    /// Learning rate.
    pub lr: f64,
    /// Gradient norm before clipping.
    pub grad_norm: f64,
    /// Tokens per second per GPU.
    pub tps: f64,
    /// Achieved TFLOPS per GPU.
    pub tflops: f64,
    /// Model FLOPs utilisation.
    pub mfu: f64,
    /// Real seconds this step took.
    pub step_time: f64,
}

/// Totals for the end-of-run summary.
#[derive(Clone, Debug, Default)]
pub struct RunTotals {
    /// Job seconds at the first training step.
    pub train_start: f64,
    /// Sum of per-step MFU.
    pub mfu_sum: f64,
    /// Steps counted in `mfu_sum` (repeated steps included).
    pub steps_run: u64,
    /// Checkpoints written.
    pub checkpoints: u32,
    /// Watchdog restarts.
    pub restarts: u32,
    /// Best validation loss.
    pub best_val: Option<f64>,
    /// fp16 steps skipped for overflow.
    pub skipped: u64,
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
    /// What the last step printed.
    pub last: Option<StepStats>,
    /// Numbers over time, for dashboards.
    pub history: History,
    /// Set once the OOM check at the first step has run.
    oom_checked: bool,
    spike: Option<Spike>,
    straggler: Option<Straggler>,
    clean_steps: u64,
}

impl Trainer {
    /// A trainer at step 0.
    pub fn new(plan: RunPlan) -> Self {
        let loss_scale = if plan.precision == Precision::Fp16 {
            65536.0
        } else {
            1.0
        };
        Trainer {
            plan,
            step: 0,
            last_ckpt: None,
            loss_scale,
            totals: RunTotals::default(),
            last: None,
            history: History::default(),
            oom_checked: false,
            spike: None,
            straggler: None,
            clean_steps: 0,
        }
    }

    fn has_bars(flavor: Flavor) -> bool {
        matches!(flavor, Flavor::Ddp | Flavor::HfTrainer)
    }

    /// Steps between step log lines; styles without bars log every step so the screen moves.
    fn log_every(&self, flavor: Flavor) -> u64 {
        if Self::has_bars(flavor) {
            self.plan.log_every
        } else {
            1
        }
    }

    /// Runs one optimizer step (and whatever falls due at it); returns true when the run ended.
    pub fn step(&mut self, out: &mut Out, rng: &mut ChaCha8Rng) -> bool {
        if self.step == 0 && !self.oom_checked {
            self.oom_checked = true;
            self.totals.train_start = out.job;
            let starts = match out.log.flavor {
                Flavor::Torchtitan => "Training starts at step 1".to_string(),
                Flavor::HfTrainer => "***** Running training *****".to_string(),
                _ => format!("Starting training: {} steps", commas(self.plan.total_steps)),
            };
            out.log(Level::Info, &starts);
            if out.log.flavor == Flavor::HfTrainer {
                self.hf_banner(out);
            }
            if self.plan.micro_batch > 1 && rng.random_bool(0.12) {
                self.oom(out, rng);
            }
        }
        if let Some(st) = self.straggler
            && self.step >= st.until
        {
            self.straggler = None;
            out.log(
                Level::Info,
                &format!("Rank {} step time back within 5% of the median", st.rank),
            );
        }
        self.step += 1;
        let s = self.compute(rng);
        self.totals.steps_run += 1;
        self.totals.mfu_sum += s.mfu;
        let jitter = rng.random_range(0.85..1.15);
        out.wait(
            self.plan.screen_step * jitter * (s.step_time / self.plan.step_time()),
            s.step_time,
        );
        self.last = Some(s);

        self.fp16_scaler(out, rng);
        if self.incidents(out, rng) {
            return false;
        }
        let s = self.last.unwrap_or(s);
        self.history.push(s);
        if self.step.is_multiple_of(self.log_every(out.log.flavor)) || self.step == 1 {
            let line = self.step_line(out, &s);
            out.print(line);
        }
        if Self::has_bars(out.log.flavor) {
            let bars = self.bars(out);
            out.live(bars);
        }
        let epoch_end = self.step.is_multiple_of(self.plan.steps_per_epoch())
            && self.step < self.plan.total_steps;
        if epoch_end {
            let epoch = self.step / self.plan.steps_per_epoch();
            out.log(
                Level::Info,
                &format!(
                    "Epoch {epoch}/{} finished at step {}",
                    self.plan.epochs,
                    commas(self.step)
                ),
            );
        }
        if self.step.is_multiple_of(self.plan.val_every) || self.step == self.plan.total_steps {
            self.validate(out, rng);
        }
        if self.step.is_multiple_of(self.plan.ckpt_every) || self.step == self.plan.total_steps {
            self.checkpoint(out, rng);
        }
        if self.step >= self.plan.total_steps {
            self.summary(out, rng);
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

    fn step_line(&self, out: &Out, s: &StepStats) -> StyledLine {
        let p = &self.plan;
        let mem = p.memory_gib();
        let mem_pct = 100.0 * mem / p.gpu.memory_gib;
        match out.log.flavor {
            Flavor::Torchtitan => {
                let body = StyledLine::new()
                    .push(format!("step: {:>5}  ", s.step), Style::fg(Color::RED))
                    .push(format!("loss: {:>8.5}  ", s.loss), Style::fg(Color::GREEN))
                    .push(
                        format!("grad_norm: {:>7.4}  ", s.grad_norm),
                        Style::fg(Color::BRIGHT_CYAN),
                    )
                    .push(
                        format!("memory: {mem:>5.2}GiB({mem_pct:.2}%)  "),
                        Style::fg(Color::YELLOW),
                    )
                    .push(
                        format!("tps: {}  ", commas(s.tps.round() as u64)),
                        Style::fg(Color::BLUE),
                    )
                    .push(format!("tflops: {:.2}  ", s.tflops), Style::fg(Color::CYAN))
                    .push(
                        format!("mfu: {:.2}%", s.mfu * 100.0),
                        Style::fg(Color::MAGENTA),
                    );
                out.log.line(out.job, Level::Info, None, body)
            }
            Flavor::Megatron => {
                let scale = if p.precision == Precision::Fp16 {
                    self.loss_scale
                } else {
                    1.0
                };
                let body = format!(
                    " iteration {:>8}/{:>8} | consumed samples: {:>12} | elapsed time per iteration (ms): {:.1} | throughput per GPU (TFLOP/s/GPU): {:.1} | learning rate: {:.6E} | global batch size: {:>5} | lm loss: {:.6E} | loss scale: {:.1} | grad norm: {:.3} | number of skipped iterations: {:>3} | number of nan iterations: {:>3} |",
                    s.step,
                    p.total_steps,
                    s.step * p.global_batch(),
                    s.step_time * 1000.0,
                    s.tflops,
                    s.lr,
                    p.global_batch(),
                    s.loss,
                    scale,
                    s.grad_norm,
                    self.totals.skipped,
                    0
                );
                out.log
                    .line(out.job, Level::Info, None, StyledLine::plain(body))
            }
            Flavor::HfTrainer => {
                let epoch = s.step as f64 / p.steps_per_epoch() as f64;
                StyledLine::plain(format!(
                    "{{'loss': {:.4}, 'grad_norm': {:.5}, 'learning_rate': {:.4e}, 'epoch': {:.2}}}",
                    s.loss, s.grad_norm, s.lr, epoch
                ))
            }
            Flavor::Ddp | Flavor::Rotate => {
                let body = StyledLine::new()
                    .push(format!("step {}/{} | ", s.step, p.total_steps), Style::PLAIN)
                    .push(format!("loss {:.4}", s.loss), Style::fg(Color::BRIGHT_CYAN).bold())
                    .push(
                        format!(
                            " | lr {:.2e} | gnorm {:.3} | {} tok/s/gpu | {:.1} TFLOPS | MFU {:.1}% | mem {:.1}G | {:.2}s/step",
                            s.lr,
                            s.grad_norm,
                            commas(s.tps.round() as u64),
                            s.tflops,
                            s.mfu * 100.0,
                            mem,
                            s.step_time
                        ),
                        Style::PLAIN,
                    );
                out.log.line(out.job, Level::Info, None, body)
            }
        }
    }

    /// The live bar rows under the log for flavors that draw tqdm bars.
    fn bars(&self, out: &Out) -> Vec<StyledLine> {
        let p = &self.plan;
        let Some(s) = self.last else {
            return Vec::new();
        };
        let elapsed = out.job - self.totals.train_start;
        let per_step = s.step_time;
        let left = (p.total_steps - self.step) as f64 * per_step;
        if out.log.flavor == Flavor::HfTrainer {
            let frac = self.step as f64 / p.total_steps as f64;
            return vec![StyledLine::plain(format!(
                "{:>3.0}%|{}| {}/{} [{}<{}, {:.2}s/it]",
                frac * 100.0,
                bar(frac, 10),
                self.step,
                p.total_steps,
                clock(elapsed),
                clock(left),
                per_step
            ))];
        }
        let spe = p.steps_per_epoch();
        let done_epochs = (self.step / spe).min(p.epochs as u64);
        let epoch_frac = self.step as f64 / p.total_steps as f64;
        let in_epoch = self.step - (done_epochs.min(p.epochs as u64 - 1)) * spe;
        let in_epoch = if in_epoch == 0 { spe } else { in_epoch };
        let step_frac = in_epoch as f64 / spe as f64;
        let epoch_line = StyledLine::new()
            .push(
                format!(
                    "Epoch {:>2}/{}: {:>3.0}%|",
                    (done_epochs + 1).min(p.epochs as u64),
                    p.epochs,
                    epoch_frac * 100.0
                ),
                Style::PLAIN,
            )
            .push(bar(epoch_frac, 24), Style::fg(Color::MAGENTA))
            .push(
                format!(
                    "| {}/{} [{}<{}]",
                    done_epochs,
                    p.epochs,
                    clock(elapsed),
                    clock(left)
                ),
                Style::PLAIN,
            );
        let step_line = StyledLine::new()
            .push(
                format!("Step    : {:>3.0}%|", step_frac * 100.0),
                Style::PLAIN,
            )
            .push(bar(step_frac, 24), Style::fg(Color::GREEN))
            .push(
                format!(
                    "| {}/{} [{:.2}s/it, loss={:.3}, lr={:.2e}, tok/s={}, eta={}]",
                    in_epoch,
                    spe,
                    per_step,
                    s.loss,
                    s.lr,
                    short(s.tps * p.world() as f64),
                    eta(left)
                ),
                Style::PLAIN,
            );
        vec![epoch_line, step_line]
    }

    fn hf_banner(&self, out: &mut Out) {
        let p = &self.plan;
        for l in [
            format!("  Num examples = {}", commas(p.samples_per_epoch())),
            format!("  Num Epochs = {}", p.epochs),
            format!("  Instantaneous batch size per device = {}", p.micro_batch),
            format!(
                "  Total train batch size (w. parallel, distributed & accumulation) = {}",
                p.global_batch()
            ),
            format!("  Gradient Accumulation steps = {}", p.grad_accum),
            format!("  Total optimization steps = {}", commas(p.total_steps)),
            format!(
                "  Number of trainable parameters = {}",
                commas(p.model.params)
            ),
        ] {
            out.log(Level::Info, &l);
        }
    }

    fn validate(&mut self, out: &mut Out, rng: &mut ChaCha8Rng) {
        let p = &self.plan;
        let batches = p.val_batches;
        let real = batches as f64 * p.step_time() / p.grad_accum as f64 / 3.0;
        let screen = real.clamp(2.0, 7.0);
        let per = batches.div_ceil(10).max(1);
        let live_base = if Self::has_bars(out.log.flavor) {
            self.bars(out)
        } else {
            Vec::new()
        };
        for b in (per..=batches)
            .step_by(per as usize)
            .chain(std::iter::once(batches))
        {
            let frac = b as f64 / batches as f64;
            out.wait(
                screen * per as f64 / batches as f64,
                real * per as f64 / batches as f64,
            );
            let vbar = StyledLine::new()
                .push(format!("Validation: {:>3.0}%|", frac * 100.0), Style::PLAIN)
                .push(bar(frac, 24), Style::fg(Color::YELLOW))
                .push(format!("| {b}/{batches}"), Style::PLAIN);
            let mut live = live_base.clone();
            live.push(vbar);
            out.live(live);
            if b == batches {
                break;
            }
        }
        let loss = p.loss_curve(self.step) + rng.random_range(0.01..0.05);
        // Perplexity from the printed (rounded) loss, so exp(printed) matches what is shown.
        let loss = (loss * 1e4).round() / 1e4;
        let ppl = loss.exp();
        self.totals.best_val = Some(self.totals.best_val.map_or(loss, |b: f64| b.min(loss)));
        self.history.push_val(self.step, loss);
        let lines: Vec<StyledLine> = match out.log.flavor {
            Flavor::Megatron => {
                let rule = StyledLine::plain("-".repeat(100));
                let body = StyledLine::plain(format!(
                    " validation loss at iteration {} | lm loss value: {:.6E} | lm loss PPL: {:.6E} | ",
                    self.step, loss, ppl
                ));
                vec![rule.clone(), body, rule]
            }
            Flavor::HfTrainer => vec![StyledLine::plain(format!(
                "{{'eval_loss': {:.4}, 'eval_perplexity': {:.4}, 'eval_runtime': {:.2}, 'eval_samples_per_second': {:.1}, 'epoch': {:.2}}}",
                loss,
                ppl,
                real,
                (batches as u64 * p.micro_batch as u64 * p.dp() as u64) as f64 / real,
                self.step as f64 / p.steps_per_epoch() as f64
            ))],
            _ => vec![
                out.log.line(
                    out.job,
                    Level::Info,
                    None,
                    StyledLine::new()
                        .push(format!("Validation @ step {}: ", self.step), Style::PLAIN)
                        .push(
                            format!("val_loss {loss:.4} | val_ppl {ppl:.2}"),
                            Style::fg(Color::YELLOW).bold(),
                        )
                        .push(format!(" | {batches} batches in {real:.1}s"), Style::PLAIN),
                ),
            ],
        };
        out.show(&lines, live_base);
    }

    fn checkpoint(&mut self, out: &mut Out, rng: &mut ChaCha8Rng) {
        let p = &self.plan;
        let (w, o) = (p.weight_bytes(), p.optimizer_bytes());
        let rate = p.storage_bps * rng.random_range(0.8..1.1);
        let real = (w + o) / rate;
        let dir = match out.log.flavor {
            Flavor::HfTrainer => format!("{}/checkpoint-{}", p.ckpt_dir, self.step),
            Flavor::Megatron => format!("{}/iter_{:07}", p.ckpt_dir, self.step),
            _ => format!("{}/step-{}", p.ckpt_dir, self.step),
        };
        let start = match out.log.flavor {
            Flavor::Megatron => format!(
                "saving checkpoint at iteration {:>7} to {} in torch_dist format",
                self.step, p.ckpt_dir
            ),
            Flavor::Torchtitan => format!("Saving the checkpoint to {dir}."),
            Flavor::HfTrainer => format!("Saving model checkpoint to {dir}"),
            _ => format!(
                "Saving checkpoint to {dir} (model {}, optimizer {})",
                bytes(w),
                bytes(o)
            ),
        };
        out.log(Level::Info, &start);
        out.wait(real.clamp(1.5, 8.0), real);
        let done = match out.log.flavor {
            Flavor::Megatron => format!(
                "  successfully saved checkpoint from iteration {:>7} to {} [ t 1/{}, p 1/{} ]",
                self.step, p.ckpt_dir, p.tp, p.pp
            ),
            Flavor::Torchtitan => format!("Finished saving the checkpoint in {real:.2} seconds."),
            _ => format!(
                "Checkpoint saved: {} shards, {} in {:.1} s ({}/s)",
                p.world(),
                bytes(w + o),
                real,
                bytes(rate)
            ),
        };
        out.log(Level::Info, &done);
        self.last_ckpt = Some(self.step);
        self.history.last_ckpt = Some((self.step, out.job));
        self.totals.checkpoints += 1;
    }

    fn fp16_scaler(&mut self, out: &mut Out, rng: &mut ChaCha8Rng) {
        if self.plan.precision != Precision::Fp16 {
            return;
        }
        // The dynamic scaler overflows a few times at the start, then rarely.
        let p = if self.step < 12 { 0.45 } else { 0.004 };
        if rng.random_bool(p) {
            let new = (self.loss_scale / 2.0).max(1.0);
            self.totals.skipped += 1;
            self.clean_steps = 0;
            out.log(
                Level::Warn,
                &format!(
                    "OVERFLOW! Rank 0 Skipping step {}. Attempted loss scale: {}, reducing to {}",
                    self.step, self.loss_scale as u64, new as u64
                ),
            );
            self.loss_scale = new;
        } else {
            self.clean_steps += 1;
            if self.clean_steps >= 1000 {
                self.clean_steps = 0;
                self.loss_scale = (self.loss_scale * 2.0).min(65536.0);
            }
        }
    }

    /// Maybe something goes wrong at this step; true when the job restarted.
    fn incidents(&mut self, out: &mut Out, rng: &mut ChaCha8Rng) -> bool {
        if self.step < self.plan.warmup_steps.min(50) {
            return false;
        }
        // About 1.5 incidents per run on average.
        if !rng.random_bool((1.5 / self.plan.total_steps as f64).min(0.5)) {
            return false;
        }
        match rng.random_range(0..100) {
            0..30 => self.loss_spike(out, rng),
            30..55 => self.grad_spike(out, rng),
            55..80 => self.slow_node(out, rng),
            _ if self.totals.restarts < MAX_RESTARTS => {
                self.watchdog_restart(out, rng);
                return true;
            }
            _ => self.slow_node(out, rng),
        }
        false
    }

    fn loss_spike(&mut self, out: &mut Out, rng: &mut ChaCha8Rng) {
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
        out.log(
            Level::Warn,
            &format!(
                "Loss spike at step {}: {:.4} -> {:.4} (grad_norm {:.2}); continuing, monitoring recovery",
                self.step, before, s.loss, s.grad_norm
            ),
        );
    }

    fn grad_spike(&mut self, out: &mut Out, rng: &mut ChaCha8Rng) {
        let Some(s) = self.last.as_mut() else { return };
        s.grad_norm *= rng.random_range(4.0..12.0);
        out.log(
            Level::Warn,
            &format!(
                "Gradient norm {:.3} at step {} exceeds max_norm 1.0: clipped (clip ratio {:.3})",
                s.grad_norm,
                self.step,
                1.0 / s.grad_norm
            ),
        );
    }

    fn slow_node(&mut self, out: &mut Out, rng: &mut ChaCha8Rng) {
        if self.straggler.is_some() {
            return;
        }
        let p = &self.plan;
        let rank = rng.random_range(0..p.world());
        let factor = rng.random_range(1.08..1.3);
        self.straggler = Some(Straggler {
            rank,
            until: self.step + rng.random_range(20..120),
            factor,
        });
        out.log(
            Level::Warn,
            &format!(
                "Straggler detected: rank {rank} on {} is {:.2}x slower than the median over the last 50 steps (GPU clocks throttled?)",
                host(p, rank / GPUS_PER_NODE),
                factor * rng.random_range(1.3..1.8)
            ),
        );
    }

    fn oom(&mut self, out: &mut Out, rng: &mut ChaCha8Rng) {
        let p = &self.plan;
        let free = rng.random_range(0.3..2.5);
        let err = |m: String| StyledLine::new().push(m, Style::fg(Color::RED));
        out.pause(rng.random_range(2.0..5.0));
        let rank = rng.random_range(0..p.world());
        out.print(err(format!(
            "[rank{rank}]: Traceback (most recent call last):"
        )));
        out.print(err("  File \"train.py\", line 412, in train_step".into()));
        out.print(err("    loss.backward()".into()));
        out.print(err(format!(
            "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate {:.2} GiB. GPU {} has a total capacity of {:.2} GiB of which {:.2} GiB is free.",
            rng.random_range(1.0..4.0),
            rank % GPUS_PER_NODE,
            p.gpu.memory_gib,
            free
        )));
        out.pause(rng.random_range(1.5..3.0));
        let (mb, ga) = (p.micro_batch, p.grad_accum);
        self.plan.micro_batch = mb / 2;
        self.plan.grad_accum = ga * 2;
        out.log(
            Level::Warn,
            &format!(
                "OOM at step 1 with micro_batch={mb}: retrying with micro_batch={} grad_accum={} (global batch unchanged: {})",
                self.plan.micro_batch,
                self.plan.grad_accum,
                self.plan.global_batch()
            ),
        );
        out.wait(rng.random_range(3.0..6.0), rng.random_range(60.0..180.0));
        out.log(
            Level::Info,
            &format!(
                "Restarted training loop; estimated peak memory {:.2} GiB",
                self.plan.memory_gib()
            ),
        );
    }

    fn watchdog_restart(&mut self, out: &mut Out, rng: &mut ChaCha8Rng) {
        let p = self.plan.clone();
        let rank = rng.random_range(1..p.world());
        let t = out.log.time(out.job + 600.0);
        let seq = self.step * 57 + rng.random_range(0..40);
        let red = |m: String| StyledLine::new().push(m, Style::fg(Color::RED));
        out.clear_live(&[]);
        out.wait(rng.random_range(3.0..6.0), 600.0);
        out.print(red(format!(
            "[rank{rank}]:[E{} ProcessGroupNCCL.cpp:629] [Rank {rank}] Watchdog caught collective operation timeout: WorkNCCL(SeqNum={seq}, OpType=ALLREDUCE, NumelIn={n}, NumelOut={n}, Timeout(ms)=600000) ran for 600081 milliseconds before timing out.",
            t.format("%m%d %H:%M:%S%.9f"),
            n = rng.random_range(1_000_000..40_000_000)
        )));
        out.pause(0.4);
        let node = rank / GPUS_PER_NODE;
        out.print(red(format!(
            "{}:{}:{} [{}] NCCL WARN NET/IB : Got completion from peer 10.{}.{}.{}<55921> with status=12 opcode=1 len=0 vendor err 129 (Send)",
            host(&p, node), p.pid + 3, p.pid + 80, rank % GPUS_PER_NODE, p.subnet, node / 200, 11 + (node + 1) % 200
        )));
        out.pause(0.6);
        out.print(red(format!(
            "E{} {} torch/distributed/elastic/multiprocessing/api.py:869] failed (exitcode: -6) local_rank: {} (pid: {}) of binary: /usr/bin/python3",
            t.format("%m%d %H:%M:%S%.6f"), p.pid, rank % GPUS_PER_NODE, p.pid + 3 + rank % GPUS_PER_NODE
        )));
        out.print(red(
            "torch.distributed.elastic.multiprocessing.errors.ChildFailedError: train.py FAILED"
                .into(),
        ));
        self.totals.restarts += 1;
        out.wait(rng.random_range(3.0..6.0), rng.random_range(90.0..300.0));
        out.log(
            Level::Warn,
            &format!("Restarting worker group (restart {}/{}) after rank {rank} failure; excluding nothing, same {} nodes", self.totals.restarts, MAX_RESTARTS, p.nodes),
        );
        out.pause(rng.random_range(2.0..4.0));
        out.log(
            Level::Info,
            &format!(
                "Initializing process group: backend=nccl, world_size={}",
                p.world()
            ),
        );
        out.pause(rng.random_range(1.0..2.5));
        let resume = self.last_ckpt.unwrap_or(0);
        match self.last_ckpt {
            Some(s) => {
                let bytes_all = p.weight_bytes() + p.optimizer_bytes();
                let real = bytes_all / (p.storage_bps * 1.5);
                out.log(
                    Level::Info,
                    &format!("Resuming from checkpoint {}/step-{s}", p.ckpt_dir),
                );
                out.wait(real.clamp(2.0, 8.0), real);
                out.log(
                    Level::Info,
                    &format!(
                        "Loaded checkpoint step-{s} ({}) in {real:.1} s; resuming at step {}",
                        bytes(bytes_all),
                        s + 1
                    ),
                );
            }
            None => out.log(Level::Warn, "No checkpoint found; restarting from step 1"),
        }
        self.step = resume;
        self.spike = None;
        self.straggler = None;
        let repeat = self.last.map_or(0, |l| l.step.saturating_sub(resume));
        if repeat > 0 {
            out.log(Level::Info, &format!("{repeat} steps will be repeated"));
        }
        self.last = None;
    }

    fn summary(&mut self, out: &mut Out, rng: &mut ChaCha8Rng) {
        let p = &self.plan;
        let t = &self.totals;
        let wall = out.job - t.train_start;
        let tokens = p.tokens_per_step() * p.total_steps as f64;
        let final_loss = self.last.map_or(f64::NAN, |s| s.loss);
        out.clear_live(&[]);
        out.log(
            Level::Info,
            &format!(
                "Training complete: {} steps, {} tokens in {} ({})",
                commas(p.total_steps),
                short(tokens),
                eta(wall),
                clock(wall)
            ),
        );
        let best = t.best_val.map_or(String::from("n/a"), |v| {
            format!("{v:.4} (ppl {:.2})", v.exp())
        });
        out.log(
            Level::Info,
            &format!(
                "Summary: average MFU {:.2}% | final loss {:.4} | best val loss {} | {} checkpoints | {} restarts | {} skipped steps",
                100.0 * t.mfu_sum / t.steps_run.max(1) as f64,
                final_loss,
                best,
                t.checkpoints,
                t.restarts,
                t.skipped
            ),
        );
        out.print(StyledLine::new().push(format!("Final checkpoint: {}", p.ckpt_dir), META));
        out.pause(rng.random_range(4.0..8.0));
        out.print(StyledLine::new());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::data::Catalog;
    use crate::sim::flavor::LogFormat;
    use crate::term::TermOp;
    use rand::SeedableRng;

    fn setup(seed: u64) -> (Trainer, Out, ChaCha8Rng) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut plan = RunPlan::draw(&mut rng, &Catalog::builtin());
        plan.ckpt_every = 20;
        plan.val_every = 20;
        plan.log_every = 1;
        let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        (
            Trainer::new(plan),
            Out::new(LogFormat::new(Flavor::Ddp, start)),
            rng,
        )
    }

    fn texts(out: &Out) -> Vec<String> {
        out.queue
            .iter()
            .filter_map(|t| match &t.op {
                TermOp::Print(l) => Some(l.text()),
                _ => None,
            })
            .collect()
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
        tr.watchdog_restart(&mut out, &mut rng);
        assert_eq!(tr.step, saved);
        assert_eq!(tr.totals.restarts, 1);
        assert!(
            out.job - job_before >= 600.0,
            "the NCCL timeout takes its 600 s"
        );
        let lines = texts(&out);
        assert!(
            lines
                .iter()
                .any(|l| l.contains("Watchdog caught collective operation timeout"))
        );
        assert!(lines.iter().any(|l| l.contains(&format!(
            "Resuming from checkpoint {}/step-40",
            tr.plan.ckpt_dir
        ))));
        assert!(
            lines.iter().any(|l| l.contains("7 steps will be repeated")),
            "{lines:#?}"
        );
        tr.step(&mut out, &mut rng);
        assert_eq!(
            tr.last.unwrap().step,
            41,
            "steps repeat from the checkpoint"
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
            assert!(
                texts(&out)
                    .iter()
                    .any(|l| l.contains("torch.OutOfMemoryError: CUDA out of memory"))
            );
            return;
        }
        panic!("no plan with micro_batch > 1 in 50 seeds");
    }

    #[test]
    fn fp16_overflow_halves_the_loss_scale() {
        let (mut tr, mut out, mut rng) = setup(3);
        tr.plan.precision = Precision::Fp16;
        tr.loss_scale = 65536.0;
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
            tr.loss_scale < 65536.0,
            "early overflows expected: {scales:?}"
        );
        let warned = texts(&out)
            .iter()
            .filter(|l| l.contains("OVERFLOW! Rank 0 Skipping step"))
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
