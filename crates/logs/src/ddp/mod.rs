//! A plain PyTorch DDP/FSDP training script, the team's own `train.py`: Python `logging` with
//! `format="[%(asctime)s] %(levelname)s %(message)s"` and `datefmt="%Y-%m-%d %H:%M:%S"`, a
//! summary of its configuration at start-up, a GPU check per rank and an AllReduce test, a
//! step line every `log_every` steps, tqdm bars (`trange` over epochs, a bar over each
//! epoch's loader, a validation bar) and its own lines for checkpoints and incidents. No
//! upstream tool prints these lines: they are what such scripts tend to print, in tqdm's and
//! logging's real formats.

mod restore;
mod setup;
mod training;

use sim::RunTotals;
use term::{Color, Style, StyledLine};

use crate::level::{Level, RankTag};
use crate::progress::Bars;
use crate::style::LogStyle;
use crate::writer::{LastStep, Writer};

/// The DDP style.
pub struct Ddp;

impl LogStyle for Ddp {
    fn script(&self) -> &'static str {
        "train.py"
    }

    fn workdir(&self, _w: &Writer) -> String {
        "llm-train".into()
    }

    fn launch_args(&self, w: &Writer) -> String {
        let p = w.plan();
        format!(
            "train.py --config configs/{}.yaml --run-name {}",
            p.run_name, p.run_name
        )
    }

    fn prefix(&self, w: &Writer, level: Level, rank: RankTag, l: &mut StyledLine) {
        l.append(
            w.now().format("[%Y-%m-%d %H:%M:%S] ").to_string(),
            crate::META,
        );
        if let Some((r, n)) = rank {
            l.append(format!("[Rank {r}/{n}] "), Style::fg(Color::CYAN));
        }
        l.append(level.word(), Style::fg(level.color()).bold());
        l.append(" ", Style::PLAIN);
    }

    fn step_line(&self, w: &Writer, last: &LastStep) -> StyledLine {
        training::step_line(w, last)
    }

    fn bar_kind(&self) -> Bars {
        Bars::EpochAndStep
    }

    fn eval_bar(&self) -> Option<&'static str> {
        Some("Validation")
    }

    fn bars(&self, w: &Writer) -> Vec<StyledLine> {
        training::bars(w)
    }

    fn job_info(&self, w: &mut Writer) {
        setup::job_info(w);
    }
    fn config_info(&self, w: &mut Writer) {
        setup::config_info(w);
    }
    fn parallelism_info(&self, w: &mut Writer) {
        setup::parallelism_info(w);
    }
    fn optimizer_info(&self, w: &mut Writer) {
        setup::optimizer_info(w);
    }
    fn schedule_info(&self, w: &mut Writer) {
        setup::schedule_info(w);
    }
    fn model_loading(&self, w: &mut Writer) {
        setup::model_loading(w);
    }
    fn architecture(&self, w: &mut Writer) {
        setup::architecture(w);
    }
    fn parameter_count(&self, w: &mut Writer) {
        setup::parameter_count(w);
    }
    fn weights_progress(&self, w: &mut Writer, _: f64, _: f64, _: f64, _: f64, _: u32) {
        restore::load_bar(w);
    }
    fn weights_loaded(&self, w: &mut Writer, secs: f64, rate: f64) {
        restore::weights_loaded(w, secs, rate);
    }
    fn memory_estimate(&self, w: &mut Writer) {
        setup::memory_estimate(w);
    }
    fn tokenizer(&self, w: &mut Writer) {
        setup::tokenizer(w);
    }
    fn dataset_loading(&self, w: &mut Writer) {
        setup::dataset_loading(w);
    }
    fn dataset_ready(&self, w: &mut Writer, documents: u64) {
        setup::dataset_ready(w, documents);
    }
    fn batch_info(&self, w: &mut Writer) {
        setup::batch_info(w);
    }
    fn process_group_init(&self, w: &mut Writer, restart: bool) {
        setup::process_group_init(w, restart);
    }
    fn rank_detected(&self, w: &mut Writer, rank: u32) {
        setup::rank_detected(w, rank);
    }
    fn more_ranks(&self, w: &mut Writer, shown: u32) {
        setup::more_ranks(w, shown);
    }
    fn allreduce_started(&self, w: &mut Writer) {
        setup::allreduce_started(w);
    }
    fn allreduce_header(&self, w: &mut Writer) {
        setup::allreduce_header(w);
    }
    fn allreduce_row(&self, w: &mut Writer, bytes: f64, time_us: f64, algbw: f64, busbw: f64) {
        setup::allreduce_row(w, bytes, time_us, algbw, busbw);
    }
    fn allreduce_done(&self, w: &mut Writer, avg_busbw: f64, slow: bool) {
        setup::allreduce_done(w, avg_busbw, slow);
    }

    fn training_started(&self, w: &mut Writer, from_step: u64) {
        training::training_started(w, from_step);
    }
    fn epoch_finished(&self, w: &mut Writer, epoch: u64, step: u64) {
        training::epoch_finished(w, epoch, step);
    }
    fn validation_finished(&self, w: &mut Writer, step: u64, loss: f64, secs: f64, batches: u32) {
        training::validation_finished(w, step, loss, secs, batches);
    }
    fn checkpoint_started(&self, w: &mut Writer, step: u64) {
        training::checkpoint_started(w, step);
    }
    fn checkpoint_saved(&self, w: &mut Writer, step: u64, secs: f64, rate: f64) {
        training::checkpoint_saved(w, step, secs, rate);
    }

    fn oom_retry(&self, w: &mut Writer, old_micro_batch: u32) {
        training::oom_retry(w, old_micro_batch);
    }
    fn oom_recovered(&self, w: &mut Writer) {
        training::oom_recovered(w);
    }
    fn straggler(&self, w: &mut Writer, rank: u32, reported: f64) {
        training::straggler(w, rank, reported);
    }
    fn straggler_recovered(&self, w: &mut Writer, rank: u32) {
        training::straggler_recovered(w, rank);
    }
    fn loss_spike(&self, w: &mut Writer, step: u64, before: f64, after: f64, grad_norm: f64) {
        training::loss_spike(w, step, before, after, grad_norm);
    }

    fn checkpoint_loading(&self, w: &mut Writer, step: u64) {
        restore::checkpoint_loading(w, step);
    }
    fn checkpoint_progress(&self, w: &mut Writer, _: f64, _: u32, _: u32) {
        restore::load_bar(w);
    }
    fn checkpoint_loaded(&self, w: &mut Writer, step: u64, secs: f64) {
        restore::checkpoint_loaded(w, step, secs);
    }
    fn no_checkpoint(&self, w: &mut Writer, restart: bool) {
        restore::no_checkpoint(w, restart);
    }
    fn steps_repeated(&self, w: &mut Writer, steps: u64) {
        restore::steps_repeated(w, steps);
    }

    fn run_finished(&self, w: &mut Writer, totals: &RunTotals, final_loss: f64, wall: f64) {
        training::run_summary(w, totals, final_loss, wall);
    }
}
