//! When the daemon starts the saver: idle timeout, one saver at a time, crash backoff. Pure logic.

use std::time::{Duration, Instant};

/// First wait after a saver crashed; doubles each time, up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_secs(2);
/// Longest wait after repeated crashes.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// What the daemon should do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Start the saver.
    Launch,
    /// Check again after this long.
    Wait(Duration),
}

/// Decides launches from idle times.
#[derive(Debug)]
pub struct Scheduler {
    timeout: Duration,
    /// After a launch the user must come back (idle drops) before the next one.
    need_new_period: bool,
    last_idle: Duration,
    backoff: Duration,
    not_before: Option<Instant>,
}

impl Scheduler {
    /// A scheduler launching after `timeout` of idle time.
    pub fn new(timeout: Duration) -> Self {
        Scheduler {
            timeout,
            need_new_period: false,
            last_idle: Duration::ZERO,
            backoff: FIRST_BACKOFF,
            not_before: None,
        }
    }

    /// Changes the timeout (config reload).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// The decision for the current idle time; `inhibited` when something (a fullscreen video)
    /// asks not to start.
    pub fn decide(&mut self, idle: Duration, inhibited: bool, now: Instant) -> Action {
        if idle < self.last_idle {
            // Input happened since the last look: a new idle period begins.
            self.need_new_period = false;
        }
        self.last_idle = idle;
        let poll = Duration::from_millis(250);
        if self.need_new_period || inhibited {
            return Action::Wait(poll);
        }
        if let Some(t) = self.not_before
            && now < t
        {
            return Action::Wait((t - now).min(poll));
        }
        if idle >= self.timeout {
            self.need_new_period = true;
            return Action::Launch;
        }
        // Sleep until the timeout could be reached, but look often enough to notice input.
        Action::Wait((self.timeout - idle).clamp(Duration::from_millis(50), poll))
    }

    /// The saver ended; `ok` when it exited cleanly (user input), false when it failed.
    pub fn saver_exited(&mut self, ok: bool, now: Instant) {
        if ok {
            self.backoff = FIRST_BACKOFF;
            self.not_before = None;
        } else {
            self.not_before = Some(now + self.backoff);
            self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        }
    }

    #[cfg(test)]
    /// The wait imposed by the last failure, if any.
    pub fn backoff_until(&self) -> Option<Instant> {
        self.not_before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn launches_once_per_idle_period() {
        let t0 = Instant::now();
        let mut s = Scheduler::new(S(5));
        assert!(matches!(s.decide(S(1), false, t0), Action::Wait(_)));
        assert_eq!(s.decide(S(5), false, t0), Action::Launch);
        // Still the same idle period (the saver ran, nobody touched anything): no relaunch.
        s.saver_exited(true, t0);
        assert!(matches!(s.decide(S(9), false, t0), Action::Wait(_)));
        // Input resets the idle time: the countdown starts again.
        assert!(matches!(s.decide(S(0), false, t0), Action::Wait(_)));
        assert_eq!(s.decide(S(5), false, t0), Action::Launch);
    }

    #[test]
    fn inhibition_holds_launches() {
        let t0 = Instant::now();
        let mut s = Scheduler::new(S(2));
        assert!(matches!(s.decide(S(10), true, t0), Action::Wait(_)));
        assert_eq!(s.decide(S(11), false, t0), Action::Launch);
    }

    #[test]
    fn failures_back_off_and_need_a_new_period() {
        let t0 = Instant::now();
        let mut s = Scheduler::new(S(1));
        assert_eq!(s.decide(S(1), false, t0), Action::Launch);
        s.saver_exited(false, t0);
        // Same idle period: never again, however long.
        assert!(matches!(
            s.decide(S(100), false, t0 + S(100)),
            Action::Wait(_)
        ));
        // New idle period but inside the backoff: wait.
        s.decide(S(0), false, t0 + S(1));
        assert!(matches!(s.decide(S(1), false, t0 + S(1)), Action::Wait(_)));
        assert_eq!(s.decide(S(2), false, t0 + FIRST_BACKOFF), Action::Launch);
        s.saver_exited(false, t0 + S(3));
        assert_eq!(
            s.backoff_until(),
            Some(t0 + S(3) + FIRST_BACKOFF * 2),
            "backoff doubles"
        );
        s.saver_exited(true, t0 + S(4));
        assert_eq!(s.backoff_until(), None, "a clean exit resets it");
    }
}
