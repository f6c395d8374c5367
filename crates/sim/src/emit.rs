//! The simulation's clock and the queue of events it stamps.

use std::collections::VecDeque;
use std::time::Duration;

use crate::event::{Event, Timed};

/// Where generated events go, with the job's clock.
///
/// One clock: the job's time is the time events appear, so at speed 1 a log's timestamps
/// are the wall clock (a time-lapse is the presenter's choice, not the simulation's).
#[derive(Debug, Default)]
pub(crate) struct Emitter {
    /// Events generated but not yet handed out.
    pub queue: VecDeque<Timed>,
    /// Job seconds since the start.
    pub job: f64,
}

impl Emitter {
    /// Lets `secs` of job time pass.
    pub fn pause(&mut self, secs: f64) {
        self.job += secs.max(0.0);
    }

    /// Queues an event at the current time.
    pub fn emit(&mut self, event: Event) {
        self.queue.push_back(Timed {
            at: Duration::from_secs_f64(self.job),
            event,
        });
    }
}
