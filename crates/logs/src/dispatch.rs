//! From a typed event to the style method that words it.

use sim::Event;

use crate::style::LogStyle;
use crate::writer::Writer;

/// Writes one event in a style: the setup's events, then the training loop's.
pub(crate) fn write(s: &dyn LogStyle, ev: &Event, w: &mut Writer) {
    if !setup(s, ev, w) {
        training(s, ev, w);
    }
}

/// The events of a job's start; false for any other.
fn setup(s: &dyn LogStyle, ev: &Event, w: &mut Writer) -> bool {
    match ev {
        Event::RunStarted { .. } => {}
        Event::Launch => s.launch(w),
        Event::LauncherBanner => s.launcher_banner(w),
        Event::JobInfo => s.job_info(w),
        Event::ConfigInfo => s.config_info(w),
        Event::ParallelismInfo => s.parallelism_info(w),
        Event::OptimizerInfo => s.optimizer_info(w),
        Event::ScheduleInfo => s.schedule_info(w),
        Event::ModelLoading => s.model_loading(w),
        Event::Architecture => s.architecture(w),
        Event::ParameterCount => s.parameter_count(w),
        Event::ModelWrapped => s.model_wrapped(w),
        &Event::WeightsProgress {
            frac,
            done,
            rate,
            eta,
            shard,
        } => s.weights_progress(w, frac, done, rate, eta, shard),
        &Event::WeightsLoaded { secs, rate } => s.weights_loaded(w, secs, rate),
        Event::Tokenizer => s.tokenizer(w),
        Event::DatasetLoading => s.dataset_loading(w),
        &Event::DatasetReady { documents } => s.dataset_ready(w, documents),
        Event::BatchInfo => s.batch_info(w),
        &Event::ProcessGroupInit { restart } => s.process_group_init(w, restart),
        Event::NcclBootstrap { version } => s.nccl_bootstrap(w, version),
        Event::NcclNetIb => s.nccl_net_ib(w),
        &Event::RankDetected { rank } => s.rank_detected(w, rank),
        &Event::MoreRanks { shown } => s.more_ranks(w, shown),
        &Event::Nccl {
            line,
            comm,
            comm_id,
        } => s.nccl(w, line, comm, comm_id),
        &Event::DistReady { init_secs } => s.dist_ready(w, init_secs),
        Event::AllReduceStarted => s.allreduce_started(w),
        Event::AllReduceHeader => s.allreduce_header(w),
        &Event::AllReduceRow {
            bytes,
            time_us,
            algbw,
            busbw,
        } => s.allreduce_row(w, bytes, time_us, algbw, busbw),
        &Event::AllReduceDone { avg_busbw, slow } => s.allreduce_done(w, avg_busbw, slow),
        Event::MemoryEstimate => s.memory_estimate(w),
        &Event::CheckpointLoading { step } => s.checkpoint_loading(w, step),
        &Event::CheckpointProgress {
            frac,
            files_done,
            files,
        } => s.checkpoint_progress(w, frac, files_done, files),
        &Event::CheckpointLoaded { step, secs } => s.checkpoint_loaded(w, step, secs),
        &Event::NoCheckpoint { restart } => s.no_checkpoint(w, restart),
        _ => return false,
    }
    true
}

/// The events of the training loop, its incidents and its end.
fn training(s: &dyn LogStyle, ev: &Event, w: &mut Writer) {
    match ev {
        &Event::TrainingStarted { from_step } => s.training_started(w, from_step),
        &Event::StepFinished { logged, .. } => s.step_finished(w, logged),
        &Event::EpochFinished { epoch, step } => s.epoch_finished(w, epoch, step),
        Event::ValidationStarted => s.validation_started(w),
        &Event::ValidationProgress { done, total } => s.validation_progress(w, done, total),
        &Event::ValidationFinished {
            step,
            loss,
            secs,
            batches,
        } => s.validation_finished(w, step, loss, secs, batches),
        &Event::CheckpointStarted { step } => s.checkpoint_started(w, step),
        &Event::CheckpointSaved { step, secs, rate } => s.checkpoint_saved(w, step, secs, rate),
        &Event::OutOfMemory {
            rank,
            alloc_gib,
            free_gib,
        } => s.out_of_memory(w, rank, alloc_gib, free_gib),
        &Event::OomRetry {
            old_micro_batch, ..
        } => s.oom_retry(w, old_micro_batch),
        Event::OomRecovered => s.oom_recovered(w),
        &Event::Straggler { rank, reported } => s.straggler(w, rank, reported),
        &Event::StragglerRecovered { rank } => s.straggler_recovered(w, rank),
        &Event::Fp16Overflow {
            step,
            scale,
            new_scale,
        } => s.fp16_overflow(w, step, scale, new_scale),
        &Event::LossSpike {
            step,
            before,
            after,
            grad_norm,
        } => s.loss_spike(w, step, before, after, grad_norm),
        Event::GradSpike { .. } => s.grad_spike(w),
        Event::Hang => s.hang(w),
        &Event::WatchdogTimeout { rank, seq, numel } => s.watchdog_timeout(w, rank, seq, numel),
        &Event::NcclPeerError { rank } => s.nccl_peer_error(w, rank),
        &Event::WorkerFailed { rank, failed_at } => s.worker_failed(w, rank, failed_at),
        &Event::WorkerGroupRestart { restart, max, .. } => s.worker_group_restart(w, restart, max),
        &Event::StepsRepeated { steps } => s.steps_repeated(w, steps),
        Event::RunFinished {
            totals,
            final_loss,
            wall,
        } => s.run_finished(w, totals, *final_loss, *wall),
        Event::TimeLimit => s.time_limit(w),
        &Event::JobFailed { rank, failed_at } => s.job_failed(w, rank, failed_at),
        Event::RunGap => s.run_gap(w),
        _ => {}
    }
}
