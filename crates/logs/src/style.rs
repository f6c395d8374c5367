//! The [`LogStyle`] trait: one method per thing the job does, as alacritty's `Handler` has one
//! per terminal operation. The default methods hold the wording every tool shares (the shell,
//! torchrun, NCCL, incidents); a style overrides what its tool prints differently. Moments
//! only the plain training script reports (its own summary lines, GPU detection, the
//! AllReduce check) are silent by default: the real frameworks print nothing there, or their
//! own lines.

use sim::{NcclLine, RunTotals};
use term::StyledLine;

use crate::level::{Level, RankTag};
use crate::shared::{incidents, launcher, nccl, restore, training};
use crate::writer::{LastStep, Writer};

/// One framework's way of writing the run.
pub trait LogStyle: Sync {
    /// The training script the launcher starts.
    fn script(&self) -> &'static str;

    /// Appends the logger prefix (timestamp, level, rank) of a line to `line`.
    fn prefix(&self, w: &Writer, level: Level, rank: RankTag, line: &mut StyledLine);

    /// The line a logged step prints.
    fn step_line(&self, w: &Writer, last: &LastStep) -> StyledLine;

    /// The progress bars kept under the log after each step (none: the tool prints no tqdm).
    fn bars(&self, _w: &Writer, _last: &LastStep) -> Vec<StyledLine> {
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

    // The training script's own summary of its configuration.

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
        w: &mut Writer,
        frac: f64,
        done: f64,
        rate: f64,
        eta: f64,
        shard: u32,
    ) {
        training::weights_progress(w, frac, done, rate, eta, shard);
    }
    /// The weights are read, in `secs` at `rate` bytes/s on average.
    fn weights_loaded(&self, w: &mut Writer, secs: f64, rate: f64) {
        training::weights_loaded(w, secs, rate);
    }

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
    /// NCCL's InfiniBand devices.
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
    /// Distributed init took `init_secs` since the launch.
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
    /// Peak memory per GPU is estimated.
    fn memory_estimate(&self, _w: &mut Writer) {}

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
    fn epoch_finished(&self, w: &mut Writer, epoch: u64, step: u64) {
        training::epoch_finished(w, epoch, step);
    }
    /// Validation begins.
    fn validation_started(&self, _w: &mut Writer) {}
    /// Validation has `done` of `total` batches.
    fn validation_progress(&self, w: &mut Writer, done: u32, total: u32) {
        training::validation_progress(w, done, total);
    }
    /// Validation at `step` gave `loss` over `batches` batches in `secs`.
    fn validation_finished(&self, w: &mut Writer, step: u64, loss: f64, secs: f64, batches: u32) {
        training::validation_finished(w, step, loss, secs, batches);
    }
    /// A checkpoint of `step` is being saved.
    fn checkpoint_started(&self, w: &mut Writer, step: u64) {
        training::checkpoint_started(w, step);
    }
    /// The checkpoint of `step` is written, in `secs` at `rate` bytes/s.
    fn checkpoint_saved(&self, w: &mut Writer, step: u64, secs: f64, rate: f64) {
        training::checkpoint_saved(w, step, secs, rate);
    }

    // Incidents.

    /// `rank` ran out of memory asking for `alloc_gib` with `free_gib` free.
    fn out_of_memory(&self, w: &mut Writer, rank: u32, alloc_gib: f64, free_gib: f64) {
        incidents::out_of_memory(w, rank, alloc_gib, free_gib);
    }
    /// Retrying with a smaller micro batch than `old_micro_batch` (the plan is revised).
    fn oom_retry(&self, w: &mut Writer, old_micro_batch: u32) {
        incidents::oom_retry(w, old_micro_batch);
    }
    /// The loop runs again after the OOM.
    fn oom_recovered(&self, w: &mut Writer) {
        incidents::oom_recovered(w);
    }
    /// `rank` is `reported` times slower than the median.
    fn straggler(&self, w: &mut Writer, rank: u32, reported: f64) {
        incidents::straggler(w, rank, reported);
    }
    /// `rank` is back to normal speed.
    fn straggler_recovered(&self, w: &mut Writer, rank: u32) {
        incidents::straggler_recovered(w, rank);
    }
    /// fp16 overflow at `step`: `scale` was too large, `new_scale` from now on.
    fn fp16_overflow(&self, w: &mut Writer, step: u64, scale: f64, new_scale: f64) {
        incidents::fp16_overflow(w, step, scale, new_scale);
    }
    /// The loss jumped from `before` to `after` at `step`.
    fn loss_spike(&self, w: &mut Writer, step: u64, before: f64, after: f64, grad_norm: f64) {
        incidents::loss_spike(w, step, before, after, grad_norm);
    }
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
    /// The launcher sees `rank` die (it failed at job seconds `failed_at`).
    fn worker_failed(&self, w: &mut Writer, rank: u32, failed_at: f64) {
        launcher::worker_failed(w, rank, failed_at);
    }
    /// The launcher restarts the worker group (`restart` of `max`).
    fn worker_group_restart(&self, w: &mut Writer, restart: u32, max: u32) {
        launcher::worker_group_restart(w, restart, max);
    }

    // Restoring state.

    /// Loading the checkpoint of `step`.
    fn checkpoint_loading(&self, w: &mut Writer, step: u64) {
        restore::checkpoint_loading(w, step);
    }
    /// `frac` of the checkpoint read, `files_done` of `files` rank files.
    fn checkpoint_progress(&self, w: &mut Writer, frac: f64, files_done: u32, files: u32) {
        restore::checkpoint_progress(w, frac, files_done, files);
    }
    /// The checkpoint of `step` is loaded, in `secs`.
    fn checkpoint_loaded(&self, w: &mut Writer, step: u64, secs: f64) {
        restore::checkpoint_loaded(w, step, secs);
    }
    /// No checkpoint to resume from: at the launch (training from scratch) or after a
    /// `restart`.
    fn no_checkpoint(&self, w: &mut Writer, restart: bool) {
        restore::no_checkpoint(w, restart);
    }
    /// `steps` steps are done again after resuming.
    fn steps_repeated(&self, w: &mut Writer, steps: u64) {
        restore::steps_repeated(w, steps);
    }

    // The end of a job.

    /// The schedule is done: `totals`, the last step's loss, seconds since the first step.
    fn run_finished(&self, w: &mut Writer, totals: &RunTotals, final_loss: f64, wall: f64) {
        training::run_summary(w, totals, final_loss, wall);
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
