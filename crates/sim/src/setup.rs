//! The start of a job, in the parts every framework runs in its own order: the prompt and
//! launcher, the script's configuration, the model (and published weights), tokenizer, data,
//! distributed init, the AllReduce check and restoring a checkpoint. A restarted worker group
//! runs them again, all but the prompt: fresh processes build the model, bring up NCCL and load
//! the last checkpoint.
//!
//! Each part lets the clock run as the real job would and emits what happened; how it reads is
//! up to the log style.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::catalog::Collectives;
use crate::draws::step_noise;
use crate::emit::Emitter;
use crate::event::{Event, NcclLine};
use crate::framework::SetupPhase;
use crate::plan::{JobKind, RunPlan};

/// Ranks listed one by one at detection; the rest are summarised.
const RANKS_LISTED: u32 = 16;

/// What a start is: the job's first, or a restart going back to a checkpoint.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Start {
    /// The worker group is being restarted after a failure.
    pub restart: bool,
    /// The checkpoint step a restart resumes from (none saved yet: `None`).
    pub resume: Option<u64>,
    /// Steps logged before the failure that will be done again.
    pub repeated: u64,
    /// When the launch (or the restart) began, job seconds.
    pub began: f64,
}

/// Runs one part of the start.
pub(crate) fn run(
    phase: SetupPhase,
    out: &mut Emitter,
    plan: &RunPlan,
    start: &Start,
    rng: &mut ChaCha8Rng,
) {
    match phase {
        SetupPhase::Prompt => prompt(out, rng),
        SetupPhase::Startup => startup(out, rng),
        SetupPhase::Model => model(out, plan, start, rng),
        SetupPhase::Tokenizer => {
            out.emit(Event::Tokenizer);
            out.pause(rng.random_range(0.8..2.0));
        }
        SetupPhase::Data => data(out, plan, rng),
        SetupPhase::Distributed => distributed(out, plan, start, rng),
        SetupPhase::AllReduce => allreduce_test(out, plan, rng),
        SetupPhase::Restore => restore(out, plan, start, rng),
    }
}

/// The shell prompt with the launch command and the launcher's banner.
fn prompt(out: &mut Emitter, rng: &mut ChaCha8Rng) {
    out.pause(rng.random_range(0.6..1.4));
    out.emit(Event::Launch);
    out.pause(rng.random_range(1.0..2.5));
    out.emit(Event::LauncherBanner);
    out.pause(rng.random_range(2.0..4.0));
}

/// The script's summary of its configuration.
fn startup(out: &mut Emitter, rng: &mut ChaCha8Rng) {
    out.emit(Event::JobInfo);
    out.pause(0.15);
    out.emit(Event::ConfigInfo);
    out.pause(0.1);
    out.emit(Event::ParallelismInfo);
    out.pause(0.1);
    out.emit(Event::OptimizerInfo);
    out.pause(0.1);
    out.emit(Event::ScheduleInfo);
    out.pause(rng.random_range(0.5..1.2));
}

/// Model summary, and for a fine-tune the published weights, shard by shard (from the node's
/// cache after a restart, faster).
fn model(out: &mut Emitter, plan: &RunPlan, start: &Start, rng: &mut ChaCha8Rng) {
    out.emit(Event::ModelLoading);
    out.pause(rng.random_range(0.4..1.0));
    out.emit(Event::Architecture);
    out.pause(0.2);
    out.emit(Event::ParameterCount);
    out.pause(0.3);
    if plan.kind == JobKind::FineTune {
        // Every node reads the weights from shared storage; per-node rate 1.5-6 GB/s.
        let total = plan.weight_bytes();
        let rate = rng.random_range(1.5e9..6.0e9) * if start.restart { 3.0 } else { 1.0 };
        let secs = total / rate;
        let updates = (secs / 0.5).ceil().clamp(4.0, 2000.0) as u32;
        let shard_bytes = total / plan.shards as f64;
        for u in 1..=updates {
            let frac = u as f64 / updates as f64;
            out.pause(secs / updates as f64);
            let done = total * frac;
            let shard = ((done / shard_bytes) as u32).min(plan.shards - 1);
            let inst = rate * rng.random_range(0.9..1.1);
            out.emit(Event::WeightsProgress {
                frac,
                done,
                rate: inst,
                eta: (total - done) / inst,
                shard,
            });
        }
        out.emit(Event::WeightsLoaded { secs, rate });
        out.pause(rng.random_range(0.5..1.0));
    }
    out.emit(Event::ModelWrapped);
    out.pause(rng.random_range(0.2..0.6));
    out.emit(Event::MemoryEstimate);
    out.pause(rng.random_range(0.3..0.8));
}

/// The dataset, all numbers consistent with the batch plan: an epoch of pretraining reads part
/// of its corpus, a fine-tune's epoch is the whole instruction set.
fn data(out: &mut Emitter, plan: &RunPlan, rng: &mut ChaCha8Rng) {
    let d = &plan.dataset;
    let documents = if plan.kind == JobKind::FineTune {
        d.documents
    } else {
        let tokens = plan.epoch_samples as f64 * plan.seq_len as f64;
        (tokens / (d.tokens / d.documents)).min(d.documents)
    };
    out.emit(Event::DatasetLoading);
    out.pause(rng.random_range(20.0..90.0));
    out.emit(Event::DatasetReady {
        documents: documents.round() as u64,
    });
    out.pause(0.2);
    out.emit(Event::BatchInfo);
    out.pause(rng.random_range(0.5..1.0));
}

/// Restoring state: a resumed job (or a restart with a checkpoint) loads its distributed
/// checkpoint, a job from scratch has initialised its weights.
fn restore(out: &mut Emitter, plan: &RunPlan, start: &Start, rng: &mut ChaCha8Rng) {
    let resume = if start.restart {
        start.resume
    } else {
        (plan.kind == JobKind::Resume).then_some(plan.start_step)
    };
    match resume {
        Some(step) => load_checkpoint(out, plan, step, rng),
        None if start.restart || plan.kind == JobKind::Scratch => out.emit(Event::NoCheckpoint {
            restart: start.restart,
        }),
        None => {}
    }
    if start.restart && start.repeated > 0 {
        out.emit(Event::StepsRepeated {
            steps: start.repeated,
        });
    }
    out.pause(rng.random_range(0.3..1.0));
}

/// Reads a sharded checkpoint back: every rank its own file, at 1.5x the write bandwidth.
fn load_checkpoint(out: &mut Emitter, plan: &RunPlan, step: u64, rng: &mut ChaCha8Rng) {
    let rate = plan.storage_bps * 1.5 * rng.random_range(0.85..1.1);
    let secs = (plan.weight_bytes() + plan.optimizer_bytes()) / rate;
    out.emit(Event::CheckpointLoading { step });
    let files = plan.world();
    let updates = (secs / 0.5).ceil().clamp(4.0, 2000.0) as u32;
    for u in 1..=updates {
        out.pause(secs / updates as f64);
        let frac = u as f64 / updates as f64;
        out.emit(Event::CheckpointProgress {
            frac,
            files_done: ((frac * files as f64) as u32).min(files),
            files,
        });
    }
    out.emit(Event::CheckpointLoaded { step, secs });
}

/// The NCCL (or RCCL) version a job's stack ships: one per plan, so a restarted job prints the
/// version it printed before.
fn nccl_version(plan: &RunPlan) -> &'static str {
    let versions: &[&'static str] = if plan.gpu.collectives == Collectives::Rccl {
        &["2.20.5+hip6.2"]
    } else if plan.gpu.peak_tflops >= 2000.0 {
        // Blackwell needs CUDA 12.8 and NCCL 2.25 or later.
        &["2.25.1+cuda12.8", "2.26.2+cuda12.8", "2.27.3+cuda12.9"]
    } else {
        &["2.21.5+cuda12.4", "2.20.5+cuda12.4", "2.23.4+cuda12.6"]
    };
    let u = step_noise(plan.noise_seed, 0, NCCL_SALT);
    versions[((u * versions.len() as f64) as usize).min(versions.len() - 1)]
}

/// Salt of the plan's noise that picks its NCCL version.
const NCCL_SALT: u64 = 0x4e43_434c;

/// NCCL bootstrap, per-rank GPU detection and communicator init.
fn distributed(out: &mut Emitter, plan: &RunPlan, start: &Start, rng: &mut ChaCha8Rng) {
    let world = plan.world();
    let version = nccl_version(plan);
    out.emit(Event::ProcessGroupInit {
        restart: start.restart,
    });
    out.pause(rng.random_range(1.0..2.5));
    out.emit(Event::NcclBootstrap { version });
    out.pause(0.3);
    out.emit(Event::NcclNetIb);
    out.pause(0.4);
    let shown = world.min(RANKS_LISTED);
    for rank in 0..shown {
        out.pause(rng.random_range(0.01..0.05));
        out.emit(Event::RankDetected { rank });
    }
    if world > shown {
        out.pause(0.2);
        out.emit(Event::MoreRanks { shown });
    }
    out.pause(rng.random_range(0.5..1.5));
    communicator(out, plan, rng);
    out.pause(rng.random_range(5.0..30.0));
    out.emit(Event::DistReady {
        init_secs: out.job - start.began,
    });
}

/// One communicator's lines, from `Init START` to `Init COMPLETE`.
fn communicator(out: &mut Emitter, plan: &RunPlan, rng: &mut ChaCha8Rng) {
    let comm = rng.random_range(0x5500_0000_0000u64..0x56ff_ffff_ffffu64);
    let comm_id: u64 = rng.random();
    let nccl = |out: &mut Emitter, line| {
        out.emit(Event::Nccl {
            line,
            comm,
            comm_id,
        })
    };
    nccl(out, NcclLine::InitStart);
    out.pause(rng.random_range(0.4..1.0));
    nccl(out, NcclLine::CommInfo);
    for ch in 0..2 {
        nccl(out, NcclLine::Ring(ch));
        out.pause(0.05);
    }
    for ch in 0..2 {
        nccl(out, NcclLine::P2p(ch));
        out.pause(0.05);
    }
    if plan.nodes > 1 {
        nccl(out, NcclLine::Net);
    }
    out.pause(rng.random_range(0.3..0.8));
    nccl(out, NcclLine::ConnectedRings);
    out.pause(0.1);
    nccl(out, NcclLine::ConnectedTrees);
    out.pause(rng.random_range(0.2..0.6));
    nccl(out, NcclLine::InitComplete);
}

/// An nccl-tests style AllReduce check, bandwidth consistent with the interconnect.
fn allreduce_test(out: &mut Emitter, plan: &RunPlan, rng: &mut ChaCha8Rng) {
    let n = plan.world() as f64;
    out.emit(Event::AllReduceStarted);
    out.pause(rng.random_range(0.5..1.2));
    out.emit(Event::AllReduceHeader);
    let mut sum = 0.0;
    let sizes = [64.0e6_f64, 256.0e6, 1.0e9, 4.0e9];
    for &size in &sizes {
        let busbw = plan.busbw(size) * rng.random_range(0.97..1.02);
        let algbw = busbw / (2.0 * (n - 1.0) / n);
        let time_us = size / (algbw * 1e9) * 1e6;
        sum += busbw;
        // nccl-tests runs 20 timed iterations and a warm-up per size.
        out.pause(time_us / 1e6 * 25.0 + rng.random_range(0.2..0.6));
        out.emit(Event::AllReduceRow {
            bytes: size,
            time_us,
            algbw,
            busbw,
        });
    }
    let avg = sum / sizes.len() as f64;
    out.emit(Event::AllReduceDone {
        avg_busbw: avg,
        slow: avg < plan.busbw(4.0e9) * 0.5,
    });
    out.pause(rng.random_range(0.5..1.2));
}
