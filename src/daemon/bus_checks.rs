//! Other programs that ask for no screensaver over D-Bus, asked by the daemon itself: logind's
//! idle inhibitors (`systemd-inhibit --what=idle ...`, on the system bus) and, when configured,
//! MPRIS media players reporting `PlaybackStatus = Playing` (on the session bus).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use zbus::blocking::Connection;

use super::inhibit::CALL_TIMEOUT;
use zbus::blocking::fdo::{DBusProxy, PropertiesProxy};
use zbus::names::InterfaceName;

/// How long an answer is reused: the loop looks four times a second, the bus need not.
const REFRESH: Duration = Duration::from_secs(2);

/// The daemon's view of logind and the media players.
pub struct BusChecks {
    system: Option<Connection>,
    session: Option<Connection>,
    mpris: bool,
    checked: Option<Instant>,
    holder: Option<String>,
}

fn property(conn: &Connection, dest: &str, path: &str, iface: &str, name: &str) -> Option<String> {
    let proxy = PropertiesProxy::builder(conn)
        .destination(dest.to_string())
        .ok()?
        .path(path.to_string())
        .ok()?
        .build()
        .ok()?;
    let value = proxy.get(InterfaceName::try_from(iface).ok()?, name).ok()?;
    String::try_from(value).ok()
}

/// `idle` in logind's `BlockInhibited` list means someone holds an idle inhibitor.
fn logind(conn: &Connection) -> Option<String> {
    let blocked = property(
        conn,
        "org.freedesktop.login1",
        "/org/freedesktop/login1",
        "org.freedesktop.login1.Manager",
        "BlockInhibited",
    )?;
    blocked
        .split(':')
        .any(|w| w == "idle")
        .then(|| "a logind idle inhibitor".to_string())
}

/// The first MPRIS player that is playing.
fn playing(conn: &Connection) -> Option<String> {
    let names = DBusProxy::new(conn).ok()?.list_names().ok()?;
    names.iter().map(ToString::to_string).find_map(|name| {
        let player = name.strip_prefix("org.mpris.MediaPlayer2.")?.to_string();
        let status = property(
            conn,
            &name,
            "/org/mpris/MediaPlayer2",
            "org.mpris.MediaPlayer2.Player",
            "PlaybackStatus",
        )?;
        (status == "Playing").then(|| format!("{player} (playing)"))
    })
}

impl BusChecks {
    /// Connects to the buses that are there (none is fatal: the check is then skipped). Each
    /// call on them gives up after [`CALL_TIMEOUT`].
    pub fn connect(mpris: bool) -> BusChecks {
        let build = |b: zbus::Result<zbus::blocking::connection::Builder<'static>>| {
            b.ok()?.method_timeout(CALL_TIMEOUT).build().ok()
        };
        BusChecks {
            system: build(zbus::blocking::connection::Builder::system()),
            session: mpris
                .then(|| build(zbus::blocking::connection::Builder::session()))
                .flatten(),
            mpris,
            checked: None,
            holder: None,
        }
    }

    /// What the buses say about the logind and MPRIS checks, for the log.
    pub fn describe(&self) -> String {
        let logind = if self.system.is_some() {
            "logind idle inhibitors honoured"
        } else {
            "no system bus: logind idle inhibitors not seen"
        };
        let mpris = match (self.mpris, self.session.is_some()) {
            (false, _) => "playing media players not checked (config skip_when_playing)",
            (true, true) => "playing media players hold the saver back",
            (true, false) => "no session bus: media players not seen",
        };
        format!("{logind}; {mpris}")
    }

    /// Who holds the saver back, if anyone (answers reused for two seconds).
    fn holder(&mut self, now: Instant) -> Option<String> {
        if self
            .checked
            .is_none_or(|t| now.duration_since(t) >= REFRESH)
        {
            self.checked = Some(now);
            self.holder = self
                .system
                .as_ref()
                .and_then(logind)
                .or_else(|| self.session.as_ref().and_then(playing));
        }
        self.holder.clone()
    }
}

/// The checks on their own thread: the loop reads the latest answer and never waits on a
/// peer that is slow to answer (or never does).
pub struct BusWatch {
    holder: Arc<Mutex<Option<String>>>,
}

impl BusWatch {
    /// Starts the checks; returns the watch and, once the buses were reached (or the time to
    /// reach them ran out), what they offer, for the log.
    pub fn spawn(mpris: bool) -> (BusWatch, String) {
        let holder = Arc::new(Mutex::new(None));
        let (tx, rx) = std::sync::mpsc::channel();
        let shared = holder.clone();
        std::thread::spawn(move || {
            let mut checks = BusChecks::connect(mpris);
            let _ = tx.send(checks.describe());
            loop {
                let h = checks.holder(Instant::now());
                *shared.lock().unwrap_or_else(PoisonError::into_inner) = h;
                std::thread::sleep(REFRESH / 4);
            }
        });
        let said = rx.recv_timeout(CALL_TIMEOUT * 2).unwrap_or_else(|_| {
            "the buses do not answer yet: logind and media players are checked once they do".into()
        });
        (BusWatch { holder }, said)
    }

    /// Who holds the saver back, as last seen.
    pub fn holder(&self) -> Option<String> {
        self.holder
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
