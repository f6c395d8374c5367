//! The script's training loop: its step line and tqdm bars, epochs, validation,
//! checkpoints, the incidents it notices, and its summary at the end.

use sim::{GPUS_PER_NODE, RunTotals};
use term::{Color, Style, StyledLine};

use crate::fmt::{bytes, clock, commas, eta, short, tqdm_num};
use crate::level::{Level, META};
use crate::writer::{LastStep, Writer};

/// `step N/T | loss ... | lr ... | ...`: what hand-written training loops tend to print.
pub fn step_line(w: &Writer, last: &LastStep) -> StyledLine {
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

/// The bars under the log: `trange` over epochs, the epoch's loader with `set_postfix(loss=,
/// lr=)`, and a validation bar while one runs (`leave=False`: it goes when it ends).
pub fn bars(w: &Writer) -> Vec<StyledLine> {
    let now = w.job();
    let pr = &w.progress;
    let postfix = w.last.map_or(String::new(), |l| {
        format!(
            "loss={}, lr={}",
            tqdm_num(l.stats.loss),
            tqdm_num(l.stats.lr)
        )
    });
    let mut rows = Vec::new();
    if let Some(e) = &pr.epoch {
        rows.push(e.line(now, Style::fg(Color::MAGENTA), ""));
    }
    if let Some(s) = &pr.steps {
        rows.push(s.line(now, Style::fg(Color::GREEN), &postfix));
    }
    if let Some(v) = &pr.eval {
        rows.push(v.line(now, Style::fg(Color::YELLOW), ""));
    }
    rows
}

/// `Starting training: N steps` or `Resuming training at step N of T`.
pub fn training_started(w: &mut Writer, from_step: u64) {
    let p = w.plan();
    let msg = if from_step > 0 {
        format!(
            "Resuming training at step {} of {}",
            commas(from_step + 1),
            commas(p.total_steps)
        )
    } else {
        format!("Starting training: {} steps", commas(p.total_steps))
    };
    w.log(Level::Info, &msg);
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

/// `Validation @ step N: val_loss ... | val_ppl ...`, the validation bar gone.
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
    let rows = bars(w);
    w.show(&[line], rows);
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

/// The script caught the OOM and retries with half the micro batch (the writer's plan is
/// the revised one).
pub fn oom_retry(w: &mut Writer, old_micro_batch: u32) {
    let p = w.plan();
    let msg = format!(
        "OOM at step 1 with micro_batch={old_micro_batch}: retrying with micro_batch={} grad_accum={} (global batch unchanged: {})",
        p.micro_batch,
        p.grad_accum,
        p.global_batch()
    );
    w.log(Level::Warn, &msg);
}

/// The loop runs again after the OOM.
pub fn oom_recovered(w: &mut Writer) {
    let msg = format!(
        "Restarted training loop; estimated peak memory {:.2} GiB",
        w.plan().memory_gib()
    );
    w.log(Level::Info, &msg);
}

/// A slow rank, as the script's step-time monitor reports it.
pub fn straggler(w: &mut Writer, rank: u32, reported: f64) {
    let msg = format!(
        "Straggler detected: rank {rank} on {} is {reported:.2}x slower than the median over the last 50 steps (GPU clocks throttled?)",
        w.plan().host(rank / GPUS_PER_NODE)
    );
    w.log(Level::Warn, &msg);
}

/// The slow rank is back.
pub fn straggler_recovered(w: &mut Writer, rank: u32) {
    let msg = format!("Rank {rank} step time back within 5% of the median");
    w.log(Level::Info, &msg);
}

/// The script's loss-spike monitor.
pub fn loss_spike(w: &mut Writer, step: u64, before: f64, after: f64, grad_norm: f64) {
    let msg = format!(
        "Loss spike at step {step}: {before:.4} -> {after:.4} (grad_norm {grad_norm:.2}); continuing, monitoring recovery"
    );
    w.log(Level::Warn, &msg);
}

/// The end: steps and tokens of this job, the summary, the final checkpoint. The final loss
/// is the last one the log printed.
pub fn run_summary(w: &mut Writer, t: &RunTotals, final_loss: f64, wall: f64) {
    w.settle();
    let p = w.plan();
    let steps = p.total_steps - p.start_step;
    let tokens = p.tokens_per_step() * steps as f64;
    let done = format!(
        "Training complete: step {}/{} ({} steps, {} tokens in this job, {} ({}))",
        commas(p.total_steps),
        commas(p.total_steps),
        commas(steps),
        short(tokens),
        eta(wall),
        clock(wall)
    );
    let best = t.best_val.map_or(String::from("n/a"), |v| {
        format!("{v:.4} (ppl {:.2})", v.exp())
    });
    let summary = format!(
        "Summary: average MFU {:.2}% | final loss {final_loss:.4} | best val loss {best} | {} checkpoints | {} restarts",
        100.0 * t.mfu_sum / t.steps_run.max(1) as f64,
        t.checkpoints,
        t.restarts,
    );
    let last = StyledLine::new().push(format!("Final checkpoint: {}", p.ckpt_dir), META);
    w.log(Level::Info, &done);
    w.log(Level::Info, &summary);
    w.print(last);
}
