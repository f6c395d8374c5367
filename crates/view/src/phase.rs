//! Where a job is, as its log and its monitoring show it.

/// The phase of the job on screen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Phase {
    /// Between jobs: the last one ended, the next is queued.
    Queued,
    /// The launcher started the job: processes come up, the model is built.
    Launching,
    /// Published weights are being read (`frac` done).
    LoadingWeights {
        /// Fraction read.
        frac: f64,
    },
    /// The tokenizer and the dataset are being prepared.
    LoadingData,
    /// The process group and NCCL's communicators are being set up.
    InitNccl,
    /// A checkpoint is being read back (`frac` done).
    LoadingCheckpoint {
        /// Fraction read.
        frac: f64,
    },
    /// Optimizer steps are running.
    Training,
    /// A validation pass: `done` of `total` batches.
    Validating {
        /// Batches done.
        done: u32,
        /// Batches in all.
        total: u32,
    },
    /// A checkpoint is being written.
    Saving {
        /// Its step.
        step: u64,
    },
    /// Progress stopped: a collective hangs.
    Hung,
    /// A worker died (out of memory, a collective timed out).
    Crashed,
    /// The launcher restarts the workers: attempt `attempt` of `max` (0 when not counted).
    Restarting {
        /// Attempt number, 1-based.
        attempt: u32,
        /// Attempts allowed.
        max: u32,
    },
    /// The scheduler's time limit ended the job.
    Cancelled,
    /// The job failed for good (restarts used up).
    Failed,
    /// The schedule is done.
    Finished,
}

impl Phase {
    /// A short label for panels.
    pub fn label(&self) -> String {
        match *self {
            Phase::Queued => "next job queued".into(),
            Phase::Launching => "launching".into(),
            Phase::LoadingWeights { frac } => format!("loading weights {:.0}%", frac * 100.0),
            Phase::LoadingData => "loading data".into(),
            Phase::InitNccl => "NCCL init".into(),
            Phase::LoadingCheckpoint { frac } => {
                format!("loading checkpoint {:.0}%", frac * 100.0)
            }
            Phase::Training => "training".into(),
            Phase::Validating { done, total } => format!("validating {done}/{total}"),
            Phase::Saving { step } => format!("saving checkpoint (step {step})"),
            Phase::Hung => "hung: no progress".into(),
            Phase::Crashed => "crashed".into(),
            Phase::Restarting { attempt, max } if max > 0 => {
                format!("restarting ({attempt}/{max})")
            }
            Phase::Restarting { .. } => "restarting".into(),
            Phase::Cancelled => "cancelled (time limit)".into(),
            Phase::Failed => "failed".into(),
            Phase::Finished => "finished".into(),
        }
    }

    /// Whether the GPUs are computing in this phase (training or evaluating).
    pub fn computing(&self) -> bool {
        matches!(self, Phase::Training | Phase::Validating { .. })
    }

    /// Whether the job's processes are alive (they hold GPU memory).
    pub fn alive(&self) -> bool {
        !matches!(
            self,
            Phase::Queued
                | Phase::Crashed
                | Phase::Restarting { .. }
                | Phase::Cancelled
                | Phase::Failed
                | Phase::Finished
        )
    }
}
