//! Human durations: `90s`, `2m`, `1h30m`, `500ms`, `1.5h`, or plain seconds.

use std::time::Duration;

use super::error::ValueError;
use super::limits::Span;

/// A duration within `span`, or an error naming it.
pub fn duration_in(s: &str, span: Span) -> Result<Duration, ValueError> {
    span.check(parse_duration(s)?, s)
}

/// Parses `90s`, `2m`, `1h30m`, `500ms`, `7d` or plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration, ValueError> {
    let err = || {
        ValueError::malformed(
            s,
            "not a duration: use a number with a unit (ms, s, m, h, d), e.g. 90s, 2m, 1h30m",
        )
    };
    let t = s.trim();
    if t.is_empty() {
        return Err(err());
    }
    if let Ok(secs) = t.parse::<f64>() {
        return secs_to_duration(secs).ok_or_else(err);
    }
    let mut total = 0.0f64;
    let mut rest = t;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(err)?;
        if num_end == 0 {
            return Err(err());
        }
        let value: f64 = rest[..num_end].parse().map_err(|_| err())?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match rest[..unit_end].trim() {
            "ms" => 0.001,
            "s" | "sec" | "secs" => 1.0,
            "m" | "min" | "mins" => 60.0,
            "h" | "hr" | "hrs" => 3600.0,
            "d" | "day" | "days" => 86400.0,
            _ => return Err(err()),
        };
        total += value * scale;
        rest = &rest[unit_end..];
    }
    secs_to_duration(total).ok_or_else(err)
}

fn secs_to_duration(secs: f64) -> Option<Duration> {
    (secs.is_finite() && (0.0..=1.0e9).contains(&secs)).then(|| Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_human_forms() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1d2h"), Ok(Duration::from_secs(93600)));
    }

    #[test]
    fn rejects_nonsense() {
        for bad in ["", "s", "10x", "-5s", "1h30", "abc", "1e400"] {
            let e = parse_duration(bad).unwrap_err().to_string();
            assert!(e.contains(bad) && e.contains("90s"), "{bad}: {e}");
        }
    }
}
