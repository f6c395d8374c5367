//! The [`LogStyle`] trait: one method per thing the job does, as alacritty's `Handler` has one
//! per terminal operation. The default methods hold what every tool's job prints alike (the
//! shell, srun and torchrun, NCCL's lines, a Python traceback, the scheduler); everything a
//! tool says in its own words is in its module, and the default for it is silence.

use sim::{NcclLine, RunTotals};
use term::StyledLine;

use crate::level::{Level, RankTag};
use crate::progress::Bars;
use crate::shared::{incidents, launcher, nccl, training};
use crate::writer::{LastStep, Writer};

/// One framework's way of writing the run.
pub trait LogStyle: Sync {
    /// The training script the launcher starts (tracebacks and failure tables name it).
    fn script(&self) -> &'static str;

    /// The directory the job is launched from, under the team's home.
    fn workdir(&self, w: &Writer) -> String;

    /// What the launcher runs after `torchrun`'s own flags: the script and its arguments.
    fn launch_args(&self, w: &Writer) -> String;

    /// Appends the logger prefix (timestamp, level, rank) of a line to `line`.
    fn prefix(&self, w: &Writer, level: Level, rank: RankTag, line: &mut StyledLine);

    /// The line a logged step prints.
    fn step_line(&self, w: &Writer, last: &LastStep) -> StyledLine;

    /// The progress bars the tool draws (they are kept up with every event).
    fn bar_kind(&self) -> Bars {
        Bars::None
    }

    /// The description of its evaluation bar (`Some("")`: a bar without one), if it draws one.
    fn eval_bar(&self) -> Option<&'static str> {
        None
    }

    /// The bars kept under the log now (none: the tool prints no tqdm).
    fn bars(&self, _w: &Writer) -> Vec<StyledLine> {
        Vec::new()
    }

    /// Where the checkpoint of a step goes: `<ckpt_dir>/step-N`, the layout of plain PyTorch
    /// and torchtitan (DCP) checkpoints.
    fn checkpoint_dir(&self, w: &Writer, step: u64) -> String {
        format!("{}/step-{step}", w.plan().ckpt_dir)
    }

    // The launch: every job starts from a shell through srun and torchrun.

    /// The shell prompt and the launch command.
    fn launch(&self, w: &mut Writer) {
        launcher::prompt(w);
    }
    /// torchrun's start-up warning banner.
    fn launcher_banner(&self, w: &mut Writer) {
        launcher::banner(w);
    }

    // The script's summary of its configuration.

    /// Job id and cluster shape are known.
    fn job_info(&self, _w: &mut Writer) {}
    /// Model, precision and batch configuration are known.
    fn config_info(&self, _w: &mut Writer) {}
    /// Parallel degrees are set up.
    fn parallelism_info(&self, _w: &mut Writer) {}
    /// The optimizer is configured.
    fn optimizer_info(&self, _w: &mut Writer) {}
    /// The learning-rate schedule is set: only the optional disclosure line by default.
    fn schedule_info(&self, w: &mut Writer) {
        launcher::disclosure(w);
    }

    // The model.

    /// The model is being built (or loaded).
    fn model_loading(&self, _w: &mut Writer) {}
    /// Its architecture is known.
    fn architecture(&self, _w: &mut Writer) {}
    /// Its parameters are counted.
    fn parameter_count(&self, _w: &mut Writer) {}
    /// Parallelisms and checkpointing were applied to it.
    fn model_wrapped(&self, _w: &mut Writer) {}
    /// Published weights are being read: `frac` done, `done` bytes, at `rate` bytes/s,
    /// `eta` seconds left, in `shard` (0-based).
    fn weights_progress(
        &self,
        _w: &mut Writer,
        _frac: f64,
        _done: f64,
        _rate: f64,
        _eta: f64,
        _shard: u32,
    ) {
    }
    /// The weights are read, in `secs` at `rate` bytes/s on average.
    fn weights_loaded(&self, _w: &mut Writer, _secs: f64, _rate: f64) {}
    /// Memory per GPU is known (the model is built).
    fn memory_estimate(&self, _w: &mut Writer) {}

    // The data.

    /// The tokenizer is loaded.
    fn tokenizer(&self, _w: &mut Writer) {}
    /// The dataset starts streaming.
    fn dataset_loading(&self, _w: &mut Writer) {}
    /// The dataset is indexed and packed from `documents` documents.
    fn dataset_ready(&self, _w: &mut Writer, _documents: u64) {}
    /// The global batch's make-up is known.
    fn batch_info(&self, _w: &mut Writer) {}

    // Distributed init.

    /// The process group is created (again, after a `restart`).
    fn process_group_init(&self, _w: &mut Writer, _restart: bool) {}
    /// NCCL's bootstrap interface and library `version`.
    fn nccl_bootstrap(&self, w: &mut Writer, version: &str) {
        nccl::bootstrap(w, version);
    }
    /// NCCL's network devices.
    fn nccl_net_ib(&self, w: &mut Writer) {
        nccl::net_ib(w);
    }
    /// A rank reports its GPU.
    fn rank_detected(&self, _w: &mut Writer, _rank: u32) {}
    /// Ranks beyond the first `shown` are summarised.
    fn more_ranks(&self, _w: &mut Writer, _shown: u32) {}
    /// A communicator line.
    fn nccl(&self, w: &mut Writer, line: NcclLine, comm: u64, comm_id: u64) {
        nccl::communicator(w, line, comm, comm_id);
    }
    /// Distributed init took `init_secs` since the (re)start.
    fn dist_ready(&self, _w: &mut Writer, _init_secs: f64) {}
    /// The AllReduce sanity check starts.
    fn allreduce_started(&self, _w: &mut Writer) {}
    /// Its table header.
    fn allreduce_header(&self, _w: &mut Writer) {}
    /// One message size measured.
    fn allreduce_row(&self, _w: &mut Writer, _bytes: f64, _time_us: f64, _algbw: f64, _busbw: f64) {
    }
    /// The check's verdict: average bus bandwidth, and whether it is too slow.
    fn allreduce_done(&self, _w: &mut Writer, _avg_busbw: f64, _slow: bool) {}

    // Training.

    /// The training loop starts after step `from_step` (0, the job's checkpoint, or the
    /// checkpoint a restart went back to).
    fn training_started(&self, _w: &mut Writer, _from_step: u64) {}
    /// An optimizer step finished (its numbers are the writer's last step); `logged` when
    /// the job logs its metrics.
    fn step_finished(&self, w: &mut Writer, logged: bool) {
        training::step_finished(w, logged);
    }
    /// Epoch `epoch` (1-based) ended at `step`.
    fn epoch_finished(&self, _w: &mut Writer, _epoch: u64, _step: u64) {}
    /// Validation begins.
    fn validation_started(&self, w: &mut Writer) {
        training::redraw_bars(w);
    }
    /// Validation has `done` of `total` batches.
    fn validation_progress(&self, w: &mut Writer, _done: u32, _total: u32) {
        training::redraw_bars(w);
    }
    /// Validation at `step` gave `loss` over `batches` batches in `secs`.
    fn validation_finished(
        &self,
        _w: &mut Writer,
        _step: u64,
        _loss: f64,
        _secs: f64,
        _batches: u32,
    ) {
    }
    /// A checkpoint of `step` is being saved.
    fn checkpoint_started(&self, _w: &mut Writer, _step: u64) {}
    /// The checkpoint of `step` is written, in `secs` at `rate` bytes/s.
    fn checkpoint_saved(&self, _w: &mut Writer, _step: u64, _secs: f64, _rate: f64) {}

    // Incidents.

    /// `rank` ran out of memory asking for `alloc_gib` with `free_gib` free: the traceback.
    fn out_of_memory(&self, w: &mut Writer, rank: u32, alloc_gib: f64, free_gib: f64) {
        incidents::out_of_memory(w, rank, alloc_gib, free_gib);
    }
    /// Retrying with a smaller micro batch than `old_micro_batch` (the plan is revised).
    fn oom_retry(&self, _w: &mut Writer, _old_micro_batch: u32) {}
    /// The loop runs again after the OOM.
    fn oom_recovered(&self, _w: &mut Writer) {}
    /// `rank` is `reported` times slower than the median.
    fn straggler(&self, _w: &mut Writer, _rank: u32, _reported: f64) {}
    /// `rank` is back to normal speed.
    fn straggler_recovered(&self, _w: &mut Writer, _rank: u32) {}
    /// fp16 overflow at `step`: `scale` was too large, `new_scale` from now on (the
    /// frameworks' scalers skip the step silently; Megatron counts it in its next line).
    fn fp16_overflow(&self, _w: &mut Writer, _step: u64, _scale: f64, _new_scale: f64) {}
    /// The loss jumped from `before` to `after` at `step` (no framework announces it).
    fn loss_spike(&self, _w: &mut Writer, _step: u64, _before: f64, _after: f64, _grad_norm: f64) {}
    /// A gradient-norm spike clipping caught: frameworks clip silently, so it shows only in
    /// the step lines.
    fn grad_spike(&self, _w: &mut Writer) {}
    /// A collective hangs: progress output stops.
    fn hang(&self, w: &mut Writer) {
        w.clear_live(&[]);
    }
    /// The NCCL watchdog times collective `seq` of `numel` elements out on `rank`.
    fn watchdog_timeout(&self, w: &mut Writer, rank: u32, seq: u64, numel: u64) {
        nccl::watchdog_timeout(w, rank, seq, numel);
    }
    /// The transport error behind it, on `rank`.
    fn nccl_peer_error(&self, w: &mut Writer, rank: u32) {
        nccl::peer_error(w, rank);
    }
    /// The launcher sees `rank` die (it died at job seconds `failed_at`).
    fn worker_failed(&self, w: &mut Writer, rank: u32, failed_at: f64) {
        launcher::worker_failed(w, rank, failed_at);
    }
    /// The launcher restarts the worker group (`restart` of `max`).
    fn worker_group_restart(&self, w: &mut Writer, restart: u32, max: u32) {
        launcher::worker_group_restart(w, restart, max);
    }

    // Restoring state.

    /// Loading the checkpoint of `step`.
    fn checkpoint_loading(&self, _w: &mut Writer, _step: u64) {}
    /// `frac` of the checkpoint read, `files_done` of `files` rank files.
    fn checkpoint_progress(&self, _w: &mut Writer, _frac: f64, _files_done: u32, _files: u32) {}
    /// The checkpoint of `step` is loaded, in `secs`.
    fn checkpoint_loaded(&self, _w: &mut Writer, _step: u64, _secs: f64) {}
    /// No checkpoint to resume from: at the launch (training from scratch) or after a
    /// `restart`.
    fn no_checkpoint(&self, _w: &mut Writer, _restart: bool) {}
    /// `steps` logged steps are done again after resuming.
    fn steps_repeated(&self, _w: &mut Writer, _steps: u64) {}

    // The end of a job.

    /// The schedule is done: `totals`, the last step's loss, seconds since the first step.
    fn run_finished(&self, w: &mut Writer, _totals: &RunTotals, _final_loss: f64, _wall: f64) {
        w.clear_live(&[]);
    }
    /// The scheduler's time limit stopped the job.
    fn time_limit(&self, w: &mut Writer) {
        launcher::time_limit(w);
    }
    /// torchrun used up its restarts; `rank` failed last, at job seconds `failed_at`.
    fn job_failed(&self, w: &mut Writer, rank: u32, failed_at: f64) {
        launcher::job_failed(w, rank, failed_at);
    }
    /// The pause before the next job.
    fn run_gap(&self, w: &mut Writer) {
        w.print(StyledLine::new());
    }
}
