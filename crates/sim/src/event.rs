//! What the simulated job does, as typed events: the simulation decides *what* happens and
//! *when*; a log style decides how it reads on a console.

use std::sync::Arc;
use std::time::Duration;

use crate::plan::RunPlan;

/// An event at a moment of the job's clock.
#[derive(Clone, Debug, PartialEq)]
pub struct Timed {
    /// Job time since the simulation's start (what timestamps print, and when it shows).
    pub at: Duration,
    /// What happened.
    pub event: Event,
}

impl Timed {
    /// Job seconds since the start.
    pub fn secs(&self) -> f64 {
        self.at.as_secs_f64()
    }
}

/// Numbers of one optimizer step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepStats {
    /// Step number (1-based).
    pub step: u64,
    /// Training loss.
    pub loss: f64,
    /// Learning rate.
    pub lr: f64,
    /// Gradient norm before clipping.
    pub grad_norm: f64,
    /// Tokens per second per GPU.
    pub tps: f64,
    /// Achieved TFLOPS per GPU.
    pub tflops: f64,
    /// Model FLOPs utilisation.
    pub mfu: f64,
    /// Real seconds this step took.
    pub step_time: f64,
}

/// Totals for the end-of-run summary.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunTotals {
    /// Job seconds at the first training step.
    pub train_start: f64,
    /// Sum of per-step MFU.
    pub mfu_sum: f64,
    /// Sum of the losses the steps reported.
    pub loss_sum: f64,
    /// Steps counted in `mfu_sum` (repeated steps included).
    pub steps_run: u64,
    /// Checkpoints written.
    pub checkpoints: u32,
    /// Watchdog restarts.
    pub restarts: u32,
    /// Best validation loss.
    pub best_val: Option<f64>,
    /// fp16 steps skipped for overflow.
    pub skipped: u64,
}

/// A line NCCL prints while building a communicator (the same under every framework).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NcclLine {
    /// `ncclCommInitRank ... Init START`.
    InitStart,
    /// The communicator's rank/node summary.
    CommInfo,
    /// Ring channel `n` with its rank order.
    Ring(u32),
    /// Intra-node peer-to-peer channel `n`.
    P2p(u32),
    /// Inter-node receive and send channels (multi-node jobs only).
    Net,
    /// `Connected all rings`.
    ConnectedRings,
    /// `Connected all trees`.
    ConnectedTrees,
    /// `ncclCommInitRank ... Init COMPLETE`.
    InitComplete,
}

/// Something the job did.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A run begins with this plan (every later event of the run refers to it).
    RunStarted {
        /// 0-based run number since the simulation started.
        run: u64,
        /// The plan.
        plan: Arc<RunPlan>,
    },
    /// The shell prompt with the launch command.
    Launch,
    /// The launcher's start-up warning banner.
    LauncherBanner,
    /// Job id and cluster shape.
    JobInfo,
    /// Model, precision and batch configuration.
    ConfigInfo,
    /// Data, tensor and pipeline parallel degrees.
    ParallelismInfo,
    /// Optimizer settings.
    OptimizerInfo,
    /// Learning-rate schedule and epochs.
    ScheduleInfo,
    /// The model is being built.
    ModelLoading,
    /// Architecture summary.
    Architecture,
    /// Parameter count.
    ParameterCount,
    /// Parallelisms and checkpointing applied to the model.
    ModelWrapped,
    /// Weight loading progress.
    WeightsProgress {
        /// Fraction done.
        frac: f64,
        /// Bytes read so far.
        done: f64,
        /// Instantaneous read rate, bytes/s.
        rate: f64,
        /// Seconds left at that rate.
        eta: f64,
        /// 0-based shard being read.
        shard: u32,
    },
    /// All weight shards read.
    WeightsLoaded {
        /// Seconds it took.
        secs: f64,
        /// Average rate, bytes/s.
        rate: f64,
    },
    /// Tokenizer loaded.
    Tokenizer,
    /// The dataset starts streaming.
    DatasetLoading,
    /// The dataset is indexed and packed.
    DatasetReady {
        /// Documents that fill one epoch's samples.
        documents: u64,
    },
    /// How the global batch is made up.
    BatchInfo,
    /// The process group is created (again, after a restart).
    ProcessGroupInit {
        /// Part of a restart after a failure.
        restart: bool,
    },
    /// NCCL's bootstrap interface and version.
    NcclBootstrap {
        /// Library version string.
        version: &'static str,
    },
    /// NCCL's InfiniBand devices.
    NcclNetIb,
    /// A rank reports its GPU.
    RankDetected {
        /// Global rank.
        rank: u32,
    },
    /// Ranks not listed one by one.
    MoreRanks {
        /// Ranks listed.
        shown: u32,
    },
    /// A communicator line.
    Nccl {
        /// Which line.
        line: NcclLine,
        /// Communicator address.
        comm: u64,
        /// Communicator id.
        comm_id: u64,
    },
    /// Distributed init finished.
    DistReady {
        /// Seconds since the launch.
        init_secs: f64,
    },
    /// The AllReduce sanity check starts.
    AllReduceStarted,
    /// Its table header.
    AllReduceHeader,
    /// One message size measured.
    AllReduceRow {
        /// Message bytes.
        bytes: f64,
        /// Time, microseconds.
        time_us: f64,
        /// Algorithm bandwidth, GB/s.
        algbw: f64,
        /// Bus bandwidth, GB/s.
        busbw: f64,
    },
    /// The check's verdict.
    AllReduceDone {
        /// Average bus bandwidth, GB/s.
        avg_busbw: f64,
        /// Below half of what the fabric should carry.
        slow: bool,
    },
    /// Peak memory estimate per GPU.
    MemoryEstimate,
    /// The training loop starts (again, after a restart).
    TrainingStarted {
        /// The last step done before it: the loop runs from the next one.
        from_step: u64,
    },
    /// A rank ran out of memory at the first step.
    OutOfMemory {
        /// Failing rank.
        rank: u32,
        /// GiB the failing allocation asked for.
        alloc_gib: f64,
        /// GiB free on the device.
        free_gib: f64,
    },
    /// Retrying with a smaller micro batch; the plan changed.
    OomRetry {
        /// Micro batch that failed.
        old_micro_batch: u32,
        /// The revised plan.
        plan: Arc<RunPlan>,
    },
    /// The loop runs again after the OOM.
    OomRecovered,
    /// A straggling rank is back to normal speed.
    StragglerRecovered {
        /// The rank.
        rank: u32,
    },
    /// fp16 loss-scale overflow: the step is skipped.
    Fp16Overflow {
        /// Step.
        step: u64,
        /// Scale attempted.
        scale: f64,
        /// Scale from now on.
        new_scale: f64,
    },
    /// A loss spike.
    LossSpike {
        /// Step.
        step: u64,
        /// Loss before.
        before: f64,
        /// Loss now.
        after: f64,
        /// Gradient norm now.
        grad_norm: f64,
    },
    /// A gradient-norm spike that clipping caught.
    GradSpike {
        /// Step.
        step: u64,
        /// Gradient norm.
        grad_norm: f64,
    },
    /// A slow rank.
    Straggler {
        /// The rank.
        rank: u32,
        /// Slowdown reported by the monitor.
        reported: f64,
    },
    /// An optimizer step finished.
    StepFinished {
        /// Its numbers.
        stats: StepStats,
        /// Whether the job logs this step's metrics (its logging interval).
        logged: bool,
        /// Current fp16 loss scale (1 for bf16).
        loss_scale: f64,
        /// Steps skipped for overflow so far.
        skipped: u64,
        /// Job seconds at the first training step.
        train_start: f64,
    },
    /// An epoch ended.
    EpochFinished {
        /// 1-based epoch.
        epoch: u64,
        /// Step.
        step: u64,
    },
    /// Validation begins.
    ValidationStarted,
    /// Validation progress.
    ValidationProgress {
        /// Batches done.
        done: u32,
        /// Batches in all.
        total: u32,
    },
    /// Validation result.
    ValidationFinished {
        /// Step.
        step: u64,
        /// Validation loss (rounded to 4 places, as printed).
        loss: f64,
        /// Seconds it took.
        secs: f64,
        /// Batches evaluated.
        batches: u32,
    },
    /// A checkpoint save begins.
    CheckpointStarted {
        /// Step.
        step: u64,
    },
    /// The checkpoint is written.
    CheckpointSaved {
        /// Step.
        step: u64,
        /// Seconds it took.
        secs: f64,
        /// Write rate, bytes/s.
        rate: f64,
    },
    /// A collective hangs: progress output stops.
    Hang,
    /// The NCCL watchdog times the collective out.
    WatchdogTimeout {
        /// Rank that reports it.
        rank: u32,
        /// Collective sequence number.
        seq: u64,
        /// Elements in the collective.
        numel: u64,
    },
    /// The transport error behind it.
    NcclPeerError {
        /// Rank whose peer failed.
        rank: u32,
    },
    /// The launcher sees a worker die.
    WorkerFailed {
        /// Failed rank.
        rank: u32,
        /// Job seconds when it failed.
        failed_at: f64,
    },
    /// The launcher restarts the worker group.
    WorkerGroupRestart {
        /// Restart number (1-based).
        restart: u32,
        /// Restarts allowed.
        max: u32,
        /// The rank that failed.
        rank: u32,
    },
    /// Loading the last checkpoint.
    CheckpointLoading {
        /// Its step.
        step: u64,
    },
    /// Part of a checkpoint read back.
    CheckpointProgress {
        /// Fraction read.
        frac: f64,
        /// Rank files read completely.
        files_done: u32,
        /// Rank files in the checkpoint (one per rank).
        files: u32,
    },
    /// Checkpoint loaded.
    CheckpointLoaded {
        /// Its step.
        step: u64,
        /// Seconds it took.
        secs: f64,
    },
    /// No checkpoint to resume from.
    NoCheckpoint {
        /// After a restart (else at the launch of a job from scratch).
        restart: bool,
    },
    /// Steps to do again after resuming.
    StepsRepeated {
        /// How many.
        steps: u64,
    },
    /// The run finished.
    RunFinished {
        /// Totals.
        totals: RunTotals,
        /// Loss of the last step.
        final_loss: f64,
        /// Job seconds since the first training step.
        wall: f64,
    },
    /// The scheduler's time limit stopped the job before its schedule ended.
    TimeLimit,
    /// torchrun used up its restarts: the job failed (the scheduler requeues it).
    JobFailed {
        /// The rank that failed last.
        rank: u32,
        /// Job seconds when it failed.
        failed_at: f64,
    },
    /// The pause between runs.
    RunGap,
}
