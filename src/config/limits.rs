//! Every bound a config key or flag has, written once: the check and the error text both
//! come from it.

use std::fmt;
use std::time::Duration;

use super::error::ValueError;

/// An allowed range of numbers, with the unit its error names.
#[derive(Clone, Copy, Debug)]
pub struct Bounds<T> {
    /// Smallest allowed.
    pub min: T,
    /// Largest allowed.
    pub max: T,
    /// Unit shown after the range (empty for none).
    pub unit: &'static str,
}

impl<T: PartialOrd + Copy + fmt::Display> Bounds<T> {
    /// Whether `v` is allowed.
    pub fn contains(&self, v: T) -> bool {
        self.min <= v && v <= self.max
    }

    /// `v` if it is allowed, else an error naming the bounds.
    pub fn check(&self, v: T) -> Result<T, ValueError> {
        if self.contains(v) {
            Ok(v)
        } else {
            Err(ValueError::OutOfRange {
                value: v.to_string(),
                allowed: self.to_string(),
            })
        }
    }
}

impl<T: fmt::Display> fmt::Display for Bounds<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} to {}", self.min, self.max)?;
        if !self.unit.is_empty() {
            write!(f, " ({})", self.unit)?;
        }
        Ok(())
    }
}

/// An allowed range of durations, shown in the largest whole unit (`1s to 24h`).
#[derive(Clone, Copy, Debug)]
pub struct Span {
    /// Shortest allowed.
    pub min: Duration,
    /// Longest allowed.
    pub max: Duration,
}

impl Span {
    /// `v` if it is allowed, else an error naming the span (`text` is the value as given).
    pub fn check(&self, v: Duration, text: &str) -> Result<Duration, ValueError> {
        if self.min <= v && v <= self.max {
            Ok(v)
        } else {
            Err(ValueError::OutOfRange {
                value: format!("`{text}`"),
                allowed: self.to_string(),
            })
        }
    }
}

/// A duration in its largest whole unit: days from two days up, then hours, minutes, seconds.
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        s if s >= 2 * 86_400 && s.is_multiple_of(86_400) => format!("{}d", s / 86_400),
        s if s >= 3600 && s.is_multiple_of(3600) => format!("{}h", s / 3600),
        s if s >= 60 && s.is_multiple_of(60) => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} to {}", human(self.min), human(self.max))
    }
}

const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// Simulated seconds per wall-clock second (slower than 1/1000 would overflow the simulated
/// clock's durations).
pub const SPEED: Bounds<f64> = Bounds {
    min: 0.001,
    max: 10_000.0,
    unit: "",
};
/// Font size in pixels.
pub const FONT_PX: Bounds<f64> = Bounds {
    min: 6.0,
    max: 160.0,
    unit: "pixels",
};
/// Rows on screen when the font size is automatic.
pub const ROWS: Bounds<u32> = Bounds {
    min: 8,
    max: 200,
    unit: "",
};
/// Columns the automatic font size fits, when given.
pub const COLUMNS: Bounds<u32> = Bounds {
    min: 20,
    max: 1000,
    unit: "",
};
/// Internal resolution divisor.
pub const PIXEL_SCALE: Bounds<u32> = Bounds {
    min: 1,
    max: 4,
    unit: "",
};
/// Input ignored after the saver appears.
pub const INPUT_GRACE_MS: Bounds<u64> = Bounds {
    min: 0,
    max: 10_000,
    unit: "milliseconds",
};
/// Pointer travel that ends the saver.
pub const MOTION_THRESHOLD: Bounds<f64> = Bounds {
    min: 0.0,
    max: 10_000.0,
    unit: "pixels",
};
/// Brightness while dimmed.
pub const DIM_LEVEL: Bounds<f32> = Bounds {
    min: 0.0,
    max: 1.0,
    unit: "",
};
/// Burn-in drift range.
pub const DRIFT_PX: Bounds<u32> = Bounds {
    min: 0,
    max: 64,
    unit: "pixels",
};
/// Empty pixels around the text.
pub const PADDING: Bounds<u32> = Bounds {
    min: 0,
    max: 400,
    unit: "pixels",
};
/// Lines kept above the screen.
pub const SCROLLBACK: Bounds<usize> = Bounds {
    min: 0,
    max: 100_000,
    unit: "lines",
};
/// Frames drawn per second at most.
pub const MAX_FPS: Bounds<u32> = Bounds {
    min: 1,
    max: 240,
    unit: "",
};
/// Monitor indices.
pub const MONITOR: Bounds<i64> = Bounds {
    min: 0,
    max: 63,
    unit: "",
};
/// `render` frame sides.
pub const SIZE_SIDE: Bounds<u32> = Bounds {
    min: 16,
    max: 16_384,
    unit: "pixels",
};
/// `bench --frames`.
pub const BENCH_FRAMES: Bounds<usize> = Bounds {
    min: 1,
    max: 100_000,
    unit: "",
};
/// The daemon's idle timeout.
pub const IDLE: Span = Span {
    min: secs(1),
    max: secs(86_400),
};
/// `follow_idle`: how long a followed log may be silent before the screen says so.
pub const FOLLOW_IDLE: Span = Span {
    min: secs(10),
    max: secs(7 * 86_400),
};
/// Time the burn-in drift takes to go round its path.
pub const DRIFT_PERIOD: Span = Span {
    min: secs(10),
    max: secs(7 * 86_400),
};
/// `render --clip`: the simulated span of a clip.
pub const CLIP: Span = Span {
    min: secs(1),
    max: secs(600),
};
/// Frames per second of a clip.
pub const CLIP_FPS: Bounds<u32> = Bounds {
    min: 1,
    max: 50,
    unit: "",
};
/// `render --at`: at most a year of simulated time (reaching it takes about 3 s).
pub const RENDER_AT: Span = Span {
    min: secs(0),
    max: secs(366 * 86_400),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_check_and_say_what_is_allowed() {
        assert_eq!(ROWS.check(40), Ok(40));
        let e = ROWS.check(7).unwrap_err().to_string();
        assert_eq!(e, "7 is out of range: allowed 8 to 200");
        assert_eq!(PADDING.to_string(), "0 to 400 (pixels)");
        assert_eq!(IDLE.to_string(), "1s to 24h");
        assert_eq!(DRIFT_PERIOD.to_string(), "10s to 7d");
        assert_eq!(RENDER_AT.to_string(), "0s to 366d");
        assert!(IDLE.check(secs(0), "0s").is_err());
        assert!(!SPEED.contains(0.0) && SPEED.contains(0.001));
    }
}
