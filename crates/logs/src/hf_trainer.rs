//! Hugging Face Trainer: `[INFO|trainer.py:NNNN] <asctime> >> msg`, the `***** Running
//! training *****` banner, one tqdm bar, and metrics printed as Python dicts (transformers
//! 4.57.1; trainer.py line numbers beside each message).

use term::{Color, Style, StyledLine};

use crate::fmt::{clock, commas, py_f32, py_repr, py_round, tqdm_rate};
use crate::level::{Level, META, RankTag};
use crate::style::LogStyle;
use crate::writer::{LastStep, Writer};

/// The Hugging Face Trainer style.
pub struct HfTrainer;

impl LogStyle for HfTrainer {
    fn script(&self) -> &'static str {
        "run_clm.py"
    }

    /// `transformers.utils.logging.enable_explicit_format()` (utils/logging.py), which the
    /// example scripts turn on: `[%(levelname)s|%(filename)s:%(lineno)s] %(asctime)s >>
    /// %(message)s`.
    fn prefix(&self, w: &Writer, level: Level, rank: RankTag, l: &mut StyledLine) {
        let src = w.src.unwrap_or(match level {
            Level::Info => "trainer.py:2243",
            Level::Warn => "trainer.py:2612",
            Level::Error => "trainer.py:2401",
        });
        l.append("[", META);
        l.append(level.word(), Style::fg(level.color()));
        l.append(format!("|{src}] "), META);
        l.append(
            w.now().format("%Y-%m-%d %H:%M:%S,%3f >> ").to_string(),
            META,
        );
        if let Some((r, n)) = rank {
            l.append(format!("[rank {r}/{n}] "), Style::fg(Color::CYAN));
        }
    }

    /// The metrics dict `Trainer.log` prints through `ProgressCallback.on_log`
    /// (`tqdm.write(str(logs))`): Python reprs; the loss rounded to 4 places, the grad norm
    /// a float32 tensor's value, the learning rate as the scheduler computed it, the epoch
    /// to 2.
    fn step_line(&self, w: &Writer, last: &LastStep) -> StyledLine {
        let (s, p) = (last.stats, w.plan());
        let epoch = s.step as f64 / p.steps_per_epoch() as f64;
        StyledLine::plain(format!(
            "{{'loss': {}, 'grad_norm': {}, 'learning_rate': {}, 'epoch': {}}}",
            py_round(s.loss, 4),
            py_f32(s.grad_norm),
            py_repr(s.lr),
            py_round(epoch, 2)
        ))
    }

    /// The Trainer's single tqdm bar over all optimizer steps.
    fn bars(&self, w: &Writer, last: &LastStep) -> Vec<StyledLine> {
        let (s, p) = (last.stats, w.plan());
        let elapsed = w.job() - last.train_start;
        let left = (p.total_steps - s.step) as f64 * s.step_time;
        let frac = s.step as f64 / p.total_steps as f64;
        vec![
            StyledLine::plain(format!("{:>3.0}%|", frac * 100.0))
                .fill(s.step, p.total_steps, Style::PLAIN)
                .push(
                    format!(
                        "| {}/{} [{}<{}, {}]",
                        s.step,
                        p.total_steps,
                        clock(elapsed),
                        clock(left),
                        tqdm_rate(s.step_time)
                    ),
                    Style::PLAIN,
                ),
        ]
    }

    fn checkpoint_dir(&self, w: &Writer, step: u64) -> String {
        format!("{}/checkpoint-{step}", w.plan().ckpt_dir)
    }

    /// The Trainer moves its bar on `on_step_end`, then `_maybe_log_save_evaluate` prints the
    /// metrics dict above it (trainer.py, `_inner_training_loop`).
    fn step_finished(&self, w: &mut Writer, logged: bool) {
        let bars = w.bars();
        w.live(bars);
        if let Some(last) = w.last
            && logged
        {
            let line = self.step_line(w, &last);
            w.print(line);
        }
    }

    /// modeling_utils.py: `logging.tqdm(args_list, desc="Loading checkpoint shards")` over
    /// the safetensors files (only when there are several); nothing is logged after it.
    fn weights_progress(&self, w: &mut Writer, frac: f64, _: f64, rate: f64, _: f64, _: u32) {
        let p = w.plan();
        if p.shards <= 1 {
            return;
        }
        let total = p.weight_bytes() / rate;
        let done = ((frac * p.shards as f64) as u64).min(p.shards as u64);
        let elapsed = total * frac;
        let per = total / p.shards as f64;
        let line = StyledLine::plain(format!(
            "Loading checkpoint shards: {:>3.0}%|",
            100.0 * done as f64 / p.shards as f64
        ))
        .fill(done, p.shards as u64, Style::PLAIN)
        .push(
            format!(
                "| {done}/{} [{}<{}, {}]",
                p.shards,
                clock(elapsed),
                clock(total - elapsed),
                tqdm_rate(per)
            ),
            Style::PLAIN,
        );
        w.live(vec![line]);
    }

    fn weights_loaded(&self, w: &mut Writer, _secs: f64, _rate: f64) {
        w.settle();
    }

    /// trainer.py L2519-2528, then on resume L2549-2553.
    fn training_started(&self, w: &mut Writer, from_step: u64) {
        for (src, l) in banner(w).into_iter().chain(resume_lines(w, from_step)) {
            w.log_from(Level::Info, src, &l);
        }
    }

    /// Trainer.evaluate logs eval_loss (a tensor's float), then speed_metrics
    /// (trainer_utils.py: runtime to 4 places, rates to 3), then the epoch (2 places).
    fn validation_finished(&self, w: &mut Writer, step: u64, loss: f64, secs: f64, batches: u32) {
        let p = w.plan();
        let samples = (batches as u64 * p.micro_batch as u64 * p.dp() as u64) as f64;
        let line = StyledLine::plain(format!(
            "{{'eval_loss': {}, 'eval_runtime': {}, 'eval_samples_per_second': {}, 'eval_steps_per_second': {}, 'epoch': {}}}",
            py_f32(loss),
            py_round(secs, 4),
            py_round(samples / secs, 3),
            py_round(batches as f64 / secs, 3),
            py_round(step as f64 / p.steps_per_epoch() as f64, 2)
        ));
        let base = w.val_base.clone();
        w.show(&[line], base);
    }

    fn checkpoint_started(&self, w: &mut Writer, step: u64) {
        let msg = format!(
            "Saving model checkpoint to {}",
            self.checkpoint_dir(w, step)
        );
        w.log(Level::Info, &msg);
    }

    /// _load_from_checkpoint (trainer.py L2934): f"Loading model from
    /// {resume_from_checkpoint}."
    fn checkpoint_loading(&self, w: &mut Writer, step: u64) {
        let msg = format!("Loading model from {}.", self.checkpoint_dir(w, step));
        w.log_from(Level::Info, "trainer.py:2934", &msg);
    }

    fn checkpoint_progress(&self, _w: &mut Writer, _frac: f64, _done: u32, _files: u32) {}

    fn checkpoint_loaded(&self, _w: &mut Writer, _step: u64, _secs: f64) {}

    fn no_checkpoint(&self, w: &mut Writer, restart: bool) {
        if restart {
            crate::shared::restore::no_checkpoint(w, restart);
        }
    }

    /// trainer.py logs this message with its leading and trailing blank lines, then the
    /// train_* metrics (speed_metrics) go through the same dict printer.
    fn run_finished(&self, w: &mut Writer, t: &sim::RunTotals, _: f64, wall: f64) {
        let p = w.plan();
        let steps = (p.total_steps - p.start_step) as f64;
        let metrics = format!(
            "{{'train_runtime': {}, 'train_samples_per_second': {}, 'train_steps_per_second': {}, 'train_loss': {}, 'epoch': {}}}",
            py_round(wall, 4),
            py_round(p.global_batch() as f64 * steps / wall, 3),
            py_round(steps / wall, 3),
            py_repr(t.loss_sum / t.steps_run.max(1) as f64),
            py_repr(p.epochs as f64)
        );
        w.clear_live(&[]);
        w.src = Some("trainer.py:2810");
        let done = w.line(Level::Info, None, StyledLine::new());
        w.src = None;
        w.print(done);
        w.print(StyledLine::new());
        w.print(StyledLine::plain(
            "Training completed. Do not forget to share your model on huggingface.co/models =)",
        ));
        w.print(StyledLine::new());
        w.print(StyledLine::new());
        w.print(StyledLine::plain(metrics));
    }
}

/// `***** Running training *****` and its numbers, each with the line that logs it.
fn banner(w: &Writer) -> Vec<(&'static str, String)> {
    let p = w.plan();
    vec![
        (
            "trainer.py:2519",
            "***** Running training *****".to_string(),
        ),
        (
            "trainer.py:2520",
            format!("  Num examples = {}", commas(p.samples_per_epoch())),
        ),
        (
            "trainer.py:2521",
            format!("  Num Epochs = {}", commas(p.epochs as u64)),
        ),
        (
            "trainer.py:2522",
            format!(
                "  Instantaneous batch size per device = {}",
                commas(p.micro_batch as u64)
            ),
        ),
        (
            "trainer.py:2525",
            format!(
                "  Total train batch size (w. parallel, distributed & accumulation) = {}",
                commas(p.global_batch())
            ),
        ),
        (
            "trainer.py:2526",
            format!("  Gradient Accumulation steps = {}", p.grad_accum),
        ),
        (
            "trainer.py:2527",
            format!("  Total optimization steps = {}", commas(p.total_steps)),
        ),
        (
            "trainer.py:2528",
            format!(
                "  Number of trainable parameters = {}",
                commas(p.model.params)
            ),
        ),
    ]
}

/// What a resumed Trainer says about skipping to its checkpoint (none when starting).
fn resume_lines(w: &Writer, from_step: u64) -> Vec<(&'static str, String)> {
    let p = w.plan();
    if from_step == 0 {
        return Vec::new();
    }
    let spe = p.steps_per_epoch().max(1);
    let epochs = from_step / spe;
    vec![
        (
            "trainer.py:2549",
            "  Continuing training from checkpoint, will skip to saved global_step".to_string(),
        ),
        (
            "trainer.py:2550",
            format!("  Continuing training from epoch {epochs}"),
        ),
        (
            "trainer.py:2551",
            format!("  Continuing training from global step {from_step}"),
        ),
        (
            "trainer.py:2553",
            format!(
                "  Will skip the first {epochs} epochs then the first {} batches in the first epoch.",
                (from_step % spe) * p.grad_accum as u64
            ),
        ),
    ]
}
