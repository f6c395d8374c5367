//! The training loop's lines: weights loading, steps and their bars, epochs, validation,
//! checkpoints and the run summary.

use sim::RunTotals;
use term::{Color, Style, StyledLine};

use crate::fmt::{bar, bytes, clock, commas, eta, short};
use crate::level::{Level, META};
use crate::writer::Writer;

/// A progress line over the published weights' shards.
pub fn weights_progress(w: &mut Writer, frac: f64, done: f64, rate: f64, eta: f64, shard: u32) {
    let p = w.plan();
    let total = p.weight_bytes();
    let line = StyledLine::new()
        .push("Loading weights ", Style::PLAIN)
        .push(format!("{:>3.0}% ", frac * 100.0), Style::PLAIN.bold())
        .push(bar(frac, 30), Style::fg(Color::CYAN))
        .push(format!(" {}/{}", bytes(done), bytes(total)), Style::PLAIN)
        .push(format!(" {}/s", bytes(rate)), Style::fg(Color::GREEN))
        .push(format!(" ETA {}", clock(eta)), Style::fg(Color::YELLOW))
        .push(
            format!(" model-{:05}-of-{:05}.safetensors", shard + 1, p.shards),
            META,
        );
    w.live(vec![line]);
}

/// The weights are in: the bar stays, a summary line follows.
pub fn weights_loaded(w: &mut Writer, secs: f64, rate: f64) {
    w.settle();
    let p = w.plan();
    let msg = format!(
        "Loaded {} shards ({}) in {:.1} s ({}/s)",
        p.shards,
        bytes(p.weight_bytes()),
        secs,
        bytes(rate)
    );
    w.log(Level::Info, &msg);
}

/// The step line when the step is logged, then the style's bars.
pub fn step_finished(w: &mut Writer, logged: bool) {
    if let Some(last) = w.last
        && logged
    {
        let line = w.style().step_line(w, &last);
        w.print(line);
    }
    let bars = w.bars();
    if !bars.is_empty() {
        w.live(bars);
    }
}

/// `Epoch e/E finished at step N`.
pub fn epoch_finished(w: &mut Writer, epoch: u64, step: u64) {
    let msg = format!(
        "Epoch {epoch}/{} finished at step {}",
        w.plan().epochs,
        commas(step)
    );
    w.log(Level::Info, &msg);
}

/// A validation bar under the bars of the step before it.
pub fn validation_progress(w: &mut Writer, done: u32, total: u32) {
    let frac = done as f64 / total as f64;
    let vbar = StyledLine::new()
        .push(format!("Validation: {:>3.0}%|", frac * 100.0), Style::PLAIN)
        .fill(u64::from(done), u64::from(total), Style::fg(Color::YELLOW))
        .push(format!("| {done}/{total}"), Style::PLAIN);
    let mut live = w.val_base.clone();
    live.push(vbar);
    w.live(live);
}

/// `Validation @ step N: val_loss ... | val_ppl ...`, replacing the validation bar.
pub fn validation_finished(w: &mut Writer, step: u64, loss: f64, secs: f64, batches: u32) {
    let line = w.line(
        Level::Info,
        None,
        StyledLine::new()
            .push(format!("Validation @ step {step}: "), Style::PLAIN)
            .push(
                format!("val_loss {loss:.4} | val_ppl {:.2}", loss.exp()),
                Style::fg(Color::YELLOW).bold(),
            )
            .push(format!(" | {batches} batches in {secs:.1}s"), Style::PLAIN),
    );
    let base = w.val_base.clone();
    w.show(&[line], base);
}

/// `Saving checkpoint to DIR (model ..., optimizer ...)`.
pub fn checkpoint_started(w: &mut Writer, step: u64) {
    let p = w.plan();
    let msg = format!(
        "Saving checkpoint to {} (model {}, optimizer {})",
        w.style().checkpoint_dir(w, step),
        bytes(p.weight_bytes()),
        bytes(p.optimizer_bytes())
    );
    w.log(Level::Info, &msg);
}

/// `Checkpoint saved: N shards, SIZE in S s (RATE/s)`.
pub fn checkpoint_saved(w: &mut Writer, _step: u64, secs: f64, rate: f64) {
    let p = w.plan();
    let msg = format!(
        "Checkpoint saved: {} shards, {} in {:.1} s ({}/s)",
        p.world(),
        bytes(p.weight_bytes() + p.optimizer_bytes()),
        secs,
        bytes(rate)
    );
    w.log(Level::Info, &msg);
}

/// The plain script's end: steps and tokens, the summary, the final checkpoint.
pub fn run_summary(w: &mut Writer, t: &RunTotals, final_loss: f64, wall: f64) {
    w.clear_live(&[]);
    let p = w.plan();
    let steps = p.total_steps - p.start_step;
    let tokens = p.tokens_per_step() * steps as f64;
    let done = format!(
        "Training complete: {} steps, {} tokens in {} ({})",
        commas(steps),
        short(tokens),
        eta(wall),
        clock(wall)
    );
    let best = t.best_val.map_or(String::from("n/a"), |v| {
        format!("{v:.4} (ppl {:.2})", v.exp())
    });
    let summary = format!(
        "Summary: average MFU {:.2}% | final loss {final_loss:.4} | best val loss {best} | {} checkpoints | {} restarts | {} skipped steps",
        100.0 * t.mfu_sum / t.steps_run.max(1) as f64,
        t.checkpoints,
        t.restarts,
        t.skipped
    );
    let last = StyledLine::new().push(format!("Final checkpoint: {}", p.ckpt_dir), META);
    w.log(Level::Info, &done);
    w.log(Level::Info, &summary);
    w.print(last);
}
