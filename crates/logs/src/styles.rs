//! Where the styles are listed: the one mapping from a job's framework to the style that
//! prints it.

use sim::Framework;

use crate::style::LogStyle;
use crate::{ddp, hf_trainer, megatron, torchtitan};

/// The style that prints a framework's jobs.
pub fn style_for(framework: Framework) -> &'static dyn LogStyle {
    match framework {
        Framework::Ddp => &ddp::Ddp,
        Framework::Torchtitan => &torchtitan::Torchtitan,
        Framework::Megatron => &megatron::Megatron,
        Framework::HfTrainer => &hf_trainer::HfTrainer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::level::Level;
    use crate::writer::Writer;
    use std::sync::Arc;
    use term::StyledLine;

    fn writer_of(framework: Framework, rank: u32) -> Writer {
        let sim = sim::Simulation::new(42, Arc::new(sim::Catalog::builtin()));
        let start =
            chrono::NaiveDateTime::parse_from_str("2026-11-30 14:20:00", "%Y-%m-%d %H:%M:%S")
                .unwrap();
        let mut w = Writer::new(
            style_for(framework),
            start,
            rank,
            Arc::new(sim.plan().clone()),
            false,
        );
        w.set_job(9.5);
        w
    }

    #[test]
    fn prefixes_match_the_frameworks() {
        let cases = [
            (Framework::Ddp, "[2026-11-30 14:20:09] INFO hello"),
            (
                Framework::Torchtitan,
                "[rank0]:[titan] 2026-11-30 14:20:09,500 - root - INFO - hello",
            ),
            (Framework::Megatron, "[2026-11-30 14:20:09] hello"),
            (
                Framework::HfTrainer,
                "[INFO|trainer.py:2243] 2026-11-30 14:20:09,500 >> hello",
            ),
        ];
        for (f, want) in cases {
            let got = writer_of(f, 0).line(Level::Info, None, StyledLine::plain("hello"));
            assert_eq!(got.text(), want, "{f:?}");
        }
    }

    #[test]
    fn a_rank_beyond_the_world_wraps_into_it() {
        let w = writer_of(Framework::Torchtitan, u32::MAX);
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
        let dir = |f: Framework| {
            let w = writer_of(f, 0);
            let base = w.plan().ckpt_dir.clone();
            style_for(f).checkpoint_dir(&w, 40).replace(&base, "")
        };
        assert_eq!(dir(Framework::Ddp), "/step-40");
        assert_eq!(dir(Framework::Torchtitan), "/checkpoint/step-40");
        assert_eq!(dir(Framework::Megatron), "/iter_0000040");
        assert_eq!(dir(Framework::HfTrainer), "/checkpoint-40");
    }

    #[test]
    fn every_framework_has_its_own_style() {
        let scripts: Vec<&str> = Framework::ALL
            .iter()
            .map(|&f| style_for(f).script())
            .collect();
        let mut unique = scripts.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), scripts.len(), "{scripts:?}");
        for f in Framework::ALL {
            assert_eq!(Framework::from_name(f.name()), Some(f));
        }
    }
}
