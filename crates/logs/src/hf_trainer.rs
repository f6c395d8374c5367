//! Hugging Face Trainer: `[INFO|trainer.py:NNNN] <asctime> >> msg`, the `***** Running
//! training *****` banner, one tqdm bar, and metrics printed as Python dicts (transformers
//! 4.57.1; trainer.py line numbers beside each message).

use term::{Color, Style, StyledLine};

use crate::fmt::{commas, py_f32, py_repr, py_round};
use crate::level::{Level, META, RankTag};
use crate::progress::Bars;
use crate::style::LogStyle;
use crate::writer::{LastStep, Writer};

/// The Hugging Face Trainer style.
pub struct HfTrainer;

impl LogStyle for HfTrainer {
    fn script(&self) -> &'static str {
        "run_clm.py"
    }

    fn workdir(&self, _w: &Writer) -> String {
        "transformers/examples/pytorch/language-modeling".into()
    }

    /// The example script's arguments (`HfArgumentParser` over its model, data and training
    /// arguments), those the log's numbers follow from.
    fn launch_args(&self, w: &Writer) -> String {
        let p = w.plan();
        let precision = match p.precision {
            sim::Precision::Bf16 => "--bf16",
            sim::Precision::Fp16 => "--fp16",
        };
        format!(
            "run_clm.py --model_name_or_path {} --dataset_name {} --block_size {} --do_train --do_eval --per_device_train_batch_size {} --per_device_eval_batch_size {} --gradient_accumulation_steps {} --learning_rate {} --lr_scheduler_type cosine --warmup_steps {} --num_train_epochs {} {precision} --fsdp \"full_shard auto_wrap\" --gradient_checkpointing --logging_steps {} --eval_strategy steps --eval_steps {} --save_steps {} --output_dir {}",
            p.model.hub_id(),
            p.dataset.name,
            p.seq_len,
            p.micro_batch,
            p.micro_batch,
            p.grad_accum,
            py_repr(p.peak_lr),
            p.warmup_steps,
            p.epochs,
            p.log_every,
            p.val_every,
            p.ckpt_every,
            p.ckpt_dir
        )
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

    fn bar_kind(&self) -> Bars {
        Bars::AllSteps
    }

    /// `ProgressCallback.on_prediction_step`: a bar without a description, under the
    /// training bar, erased when it ends (`leave=False` while training).
    fn eval_bar(&self) -> Option<&'static str> {
        Some("")
    }

    /// The training bar over all optimizer steps (trainer_callback.py:648) and an
    /// evaluation's bar under it.
    fn bars(&self, w: &Writer) -> Vec<StyledLine> {
        let now = w.job();
        [&w.progress.steps, &w.progress.eval]
            .into_iter()
            .flatten()
            .map(|b| b.line(now, Style::PLAIN, ""))
            .collect()
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
    fn weights_progress(&self, w: &mut Writer, _: f64, _: f64, _: f64, _: f64, _: u32) {
        if let Some(b) = &w.progress.load {
            let line = b.line(w.job(), Style::PLAIN, "");
            w.live(vec![line]);
        }
    }

    /// tqdm leaves the finished bar.
    fn weights_loaded(&self, w: &mut Writer, _secs: f64, _rate: f64) {
        self.weights_progress(w, 1.0, 0.0, 0.0, 0.0, 0);
        w.settle();
    }

    /// evaluation_loop (trainer.py:4643-4648): the first message starts with a newline, so
    /// its prefix stands alone on a line.
    fn validation_started(&self, w: &mut Writer) {
        let p = w.plan();
        let examples = u64::from(p.val_batches) * u64::from(p.micro_batch) * u64::from(p.dp());
        let batch = p.micro_batch;
        glued(w, "trainer.py:4643", "");
        w.print(StyledLine::plain("***** Running Evaluation *****"));
        w.log_from(
            Level::Info,
            "trainer.py:4645",
            &format!("  Num examples = {examples}"),
        );
        w.log_from(
            Level::Info,
            "trainer.py:4648",
            &format!("  Batch size = {batch}"),
        );
        let bars = self.bars(w);
        w.live(bars);
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
        let bars = self.bars(w);
        w.show(&[line], bars);
    }

    /// `_save` (trainer.py:4309).
    fn checkpoint_started(&self, w: &mut Writer, step: u64) {
        let msg = format!(
            "Saving model checkpoint to {}",
            self.checkpoint_dir(w, step)
        );
        glued(w, "trainer.py:4309", &msg);
        let bars = self.bars(w);
        w.live(bars);
    }

    /// _load_from_checkpoint (trainer.py L2934): f"Loading model from
    /// {resume_from_checkpoint}."
    fn checkpoint_loading(&self, w: &mut Writer, step: u64) {
        let msg = format!("Loading model from {}.", self.checkpoint_dir(w, step));
        w.log_from(Level::Info, "trainer.py:2934", &msg);
    }

    /// trainer.py:2810 logs this message with its leading and trailing blank lines, then the
    /// train_* metrics (speed_metrics) go through the same dict printer. As trainer.py
    /// computes them: samples are `num_examples * num_train_epochs` and steps `max_steps`,
    /// the whole run's even after a resume, over this job's runtime; `train_loss` is this
    /// job's summed step losses over the global step.
    fn run_finished(&self, w: &mut Writer, t: &sim::RunTotals, _: f64, wall: f64) {
        let p = w.plan();
        let samples = (p.samples_per_epoch() * u64::from(p.epochs)) as f64;
        let steps = p.total_steps as f64;
        let metrics = format!(
            "{{'train_runtime': {}, 'train_samples_per_second': {}, 'train_steps_per_second': {}, 'train_loss': {}, 'epoch': {}}}",
            py_round(wall, 4),
            py_round(samples / wall, 3),
            py_round(steps / wall, 3),
            py_repr(t.loss_sum / steps.max(1.0)),
            py_repr(p.epochs as f64)
        );
        glued(w, "trainer.py:2810", "");
        w.print(StyledLine::new());
        w.print(StyledLine::plain(
            "Training completed. Do not forget to share your model on huggingface.co/models =)",
        ));
        w.print(StyledLine::new());
        w.print(StyledLine::new());
        w.print(StyledLine::plain(metrics));
        // tqdm.write redraws the bar under what it wrote; on_train_end closes it, and it
        // stays.
        let bars = self.bars(w);
        w.live(bars);
        w.settle();
    }
}

/// A Trainer log line while its bar is on screen: the logger writes to the same stream at
/// the cursor, which tqdm leaves at the end of the bar, so the line continues the bar's; the
/// bar is drawn again under it at its next refresh.
fn glued(w: &mut Writer, src: &'static str, msg: &str) {
    let line = w.line_from(
        Level::Info,
        src,
        StyledLine::new().push(msg, Level::Info.body()),
    );
    let Some(bar) = w.live_rows().first().cloned() else {
        w.print(line);
        return;
    };
    let mut joined = bar;
    for s in line.spans {
        joined.append(s.text, s.style);
    }
    w.clear_live(&[joined]);
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
