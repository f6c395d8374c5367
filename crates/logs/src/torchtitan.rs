//! torchtitan: `[rank0]:[titan] <asctime> - root - INFO - msg`, a coloured metrics line every
//! step and no progress bars.

use sim::Event;
use term::{Color, Style, StyledLine};

use crate::fmt::commas;
use crate::writer::LastStep;
use crate::{Level, LogStyle, META, RankTag, Writer, every_step, no_bars, step_dir};

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
            let mem = p.memory_gib();
            let capacity = format!(
                "CUDA capacity: {} with {:.2}GiB memory; estimated peak {:.2}GiB({:.2}%)",
                p.gpu.torch_name,
                p.gpu.memory_gib,
                mem,
                100.0 * mem / p.gpu.memory_gib
            );
            let flops = format!(
                "Peak FLOPS used for computing MFU: {:.3e}",
                p.gpu.peak_tflops * 1e12
            );
            w.log(Level::Info, &capacity);
            w.log(Level::Info, &flops);
        }
        Event::TrainingStarted => w.log(Level::Info, "Training starts at step 1"),
        Event::CheckpointStarted { step } => {
            let msg = format!("Saving the checkpoint to {}.", step_dir(w, *step));
            w.log(Level::Info, &msg);
        }
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
    w.line(Level::Info, None, body)
}
