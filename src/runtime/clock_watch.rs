//! The wall clock against the monotonic one: a suspend and resume, an NTP correction or a
//! manual change moves the first and not the second; a DST change moves neither but the local
//! time's offset. The screens follow what a real process's log would show: the job (on a
//! cluster, not this machine) ran on while the laptop slept, and timestamps read the wall.

use std::time::{Instant, SystemTime};

/// Skew below this is clock noise, not a jump.
const TOLERANCE_SECS: f64 = 2.0;

/// What changed since the last look.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ClockChange {
    /// The wall clock moved this many seconds more than the monotonic clock (negative: back).
    pub jump: Option<f64>,
    /// The local time's UTC offset changed by this many seconds (a DST change).
    pub offset: Option<i32>,
}

/// One reading of the clocks.
#[derive(Clone, Copy, Debug)]
pub struct Reading {
    /// The wall clock.
    pub wall: SystemTime,
    /// The monotonic clock.
    pub mono: Instant,
    /// The local time's offset from UTC, seconds.
    pub offset: i32,
}

impl Reading {
    /// The clocks now.
    pub fn now() -> Reading {
        Reading {
            wall: SystemTime::now(),
            mono: Instant::now(),
            offset: chrono::Local::now().offset().local_minus_utc(),
        }
    }
}

/// Compares each reading with the previous one.
#[derive(Clone, Copy, Debug)]
pub struct ClockWatch {
    last: Reading,
}

impl ClockWatch {
    /// A watch starting from `r`.
    pub fn new(r: Reading) -> ClockWatch {
        ClockWatch { last: r }
    }

    /// A watch starting now.
    pub fn start() -> ClockWatch {
        ClockWatch::new(Reading::now())
    }

    /// What changed between the last reading and `r`.
    pub fn observe(&mut self, r: Reading) -> ClockChange {
        let wall = match r.wall.duration_since(self.last.wall) {
            Ok(d) => d.as_secs_f64(),
            Err(e) => -e.duration().as_secs_f64(),
        };
        let mono = r
            .mono
            .saturating_duration_since(self.last.mono)
            .as_secs_f64();
        let skew = wall - mono;
        let change = ClockChange {
            jump: (skew.abs() > TOLERANCE_SECS).then_some(skew),
            offset: (r.offset != self.last.offset).then_some(r.offset - self.last.offset),
        };
        self.last = r;
        change
    }

    /// What changed since the last look, reading the clocks now.
    pub fn check(&mut self) -> ClockChange {
        self.observe(Reading::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn jumps_and_offset_changes_are_told_apart_from_time_passing() {
        let t0 = Reading::now();
        let mut w = ClockWatch::new(t0);
        let at = |wall: i64, mono: u64, offset: i32| Reading {
            wall: if wall >= 0 {
                t0.wall + Duration::from_secs(wall as u64)
            } else {
                t0.wall - Duration::from_secs((-wall) as u64)
            },
            mono: t0.mono + Duration::from_secs(mono),
            offset,
        };
        // Time passing on both clocks alike, give or take a second.
        assert_eq!(w.observe(at(10, 10, t0.offset)), ClockChange::default());
        assert_eq!(w.observe(at(21, 20, t0.offset)), ClockChange::default());
        // Resumed after 8 h asleep: the wall moved, the monotonic clock did not.
        let c = w.observe(at(21 + 28_800, 21, t0.offset));
        assert!((c.jump.unwrap() - 28_799.0).abs() < 1e-6, "{c:?}");
        // NTP sets the clock back an hour.
        let c = w.observe(at(21 + 28_800 - 3_600, 22, t0.offset));
        assert!((c.jump.unwrap() + 3_601.0).abs() < 1e-6, "{c:?}");
        // Summer time ends: the offset falls by an hour, the clocks run on.
        let c = w.observe(at(21 + 28_800 - 3_600 + 5, 27, t0.offset - 3_600));
        assert_eq!(
            c,
            ClockChange {
                jump: None,
                offset: Some(-3_600)
            }
        );
    }
}
