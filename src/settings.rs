//! The settings a command runs with: the config file and the flags merged, the seed, and the
//! arithmetic of live and synchronised screens (where a screen joins the run, shared epochs).

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;

use crate::cli::Common;
use crate::config::{self, Config, load_catalog, load_faces};
use crate::error::AppError;
use crate::follow::{Follow, FollowSpec};
use crate::pipeline::{Feed, Look, Pipeline, RunSpec, Source};
use logs::ConsoleConfig;
use raster::Faces;
use sim::{Catalog, Simulation};

/// The 64-bit golden ratio, which spreads consecutive numbers over all bits when multiplied.
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// Configuration after the file and the flags were merged.
#[derive(Clone)]
pub struct Settings {
    /// The merged configuration.
    pub config: Config,
    /// The catalog (built in or overridden from the config directory).
    pub catalog: Arc<Catalog>,
    /// The seed in use.
    pub seed: u64,
    /// The run's start time, if given.
    pub start: Option<NaiveDateTime>,
    /// Synchronised screens: when the run started on the wall clock.
    pub sync_epoch: Option<NaiveDateTime>,
    /// Whose console is shown.
    pub rank: u32,
    /// The faces to draw with (the config's font, checked once).
    pub faces: Faces,
    /// A real job's log to show instead of the simulated run (`-`: stdin).
    pub follow: Option<std::path::PathBuf>,
}

/// Simulated time after which a synchronised run starts over on a new seed (see
/// [`Settings::synced`]); joining a run costs time in proportion to how far in it is.
pub const SYNC_PERIOD: Duration = Duration::from_secs(364 * 86400);

/// A fresh seed when none was given: from the clock and pid, kept short so it is easy to retype.
fn random_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    (nanos ^ (std::process::id() as u64).rotate_left(32)).wrapping_mul(GOLDEN_GAMMA) >> 44
}

/// The 2026-01-01 09:00:00 start used by `render` when `--start` is absent.
pub fn fixed_start() -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .expect("valid date")
}

/// The current local time to the second, the default start of live modes.
pub fn now_start() -> NaiveDateTime {
    use chrono::Timelike;
    let now = chrono::Local::now().naive_local();
    now.with_nanosecond(0).unwrap_or(now)
}

impl Settings {
    /// Reads the config file (flag or platform default), merges flags and loads the catalog.
    pub fn resolve(common: &Common) -> Result<Settings, AppError> {
        let mut config = match &common.config {
            Some(path) => Config::load(path, false),
            None => match config::default_path() {
                Some(path) => Config::load(&path, true),
                None => Ok(Config::default()),
            },
        }?;
        if let Some(v) = common.speed {
            config.speed = v;
        }
        if let Some(v) = common.theme {
            config.theme = v;
        }
        if let Some(v) = common.flavor {
            config.flavor = v;
        }
        if let Some(v) = common.font_size {
            config.font_size = v;
        }
        if let Some(v) = common.layout {
            config.layout = v;
        }
        if common.from_start {
            config.join_running = false;
        }
        let seed = common.seed.or(config.seed).unwrap_or_else(random_seed);
        let data_dir = config::config_dir().map(|d| d.join("data"));
        let catalog = load_catalog(data_dir.as_deref())?;
        let config_font = config.font.clone();
        Ok(Settings {
            sync_epoch: common.sync_epoch.or(config.sync_epoch),
            config,
            catalog: Arc::new(catalog),
            seed,
            start: common.start,
            rank: common.rank.unwrap_or(0),
            faces: load_faces(config_font.as_deref())?,
            follow: common.follow.clone(),
        })
    }

    /// The look (theme, font, sizes) from the config.
    pub fn look(&self) -> Look {
        let theme = self.config.theme;
        Look {
            theme: self.config.colors.apply(theme),
            faces: self.faces.clone(),
            font_size: self.config.font_size,
            rows: self.config.rows,
            columns: self.config.columns,
            padding: self.config.padding as f32,
            scrollback: self.config.scrollback,
            pixel_scale: self.config.pixel_scale,
            effects: self.config.effects.resolve(theme),
            drift_px: self.config.drift_px,
            drift_period: self.config.drift_period.as_secs_f64(),
            layout: self.config.layout,
        }
    }

    /// Console settings with the given default start time.
    pub fn console(&self, default_start: NaiveDateTime) -> ConsoleConfig {
        ConsoleConfig {
            // Synchronised screens share the epoch as the run's start.
            start: self.sync_epoch.or(self.start).unwrap_or(default_start),
            rank: self.rank,
            disclosure: self.config.disclosure,
        }
    }

    /// The simulated run on the configured console.
    pub fn run(&self, default_start: NaiveDateTime) -> RunSpec {
        RunSpec {
            seed: self.seed,
            framework: self.config.flavor.framework(),
            catalog: self.catalog.clone(),
            console: self.console(default_start),
        }
    }

    /// The simulated run's feed, written on a console in each job's style.
    pub fn feed(&self, default_start: NaiveDateTime) -> Feed {
        Feed::new(self.run(default_start))
    }

    /// Where a live screen opening at `now` starts: the job clock's zero on the wall and the
    /// wall time already elapsed in the run. Synchronised screens use the shared epoch; an
    /// explicit `--start` starts there; otherwise the screen joins the first job at a seeded
    /// moment (`join_running`), its timestamps reading `now` on the first frame.
    pub fn live_origin(&self, now: NaiveDateTime) -> (NaiveDateTime, Duration) {
        if let Some(epoch) = self.sync_epoch {
            return (epoch, self.elapsed_since_epoch(now));
        }
        if self.start.is_some() || !self.config.join_running {
            return (self.start.unwrap_or(now), Duration::ZERO);
        }
        let lead = Simulation::join_point(self.seed, &self.catalog, self.config.flavor.framework());
        let start = chrono::Duration::from_std(lead)
            .ok()
            .and_then(|d| now.checked_sub_signed(d))
            .unwrap_or(now);
        (start, lead.div_f64(self.config.speed))
    }

    /// A pipeline for frames of the given size.
    pub fn pipeline(&self, default_start: NaiveDateTime, width: usize, height: usize) -> Pipeline {
        if let Some(follow) = self.following(default_start) {
            // A real log runs at the wall clock's pace.
            let source = Source::Follow(Box::new(follow));
            return Pipeline::from_source(source, &self.look(), 1.0, width, height);
        }
        Pipeline::new(
            self.run(default_start),
            &self.look(),
            self.config.speed,
            width,
            height,
        )
    }

    /// The followed log, when `--follow` names one, with the simulated run to stand in.
    pub fn following(&self, default_start: NaiveDateTime) -> Option<Follow> {
        let path = self.follow.clone()?;
        let run = self.run(default_start);
        Some(Follow::new(FollowSpec {
            path,
            idle: self.config.follow_idle,
            fallback: self.config.follow_fallback,
            stand_in: Box::new(move || Box::new(Feed::new(run.clone()))),
        }))
    }

    /// Wall-clock time elapsed since the synchronised epoch (zero when not synchronised).
    pub fn elapsed_since_epoch(&self, now: NaiveDateTime) -> Duration {
        self.sync_epoch
            .and_then(|e| (now - e).to_std().ok())
            .unwrap_or(Duration::ZERO)
    }

    /// The settings a synchronised screen uses at `now`: a shared run more than
    /// [`SYNC_PERIOD`] of simulated time old is rebased by whole periods onto a new epoch and
    /// seed, so screens that start in the same period agree and joining costs bounded time
    /// however long ago the epoch was set. (A screen running across a period boundary keeps
    /// the old period until restarted.)
    pub fn synced(&self, now: NaiveDateTime) -> Settings {
        let mut s = self.clone();
        let Some(epoch) = self.sync_epoch else {
            return s;
        };
        let period = SYNC_PERIOD.div_f64(self.config.speed);
        let elapsed = self.elapsed_since_epoch(now);
        let periods = (elapsed.as_secs_f64() / period.as_secs_f64()).floor();
        if periods >= 1.0 {
            let shift = chrono::Duration::from_std(period.mul_f64(periods))
                .unwrap_or(chrono::Duration::zero());
            s.sync_epoch = epoch.checked_add_signed(shift).or(Some(epoch));
            s.seed = self.seed ^ (periods as u64).wrapping_mul(GOLDEN_GAMMA);
        }
        s
    }

    /// Tells the user which seed replays this run.
    pub fn announce_seed(&self) {
        note!(
            "trainsaver: seed {} (replay with --seed {})",
            self.seed,
            self.seed
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(epoch: &str, speed: f64) -> Settings {
        let config = Config {
            speed,
            ..Config::default()
        };
        Settings {
            config,
            catalog: Arc::new(Catalog::builtin()),
            seed: 7,
            start: None,
            sync_epoch: Some(config::parse_start(epoch).unwrap()),
            rank: 0,
            faces: Faces::bundled(),
            follow: None,
        }
    }

    #[test]
    fn old_sync_epochs_are_rebased_by_whole_periods() {
        let now = config::parse_start("2027-06-01 12:00:00").unwrap();
        // Under a period old: unchanged.
        let s = settings("2027-05-01 12:00:00", 1.0).synced(now);
        assert_eq!(
            (s.seed, s.sync_epoch),
            (7, Some(config::parse_start("2027-05-01 12:00:00").unwrap()))
        );
        // Three years old: rebased to under one period, on another seed.
        let s = settings("2024-05-01 12:00:00", 1.0).synced(now);
        assert!(s.elapsed_since_epoch(now) < SYNC_PERIOD);
        assert_ne!(s.seed, 7);
        // Every screen asking during the same period agrees.
        let later = now + chrono::Duration::hours(5);
        let t = settings("2024-05-01 12:00:00", 1.0).synced(later);
        assert_eq!((t.seed, t.sync_epoch), (s.seed, s.sync_epoch));
        // The period is in simulated time: at speed 100 a few days of wall time cover it.
        let fast = settings("2027-05-20 12:00:00", 100.0).synced(now);
        assert!(fast.elapsed_since_epoch(now).mul_f64(100.0) < SYNC_PERIOD);
    }
}
