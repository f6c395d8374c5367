//! Log styles of real training frameworks: typed simulation events in, terminal operations out.
//!
//! One module per style (`ddp`, `torchtitan`, `megatron`, `hf_trainer`); lines every framework
//! prints the same way (the launcher, NCCL, the AllReduce check) live in `common`. Adding a
//! style is adding a module with a `LogStyle` and a [`Flavor`] variant.

mod common;
mod console;
mod ddp;
pub mod fmt;
mod hf_trainer;
mod megatron;
mod torchtitan;
mod writer;

use serde::Deserialize;
use sim::{Event, Framework};
use term::{Color, Style, StyledLine};

pub use console::{Console, ConsoleConfig, TimedOp};
use writer::{LastStep, Writer};

/// Which framework's log style the run imitates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flavor {
    /// PyTorch DDP script: `[YYYY-MM-DD HH:MM:SS] INFO msg`.
    Ddp,
    /// torchtitan: `[rank0]:[titan] <asctime> - root - INFO - msg`.
    Torchtitan,
    /// Megatron-LM: long pipe-separated iteration lines.
    Megatron,
    /// Hugging Face Trainer: `[INFO|trainer.py:NNNN] <asctime> >> msg`, tqdm bar, dict lines.
    HfTrainer,
    /// A different style for each run.
    Rotate,
}

impl Flavor {
    /// Every flavor with its config name.
    pub const ALL: [(&'static str, Flavor); 5] = [
        ("ddp", Flavor::Ddp),
        ("torchtitan", Flavor::Torchtitan),
        ("megatron", Flavor::Megatron),
        ("hf-trainer", Flavor::HfTrainer),
        ("rotate", Flavor::Rotate),
    ];
    /// The concrete styles `rotate` cycles through.
    pub const CONCRETE: [Flavor; 4] = [
        Flavor::Ddp,
        Flavor::Torchtitan,
        Flavor::Megatron,
        Flavor::HfTrainer,
    ];

    /// The framework every run uses, or `None` for `rotate` (a different one each run).
    pub fn framework(self) -> Option<Framework> {
        match self {
            Flavor::Ddp => Some(Framework::Ddp),
            Flavor::Torchtitan => Some(Framework::Torchtitan),
            Flavor::Megatron => Some(Framework::Megatron),
            Flavor::HfTrainer => Some(Framework::HfTrainer),
            Flavor::Rotate => None,
        }
    }

    /// The style that prints a framework's runs.
    pub fn of(framework: Framework) -> Flavor {
        match framework {
            Framework::Ddp => Flavor::Ddp,
            Framework::Torchtitan => Flavor::Torchtitan,
            Framework::Megatron => Flavor::Megatron,
            Framework::HfTrainer => Flavor::HfTrainer,
        }
    }

    /// Config name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("rotate", |(n, _)| n)
    }

    /// The style that writes this flavor's lines (`Rotate` writes like `ddp`).
    pub(crate) fn style(self) -> &'static LogStyle {
        match self {
            Flavor::Torchtitan => &torchtitan::STYLE,
            Flavor::Megatron => &megatron::STYLE,
            Flavor::HfTrainer => &hf_trainer::STYLE,
            _ => &ddp::STYLE,
        }
    }
}

impl std::fmt::Display for Flavor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Severity of a log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Routine progress.
    Info,
    /// Something to look at.
    Warn,
    /// Something failed.
    Error,
}

impl Level {
    /// The word Python's logging prints.
    pub fn word(self) -> &'static str {
        match self {
            Level::Info => "INFO",
            Level::Warn => "WARNING",
            Level::Error => "ERROR",
        }
    }

    /// Colour of the level word (and of warning/error text).
    pub fn color(self) -> Color {
        match self {
            Level::Info => Color::GREEN,
            Level::Warn => Color::YELLOW,
            Level::Error => Color::RED,
        }
    }

    /// Style of the message body: plain for info, coloured for warnings and errors.
    pub fn body(self) -> Style {
        match self {
            Level::Info => Style::PLAIN,
            l => Style::fg(l.color()),
        }
    }
}

/// Dim grey for timestamps and framework prefixes.
pub const META: Style = Style::fg(Color::GREY);

/// Who a log line speaks for: the console's own rank, or a named rank of the world.
pub(crate) type RankTag = Option<(u32, u32)>;

/// One framework's way of writing the run.
pub(crate) struct LogStyle {
    /// The training script the launcher starts.
    pub script: &'static str,
    /// Appends the logger prefix (timestamp, level, rank) of a line to `line`.
    pub prefix: fn(&Writer, Level, RankTag, &mut StyledLine),
    /// Writes the events this style prints its own way; false leaves the event to [`common`].
    pub render: fn(&Event, &mut Writer) -> bool,
    /// The line a logged step prints.
    pub step_line: fn(&Writer, &LastStep) -> StyledLine,
    /// The progress bars kept under the log after each step (none for styles without tqdm).
    pub bars: fn(&Writer, &LastStep) -> Vec<StyledLine>,
    /// Where the checkpoint of a step goes, under the run's checkpoint directory.
    pub checkpoint_dir: fn(&Writer, u64) -> String,
}

/// Whether an event is one only the plain script logs (its own summary lines, GPU detection
/// and AllReduce check): the real frameworks print nothing for it, and torch's
/// `init_process_group` is silent by default.
pub(crate) fn script_only(ev: &Event) -> bool {
    matches!(
        ev,
        Event::JobInfo
            | Event::ConfigInfo
            | Event::ParallelismInfo
            | Event::OptimizerInfo
            | Event::Architecture
            | Event::DatasetReady { .. }
            | Event::BatchInfo
            | Event::ProcessGroupInit { .. }
            | Event::RankDetected { .. }
            | Event::MoreRanks { .. }
            | Event::AllReduceStarted
            | Event::AllReduceHeader
            | Event::AllReduceRow { .. }
            | Event::AllReduceDone { .. }
            | Event::MemoryEstimate
            | Event::ModelLoading
            | Event::Tokenizer
            | Event::DatasetLoading
            | Event::ParameterCount
            | Event::ScheduleInfo
    )
}

/// Bars for styles that print none.
pub(crate) fn no_bars(_: &Writer, _: &LastStep) -> Vec<StyledLine> {
    Vec::new()
}

/// `<ckpt_dir>/step-N`, the layout of plain PyTorch and torchtitan (DCP) checkpoints.
pub(crate) fn step_dir(w: &Writer, step: u64) -> String {
    format!("{}/step-{step}", w.plan().ckpt_dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn writer(flavor: Flavor) -> Writer {
        writer_of(flavor, 0)
    }

    fn writer_of(flavor: Flavor, rank: u32) -> Writer {
        let sim = sim::Simulation::new(42, Arc::new(sim::Catalog::builtin()));
        let start =
            chrono::NaiveDateTime::parse_from_str("2026-11-30 14:20:00", "%Y-%m-%d %H:%M:%S")
                .unwrap();
        let mut w = Writer::new(
            flavor.style(),
            start,
            rank,
            Arc::new(sim.trainer().plan.clone()),
            false,
        );
        w.set_job(9.5);
        w
    }

    #[test]
    fn prefixes_match_the_frameworks() {
        let cases = [
            (Flavor::Ddp, "[2026-11-30 14:20:09] INFO hello"),
            (
                Flavor::Torchtitan,
                "[rank0]:[titan] 2026-11-30 14:20:09,500 - root - INFO - hello",
            ),
            (Flavor::Megatron, "[2026-11-30 14:20:09.500000] hello"),
            (
                Flavor::HfTrainer,
                "[INFO|trainer.py:2243] 2026-11-30 14:20:09,500 >> hello",
            ),
        ];
        for (f, want) in cases {
            let got = writer(f).line(Level::Info, None, StyledLine::plain("hello"));
            assert_eq!(got.text(), want, "{f}");
        }
    }

    #[test]
    fn a_rank_beyond_the_world_wraps_into_it() {
        let w = writer_of(Flavor::Torchtitan, u32::MAX);
        let world = w.plan().world();
        assert_eq!(w.view_rank(), u32::MAX % world);
        let line = w.line(Level::Info, None, StyledLine::plain("x")).text();
        assert!(
            line.starts_with(&format!("[rank{}]", u32::MAX % world)),
            "{line}"
        );
    }

    #[test]
    fn checkpoint_directories_follow_each_framework() {
        let dir = |f: Flavor| {
            let w = writer(f);
            let base = w.plan().ckpt_dir.clone();
            (f.style().checkpoint_dir)(&w, 40).replace(&base, "")
        };
        assert_eq!(dir(Flavor::Ddp), "/step-40");
        assert_eq!(dir(Flavor::Torchtitan), "/step-40");
        assert_eq!(dir(Flavor::Megatron), "/iter_0000040");
        assert_eq!(dir(Flavor::HfTrainer), "/checkpoint-40");
    }

    #[test]
    fn names_round_trip() {
        for (n, f) in Flavor::ALL {
            assert_eq!(f.name(), n);
            assert_eq!(f.to_string(), n);
        }
        for f in Flavor::CONCRETE {
            let fw = f.framework().expect("a concrete flavor has a framework");
            assert_eq!(Flavor::of(fw), f);
        }
        assert_eq!(Flavor::Rotate.framework(), None);
    }
}
