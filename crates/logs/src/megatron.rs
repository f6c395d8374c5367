//! Megatron-LM: `[YYYY-MM-DD HH:MM:SS.ffffff]` stamps, pipe-separated iteration lines every
//! step, validation between dashed rules and `iter_NNNNNNN` checkpoints.

use sim::{Event, Precision};
use term::{Color, Style, StyledLine};

use crate::writer::LastStep;
use crate::{Level, LogStyle, META, RankTag, Writer, every_step, no_bars};

/// The Megatron-LM style.
pub static STYLE: LogStyle = LogStyle {
    script: "pretrain_gpt.py",
    prefix,
    render,
    step_line,
    bars: no_bars,
    checkpoint_dir,
    log_every: every_step,
};

fn prefix(w: &Writer, level: Level, rank: RankTag, l: &mut StyledLine) {
    l.append(w.now().format("[%Y-%m-%d %H:%M:%S%.6f] ").to_string(), META);
    if level != Level::Info {
        l.append(
            format!("{}: ", level.word()),
            Style::fg(level.color()).bold(),
        );
    }
    if let Some((r, _)) = rank {
        l.append(format!("[rank {r}] "), Style::fg(Color::CYAN));
    }
}

fn checkpoint_dir(w: &Writer, step: u64) -> String {
    format!("{}/iter_{step:07}", w.plan().ckpt_dir)
}

fn render(ev: &Event, w: &mut Writer) -> bool {
    let p = w.plan();
    match ev {
        Event::Tokenizer => {
            // The tokenizer line as the other styles print it, then Megatron's padding note.
            crate::common::default(ev, w);
            let p = w.plan();
            let padded = p.model.vocab.div_ceil(128 * p.tp) * 128 * p.tp;
            let line = StyledLine::plain(format!(
                " > padded vocab (size: {}) with {} dummy tokens (new size: {})",
                p.model.vocab,
                padded - p.model.vocab,
                padded
            ));
            w.print(line);
        }
        Event::DistReady { init_secs } => w.log(
            Level::Info,
            &format!("time to initialize megatron (seconds): {init_secs:.3}"),
        ),
        Event::ValidationFinished { step, loss, .. } => {
            let rule = StyledLine::plain("-".repeat(100));
            let body = StyledLine::plain(format!(
                " validation loss at iteration {step} | lm loss value: {loss:.6E} | lm loss PPL: {:.6E} | ",
                loss.exp()
            ));
            let base = w.val_base.clone();
            w.show(&[rule.clone(), body, rule], base);
        }
        Event::CheckpointStarted { step } => {
            let msg = format!(
                "saving checkpoint at iteration {step:>7} to {} in torch_dist format",
                p.ckpt_dir
            );
            w.log(Level::Info, &msg);
        }
        Event::CheckpointSaved { step, .. } => {
            let msg = format!(
                "  successfully saved checkpoint from iteration {step:>7} to {} [ t 1/{}, p 1/{} ]",
                p.ckpt_dir, p.tp, p.pp
            );
            w.log(Level::Info, &msg);
        }
        _ => return false,
    }
    true
}

/// ` iteration N/T | consumed samples: ... | ... |`.
fn step_line(w: &Writer, last: &LastStep) -> StyledLine {
    let (s, p) = (last.stats, w.plan());
    let scale = if p.precision == Precision::Fp16 {
        last.loss_scale
    } else {
        1.0
    };
    let body = format!(
        " iteration {:>8}/{:>8} | consumed samples: {:>12} | elapsed time per iteration (ms): {:.1} | throughput per GPU (TFLOP/s/GPU): {:.1} | learning rate: {:.6E} | global batch size: {:>5} | lm loss: {:.6E} | loss scale: {:.1} | grad norm: {:.3} | number of skipped iterations: {:>3} | number of nan iterations: {:>3} |",
        s.step,
        p.total_steps,
        s.step * p.global_batch(),
        s.step_time * 1000.0,
        s.tflops,
        s.lr,
        p.global_batch(),
        s.loss,
        scale,
        s.grad_norm,
        last.skipped,
        0
    );
    w.line(Level::Info, None, StyledLine::plain(body))
}
