//! A plain PyTorch DDP/FSDP training script: Python `logging` with
//! `format="[%(asctime)s] %(levelname)s %(message)s"` and `datefmt="%Y-%m-%d %H:%M:%S"`, a step
//! line every `log_every` steps and two tqdm bars (epoch and step) under the log.

use sim::Event;
use term::{Color, Style, StyledLine};

use crate::fmt::{clock, commas, tqdm_num, tqdm_rate};
use crate::writer::LastStep;
use crate::{Level, LogStyle, META, RankTag, Writer, step_dir};

/// The DDP style.
pub static STYLE: LogStyle = LogStyle {
    script: "train.py",
    prefix,
    render,
    step_line,
    bars,
    checkpoint_dir: step_dir,
};

fn prefix(w: &Writer, level: Level, rank: RankTag, l: &mut StyledLine) {
    l.append(w.now().format("[%Y-%m-%d %H:%M:%S] ").to_string(), META);
    if let Some((r, n)) = rank {
        l.append(format!("[Rank {r}/{n}] "), Style::fg(Color::CYAN));
    }
    l.append(level.word(), Style::fg(level.color()).bold());
    l.append(" ", Style::PLAIN);
}

fn render(_: &Event, _: &mut Writer) -> bool {
    false
}

/// `step N/T | loss ... | lr ... | ...`: what hand-written training loops tend to print.
fn step_line(w: &Writer, last: &LastStep) -> StyledLine {
    let (s, p) = (last.stats, w.plan());
    let body = StyledLine::new()
        .push(format!("step {}/{} | ", s.step, p.total_steps), Style::PLAIN)
        .push(
            format!("loss {:.4}", s.loss),
            Style::fg(Color::BRIGHT_CYAN).bold(),
        )
        .push(
            format!(
                " | lr {:.2e} | gnorm {:.3} | {} tok/s/gpu | {:.1} TFLOPS | MFU {:.1}% | mem {:.1}G | {:.2}s/step",
                s.lr,
                s.grad_norm,
                commas(s.tps.round() as u64),
                s.tflops,
                s.mfu * 100.0,
                p.memory_gib(),
                s.step_time
            ),
            Style::PLAIN,
        );
    w.line(Level::Info, None, body)
}

/// The nested tqdm bars of a plain training script: `trange(epochs, desc="Epoch")` over
/// `tqdm(loader, desc=f"Epoch {e}/{E}")` with `set_postfix(loss=..., lr=...)`, in tqdm's
/// format (`tqdm/std.py`, format_meter): percentage = n/total, `[elapsed<remaining, rate,
/// postfix]`, `?` before a rate is known.
fn bars(w: &Writer, last: &LastStep) -> Vec<StyledLine> {
    let (s, p) = (last.stats, w.plan());
    let step = s.step;
    let elapsed = w.job() - last.train_start;
    let spe = p.steps_per_epoch();
    let epochs = p.epochs as u64;
    let done_epochs = (step / spe).min(epochs);
    let in_epoch = step - (done_epochs.min(epochs - 1)) * spe;
    let in_epoch = if in_epoch == 0 { spe } else { in_epoch };
    let epoch_frac = done_epochs as f64 / epochs as f64;
    let (epoch_left, epoch_rate) = if done_epochs == 0 {
        ("?".to_string(), "?it/s".to_string())
    } else {
        let per = elapsed / done_epochs as f64;
        (clock((epochs - done_epochs) as f64 * per), tqdm_rate(per))
    };
    let epoch_line = StyledLine::new()
        .push(
            format!("Epoch: {:>3.0}%|", epoch_frac * 100.0),
            Style::PLAIN,
        )
        .fill(done_epochs, epochs, Style::fg(Color::MAGENTA))
        .push(
            format!(
                "| {done_epochs}/{epochs} [{}<{epoch_left}, {epoch_rate}]",
                clock(elapsed)
            ),
            Style::PLAIN,
        );
    let step_frac = in_epoch as f64 / spe as f64;
    let step_line = StyledLine::new()
        .push(
            format!(
                "Epoch {}/{epochs}: {:>3.0}%|",
                (done_epochs + 1).min(epochs),
                step_frac * 100.0
            ),
            Style::PLAIN,
        )
        .fill(in_epoch, spe, Style::fg(Color::GREEN))
        .push(
            format!(
                "| {in_epoch}/{spe} [{}<{}, {}, loss={}, lr={}]",
                // A resumed job's bar starts at its checkpoint (tqdm's `initial`): only the
                // steps run in this job count for elapsed time.
                clock(in_epoch.min(step - p.start_step) as f64 * s.step_time),
                clock((spe - in_epoch) as f64 * s.step_time),
                tqdm_rate(s.step_time),
                tqdm_num(s.loss),
                tqdm_num(s.lr)
            ),
            Style::PLAIN,
        );
    vec![epoch_line, step_line]
}
