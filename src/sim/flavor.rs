//! Log styles of real training frameworks: prefixes, levels and colours.

use std::fmt;
use std::str::FromStr;

use chrono::{Duration as ChronoDuration, NaiveDateTime};
use serde::Deserialize;

use crate::term::{Color, Style, StyledLine};

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
    /// Names accepted in config and on the command line.
    pub const NAMES: [&'static str; 5] = ["ddp", "torchtitan", "megatron", "hf-trainer", "rotate"];
    /// The concrete styles `rotate` cycles through.
    pub const CONCRETE: [Flavor; 4] = [
        Flavor::Ddp,
        Flavor::Torchtitan,
        Flavor::Megatron,
        Flavor::HfTrainer,
    ];

    /// The style used for run number `run` (0-based).
    pub fn for_run(self, run: u64) -> Flavor {
        match self {
            Flavor::Rotate => Self::CONCRETE[(run % 4) as usize],
            f => f,
        }
    }

    /// Config name.
    pub fn name(self) -> &'static str {
        match self {
            Flavor::Ddp => "ddp",
            Flavor::Torchtitan => "torchtitan",
            Flavor::Megatron => "megatron",
            Flavor::HfTrainer => "hf-trainer",
            Flavor::Rotate => "rotate",
        }
    }
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Flavor {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let all = [
            Flavor::Ddp,
            Flavor::Torchtitan,
            Flavor::Megatron,
            Flavor::HfTrainer,
            Flavor::Rotate,
        ];
        let options: Vec<(&str, Flavor)> = all.iter().map(|&f| (f.name(), f)).collect();
        crate::choice::choose("flavor", s, &options)
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
    fn word(self) -> &'static str {
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

/// Formats log lines in one style with timestamps from an injected start time.
#[derive(Clone, Debug)]
pub struct LogFormat {
    /// The concrete style.
    pub flavor: Flavor,
    start: NaiveDateTime,
    /// The rank whose console this is (0 unless a screen shows another rank).
    pub view_rank: u32,
}

/// Dim grey for timestamps and framework prefixes.
pub const META: Style = Style::fg(Color::GREY);

impl LogFormat {
    /// A formatter; `flavor` must be concrete (not `Rotate`).
    pub fn new(flavor: Flavor, start: NaiveDateTime) -> Self {
        LogFormat {
            flavor,
            start,
            view_rank: 0,
        }
    }

    /// The same format as seen on another rank's console.
    pub fn with_rank(mut self, rank: u32) -> Self {
        self.view_rank = rank;
        self
    }

    /// Wall-clock time at `job` seconds after the start.
    pub fn time(&self, job: f64) -> NaiveDateTime {
        self.start + ChronoDuration::milliseconds((job * 1000.0) as i64)
    }

    /// A log line: the style's prefix, then `body` (already styled).
    pub fn line(
        &self,
        job: f64,
        level: Level,
        rank: Option<(u32, u32)>,
        body: StyledLine,
    ) -> StyledLine {
        let t = self.time(job);
        let lvl = Style::fg(level.color());
        let mut l = StyledLine::new();
        match self.flavor {
            Flavor::Ddp | Flavor::Rotate => {
                l.append(t.format("[%Y-%m-%d %H:%M:%S] ").to_string(), META);
                if let Some((r, n)) = rank {
                    l.append(format!("[Rank {r}/{n}] "), Style::fg(Color::CYAN));
                }
                l.append(level.word(), lvl.bold());
                l.append(" ", Style::PLAIN);
            }
            Flavor::Torchtitan => {
                let r = rank.map_or(self.view_rank, |(r, _)| r);
                l.append(format!("[rank{r}]:[titan] "), Style::fg(Color::CYAN));
                l.append(
                    t.format("%Y-%m-%d %H:%M:%S,%3f - root - ").to_string(),
                    META,
                );
                l.append(level.word(), lvl);
                l.append(" - ", META);
            }
            Flavor::Megatron => {
                l.append(t.format("[%Y-%m-%d %H:%M:%S%.6f] ").to_string(), META);
                if level != Level::Info {
                    l.append(format!("{}: ", level.word()), lvl.bold());
                }
                if let Some((r, _)) = rank {
                    l.append(format!("[rank {r}] "), Style::fg(Color::CYAN));
                }
            }
            Flavor::HfTrainer => {
                let src = match level {
                    Level::Info => "trainer.py:2243",
                    Level::Warn => "trainer.py:2612",
                    Level::Error => "trainer.py:2401",
                };
                l.append("[", META);
                l.append(level.word(), lvl);
                l.append(format!("|{src}] "), META);
                l.append(t.format("%Y-%m-%d %H:%M:%S,%3f >> ").to_string(), META);
                if let Some((r, n)) = rank {
                    l.append(format!("[rank {r}/{n}] "), Style::fg(Color::CYAN));
                }
            }
        }
        for s in body.spans {
            l.append(s.text, s.style);
        }
        l
    }

    /// A plain-text log line at a level.
    pub fn text(&self, job: f64, level: Level, msg: &str) -> StyledLine {
        self.line(job, level, None, StyledLine::new().push(msg, level.body()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> NaiveDateTime {
        NaiveDateTime::parse_from_str("2026-11-30 14:20:00", "%Y-%m-%d %H:%M:%S").unwrap()
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
            let got = LogFormat::new(f, start())
                .text(9.5, Level::Info, "hello")
                .text();
            assert_eq!(got, want, "{f}");
        }
    }

    #[test]
    fn names_round_trip() {
        for n in Flavor::NAMES {
            assert_eq!(n.parse::<Flavor>().unwrap().name(), n);
        }
        assert!("tf".parse::<Flavor>().unwrap_err().contains("hf-trainer"));
    }
}
