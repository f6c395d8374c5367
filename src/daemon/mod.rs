//! `trainsaver daemon`: watches idle time and runs the saver as a child when the desk is idle.

pub mod bus_checks;
pub mod bus_service;
pub mod idle;
pub mod inhibit;
pub mod mutter_idle;
pub mod policy;
pub mod wayland_idle;

use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::{Duration, Instant};

use crate::config::IdleSourceKind;
use crate::session::Session;
use idle::{IdleError, IdleSource, X11Idle};
use mutter_idle::MutterIdle;
use policy::{Action, Scheduler};
use wayland_idle::WaylandIdle;

/// Settings the daemon runs with (reloaded on SIGHUP).
#[derive(Clone, Debug, PartialEq)]
pub struct DaemonSettings {
    /// Idle time before the saver starts.
    pub idle: Duration,
    /// Hold the saver back while a fullscreen window shows.
    pub inhibit_fullscreen: bool,
    /// Serve `org.freedesktop.ScreenSaver` on the session bus (read at start only).
    pub dbus_service: bool,
    /// Where idle time comes from (read at start only).
    pub source: IdleSourceKind,
    /// Hold the saver back while an MPRIS player is playing (read at start only).
    pub skip_when_playing: bool,
}

/// How the daemon was started.
pub struct DaemonOptions {
    /// The saver command line (program and arguments).
    pub command: Vec<String>,
    /// Launch at most once, then exit when the saver ends.
    pub once: bool,
    /// Log every decision, not only launches and exits.
    pub verbose: bool,
}

/// Timestamped log line on stderr; control characters in it are escaped, so nothing a
/// client says can start a line of its own.
fn log(msg: &str) {
    let msg: String = msg
        .chars()
        .flat_map(|c| {
            let esc =
                c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}');
            let one = (!esc).then_some(c).into_iter();
            let escaped = esc.then(|| c.escape_debug()).into_iter().flatten();
            one.chain(escaped)
        })
        .collect();
    note!(
        "{} trainsaver daemon: {msg}",
        chrono::Local::now().format("%Y-%m-%d %H:%M:%S")
    );
}

/// The running saver's process group (0: none), for a stop that cannot wait for the loop.
static SAVER: AtomicI32 = AtomicI32::new(0);

fn terminate(child: &mut Child) {
    // The child leads its own process group (see `spawn_saver`): signalling the group reaches
    // a saver started through `sh -c` too. SIGTERM first so it restores everything, then make
    // sure the whole group is gone. The leader is not reaped until the end, so its pid, and
    // with it the group id, cannot be reused by an unrelated process meanwhile.
    let pid = child.id() as libc::pid_t;
    // SAFETY: kill(2) on our child's process group with a valid signal has no memory effects.
    unsafe {
        libc::kill(-pid, libc::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline && !exited_unreaped(pid) {
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: as above; members that already left make this a no-op.
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
    let _ = child.wait();
}

/// Whether our child `pid` has exited, leaving it a zombie for a later wait.
fn exited_unreaped(pid: libc::pid_t) -> bool {
    // SAFETY: an all-zero siginfo_t is a valid value for waitid to fill in.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: waitid on our own child with WNOWAIT only reads its state.
    let r = unsafe {
        libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        )
    };
    // SAFETY: si_pid is set by waitid when a child's state was reported, else left zero.
    r != 0 || unsafe { info.si_pid() } != 0
}

/// Starts the saver command as the leader of a new process group.
fn spawn_saver(command: &[String]) -> std::io::Result<Child> {
    use std::os::unix::process::CommandExt as _;
    Command::new(&command[0])
        .args(&command[1..])
        .process_group(0)
        .spawn()
}

/// Why the daemon stopped with an error (all of them run-time failures, exit code 1).
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// Nothing reports idle time in this session.
    #[error(
        "no idle source: {0}. A compositor without an idle protocol can run `trainsaver --fullscreen` from its own idle daemon or swayidle/hypridle (see README, \"Idle hooks\")"
    )]
    NoIdleSource(IdleError),
    /// Neither a Wayland nor an X11 display.
    #[error(
        "no idle source: neither WAYLAND_DISPLAY names a live Wayland socket nor is DISPLAY set. Without a display session, run `trainsaver --fullscreen` from the session's own idle daemon or swayidle/hypridle (see README, \"Idle hooks\")"
    )]
    NoDisplay,
    /// The idle source failed while running (the X server died).
    #[error("idle source: {0}")]
    IdleSource(IdleError),
    /// Signal handlers could not be installed.
    #[error("cannot handle signals: {0}")]
    Signals(std::io::Error),
    /// With `--once`: the one saver failed.
    #[error("the saver failed ({0})")]
    SaverFailed(std::process::ExitStatus),
    /// With `--once`: the one saver could not start.
    #[error("the saver failed (cannot start: {0})")]
    SaverStart(std::io::Error),
    /// The saver's status could not be read.
    #[error("waiting for the saver: {0}")]
    Wait(std::io::Error),
}

/// Runs until SIGTERM/SIGINT (or, with `once`, until the first saver ends), on the idle source
/// of the session (or the configured one).
pub fn run<E: std::fmt::Display>(
    opts: DaemonOptions,
    settings: DaemonSettings,
    reload: impl Fn() -> Result<DaemonSettings, E>,
) -> Result<(), DaemonError> {
    let session = Session::detect();
    match settings.source {
        IdleSourceKind::Gnome => {
            let src = MutterIdle::connect().map_err(DaemonError::NoIdleSource)?;
            log("idle source: GNOME (org.gnome.Mutter.IdleMonitor)");
            return run_signalled(src, opts, settings, reload);
        }
        IdleSourceKind::Auto if session.gnome => match MutterIdle::connect() {
            Ok(src) => {
                log("idle source: GNOME (org.gnome.Mutter.IdleMonitor)");
                return run_signalled(src, opts, settings, reload);
            }
            Err(e) => log(&format!("GNOME session but no mutter idle monitor ({e})")),
        },
        _ => {}
    }
    let use_wayland = match settings.source {
        IdleSourceKind::Wayland => true,
        IdleSourceKind::X11 | IdleSourceKind::Gnome => false,
        IdleSourceKind::Auto => session.wayland.is_some(),
    };
    if use_wayland {
        let src = WaylandIdle::connect().map_err(DaemonError::NoIdleSource)?;
        log(&format!("idle source: Wayland ({})", src.protocol));
        return run_signalled(src, opts, settings, reload);
    }
    if session.x11.is_none() {
        return Err(DaemonError::NoDisplay);
    }
    let src = X11Idle::connect().map_err(|e| DaemonError::NoIdleSource(e.into()))?;
    log("idle source: X11 (MIT-SCREEN-SAVER)");
    run_signalled(src, opts, settings, reload)
}

/// How long a stop waits for the loop (busy with a display that does not answer) before it
/// ends the saver and the daemon itself.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// [`run_with`] stopped by SIGTERM/SIGINT and reloaded by SIGHUP. Signals are taken on their
/// own thread: a stop asked for while the loop waits on a frozen display or bus still ends
/// the saver and the daemon within [`STOP_GRACE`].
fn run_signalled<E: std::fmt::Display>(
    src: impl IdleSource,
    opts: DaemonOptions,
    settings: DaemonSettings,
    reload: impl Fn() -> Result<DaemonSettings, E>,
) -> Result<(), DaemonError> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let stop = Arc::new(AtomicBool::new(false));
    let hup = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP])
        .map_err(DaemonError::Signals)?;
    let (s, h, d) = (stop.clone(), hup.clone(), done.clone());
    std::thread::spawn(move || {
        for sig in signals.forever() {
            if sig == SIGHUP {
                h.store(true, Ordering::SeqCst);
                continue;
            }
            s.store(true, Ordering::SeqCst);
            let deadline = Instant::now() + STOP_GRACE;
            while Instant::now() < deadline && !d.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(20));
            }
            if !d.load(Ordering::SeqCst) {
                log("the idle source does not answer: stopping the saver and exiting without it");
                let pgid = SAVER.load(Ordering::SeqCst);
                if pgid > 0 {
                    // SAFETY: kill(2) on the saver's process group has no memory effects.
                    unsafe {
                        libc::kill(-pgid, libc::SIGKILL);
                    }
                }
                std::process::exit(0);
            }
        }
    });
    let r = run_with(src, Flags { stop, hup }, opts, settings, reload);
    done.store(true, Ordering::SeqCst);
    r
}

/// What asks the loop to stop or to reload (set by signal handlers, or by tests).
pub struct Flags {
    /// Stop (SIGTERM, SIGINT).
    pub stop: Arc<AtomicBool>,
    /// Reload the settings (SIGHUP).
    pub hup: Arc<AtomicBool>,
}

/// The saver exited with `status`: the backoff and the bus learn of it.
fn saver_ended(
    status: std::process::ExitStatus,
    sched: &mut Scheduler,
    holds: &inhibit::Shared,
) -> Result<(), DaemonError> {
    let ok = status.success();
    if ok {
        log("saver ended (user is back)");
    } else {
        log(&format!(
            "saver failed ({status}); retrying on the next idle period after a backoff"
        ));
    }
    sched.saver_exited(ok, Instant::now());
    SAVER.store(0, Ordering::SeqCst);
    inhibit::lock(holds).set_active(false, Instant::now());
    if ok {
        Ok(())
    } else {
        Err(DaemonError::SaverFailed(status))
    }
}

/// SIGHUP: the config is read again; a bad one keeps the old settings.
fn reload_settings<E: std::fmt::Display>(
    reload: impl Fn() -> Result<DaemonSettings, E>,
    settings: &mut DaemonSettings,
    sched: &mut Scheduler,
) {
    match reload() {
        Ok(s) => {
            log(&format!("config reloaded: saver after {:?}", s.idle));
            sched.set_timeout(s.idle);
            *settings = s;
        }
        Err(e) => log(&format!(
            "config reload failed, keeping the old settings: {e}"
        )),
    }
}

/// Starts the saver; a saver that cannot start backs off like one that failed (with `once`,
/// it ends the daemon).
fn launch(
    opts: &DaemonOptions,
    holds: &inhibit::Shared,
    sched: &mut Scheduler,
) -> Result<Option<Child>, DaemonError> {
    match spawn_saver(&opts.command) {
        Ok(c) => {
            SAVER.store(c.id() as i32, Ordering::SeqCst);
            inhibit::lock(holds).set_active(true, Instant::now());
            Ok(Some(c))
        }
        Err(e) => {
            log(&format!("cannot start the saver: {e}"));
            if opts.once {
                return Err(DaemonError::SaverStart(e));
            }
            sched.saver_exited(false, Instant::now());
            Ok(None)
        }
    }
}

/// The daemon's loop over any idle source.
pub fn run_with<E: std::fmt::Display>(
    mut src: impl IdleSource,
    flags: Flags,
    opts: DaemonOptions,
    mut settings: DaemonSettings,
    reload: impl Fn() -> Result<DaemonSettings, E>,
) -> Result<(), DaemonError> {
    let Flags { stop, hup } = flags;
    log(&format!(
        "watching idle time; saver after {:?} ({})",
        settings.idle,
        if settings.inhibit_fullscreen {
            "fullscreen windows hold it back"
        } else {
            "fullscreen windows do not hold it back"
        }
    ));
    let holds = inhibit::Shared::default();
    // Kept for the daemon's life: dropping it leaves the bus.
    let mut service = settings
        .dbus_service
        .then(|| bus_service::BusService::start(&holds));
    let (bus, said) = bus_checks::BusWatch::spawn(settings.skip_when_playing);
    log(&said);
    let mut sched = Scheduler::new(settings.idle);
    let mut child: Option<Child> = None;
    let mut launched = false;
    while !stop.load(Ordering::SeqCst) {
        if hup.swap(false, Ordering::SeqCst) {
            reload_settings(&reload, &mut settings, &mut sched);
        }
        if let Some(s) = service.as_mut() {
            s.tick(&holds, Instant::now());
        }
        if let Some(c) = child.as_mut() {
            match c.try_wait().map_err(DaemonError::Wait)? {
                Some(status) => {
                    child = None;
                    let ended = saver_ended(status, &mut sched, &holds);
                    if opts.once {
                        return ended;
                    }
                }
                None => std::thread::sleep(Duration::from_millis(100)),
            }
            continue;
        }
        let now = Instant::now();
        // Asked before locking: a source may be a bus round trip, and the D-Bus service's
        // handlers wait on the same lock.
        let display_idle = src.idle().map_err(DaemonError::IdleSource)?;
        let (idle, held_by) = {
            let h = inhibit::lock(&holds);
            (h.idle(display_idle, now), h.holder())
        };
        let held_by = held_by.or_else(|| bus.holder());
        let fullscreen = settings.inhibit_fullscreen && src.fullscreen_window();
        let inhibited = fullscreen || held_by.is_some();
        match sched.decide(idle, inhibited, Instant::now()) {
            Action::Launch if opts.once && launched => return Ok(()),
            Action::Launch => {
                log(&format!(
                    "idle for {:.1} s: starting {}",
                    idle.as_secs_f64(),
                    opts.command.join(" ")
                ));
                child = launch(&opts, &holds, &mut sched)?;
                launched = true;
            }
            Action::Wait(d) => {
                if opts.verbose {
                    let why = match (&held_by, fullscreen) {
                        (Some(h), _) => format!(", inhibited by {h}"),
                        (None, true) => ", inhibited by a fullscreen window".to_string(),
                        (None, false) => String::new(),
                    };
                    log(&format!("idle {:.1} s{why}", idle.as_secs_f64()));
                }
                std::thread::sleep(d);
            }
        }
    }
    if let Some(mut c) = child {
        log("stopping the saver");
        terminate(&mut c);
        SAVER.store(0, Ordering::SeqCst);
    }
    log("exiting");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An idle source nobody touches: idle since it was made, optionally fullscreen.
    struct Untouched {
        since: Instant,
        fullscreen: bool,
    }

    impl IdleSource for Untouched {
        fn idle(&mut self) -> Result<Duration, IdleError> {
            Ok(self.since.elapsed())
        }
        fn fullscreen_window(&mut self) -> bool {
            self.fullscreen
        }
    }

    fn run_on(fullscreen: bool, marker: &std::path::Path, stop_after: Duration) -> Duration {
        let flags = Flags {
            stop: Arc::default(),
            hup: Arc::default(),
        };
        let stop = flags.stop.clone();
        std::thread::spawn(move || {
            std::thread::sleep(stop_after);
            stop.store(true, Ordering::SeqCst);
        });
        let opts = DaemonOptions {
            command: vec![
                "/bin/sh".into(),
                "-c".into(),
                format!("touch '{}'", marker.display()),
            ],
            once: true,
            verbose: false,
        };
        let settings = DaemonSettings {
            idle: Duration::from_millis(300),
            inhibit_fullscreen: true,
            dbus_service: false,
            source: IdleSourceKind::Auto,
            skip_when_playing: false,
        };
        let t = Instant::now();
        let src = Untouched {
            since: t,
            fullscreen,
        };
        run_with(src, flags, opts, settings, || {
            Err::<DaemonSettings, _>("no reload")
        })
        .unwrap();
        t.elapsed()
    }

    #[test]
    fn the_loop_runs_on_any_idle_source() {
        let dir = std::env::temp_dir().join(format!("trainsaver-fake-idle-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let marker = dir.join("launched");
        // Idle past the timeout: the saver runs once, then `--once` ends the loop.
        let took = run_on(false, &marker, Duration::from_secs(20));
        assert!(marker.exists(), "the saver never ran");
        assert!(took >= Duration::from_millis(300) && took < Duration::from_secs(20));
        std::fs::remove_file(&marker).unwrap();
        // A fullscreen window reported by the source holds it back until told to stop.
        run_on(true, &marker, Duration::from_millis(1500));
        assert!(!marker.exists(), "the saver ran over a fullscreen window");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
