//! torchtitan: `[rank0]:[titan] <asctime> - root - INFO - msg`, a coloured metrics line every
//! step and no progress bars.

use sim::Event;
use term::{Color, Style, StyledLine};

use crate::fmt::{commas, py_exp};
use crate::writer::LastStep;
use crate::{Level, LogStyle, META, RankTag, Writer, every_step, no_bars, step_dir};
use sim::plan::STATE_BYTES_PER_PARAM;

/// The torchtitan style.
pub static STYLE: LogStyle = LogStyle {
    script: "torchtitan/train.py",
    prefix,
    render,
    step_line,
    bars: no_bars,
    checkpoint_dir: step_dir,
    log_every: every_step,
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
        Event::TrainingStarted => w.log(Level::Info, "Training starts at step 1"),
        // components/checkpointer/dcp.py: "{phase.capitalize()} the checkpoint."
        Event::CheckpointStarted { .. } => w.log(Level::Info, "Saving the checkpoint."),
        Event::CheckpointLoading { step } => {
            let msg = format!("Loading the checkpoint from {}.", step_dir(w, *step));
            w.log(Level::Info, &msg);
        }
        Event::CheckpointLoaded { secs, .. } => w.log(
            Level::Info,
            &format!("Finished loading the checkpoint in {secs:.2} seconds."),
        ),
        Event::CheckpointSaved { secs, .. } => w.log(
            Level::Info,
            &format!("Finished saving the checkpoint in {secs:.2} seconds."),
        ),
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
