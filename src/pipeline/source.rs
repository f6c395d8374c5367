//! Where the pipeline's terminal output and run view come from: the simulated run, or a real
//! job's followed log (with the simulated run standing in while the log is silent).

use std::time::Duration;

use term::TermOp;
use view::RunView;

use super::feed::{Feed, TimedOp};
use crate::follow::{Follow, StandIn};

/// The pipeline's source.
pub enum Source {
    /// The simulated run.
    Sim(Box<Feed>),
    /// A followed log.
    Follow(Box<Follow>),
}

impl StandIn for Feed {
    fn advance(&mut self, t: Duration, f: &mut dyn FnMut(TermOp)) {
        self.advance_each(t, |op| f(op.op));
    }

    fn view(&self) -> &RunView {
        Feed::view(self)
    }

    fn next_due(&mut self) -> Duration {
        Feed::next_due(self)
    }
}

impl Source {
    /// Jumps ahead without writing (the simulated run; a log has no "ahead").
    pub fn skip_to(&mut self, t: Duration) {
        if let Source::Sim(f) = self {
            f.skip_to(t);
        }
    }

    /// Hands out the operations due up to `t`.
    pub fn advance_each(&mut self, t: Duration, mut f: impl FnMut(TimedOp)) {
        match self {
            Source::Sim(feed) => feed.advance_each(t, f),
            Source::Follow(follow) => follow.advance_each(t, |op| f(TimedOp { at: t, op })),
        }
    }

    /// Columns the font is fitted to.
    pub fn step_columns(&self) -> usize {
        match self {
            Source::Sim(f) => f.step_columns(),
            Source::Follow(f) => f.step_columns(),
        }
    }

    /// What a viewer knows.
    pub fn view(&self) -> &RunView {
        match self {
            Source::Sim(f) => f.view(),
            Source::Follow(f) => f.view(),
        }
    }

    /// When output is next due.
    pub fn next_due(&mut self) -> Duration {
        match self {
            Source::Sim(f) => f.next_due(),
            Source::Follow(f) => f.next_due(),
        }
    }

    /// The wall clock moved under a simulated run (a real log's timestamps are its own).
    pub fn shift_wall(&mut self, secs: f64) {
        if let Source::Sim(f) = self {
            f.shift_wall(secs);
        }
    }
}
