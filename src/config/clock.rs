//! Times of day and wall-clock times in config values and flags.

use chrono::{NaiveDateTime, NaiveTime};

use super::error::ValueError;

/// A daily time range; one that ends before it starts runs over midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeRange {
    /// First minute inside.
    pub start: NaiveTime,
    /// First minute outside.
    pub end: NaiveTime,
}

impl TimeRange {
    /// Parses `["22:00", "07:00"]`-style bounds.
    pub fn parse(start: &str, end: &str) -> Result<TimeRange, ValueError> {
        let p = |s: &str| {
            NaiveTime::parse_from_str(s.trim(), "%H:%M")
                .map_err(|_| ValueError::malformed(s, "not a time: use \"HH:MM\""))
        };
        Ok(TimeRange {
            start: p(start)?,
            end: p(end)?,
        })
    }

    /// Whether a time of day falls inside.
    pub fn contains(&self, t: NaiveTime) -> bool {
        if self.start <= self.end {
            t >= self.start && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }
}

/// Parses `YYYY-MM-DD HH:MM:SS` (or with a `T`).
pub fn parse_start(s: &str) -> Result<NaiveDateTime, ValueError> {
    ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s.trim(), f).ok())
        .ok_or_else(|| ValueError::malformed(s, "use \"YYYY-MM-DD HH:MM:SS\""))
}
