//! The simulated run's one flow of events: the feed owns the simulation and hands each event,
//! at its moment, to the console (its log style writes terminal operations) and to the run
//! view (what the dashboard draws). Neither reads the simulation behind the other's back.

use std::sync::Arc;
use std::time::Duration;

use logs::{Console, ConsoleConfig};
use sim::{Catalog, Framework, Simulation, Timed};
use term::TermOp;
use view::RunView;

use super::observe::Observer;

/// A terminal operation due at a simulated time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimedOp {
    /// Simulated time since the start at which the operation appears.
    pub at: Duration,
    /// The operation.
    pub op: TermOp,
}

/// Which simulated run to show, and on whose console.
#[derive(Clone)]
pub struct RunSpec {
    /// The seed.
    pub seed: u64,
    /// The framework every job uses (`None`: a different one each job).
    pub framework: Option<Framework>,
    /// Models, GPUs and datasets to draw from.
    pub catalog: Arc<Catalog>,
    /// The console the log is written on.
    pub console: ConsoleConfig,
}

/// The simulation and its two consumers.
pub struct Feed {
    sim: Simulation,
    console: Console,
    observer: Observer,
    view: RunView,
    events: Vec<Timed>,
}

impl Feed {
    /// A feed of the run `spec` names.
    pub fn new(spec: RunSpec) -> Self {
        let sim = Simulation::with_framework(spec.seed, spec.catalog, spec.framework);
        let console = Console::new(spec.console, Arc::new(sim.plan().clone()));
        Feed {
            sim,
            console,
            observer: Observer::default(),
            view: RunView::new(),
            events: Vec::new(),
        }
    }

    /// Writes every event due at or before `until`, handing the operations to `f` as they
    /// are written (memory stays bounded however far ahead `until` is).
    pub fn advance_each(&mut self, until: Duration, mut f: impl FnMut(TimedOp)) {
        while self.sim.next_due() <= until {
            let due = self.sim.next_due();
            self.sim.advance(due, &mut self.events);
            for t in std::mem::take(&mut self.events) {
                let at = t.at;
                self.console.write(&t, |op| f(TimedOp { at, op }));
                self.observe(&t);
            }
        }
    }

    /// Appends the operations due at or before `until` to `ops`.
    pub fn advance(&mut self, until: Duration, ops: &mut Vec<TermOp>) {
        self.advance_each(until, |t| ops.push(t.op));
    }

    /// Like [`advance`](Self::advance) but keeps each operation's time.
    pub fn advance_timed(&mut self, until: Duration, ops: &mut Vec<TimedOp>) {
        self.advance_each(until, |t| ops.push(t));
    }

    /// Jumps ahead to `to` without writing the events on the way, which is what makes
    /// reaching a moment days or months into the simulation cheap: the console keeps only
    /// the state its style needs to go on, the run view sees every event.
    pub fn skip_to(&mut self, to: Duration) {
        while self.sim.next_due() <= to {
            let due = self.sim.next_due();
            self.sim.advance(due, &mut self.events);
            for t in std::mem::take(&mut self.events) {
                self.console.follow(&t);
                self.observe(&t);
            }
        }
    }

    fn observe(&mut self, t: &Timed) {
        let at = t.secs();
        let view = &mut self.view;
        self.observer.observe(&t.event, |o| view.apply(at, o));
    }

    /// The machine's wall clock moved by `secs` and the job's progress did not: the log's
    /// timestamps follow the wall from now on.
    pub fn shift_wall(&mut self, secs: f64) {
        self.console.shift_wall(secs);
    }

    /// When the next event is due.
    pub fn next_due(&mut self) -> Duration {
        self.sim.next_due()
    }

    /// The plan of the job being generated (it may be ahead of the screen: for tests and
    /// tools, not for what is shown).
    pub fn plan(&self) -> &sim::RunPlan {
        self.sim.plan()
    }

    /// Jobs generated so far, counting the current one (ahead of the screen, like
    /// [`plan`](Self::plan)).
    pub fn runs_generated(&self) -> u64 {
        self.sim.runs()
    }

    /// Columns the current job's step line takes.
    pub fn step_columns(&self) -> usize {
        self.console.step_columns()
    }

    /// What a viewer of the log knows now.
    pub fn view(&self) -> &RunView {
        &self.view
    }
}
