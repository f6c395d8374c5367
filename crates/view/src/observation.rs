//! What a viewer learns from a log: the vocabulary the run view is fed with.

use crate::phase::Phase;

/// What the job says about itself (its launch, configuration and setup lines), or what a
/// monitoring stack knows of its configuration. Parsed logs may leave much unknown.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JobCard {
    /// Scheduler job id.
    pub job_id: Option<String>,
    /// Model name.
    pub model: Option<String>,
    /// Nodes (0 when unknown).
    pub nodes: u32,
    /// GPUs per node (0 when unknown).
    pub gpus_per_node: u32,
    /// Accelerator name.
    pub gpu: Option<String>,
    /// Accelerator memory, GiB.
    pub gpu_memory_gib: Option<f64>,
    /// Planned peak memory per GPU in training, GiB.
    pub memory_gib: Option<f64>,
    /// Numeric format (`bf16`).
    pub precision: Option<String>,
    /// Parallel layout, e.g. `dp64 tp8 pp2`.
    pub parallelism: Option<String>,
    /// Dataset name.
    pub dataset: Option<String>,
    /// Optimizer steps in the whole schedule.
    pub total_steps: Option<u64>,
    /// Step the job started from (a resumed checkpoint's; 0 from the start).
    pub start_step: u64,
    /// Tokens per optimizer step.
    pub tokens_per_step: Option<f64>,
    /// Bytes of one checkpoint (weights and optimizer state).
    pub checkpoint_bytes: Option<f64>,
}

impl JobCard {
    /// GPUs in the job (0 when unknown).
    pub fn gpus(&self) -> u32 {
        self.nodes * self.gpus_per_node
    }
}

/// The numbers one logged step reports (what its line prints; unknown fields `None`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StepPoint {
    /// Step number.
    pub step: u64,
    /// Training loss.
    pub loss: Option<f64>,
    /// Learning rate.
    pub lr: Option<f64>,
    /// Gradient norm.
    pub grad_norm: Option<f64>,
    /// Tokens per second per GPU.
    pub tps: Option<f64>,
    /// Model FLOPs utilisation, 0-1.
    pub mfu: Option<f64>,
    /// Seconds per step.
    pub step_time: Option<f64>,
    /// Memory per GPU the line reports, GiB.
    pub memory_gib: Option<f64>,
}

/// Something that went wrong, as the log reports it.
#[derive(Clone, Debug, PartialEq)]
pub enum Incident {
    /// The loss jumped at a step.
    LossSpike {
        /// The step.
        step: u64,
    },
    /// A rank is slower than the median.
    Straggler {
        /// The rank.
        rank: u32,
        /// How many times slower.
        factor: f64,
    },
    /// A rank ran out of GPU memory.
    OutOfMemory {
        /// The rank.
        rank: u32,
    },
    /// A collective timed out on a rank.
    CollectiveTimeout {
        /// The rank.
        rank: u32,
    },
    /// fp16 overflow: a step was skipped.
    Overflow {
        /// The step.
        step: u64,
    },
}

impl Incident {
    /// A short description for panels.
    pub fn describe(&self) -> String {
        match self {
            Incident::LossSpike { step } => format!("loss spike at step {step}"),
            Incident::Straggler { rank, factor } => {
                format!("straggler: rank {rank} {factor:.2}x slower")
            }
            Incident::OutOfMemory { rank } => format!("out of memory on rank {rank}"),
            Incident::CollectiveTimeout { rank } => format!("collective timeout on rank {rank}"),
            Incident::Overflow { step } => format!("fp16 overflow, step {step} skipped"),
        }
    }
}

/// One thing a viewer learns, at a moment.
#[derive(Clone, Debug, PartialEq)]
pub enum Observation {
    /// A new job starts (the view forgets the last one).
    Job(JobCard),
    /// The same job's configuration changed (a smaller micro batch after an OOM).
    JobRevised(JobCard),
    /// What the experiment tracker holds from before this job (a resumed run's curve).
    Earlier {
        /// Logged steps, oldest first.
        points: Vec<StepPoint>,
        /// Validations as (step, loss).
        validations: Vec<(u64, f64)>,
    },
    /// The job entered a phase.
    Phase(Phase),
    /// A step's metrics were logged.
    Step(StepPoint),
    /// A step ran without logging its metrics (the GPUs were busy).
    Busy,
    /// A validation finished.
    Validation {
        /// Its step.
        step: u64,
        /// Validation loss.
        loss: f64,
    },
    /// A checkpoint was written.
    CheckpointSaved {
        /// Its step.
        step: u64,
    },
    /// A straggling rank is back to normal speed.
    StragglerGone,
    /// Something went wrong.
    Incident(Incident),
}
