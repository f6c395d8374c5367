//! Hugging Face Trainer: `[INFO|trainer.py:NNNN] <asctime> >> msg`, the `***** Running
//! training *****` banner, one tqdm bar, and metrics printed as Python dicts.

use sim::Event;
use term::{Color, Style, StyledLine};

use crate::fmt::{bar, clock, commas};
use crate::writer::LastStep;
use crate::{Level, LogStyle, META, RankTag, Writer};

/// The Hugging Face Trainer style.
pub static STYLE: LogStyle = LogStyle {
    script: "run_clm.py",
    prefix,
    render,
    step_line,
    bars,
    checkpoint_dir,
    log_every: |w| w.plan().log_every,
};

fn prefix(w: &Writer, level: Level, rank: RankTag, l: &mut StyledLine) {
    let src = match level {
        Level::Info => "trainer.py:2243",
        Level::Warn => "trainer.py:2612",
        Level::Error => "trainer.py:2401",
    };
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

fn checkpoint_dir(w: &Writer, step: u64) -> String {
    format!("{}/checkpoint-{step}", w.plan().ckpt_dir)
}

fn render(ev: &Event, w: &mut Writer) -> bool {
    let p = w.plan();
    match ev {
        Event::TrainingStarted => {
            let lines = [
                "***** Running training *****".to_string(),
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
            ];
            for l in lines {
                w.log(Level::Info, &l);
            }
        }
        Event::ValidationFinished {
            step,
            loss,
            secs,
            batches,
        } => {
            let samples = (*batches as u64 * p.micro_batch as u64 * p.dp() as u64) as f64;
            let line = StyledLine::plain(format!(
                "{{'eval_loss': {:.4}, 'eval_perplexity': {:.4}, 'eval_runtime': {:.2}, 'eval_samples_per_second': {:.1}, 'epoch': {:.2}}}",
                loss,
                loss.exp(),
                secs,
                samples / secs,
                *step as f64 / p.steps_per_epoch() as f64
            ));
            let base = w.val_base.clone();
            w.show(&[line], base);
        }
        Event::CheckpointStarted { step } => {
            let msg = format!("Saving model checkpoint to {}", checkpoint_dir(w, *step));
            w.log(Level::Info, &msg);
        }
        _ => return false,
    }
    true
}

/// The metrics dict `Trainer.log` prints.
fn step_line(w: &Writer, last: &LastStep) -> StyledLine {
    let (s, p) = (last.stats, w.plan());
    let epoch = s.step as f64 / p.steps_per_epoch() as f64;
    StyledLine::plain(format!(
        "{{'loss': {:.4}, 'grad_norm': {:.5}, 'learning_rate': {:.4e}, 'epoch': {:.2}}}",
        s.loss, s.grad_norm, s.lr, epoch
    ))
}

/// The Trainer's single tqdm bar over all optimizer steps.
fn bars(w: &Writer, last: &LastStep) -> Vec<StyledLine> {
    let (s, p) = (last.stats, w.plan());
    let elapsed = w.job() - last.train_start;
    let left = (p.total_steps - s.step) as f64 * s.step_time;
    let frac = s.step as f64 / p.total_steps as f64;
    vec![StyledLine::plain(format!(
        "{:>3.0}%|{}| {}/{} [{}<{}, {:.2}s/it]",
        frac * 100.0,
        bar(frac, 10),
        s.step,
        p.total_steps,
        clock(elapsed),
        clock(left),
        s.step_time
    ))]
}
