//! torchtitan: `[rank0]:[titan] <asctime> - root - INFO - msg`, a coloured metrics line every
//! step and no progress bars.

use sim::Event;
use term::{Color, Style, StyledLine};

use crate::fmt::{commas, py_exp};
use crate::writer::LastStep;
use crate::{Level, LogStyle, META, RankTag, Writer, no_bars, step_dir};
use sim::plan::STATE_BYTES_PER_PARAM;

/// The torchtitan style.
pub static STYLE: LogStyle = LogStyle {
    script: "torchtitan/train.py",
    prefix,
    render,
    step_line,
    bars: no_bars,
    checkpoint_dir: step_dir,
};

fn prefix(w: &Writer, level: Level, rank: RankTag, l: &mut StyledLine) {
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

fn render(ev: &Event, w: &mut Writer) -> bool {
    let p = w.plan();
    match ev {
        Event::ParameterCount => {
            let msg = format!(
                "Model {} size: {} total parameters",
                p.model.name,
                commas(p.model.params)
            );
            w.log(Level::Info, &msg);
        }
        Event::ModelWrapped => {
            w.log(
                Level::Info,
                "Applied selective activation checkpointing to the model",
            );
            w.log(Level::Info, "Applied FSDP to the model");
        }
        Event::MemoryEstimate => {
            // components/metrics.py: "{DEVICE} capacity: {name} with {gib:.2f}GiB memory";
            // trainer.py: "Peak FLOPS used for computing MFU: {:.3e}" (Python's e+14) and
            // "{DEVICE} memory usage for model: {gib:.2f}GiB({pct:.2f}%)". The model's share
            // is its FSDP-sharded training state.
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
        // train.py (v0.2.0, L568): f"Training starts at step {self.step + 1}".
        Event::TrainingStarted => {
            let msg = format!("Training starts at step {}", p.start_step + 1);
            w.log(Level::Info, &msg);
        }
        // components/checkpoint.py (v0.2.0): L491 and L529, "(or staging if async is
        // enabled)" included, and no space before "in".
        Event::CheckpointStarted { .. } => w.log(
            Level::Info,
            "Saving the checkpoint (or staging if async is enabled).",
        ),
        // checkpoint.py L621: f"Loading the checkpoint from {checkpoint_id}.", the id being
        // `<folder>/step-N`.
        Event::CheckpointLoading { step } => {
            let msg = format!("Loading the checkpoint from {}.", step_dir(w, *step));
            w.log(Level::Info, &msg);
        }
        // The loader prints nothing per file.
        Event::CheckpointProgress { .. } => {}
        Event::CheckpointLoaded { secs, .. } => {
            // L630 collects garbage first (tools/utils.py: "[GC] %s took %.2f seconds"), then
            // L631 reports the load.
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
        Event::CheckpointSaved { secs, .. } => w.log(
            Level::Info,
            &format!(
                "Finished saving the checkpoint (or staging if async is enabled)in {secs:.2} seconds."
            ),
        ),
        // Training from scratch: `load()` returns False and logs nothing.
        Event::NoCheckpoint if w.last.is_none() => {}
        // train.py L644/L647/L693 at the end of a run.
        Event::RunFinished { .. } => {
            w.log(Level::Info, "Sleeping 2 seconds for other ranks to complete");
            w.set_job(w.job() + 2.0);
            w.log(Level::Info, "Training completed");
            w.set_job(w.job() + 0.9);
            w.log(Level::Info, "Process group destroyed");
        }
        _ => return false,
    }
    true
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
