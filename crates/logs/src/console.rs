//! A console: the simulation's events written in a style, as timed terminal operations.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use sim::{Catalog, Event, Simulation, Timed};
use term::TermOp;

use crate::{Flavor, Writer, common};

/// Settings of one console.
#[derive(Clone, Copy, Debug)]
pub struct ConsoleConfig {
    /// Log style, or `Rotate`.
    pub flavor: Flavor,
    /// Wall-clock time of the job clock's zero (injected; never read from the OS here).
    pub start: NaiveDateTime,
    /// Whose console is shown: rank-specific lines follow it; the run is the same.
    pub rank: u32,
    /// Print a `# trainsaver:` line at each run's start saying the job is simulated.
    pub disclosure: bool,
}

/// A terminal operation due at a simulated time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimedOp {
    /// Simulated time since the start at which the operation appears.
    pub at: Duration,
    /// The operation.
    pub op: TermOp,
}

/// The simulation seen through one rank's console in one log style.
pub struct Console {
    sim: Simulation,
    writer: Writer,
    events: Vec<Timed>,
    /// Operations written ahead of time (to know when the next one is due).
    pending: VecDeque<TimedOp>,
}

impl Console {
    /// A console on a new simulation of `seed` whose runs use the flavor's framework.
    pub fn new(seed: u64, catalog: Arc<Catalog>, cfg: ConsoleConfig) -> Self {
        let sim = Simulation::with_framework(seed, catalog, cfg.flavor.framework());
        let plan = Arc::new(sim.trainer().plan.clone());
        let style = Flavor::of(plan.framework).style();
        let writer = Writer::new(style, cfg.start, cfg.rank, plan, cfg.disclosure);
        Console {
            sim,
            writer,
            events: Vec::new(),
            pending: VecDeque::new(),
        }
    }

    /// Appends every operation due at or before `until` to `ops`.
    pub fn advance(&mut self, until: Duration, ops: &mut Vec<TermOp>) {
        self.drain_until(until, |t| ops.push(t.op));
    }

    /// Hands every operation due at or before `until` to `f` as it is written, holding none:
    /// memory stays bounded however far ahead `until` is.
    pub fn advance_each(&mut self, until: Duration, mut f: impl FnMut(TermOp)) {
        self.drain_until(until, |t| f(t.op));
    }

    /// Like [`advance`](Self::advance) but keeps each operation's time.
    pub fn advance_timed(&mut self, until: Duration, ops: &mut Vec<TimedOp>) {
        self.drain_until(until, |t| ops.push(t));
    }

    /// Jumps ahead to `to` without writing the events on the way, which is what makes reaching
    /// a moment days or months into the simulation cheap: only the state the style needs to go
    /// on (the run's plan, the last step) follows them. Operations already written go to `f`
    /// first, so the terminal and the live rows stay in agreement.
    pub fn skip_to(&mut self, to: Duration, mut f: impl FnMut(TermOp)) {
        while let Some(t) = self.pending.pop_front() {
            f(t.op);
        }
        while self.sim.next_due() <= to {
            let due = self.sim.next_due();
            self.sim.advance(due, &mut self.events);
            for t in std::mem::take(&mut self.events) {
                self.follow(&t);
            }
        }
    }

    /// When the next operation is due.
    pub fn next_due(&mut self) -> Duration {
        loop {
            if let Some(t) = self.pending.front() {
                return t.at;
            }
            self.write_next();
        }
    }

    fn drain_until(&mut self, until: Duration, mut sink: impl FnMut(TimedOp)) {
        loop {
            while self.pending.front().is_some_and(|t| t.at <= until) {
                sink(self.pending.pop_front().expect("front exists"));
            }
            if !self.pending.is_empty() || self.sim.next_due() > until {
                return;
            }
            self.write_next();
        }
    }

    /// Writes the events of the next due time (some write nothing in this style).
    fn write_next(&mut self) {
        let due = self.sim.next_due();
        self.sim.advance(due, &mut self.events);
        for t in std::mem::take(&mut self.events) {
            self.write(&t);
            let at = t.at;
            self.pending
                .extend(self.writer.drain().map(|op| TimedOp { at, op }));
        }
    }

    /// The simulation behind the console.
    pub fn sim(&self) -> &Simulation {
        &self.sim
    }

    fn write(&mut self, t: &Timed) {
        self.follow(t);
        common::render(&t.event, &mut self.writer);
    }

    /// Keeps the writer's state (style, plan, clock, last step) up with an event.
    fn follow(&mut self, t: &Timed) {
        if let Event::RunStarted { plan, .. } = &t.event {
            self.writer.set_style(Flavor::of(plan.framework).style());
        }
        self.writer.set_job(t.secs());
        common::follow(&t.event, &mut self.writer);
    }
}
