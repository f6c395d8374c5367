//! The simulation's output side: timed terminal operations, the job clock and live bar rows.

use std::collections::VecDeque;
use std::time::Duration;

use super::flavor::{Level, LogFormat};
use crate::term::{StyledLine, TermOp};

/// A terminal operation due at a simulated (screen) time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timed {
    /// Simulated time since the start at which the operation appears.
    pub at: Duration,
    /// The operation.
    pub op: TermOp,
}

/// Where generated operations go, with the two clocks of the simulation.
///
/// `screen` is when something appears; `job` is the training job's own clock, printed in
/// timestamps. They differ because long real steps are shown as a time-lapse.
#[derive(Debug)]
pub struct Out {
    /// Operations generated but not yet handed out.
    pub queue: VecDeque<Timed>,
    /// Screen seconds of the scheduling cursor.
    pub screen: f64,
    /// Job seconds since the start.
    pub job: f64,
    /// The current run's log style.
    pub log: LogFormat,
    live: Vec<StyledLine>,
}

impl Out {
    /// An empty output starting at time zero.
    pub fn new(log: LogFormat) -> Self {
        Out {
            queue: VecDeque::new(),
            screen: 0.0,
            job: 0.0,
            log,
            live: Vec::new(),
        }
    }

    /// Lets time pass on both clocks.
    pub fn wait(&mut self, screen: f64, job: f64) {
        self.screen += screen.max(0.0);
        self.job += job.max(0.0);
    }

    /// Lets the same time pass on both clocks (real-time phases).
    pub fn pause(&mut self, secs: f64) {
        self.wait(secs, secs);
    }

    fn emit(&mut self, op: TermOp) {
        let at = Duration::from_secs_f64(self.screen);
        self.queue.push_back(Timed { at, op });
    }

    /// Prints lines above the live rows, then redraws the live rows as `live`.
    pub fn show(&mut self, above: &[StyledLine], live: Vec<StyledLine>) {
        let old = self.live.len();
        if old > 1 {
            self.emit(TermOp::MoveUp(old - 1));
        }
        for l in above {
            self.emit(TermOp::Print(l.clone()));
        }
        let written = above.len() + live.len();
        // Rows of the old live area nothing overwrites are blanked so no stale bar remains.
        let stale = old.saturating_sub(written);
        if let Some((last, rest)) = live.split_last() {
            for l in rest {
                self.emit(TermOp::Print(l.clone()));
            }
            if stale == 0 {
                self.emit(TermOp::Rewrite(last.clone()));
            } else {
                self.emit(TermOp::Print(last.clone()));
            }
        }
        if stale > 0 {
            for _ in 0..stale {
                self.emit(TermOp::Print(StyledLine::new()));
            }
            self.emit(TermOp::MoveUp(stale + usize::from(!live.is_empty())));
            if let Some(last) = live.last() {
                self.emit(TermOp::Rewrite(last.clone()));
            }
        }
        self.live = live;
    }

    /// Prints one line above the live rows.
    pub fn print(&mut self, line: StyledLine) {
        let live = self.live.clone();
        self.show(&[line], live);
    }

    /// Redraws the live rows only.
    pub fn live(&mut self, live: Vec<StyledLine>) {
        self.show(&[], live);
    }

    /// Commits the live rows as ordinary lines (a finished bar stays on screen).
    pub fn settle(&mut self) {
        let live = self.live.clone();
        self.show(&live, Vec::new());
    }

    /// Removes the live rows, printing `above` where they were.
    pub fn clear_live(&mut self, above: &[StyledLine]) {
        self.show(above, Vec::new());
    }

    /// A log line at a level in the run's style.
    pub fn log(&mut self, level: Level, msg: &str) {
        let l = self.log.text(self.job, level, msg);
        self.print(l);
    }

    /// A log line with a styled body.
    pub fn log_styled(&mut self, level: Level, body: StyledLine) {
        let l = self.log.line(self.job, level, None, body);
        self.print(l);
    }

    /// A per-rank log line.
    pub fn log_rank(&mut self, level: Level, rank: u32, world: u32, msg: &str) {
        let l = self.log.line(
            self.job,
            level,
            Some((rank, world)),
            StyledLine::new().push(msg, level.body()),
        );
        self.print(l);
    }

    /// Number of live rows now.
    pub fn live_rows(&self) -> usize {
        self.live.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::flavor::Flavor;
    use crate::term::Grid;

    fn out() -> Out {
        let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        Out::new(LogFormat::new(Flavor::Ddp, start))
    }

    fn screen(o: &Out) -> Vec<String> {
        let mut g = Grid::new(40, 6, 10);
        g.apply_all(o.queue.iter().map(|t| &t.op));
        g.screen_text()
    }

    #[test]
    fn lines_go_above_live_rows() {
        let mut o = out();
        o.print(StyledLine::plain("a"));
        o.live(vec![StyledLine::plain("bar1"), StyledLine::plain("bar2")]);
        o.print(StyledLine::plain("b"));
        o.live(vec![StyledLine::plain("bar1'"), StyledLine::plain("bar2'")]);
        assert_eq!(screen(&o), ["a", "b", "bar1'", "bar2'", "", ""]);
        // Shrinking the live area leaves no stale bar behind.
        o.live(vec![StyledLine::plain("x")]);
        assert_eq!(screen(&o), ["a", "b", "x", "", "", ""]);
        o.print(StyledLine::plain("c"));
        assert_eq!(screen(&o), ["a", "b", "c", "x", "", ""]);
        o.settle();
        o.print(StyledLine::plain("d"));
        assert_eq!(screen(&o), ["a", "b", "c", "x", "d", ""]);
    }
}
