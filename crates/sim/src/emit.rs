//! The simulation's two clocks and the queue of events they stamp.

use std::collections::VecDeque;
use std::time::Duration;

use crate::event::{Event, Timed};

/// Where generated events go, with the two clocks of the simulation.
///
/// `screen` is when something appears; `job` is the training job's own clock, printed in
/// timestamps. They differ because long real steps are shown as a time-lapse.
#[derive(Debug, Default)]
pub(crate) struct Emitter {
    /// Events generated but not yet handed out.
    pub queue: VecDeque<Timed>,
    /// Screen seconds of the scheduling cursor.
    pub screen: f64,
    /// Job seconds since the start.
    pub job: f64,
}

impl Emitter {
    /// Lets time pass on both clocks.
    pub fn wait(&mut self, screen: f64, job: f64) {
        self.screen += screen.max(0.0);
        self.job += job.max(0.0);
    }

    /// Lets the same time pass on both clocks (real-time phases).
    pub fn pause(&mut self, secs: f64) {
        self.wait(secs, secs);
    }

    /// Queues an event at the current time.
    pub fn emit(&mut self, event: Event) {
        self.queue.push_back(Timed {
            at: Duration::from_secs_f64(self.screen),
            job: self.job,
            event,
        });
    }
}
