//! Following a real job's log (`--follow FILE`, `--follow -`): its bytes through a terminal
//! parser onto the grid, its lines through the log reader into the run view the dashboard
//! draws. While the log is missing or silent for `follow_idle` the screen says so and, with
//! `follow_fallback = "simulate"`, shows the simulated run until the log writes again.

pub mod tail;
pub mod vt;

use std::path::{Path, PathBuf};
use std::time::Duration;

use term::{Color, Style, StyledLine, TermOp};
use view::{LogReader, RunView};

use crate::config::FollowFallback;
use tail::{Event, Tail};
use vt::Vt;

/// How often the log is looked at.
pub const POLL: Duration = Duration::from_millis(250);

/// The simulated run standing in while the log is silent.
pub trait StandIn {
    /// Writes what is due up to `t` (its own time, from its start).
    fn advance(&mut self, t: Duration, f: &mut dyn FnMut(TermOp));
    /// What a viewer of it knows.
    fn view(&self) -> &RunView;
    /// When its next output is due (its own time).
    fn next_due(&mut self) -> Duration;
}

/// Makes a stand-in run.
pub type StandInFactory = Box<dyn Fn() -> Box<dyn StandIn>>;

/// What a followed screen needs besides the file.
pub struct FollowSpec {
    /// The file (`-`: stdin).
    pub path: PathBuf,
    /// How long the log may be silent before the screen says so.
    pub idle: Duration,
    /// What shows then.
    pub fallback: FollowFallback,
    /// The simulated run to show meanwhile.
    pub stand_in: StandInFactory,
}

/// A followed log as a source of terminal operations and observations.
pub struct Follow {
    tail: Tail,
    vt: Vt,
    reader: LogReader,
    view: RunView,
    spec: FollowSpec,
    /// When the log last wrote (or the screen opened), seconds.
    heard: f64,
    /// The note about silence was shown.
    noted: bool,
    /// The simulated run shown while the log is silent, and when it started.
    sim: Option<(Box<dyn StandIn>, f64)>,
    /// Seconds of the last look.
    looked: f64,
    /// The widest line read, for fitting the font (like a person sizing a terminal).
    widest: usize,
    buf: Vec<u8>,
}

/// The name a note gives the log.
fn shown(path: &Path) -> String {
    if path == Path::new("-") {
        "stdin".into()
    } else {
        path.display().to_string()
    }
}

/// A grey note line.
fn note(text: String) -> TermOp {
    TermOp::Print(StyledLine::new().push(text, Style::fg(Color::GREY).dim()))
}

impl Follow {
    /// Starts following.
    pub fn new(spec: FollowSpec) -> Follow {
        Follow {
            tail: Tail::open(&spec.path),
            vt: Vt::new(),
            reader: LogReader::new(),
            view: RunView::new(),
            spec,
            heard: 0.0,
            noted: false,
            sim: None,
            looked: f64::NEG_INFINITY,
            widest: 0,
            buf: Vec::new(),
        }
    }

    /// Looks at the log at `t` (seconds since the screen opened), handing out what it wrote.
    pub fn advance_each(&mut self, t: Duration, mut f: impl FnMut(TermOp)) {
        let now = t.as_secs_f64();
        if now - self.looked < POLL.as_secs_f64() {
            self.simulate(t, &mut f);
            return;
        }
        self.looked = now;
        let mut wrote = false;
        loop {
            self.buf.clear();
            let ev = self.tail.poll(&mut self.buf);
            if ev == Event::Truncated {
                f(note(format!(
                    "# trainsaver: {} was truncated",
                    shown(&self.spec.path)
                )));
            }
            if self.buf.is_empty() {
                if ev == Event::Opened {
                    continue;
                }
                break;
            }
            if !wrote {
                self.back_from_silence(&mut f);
                wrote = true;
            }
            let (reader, view, widest) = (&mut self.reader, &mut self.view, &mut self.widest);
            let buf = std::mem::take(&mut self.buf);
            self.vt.feed(&buf, &mut f, |line| {
                *widest = (*widest).max(line.chars().count().min(240));
                reader.read(line, &mut |o| view.apply(now, o));
            });
            self.buf = buf;
        }
        if wrote {
            self.heard = now;
            return;
        }
        if now - self.heard >= self.spec.idle.as_secs_f64() && !self.noted {
            self.noted = true;
            let what = shown(&self.spec.path);
            let text = match self.spec.fallback {
                FollowFallback::Simulate => format!(
                    "# trainsaver: nothing from {what} for {}; showing a simulated run until it writes",
                    crate::config::limits::human(self.spec.idle)
                ),
                FollowFallback::Hold => format!(
                    "# trainsaver: nothing from {what} for {}",
                    crate::config::limits::human(self.spec.idle)
                ),
            };
            f(note(text));
            if self.spec.fallback == FollowFallback::Simulate {
                f(TermOp::Clear);
                self.sim = Some(((self.spec.stand_in)(), now));
            }
        }
        self.simulate(t, &mut f);
    }

    /// The simulated run, while it stands in.
    fn simulate(&mut self, t: Duration, f: &mut impl FnMut(TermOp)) {
        if let Some((run, from)) = self.sim.as_mut() {
            let at = Duration::from_secs_f64((t.as_secs_f64() - *from).max(0.0));
            run.advance(at, f);
        }
    }

    /// The log wrote after a silence: the simulated run gives way to it.
    fn back_from_silence(&mut self, f: &mut impl FnMut(TermOp)) {
        if !self.noted {
            return;
        }
        self.noted = false;
        if self.sim.take().is_some() {
            f(TermOp::Clear);
        }
        let text = format!("# trainsaver: {} writes again", shown(&self.spec.path));
        f(note(text));
    }

    /// What a viewer of the screen knows: the log's, or the simulated run's while it shows.
    pub fn view(&self) -> &RunView {
        match &self.sim {
            Some((run, _)) => run.view(),
            None => &self.view,
        }
    }

    /// When to look again.
    pub fn next_due(&mut self) -> Duration {
        let next = Duration::from_secs_f64(self.looked.max(0.0)) + POLL;
        match self.sim.as_mut() {
            Some((run, from)) => next.min(run.next_due() + Duration::from_secs_f64(*from)),
            None => next,
        }
    }

    /// Columns the font is fitted to: the widest line read so far (a screen that opened on a
    /// log sizes itself to it), or a common terminal's 120.
    pub fn step_columns(&self) -> usize {
        if self.widest == 0 {
            120
        } else {
            self.widest.max(80)
        }
    }
}
