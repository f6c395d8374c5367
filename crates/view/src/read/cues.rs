//! The lines that say where a job is and what happened to it: its launch and description,
//! loading, NCCL, validation results, checkpoints, incidents, restarts and its end.

use super::scan::{num_after, number, ratio_after};
use crate::observation::{Incident, JobCard};
use crate::phase::Phase;

/// What a line says, besides a step.
pub enum Cue {
    /// The job entered a phase.
    Phase(Phase),
    /// A validation result (at the step named, or the current one).
    Validation(Option<u64>, f64),
    /// A checkpoint save begins (of the step named, or the current one).
    Saving(Option<u64>),
    /// A checkpoint was written.
    Saved(Option<u64>),
    /// Something went wrong, and the phase it leaves the job in.
    Incident(Incident, Option<Phase>),
    /// The straggler is back to normal.
    StragglerGone,
}

/// A shell prompt launching a training job.
pub fn launch(line: &str) -> bool {
    let Some(at) = line.find("$ ") else {
        return false;
    };
    let cmd = &line[at + 2..];
    [
        "srun ",
        "torchrun ",
        "sbatch ",
        "python",
        "deepspeed ",
        "accelerate launch",
    ]
    .iter()
    .any(|c| cmd.starts_with(c))
}

/// What a line says about the job itself (model, cluster, schedule).
pub fn learn(line: &str, card: &mut JobCard) {
    if let Some(n) = num_after(line, "--nnodes=") {
        card.nodes = n as u32;
    }
    if let Some(n) = num_after(line, "--nproc_per_node=") {
        card.gpus_per_node = n as u32;
    }
    if let Some(at) = line.find("Job ")
        && let Some(rest) = line[at + 4..].split_once(" on ")
        && let Some(id) = rest.0.split(' ').next()
        && !id.is_empty()
        && id.chars().all(|c| c.is_ascii_digit())
    {
        card.job_id = Some(id.to_string());
        if let Some((nodes, gpus)) = rest
            .1
            .split_once(" nodes x ")
            .and_then(|(n, g)| Some((number(n)?, number(g)?)))
        {
            card.nodes = nodes as u32;
            card.gpus_per_node = gpus as u32;
        }
    }
    if let Some(v) = value_after(line, "Config: model=") {
        card.model = Some(v);
    }
    if let Some(v) = value_after(line, "--model_name_or_path ") {
        card.model = Some(v.rsplit('/').next().unwrap_or(&v).to_string());
    }
    if let Some(v) = value_after(line, "precision=") {
        card.precision = Some(v);
    }
    if let Some(at) = line.find("Model ")
        && let Some(end) = line[at..].find(" size: ")
    {
        card.model = Some(line[at + 6..at + end].trim().to_string());
    }
    if let Some(t) =
        num_after(line, "total steps ").or_else(|| num_after(line, "Total optimization steps ="))
    {
        card.total_steps = Some(t as u64);
    }
    if let Some(w) = num_after(line, "using world size:") {
        card.nodes = (w as u32).div_ceil(8);
        card.gpus_per_node = 8;
    }
    if let Some(at) = line.find("CUDA capacity: ")
        && let Some(end) = line.find(" with ")
        && end > at
    {
        card.gpu = Some(line[at + 15..end].to_string());
        card.gpu_memory_gib = num_after(line, " with ");
    }
}

/// The word after `key` (up to a space).
fn value_after(line: &str, key: &str) -> Option<String> {
    let at = line.find(key)? + key.len();
    let v: String = line[at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    (!v.is_empty()).then_some(v)
}

/// `step-N`, `iter_NNNNNNN` or `checkpoint-N` in a checkpoint path.
fn checkpoint_step(line: &str) -> Option<u64> {
    ["/step-", "/iter_", "/checkpoint-"]
        .iter()
        .find_map(|k| num_after(line, k))
        .map(|v| v as u64)
}

/// What a line says besides a step, given the step the log is at.
pub fn read(line: &str, step: u64) -> Option<Cue> {
    setup(line)
        .or_else(|| checkpoints(line))
        .or_else(|| validation(line))
        .or_else(|| incidents(line, step))
        .or_else(|| ending(line))
}

fn setup(l: &str) -> Option<Cue> {
    let p = if l.contains("NCCL INFO") || l.contains("Initializing process group") {
        Phase::InitNccl
    } else if l.contains("Loading the checkpoint from")
        || l.contains("Resuming from checkpoint")
        || l.contains("loading distributed checkpoint from")
        || l.contains("Loading model from")
    {
        Phase::LoadingCheckpoint { frac: 0.0 }
    } else if l.contains("Loading tokenizer")
        || l.contains("Preparing ")
        || l.contains("Loading dataset")
        || l.contains("building train, validation, and test datasets")
    {
        Phase::LoadingData
    } else if l.contains("Training starts at step")
        || l.contains("***** Running training *****")
        || l.contains("[before the start of training step]")
        || l.contains("Starting training:")
        || l.contains("Resuming training at step")
        || l.contains("Restarted training loop")
    {
        Phase::Training
    } else {
        return None;
    };
    Some(Cue::Phase(p))
}

fn checkpoints(l: &str) -> Option<Cue> {
    if l.contains("Saving checkpoint to") || l.contains("Saving model checkpoint to") {
        return Some(Cue::Saving(checkpoint_step(l)));
    }
    if let Some((step, _)) = ratio_after(l, "saving checkpoint at iteration").or(None) {
        return Some(Cue::Saving(Some(step)));
    }
    if l.contains("saving checkpoint at iteration") {
        return Some(Cue::Saving(
            num_after(l, "saving checkpoint at iteration").map(|v| v as u64),
        ));
    }
    if l.contains("at last step, step ") {
        return Some(Cue::Saving(
            num_after(l, "at last step, step ").map(|v| v as u64),
        ));
    }
    if l.contains("Saving the checkpoint") {
        return Some(Cue::Saving(None));
    }
    if l.contains("successfully saved checkpoint from iteration") {
        return Some(Cue::Saved(
            num_after(l, "successfully saved checkpoint from iteration").map(|v| v as u64),
        ));
    }
    if l.contains("Checkpoint saved:") || l.contains("Finished saving the checkpoint") {
        return Some(Cue::Saved(None));
    }
    None
}

fn validation(l: &str) -> Option<Cue> {
    if let Some(at) = l.find("Validation @ step ") {
        let rest = &l[at..];
        let step = num_after(rest, "Validation @ step ").map(|v| v as u64);
        return Some(Cue::Validation(step, num_after(rest, "val_loss ")?));
    }
    if l.contains("validation loss at iteration") {
        let step = num_after(l, "validation loss at iteration").map(|v| v as u64);
        return Some(Cue::Validation(step, num_after(l, "lm loss value:")?));
    }
    if let Some(at) = l.find("validate step:") {
        let rest = &l[at..];
        let step = num_after(rest, "validate step:").map(|v| v as u64);
        return Some(Cue::Validation(step, num_after(rest, "loss:")?));
    }
    if l.contains("***** Running Evaluation *****") {
        return Some(Cue::Phase(Phase::Validating { done: 0, total: 0 }));
    }
    if l.trim_start().starts_with("{'eval_loss': ") {
        return Some(Cue::Validation(None, num_after(l, "'eval_loss':")?));
    }
    None
}

fn incidents(l: &str, step: u64) -> Option<Cue> {
    let rank_after = |key: &str| num_after(l, key).map(|r| r as u32);
    if l.contains("Watchdog caught collective operation timeout") {
        let rank = rank_after("[Rank ").unwrap_or(0);
        return Some(Cue::Incident(
            Incident::CollectiveTimeout { rank },
            Some(Phase::Crashed),
        ));
    }
    if l.contains("OutOfMemoryError") {
        let rank = rank_after("[rank").unwrap_or(0);
        return Some(Cue::Incident(
            Incident::OutOfMemory { rank },
            Some(Phase::Crashed),
        ));
    }
    if l.contains("failed (exitcode:") {
        return Some(Cue::Phase(Phase::Crashed));
    }
    if let Some(at) = l.find("Worker group FAILED.") {
        // `N/M attempts left`: this is attempt M + 1 - N of M.
        let (attempt, max) = match ratio_after(&l[at..], "Worker group FAILED.") {
            Some((left, max)) => ((max + 1).saturating_sub(left) as u32, max as u32),
            None => (0, 0),
        };
        return Some(Cue::Phase(Phase::Restarting { attempt, max }));
    }
    if l.contains("Straggler detected: rank ") {
        let rank = rank_after("Straggler detected: rank ")?;
        let factor = l
            .find("x slower")
            .and_then(|i| l[..i].rsplit(' ').next().and_then(number))
            .unwrap_or(1.0);
        return Some(Cue::Incident(Incident::Straggler { rank, factor }, None));
    }
    if l.contains("step time back within") {
        return Some(Cue::StragglerGone);
    }
    if l.contains("Loss spike at step ") {
        let s = num_after(l, "Loss spike at step ").map_or(step, |v| v as u64);
        return Some(Cue::Incident(Incident::LossSpike { step: s }, None));
    }
    if l.contains("OVERFLOW!") {
        let s = num_after(l, "Skipping step").map_or(step, |v| v as u64);
        return Some(Cue::Incident(Incident::Overflow { step: s }, None));
    }
    None
}

fn ending(l: &str) -> Option<Cue> {
    let p = if l.contains("DUE TO TIME LIMIT") {
        Phase::Cancelled
    } else if l.contains("ChildFailedError") {
        Phase::Failed
    } else if l.contains("Training complete")
        || l.contains("[after training is done]")
        || l.contains("Training completed")
    {
        Phase::Finished
    } else {
        return None;
    };
    Some(Cue::Phase(p))
}
