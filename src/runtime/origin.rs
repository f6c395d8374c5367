//! Where a live screen's run time starts on the monotonic clock.
//!
//! The run is usually joined hours in, and a machine may have been up for less than that (a
//! kiosk started at boot), so the time already run is kept beside the instant the screen
//! started instead of as an instant that far back, which the monotonic clock may not reach.

use std::time::{Duration, Instant};

/// The monotonic instant a screen started and the wall-clock time the run had already run.
#[derive(Clone, Copy, Debug)]
pub struct Origin {
    started: Instant,
    ahead: Duration,
}

impl Origin {
    /// A run that had run `ahead` of wall-clock time when the screen started at `started`.
    pub fn new(started: Instant, ahead: Duration) -> Self {
        Origin { started, ahead }
    }

    /// Run time at `now` at `speed` run seconds per wall second.
    pub fn run_time(&self, now: Instant, speed: f64) -> Duration {
        (now.saturating_duration_since(self.started) + self.ahead).mul_f64(speed)
    }

    /// The instant run time reaches `t` (now or earlier: the screen's start).
    pub fn instant_of(&self, t: Duration, speed: f64) -> Instant {
        self.started + t.div_f64(speed).saturating_sub(self.ahead)
    }

    /// The run jumps ahead by `by` of wall-clock time (the clock was set forward).
    pub fn skip(&mut self, by: Duration) {
        self.ahead += by;
    }

    /// The run goes back by `by` of wall-clock time, never before its own launch.
    pub fn rewind(&mut self, by: Duration) {
        let from_ahead = by.min(self.ahead);
        self.ahead -= from_ahead;
        self.started += by - from_ahead;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_joined_further_back_than_the_uptime_keeps_its_time() {
        let now = Instant::now();
        // Far more than any machine's uptime: an instant that far back does not exist.
        let long = Duration::from_secs(1000 * 86_400);
        let mut o = Origin::new(now, long);
        assert_eq!(o.run_time(now, 1.0), long);
        assert_eq!(
            o.run_time(now + Duration::from_secs(5), 2.0),
            (long + Duration::from_secs(5)) * 2
        );
        assert_eq!(
            o.instant_of(long + Duration::from_secs(3), 1.0),
            now + Duration::from_secs(3)
        );
        assert_eq!(
            o.instant_of(Duration::from_secs(3), 1.0),
            now,
            "the past is now"
        );
        o.skip(Duration::from_secs(3600));
        assert_eq!(o.run_time(now, 1.0), long + Duration::from_secs(3600));
        o.rewind(long + Duration::from_secs(3600 + 10));
        assert_eq!(
            o.run_time(now + Duration::from_secs(10), 1.0),
            Duration::ZERO
        );
        assert_eq!(
            o.run_time(now + Duration::from_secs(11), 1.0),
            Duration::from_secs(1)
        );
    }
}
