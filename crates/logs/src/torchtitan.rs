//! torchtitan: `[rank0]:[titan] <asctime> - root - INFO - msg`, a coloured metrics line every
//! step and no progress bars. The start-up lines are torchtitan v0.2.0's (file:line of each
//! call beside it).

use sim::plan::STATE_BYTES_PER_PARAM;
use term::{Color, Style, StyledLine};

use crate::fmt::{commas, py_exp};
use crate::level::{Level, META, RankTag};
use crate::shared::restore;
use crate::style::LogStyle;
use crate::writer::{LastStep, Writer};

/// The torchtitan style.
pub struct Torchtitan;

impl LogStyle for Torchtitan {
    fn script(&self) -> &'static str {
        "torchtitan/train.py"
    }

    fn prefix(&self, w: &Writer, level: Level, rank: RankTag, l: &mut StyledLine) {
        let r = rank.map_or(w.view_rank(), |(r, _)| r);
        l.append(format!("[rank{r}]:[titan] "), Style::fg(Color::CYAN));
        l.append(
            w.now()
                .format("%Y-%m-%d %H:%M:%S,%3f - root - ")
                .to_string(),
            META,
        );
        l.append(level.word(), Style::fg(level.color()));
        l.append(" - ", META);
    }

    fn step_line(&self, w: &Writer, last: &LastStep) -> StyledLine {
        step_line(w, last)
    }

    /// train.py:76, f"Starting job: {job_config.job.description}".
    fn job_info(&self, w: &mut Writer) {
        let msg = format!("Starting job: {} training", w.plan().model.name);
        w.log(Level::Info, &msg);
    }

    /// distributed/parallel_dims.py:158: degrees above 1 in the order pp, dp_shard, tp.
    fn config_info(&self, w: &mut Writer) {
        let p = w.plan();
        let dims: Vec<(&str, u32)> = [("pp", p.pp), ("dp_shard", p.dp()), ("tp", p.tp)]
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .collect();
        let names: Vec<String> = dims.iter().map(|(n, _)| format!("'{n}'")).collect();
        let sizes: Vec<String> = dims.iter().map(|(_, d)| d.to_string()).collect();
        let msg = format!(
            "Building {}-D device mesh with [{}], [{}]",
            dims.len(),
            names.join(", "),
            sizes.join(", ")
        );
        w.log(Level::Info, &msg);
    }

    /// tools/utils.py:64, "[GC] %s took %.2f seconds".
    fn parallelism_info(&self, w: &mut Writer) {
        w.log(Level::Info, "[GC] Initial GC collection took 0.00 seconds");
    }

    /// components/tokenizer.py:104.
    fn tokenizer(&self, w: &mut Writer) {
        w.log(Level::Info, "Loading tokenizer from tokenizer.json");
    }

    /// datasets/hf_datasets.py:66, f"Preparing {dataset_name} dataset from {path}".
    fn dataset_loading(&self, w: &mut Writer) {
        let name = w.plan().dataset.name.clone();
        let short = name.rsplit('/').next().unwrap_or(&name).to_lowercase();
        let msg = format!("Preparing {short} dataset from {name}");
        w.log(Level::Info, &msg);
    }

    /// train.py:176-179: the message carries its own colours (blue, red, reset).
    fn parameter_count(&self, w: &mut Writer) {
        let p = w.plan();
        let body = StyledLine::new()
            .push(format!("Model {} ", p.model.name), Style::fg(Color::BLUE))
            .push(
                format!("size: {} total parameters", commas(p.model.params)),
                Style::fg(Color::RED),
            );
        let line = w.line(Level::Info, None, body);
        w.print(line);
    }

    /// models/llama3/infra/parallelize.py:233 (TP), activation_checkpoint.py:325,
    /// parallelize.py:132, distributed/utils.py:223.
    fn model_wrapped(&self, w: &mut Writer) {
        if w.plan().tp > 1 {
            w.log(Level::Info, "Applied Tensor Parallelism to the model");
        }
        w.log(
            Level::Info,
            "Applied selective activation checkpointing to the model",
        );
        w.log(Level::Info, "Applied FSDP to the model");
        w.log(
            Level::Info,
            "Mixed precision training is handled by fully_shard",
        );
    }

    /// train.py:362-370.
    fn batch_info(&self, w: &mut Writer) {
        let p = w.plan();
        let msg = format!(
            "Trainer is initialized with local batch size {}, global batch size {}, gradient accumulation steps {}, sequence length {}, total steps {} (warmup {})",
            p.micro_batch,
            p.global_batch(),
            p.grad_accum,
            p.seq_len,
            p.total_steps,
            p.warmup_steps
        );
        w.log(Level::Info, &msg);
    }

    /// components/metrics.py: "{DEVICE} capacity: {name} with {gib:.2f}GiB memory";
    /// trainer.py: "Peak FLOPS used for computing MFU: {:.3e}" (Python's e+14) and
    /// "{DEVICE} memory usage for model: {gib:.2f}GiB({pct:.2f}%)". The model's share is its
    /// FSDP-sharded training state.
    fn memory_estimate(&self, w: &mut Writer) {
        let p = w.plan();
        let state = p.model.params as f64 * STATE_BYTES_PER_PARAM / p.world() as f64;
        let state_gib = state / (1u64 << 30) as f64;
        let lines = [
            format!(
                "CUDA capacity: {} with {:.2}GiB memory",
                p.gpu.torch_name, p.gpu.memory_gib
            ),
            format!(
                "Peak FLOPS used for computing MFU: {}",
                py_exp(p.gpu.peak_tflops * 1e12, 3, false)
            ),
            format!(
                "CUDA memory usage for model: {state_gib:.2}GiB({:.2}%)",
                100.0 * state_gib / p.gpu.memory_gib
            ),
        ];
        for l in lines {
            w.log(Level::Info, &l);
        }
    }

    /// train.py (v0.2.0, L568): f"Training starts at step {self.step + 1}".
    fn training_started(&self, w: &mut Writer, from_step: u64) {
        let msg = format!("Training starts at step {}", from_step + 1);
        w.log(Level::Info, &msg);
    }

    /// components/checkpoint.py (v0.2.0): L491 and L529, "(or staging if async is enabled)"
    /// included, and no space before "in".
    fn checkpoint_started(&self, w: &mut Writer, _step: u64) {
        w.log(
            Level::Info,
            "Saving the checkpoint (or staging if async is enabled).",
        );
    }

    fn checkpoint_saved(&self, w: &mut Writer, _step: u64, secs: f64, _rate: f64) {
        w.log(
            Level::Info,
            &format!(
                "Finished saving the checkpoint (or staging if async is enabled)in {secs:.2} seconds."
            ),
        );
    }

    /// checkpoint.py L621: f"Loading the checkpoint from {checkpoint_id}.", the id being
    /// `<folder>/step-N`.
    fn checkpoint_loading(&self, w: &mut Writer, step: u64) {
        let msg = format!(
            "Loading the checkpoint from {}.",
            self.checkpoint_dir(w, step)
        );
        w.log(Level::Info, &msg);
    }

    /// The loader prints nothing per file.
    fn checkpoint_progress(&self, _w: &mut Writer, _frac: f64, _done: u32, _files: u32) {}

    /// L630 collects garbage first (tools/utils.py: "[GC] %s took %.2f seconds"), then L631
    /// reports the load.
    fn checkpoint_loaded(&self, w: &mut Writer, _step: u64, secs: f64) {
        let gc = 0.02 + (secs * 7.0).fract() * 0.06;
        w.log(
            Level::Info,
            &format!("[GC] GC collection for checkpoint loading. took {gc:.2} seconds"),
        );
        w.log(
            Level::Info,
            &format!("Finished loading the checkpoint in {secs:.2} seconds."),
        );
    }

    /// Training from scratch: `load()` returns False and logs nothing.
    fn no_checkpoint(&self, w: &mut Writer, restart: bool) {
        if restart {
            restore::no_checkpoint(w, restart);
        }
    }

    /// train.py L644/L647/L693 at the end of a run.
    fn run_finished(&self, w: &mut Writer, _: &sim::RunTotals, _: f64, _: f64) {
        w.log(
            Level::Info,
            "Sleeping 2 seconds for other ranks to complete",
        );
        w.set_job(w.job() + 2.0);
        w.log(Level::Info, "Training completed");
        w.set_job(w.job() + 0.9);
        w.log(Level::Info, "Process group destroyed");
    }
}

/// `step: N  loss: ...  grad_norm: ...  memory: ...  tps: ...  tflops: ...  mfu: ...%`.
fn step_line(w: &Writer, last: &LastStep) -> StyledLine {
    let (s, p) = (last.stats, w.plan());
    let mem = p.memory_gib();
    let mem_pct = 100.0 * mem / p.gpu.memory_gib;
    let body = StyledLine::new()
        // components/metrics.py, MetricsProcessor.log: f"step: {step:2}  loss: {loss:8.5f}  ..."
        .push(format!("step: {:>2}  ", s.step), Style::fg(Color::RED))
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
    w.line(Level::Info, None, body)
}
