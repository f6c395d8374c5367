//! The window modes (no subcommand): preview window, fullscreen saver, kiosk, or drawn inside
//! a host's window.

use std::time::Duration;

use crate::cli::WindowFlags;
use crate::config::{Monitors, MultiMonitor};
use crate::error::{AppError, UsageError};
use crate::pipeline::Pipeline;
use crate::runtime::input::{InputMode, InputPolicy};
use crate::runtime::lock;
use crate::runtime::night::Schedule;
use crate::runtime::window::{Factory, Placement, RuntimeOptions, run as run_window};
use crate::session::Session;
use crate::settings::{Settings, now_start};
use sim::GPUS_PER_NODE;

/// The one-saver-per-display lock: `None` when another saver holds it (this one leaves), else
/// the lock, if one could be taken.
fn one_saver(session: &Session) -> Option<Option<lock::InstanceLock>> {
    // Keyed by the display the window will really open on: a stale WAYLAND_DISPLAY falls back
    // to X11 there, so it must here too.
    let key = lock::display_key(session.wayland.as_deref(), session.x11.as_deref());
    // A lock directory that cannot be made private must not keep the saver away (another user
    // could plant one in /tmp): run unlocked, and say so.
    match lock::lock_dir().and_then(|dir| lock::acquire_in(&dir, &key)) {
        Ok(lock::Lock::Acquired(l)) => Some(Some(l)),
        Ok(lock::Lock::Held { pid }) => {
            let by = pid.map_or(String::new(), |p| format!(" (pid {p})"));
            note!("trainsaver: already running on display {key}{by}; not starting another");
            None
        }
        Err(e) => {
            note!("trainsaver: warning: no single-instance lock: {e}");
            Some(None)
        }
    }
}

/// The window modes: preview (default), fullscreen saver, kiosk, or embedded in a host window.
pub fn run(s: &Settings, flags: &WindowFlags) -> Result<(), AppError> {
    let c = &s.config;
    let grace = Duration::from_millis(c.input_grace_ms);
    let chord = c.kiosk_chord.clone();
    let monitors = match flags.monitor {
        Some(n) => Monitors::List(vec![n]),
        None => c.monitors.clone(),
    };
    let embed_parent = || -> Result<u32, AppError> {
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            use crate::runtime::x11::{parse_window_id, root_window};
            let from_env = std::env::var("XSCREENSAVER_WINDOW").ok();
            let given = |origin: &'static str, text: &str| {
                parse_window_id(text).map_err(|source| UsageError::WindowId { origin, source })
            };
            Ok(match (&flags.window_id, from_env) {
                (Some(id), _) => given("--window-id", id)?,
                (None, Some(env)) => given("$XSCREENSAVER_WINDOW", &env)?,
                (None, None) => root_window()?,
            })
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        Err(UsageError::EmbedUnsupported.into())
    };
    let session = Session::detect();
    let (mode, placement) = if flags.root || flags.window_id.is_some() {
        (InputMode::Embedded, Placement::Embed(embed_parent()?))
    } else if flags.kiosk {
        (InputMode::Kiosk, Placement::Fullscreen(monitors))
    } else if flags.fullscreen {
        (InputMode::Saver, Placement::Fullscreen(monitors))
    } else {
        (InputMode::Preview, Placement::Window(1280, 720))
    };
    // One saver per display; a second one leaves quietly (idle hooks may fire twice).
    let _lock = if matches!(mode, InputMode::Saver | InputMode::Kiosk) {
        match one_saver(&session) {
            Some(l) => l,
            None => return Ok(()),
        }
    } else {
        None
    };
    let now = now_start();
    let synced = s.synced(now);
    let s = &synced;
    s.announce_seed();
    let (start, elapsed) = s.live_origin(now);
    // A followed log is shown as it comes, from the moment the screen opens.
    let elapsed = if s.follow.is_some() {
        Duration::ZERO
    } else {
        elapsed
    };
    let independent = c.multi_monitor == MultiMonitor::Independent;
    let factory: Factory<'_> = Box::new(move |view, w, h| {
        if s.follow.is_some() {
            return s.pipeline(start, w, h);
        }
        let mut run = s.run(start);
        // Each screen shows a different node's first rank; the run itself is the same.
        if independent {
            run.console.rank = run.console.rank.wrapping_add(view as u32 * GPUS_PER_NODE);
        }
        Pipeline::new(run, &s.look(), c.speed, w, h)
    });
    let opts = RuntimeOptions {
        title: "trainsaver".into(),
        placement,
        policy: InputPolicy::new(mode, grace, c.motion_threshold, chord),
        presenter: flags.presenter.unwrap_or(c.presenter),
        max_fps: c.max_fps,
        hide_cursor: matches!(mode, InputMode::Saver | InputMode::Kiosk),
        elapsed,
        schedule: Schedule {
            dim: c.dim_between,
            dim_level: c.dim_level,
            blank: c.blank_between,
        },
        session,
        synced: s.sync_epoch.is_some() && s.follow.is_none(),
    };
    Ok(run_window(factory, opts)?)
}
