//! Safe for weeks: night-time dimming and blanking by local time.

use chrono::NaiveTime;

use crate::config::TimeRange;

/// How bright the screen should be.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Light {
    /// Full brightness.
    Normal,
    /// Dimmed to this level (0-1).
    Dim(f32),
    /// Black: the panel rests.
    Blank,
}

/// The dimming and blanking schedule.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Schedule {
    /// When to dim.
    pub dim: Option<TimeRange>,
    /// Brightness while dimmed.
    pub dim_level: f32,
    /// When to show black (wins over dimming).
    pub blank: Option<TimeRange>,
}

impl Schedule {
    /// The light at a time of day.
    pub fn at(&self, t: NaiveTime) -> Light {
        if self.blank.is_some_and(|r| r.contains(t)) {
            Light::Blank
        } else if self.dim.is_some_and(|r| r.contains(t)) {
            Light::Dim(self.dim_level)
        } else {
            Light::Normal
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }

    #[test]
    fn ranges_cross_midnight() {
        let night = TimeRange::parse("22:00", "07:00").unwrap();
        assert!(
            night.contains(t("23:30")) && night.contains(t("03:00")) && !night.contains(t("12:00"))
        );
        assert!(!night.contains(t("07:00")) && night.contains(t("22:00")));
        let day = TimeRange::parse("09:00", "17:00").unwrap();
        assert!(day.contains(t("12:00")) && !day.contains(t("20:00")));
        assert!(TimeRange::parse("25:00", "07:00").is_err());
    }

    #[test]
    fn blank_wins_over_dim() {
        let s = Schedule {
            dim: Some(TimeRange::parse("20:00", "08:00").unwrap()),
            dim_level: 0.3,
            blank: Some(TimeRange::parse("01:00", "05:00").unwrap()),
        };
        assert_eq!(s.at(t("12:00")), Light::Normal);
        assert_eq!(s.at(t("21:00")), Light::Dim(0.3));
        assert_eq!(s.at(t("02:00")), Light::Blank);
        assert_eq!(Schedule::default().at(t("02:00")), Light::Normal);
    }
}
