//! The line each tool logs per step, read back into its numbers: the plain script's, torchtitan's,
//! Megatron-LM's, the HF Trainer's dict, nanoGPT's, and `key=value` / `key: value` lines.

use super::scan::{num_after, num_before, ratio_after};
use crate::observation::StepPoint;

/// A step line's numbers, and the schedule's total when the line says it.
pub struct StepLine {
    /// The numbers (the step may be unknown, as in the HF Trainer's dict).
    pub point: StepPoint,
    /// Whether the line names its step.
    pub has_step: bool,
    /// Steps in the schedule, when printed.
    pub total: Option<u64>,
}

/// Reads a step line, whichever tool wrote it.
pub fn read(msg: &str) -> Option<StepLine> {
    ddp(msg)
        .or_else(|| torchtitan(msg))
        .or_else(|| megatron(msg))
        .or_else(|| hf(msg))
        .or_else(|| nanogpt(msg))
        .or_else(|| generic(msg))
}

fn line(step: Option<u64>, total: Option<u64>, p: StepPoint) -> StepLine {
    StepLine {
        point: StepPoint {
            step: step.unwrap_or(0),
            ..p
        },
        has_step: step.is_some(),
        total,
    }
}

/// `step 236656/310000 | loss 1.9709 | lr 3.31e-5 | gnorm 0.281 | 996 tok/s/gpu | 466.5 TFLOPS
/// | MFU 35.7% | mem 73.7G | 8.23s/step`.
fn ddp(m: &str) -> Option<StepLine> {
    let (step, total) = ratio_after(m, "step ")?;
    let loss = num_after(m, "| loss ")?;
    Some(line(
        Some(step),
        Some(total),
        StepPoint {
            loss: Some(loss),
            lr: num_after(m, "| lr "),
            grad_norm: num_after(m, "| gnorm "),
            tps: num_before(m, " tok/s/gpu"),
            mfu: num_after(m, "| MFU ").map(|v| v / 100.0),
            step_time: num_before(m, "s/step"),
            memory_gib: num_after(m, "| mem "),
            ..StepPoint::default()
        },
    ))
}

/// `step: 1200  loss:  3.41270  grad_norm:  0.3841  memory: 62.17GiB(78.55%)  tps: 6,512
/// tflops: 377.04  mfu: 38.12%`.
fn torchtitan(m: &str) -> Option<StepLine> {
    if m.contains("validate step:") {
        return None;
    }
    let at = m.find("step:")?;
    let m = &m[at..];
    let step = num_after(m, "step:")? as u64;
    let loss = num_after(m, "loss:")?;
    Some(line(
        Some(step),
        None,
        StepPoint {
            loss: Some(loss),
            grad_norm: num_after(m, "grad_norm:"),
            tps: num_after(m, "tps:"),
            mfu: num_after(m, "mfu:").map(|v| v / 100.0),
            memory_gib: num_after(m, "memory:"),
            ..StepPoint::default()
        },
    ))
}

/// ` [time] iteration     2000/  476837 | ... | elapsed time per iteration (ms): 1944.3 | ... |
/// learning rate: 3.000000E-04 | ... | lm loss: 2.412345E+00 | ... | grad norm: 0.287 | ...`.
fn megatron(m: &str) -> Option<StepLine> {
    let (step, total) = ratio_after(m, "iteration ")?;
    let loss = num_after(m, "lm loss:")?;
    Some(line(
        Some(step),
        Some(total),
        StepPoint {
            loss: Some(loss),
            lr: num_after(m, "learning rate:"),
            grad_norm: num_after(m, "grad norm:"),
            step_time: num_after(m, "elapsed time per iteration (ms):").map(|ms| ms / 1000.0),
            ..StepPoint::default()
        },
    ))
}

/// `{'loss': 1.8421, 'grad_norm': 0.41234, 'learning_rate': 2.8512e-05, 'epoch': 0.42}` (the
/// step is on the progress bar).
fn hf(m: &str) -> Option<StepLine> {
    let m = m.trim();
    if !m.starts_with("{'loss': ") {
        return None;
    }
    Some(line(
        None,
        None,
        StepPoint {
            loss: num_after(m, "'loss':"),
            lr: num_after(m, "'learning_rate':"),
            grad_norm: num_after(m, "'grad_norm':"),
            ..StepPoint::default()
        },
    ))
}

/// nanoGPT: `iter 120000: loss 2.9412, time 576.31ms, mfu 29.21%`.
fn nanogpt(m: &str) -> Option<StepLine> {
    let at = m.find("iter ")?;
    let m = &m[at..];
    let step = num_after(m, "iter ")? as u64;
    let loss = num_after(m, ": loss ")?;
    Some(line(
        Some(step),
        None,
        StepPoint {
            loss: Some(loss),
            step_time: num_after(m, "time ").map(|ms| ms / 1000.0),
            mfu: num_after(m, "mfu ").map(|v| v / 100.0),
            ..StepPoint::default()
        },
    ))
}

/// `key=value` or `key: value` pairs with a step and a loss among them.
fn generic(m: &str) -> Option<StepLine> {
    let lower = m.to_ascii_lowercase();
    if lower.contains("validat") || lower.contains("eval") {
        return None; // a validation result, read as one elsewhere
    }
    let find = |keys: &[&str]| {
        keys.iter().find_map(|k| {
            [format!("{k}="), format!("{k}: "), format!("'{k}': ")]
                .iter()
                .find_map(|key| word_key(m, key).and_then(|at| super::scan::number(&m[at..])))
        })
    };
    let step = find(&["global_step", "step", "iteration", "iter", "it"])? as u64;
    let loss = find(&["loss", "train_loss", "train/loss", "lm_loss"])?;
    Some(line(
        Some(step),
        None,
        StepPoint {
            loss: Some(loss),
            lr: find(&["lr", "learning_rate"]),
            grad_norm: find(&["grad_norm", "gnorm", "grad-norm"]),
            tps: find(&["tps", "tokens_per_sec", "tok/s"]),
            ..StepPoint::default()
        },
    ))
}

/// Where the value after `key` starts, when `key` begins a word (`step=` but not
/// `global_step=` when asking for `step=`).
fn word_key(m: &str, key: &str) -> Option<usize> {
    m.match_indices(key)
        .find(|&(i, _)| {
            i == 0
                || !m[..i]
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '/')
        })
        .map(|(i, _)| i + key.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_ok(m: &str) -> StepLine {
        read(m).unwrap_or_else(|| panic!("not read: {m}"))
    }

    #[test]
    fn every_tools_step_line_reads_back() {
        let d = read_ok(
            "[2026-01-01 11:57:28] INFO step 236656/310000 | loss 1.9709 | lr 3.31e-5 | gnorm 0.281 | 996 tok/s/gpu | 466.5 TFLOPS | MFU 35.7% | mem 73.7G | 8.23s/step",
        );
        assert_eq!((d.point.step, d.total), (236_656, Some(310_000)));
        assert_eq!(d.point.loss, Some(1.9709));
        assert_eq!(d.point.tps, Some(996.0));
        assert!((d.point.mfu.unwrap() - 0.357).abs() < 1e-9);
        assert_eq!(d.point.step_time, Some(8.23));
        let t = read_ok(
            "[rank0]:[titan] 2026-01-01 09:00:00,123 - root - INFO - step: 1200  loss:  3.41270  grad_norm:  0.3841  memory: 62.17GiB(78.55%)  tps: 6,512  tflops: 377.04  mfu: 38.12%",
        );
        assert_eq!(
            (t.point.step, t.point.loss, t.point.tps),
            (1200, Some(3.4127), Some(6512.0))
        );
        let g = read_ok(
            " [2026-11-30 09:12:44.118392] iteration     2000/  476837 | consumed samples:      2048000 | elapsed time per iteration (ms): 1944.3 | throughput per GPU (TFLOP/s/GPU): 396.1 | learning rate: 3.000000E-04 | global batch size:  1024 | lm loss: 2.412345E+00 | loss scale: 1.0 | grad norm: 0.287 | number of skipped iterations:   0 | number of nan iterations:   0 |",
        );
        assert_eq!((g.point.step, g.total), (2000, Some(476_837)));
        assert_eq!((g.point.loss, g.point.lr), (Some(2.412345), Some(3e-4)));
        assert_eq!(g.point.step_time, Some(1.9443));
        let h = read_ok(
            "{'loss': 1.8421, 'grad_norm': 0.41234, 'learning_rate': 2.8512e-05, 'epoch': 0.42}",
        );
        assert!(!h.has_step && h.point.loss == Some(1.8421));
        let n = read_ok("iter 120000: loss 2.9412, time 576.31ms, mfu 29.21%");
        assert_eq!((n.point.step, n.point.loss), (120_000, Some(2.9412)));
        let k = read_ok("epoch=1 global_step=500 loss=2.31 lr=1e-4");
        assert_eq!(
            (k.point.step, k.point.loss, k.point.lr),
            (500, Some(2.31), Some(1e-4))
        );
        assert!(read("validate step: 500  loss: 2.9876").is_none());
        assert!(read("Loading dataset c4").is_none());
    }
}
