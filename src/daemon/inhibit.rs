//! The `org.freedesktop.ScreenSaver` D-Bus service: browsers, video players and call apps
//! call `Inhibit` on the session bus to keep a screensaver away while they play, and
//! `UnInhibit` when they stop. An application that leaves the bus (exits, crashes) releases
//! what it held, as the spec's implementations do; so does the bus itself going away.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use zbus::blocking::Connection;
use zbus::fdo::RequestNameReply;
use zbus::message::Header;

/// Characters of an application's name or reason that are kept (and logged).
pub const MAX_TEXT: usize = 128;

/// How long any call on the bus may take before it counts as failed.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(3);

/// A client's text as it may be kept and logged: at most [`MAX_TEXT`] characters, control,
/// format and line-separator characters escaped (no forged log lines, no terminal escapes).
pub fn clean(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == MAX_TEXT {
            out.push('…');
            break;
        }
        if c == ' ' || c.is_alphanumeric() || c.is_ascii_punctuation() {
            out.push(c);
        } else {
            out.extend(c.escape_debug());
        }
    }
    out
}

/// The well-known name and the two object paths applications use.
pub const NAME: &str = "org.freedesktop.ScreenSaver";
const PATHS: [&str; 2] = ["/org/freedesktop/ScreenSaver", "/ScreenSaver"];

/// One application's request to keep the saver away.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Hold {
    /// The unique bus name of the caller (`:1.42`).
    owner: String,
    app: String,
    reason: String,
}

/// Inhibits held through the service, and what the daemon tells it back. Pure state.
#[derive(Debug, Default)]
pub struct Inhibits {
    holds: HashMap<u32, Hold>,
    next: u32,
    active_since: Option<Instant>,
    activity: Option<Instant>,
}

impl Inhibits {
    /// Records a hold for `owner`; returns its cookie (never 0).
    pub fn inhibit(&mut self, owner: &str, app: &str, reason: &str) -> u32 {
        self.next = self.next.wrapping_add(1).max(1);
        while self.holds.contains_key(&self.next) {
            self.next = self.next.wrapping_add(1).max(1);
        }
        self.holds.insert(
            self.next,
            Hold {
                owner: owner.into(),
                app: clean(app),
                reason: clean(reason),
            },
        );
        self.next
    }

    /// The bus went away: every caller's connection went with it.
    pub fn clear(&mut self) -> usize {
        let n = self.holds.len();
        self.holds.clear();
        n
    }

    /// Releases a cookie; only its owner may. True when something was released.
    pub fn uninhibit(&mut self, owner: &str, cookie: u32) -> bool {
        match self.holds.get(&cookie) {
            Some(h) if h.owner == owner => self.holds.remove(&cookie).is_some(),
            _ => false,
        }
    }

    /// An application left the bus: what it held goes. Returns how many holds went.
    pub fn owner_left(&mut self, owner: &str) -> usize {
        let before = self.holds.len();
        self.holds.retain(|_, h| h.owner != owner);
        before - self.holds.len()
    }

    /// Who keeps the saver away, as `app (reason)`, if anyone.
    pub fn holder(&self) -> Option<String> {
        self.holds
            .iter()
            .min_by_key(|(c, _)| **c)
            .map(|(_, h)| format!("{} ({})", h.app, h.reason))
    }

    /// The daemon's saver started or ended.
    pub fn set_active(&mut self, active: bool, now: Instant) {
        self.active_since = if active {
            self.active_since.or(Some(now))
        } else {
            None
        };
    }

    /// Whether the saver is showing.
    pub fn active(&self) -> bool {
        self.active_since.is_some()
    }

    /// Seconds the saver has been showing (0 when it is not).
    pub fn active_secs(&self, now: Instant) -> u32 {
        self.active_since
            .map_or(0, |t| now.saturating_duration_since(t).as_secs() as u32)
    }

    /// An application reports user activity (a presentation tool, a game pad).
    pub fn simulate_activity(&mut self, now: Instant) {
        self.activity = Some(now);
    }

    /// Idle time as the daemon should count it: the display's, or less if an application
    /// reported activity since.
    pub fn idle(&self, display_idle: Duration, now: Instant) -> Duration {
        self.activity.map_or(display_idle, |t| {
            display_idle.min(now.saturating_duration_since(t))
        })
    }
}

/// Shared between the bus threads and the daemon loop.
pub type Shared = Arc<Mutex<Inhibits>>;

/// Locks the state; a panicked holder cannot leave it half-written (every update is one call).
pub fn lock(s: &Shared) -> std::sync::MutexGuard<'_, Inhibits> {
    s.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The D-Bus object.
struct Service {
    state: Shared,
}

fn sender(hdr: &Header<'_>) -> String {
    hdr.sender().map(ToString::to_string).unwrap_or_default()
}

#[zbus::interface(name = "org.freedesktop.ScreenSaver")]
impl Service {
    /// Keeps the saver away until `UnInhibit(cookie)` or until the caller leaves the bus.
    /// The hold is recorded, then the caller is asked for: one that left before its hold was
    /// recorded had its departure seen already, and would otherwise hold the saver off for good.
    async fn inhibit(
        &self,
        #[zbus(header)] hdr: Header<'_>,
        #[zbus(connection)] conn: &zbus::Connection,
        application_name: &str,
        reason_for_inhibit: &str,
    ) -> u32 {
        let who = sender(&hdr);
        let cookie = lock(&self.state).inhibit(&who, application_name, reason_for_inhibit);
        let gone = match (hdr.sender(), zbus::fdo::DBusProxy::new(conn).await) {
            (Some(name), Ok(dbus)) => !dbus
                .name_has_owner(name.clone().into())
                .await
                .unwrap_or(true),
            _ => false,
        };
        if gone {
            lock(&self.state).owner_left(&who);
            super::log(&format!(
                "{who} left the bus before its inhibit was recorded: released"
            ));
        } else {
            super::log(&format!(
                "inhibited by {} ({}), cookie {cookie}",
                clean(application_name),
                clean(reason_for_inhibit)
            ));
        }
        cookie
    }

    /// Releases a hold.
    fn un_inhibit(&self, #[zbus(header)] hdr: Header<'_>, cookie: u32) {
        if lock(&self.state).uninhibit(&sender(&hdr), cookie) {
            super::log(&format!("inhibit {cookie} released"));
        }
    }

    /// Whether the saver is showing.
    fn get_active(&self) -> bool {
        lock(&self.state).active()
    }

    /// Seconds the saver has been showing.
    fn get_active_time(&self) -> u32 {
        lock(&self.state).active_secs(Instant::now())
    }

    /// Counts as user input: the idle countdown starts again.
    fn simulate_user_activity(&self) {
        lock(&self.state).simulate_activity(Instant::now());
    }
}

/// The service on the bus: its connection (kept for the daemon's life; dropping it leaves
/// the bus), whether it waits in the queue for the name, and whether the bus has gone.
pub struct Served {
    /// The connection the objects are served on (kept: dropping it leaves the bus).
    pub _conn: Connection,
    /// Another program owned the name: the service is queued for it.
    pub queued: bool,
    /// The connection ended (the bus died or dropped us).
    pub closed: Arc<AtomicBool>,
}

/// Serves the interface on the session bus. When another program owns the name the service
/// queues for it (never taking it from a desktop's own screensaver) and takes it when that
/// program leaves.
pub fn serve(state: Shared) -> zbus::Result<Served> {
    let mut builder = zbus::blocking::connection::Builder::session()?.method_timeout(CALL_TIMEOUT);
    for path in PATHS {
        builder = builder.serve_at(
            path,
            Service {
                state: state.clone(),
            },
        )?;
    }
    let conn = builder.build()?;
    let dbus = zbus::blocking::fdo::DBusProxy::new(&conn)?;
    // Subscribed before the request, so the name's arrival cannot be missed.
    let acquired = dbus.receive_name_acquired()?;
    let changes = dbus.receive_name_owner_changed()?;
    // Queued behind another owner, and giving way to a desktop's own screensaver that asks.
    let flags = zbus::fdo::RequestNameFlags::AllowReplacement.into();
    let queued = match conn.request_name_with_flags(NAME, flags)? {
        RequestNameReply::PrimaryOwner | RequestNameReply::AlreadyOwner => false,
        RequestNameReply::InQueue | RequestNameReply::Exists => true,
    };
    let closed = Arc::new(AtomicBool::new(false));
    std::thread::spawn(move || {
        for a in acquired {
            if queued && a.args().is_ok_and(|a| a.name() == NAME) {
                super::log(&format!(
                    "the other owner of {NAME} left: serving it now, applications can inhibit the saver"
                ));
            }
        }
    });
    watch_departures(changes, state, closed.clone());
    Ok(Served {
        _conn: conn,
        queued,
        closed,
    })
}

/// Drops the holds of applications that leave the bus; when the bus itself goes (the stream
/// ends), says so through `closed`.
fn watch_departures(
    changes: zbus::blocking::fdo::NameOwnerChangedIterator,
    state: Shared,
    closed: Arc<AtomicBool>,
) {
    std::thread::spawn(move || {
        for change in changes {
            let Ok(args) = change.args() else { continue };
            let name = args.name().to_string();
            if name.starts_with(':') && args.new_owner().is_none() {
                let gone = lock(&state).owner_left(&name);
                if gone > 0 {
                    super::log(&format!("{name} left the bus: {gone} inhibit(s) released"));
                }
            }
        }
        closed.store(true, Ordering::SeqCst);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_are_released_by_their_owner_or_when_it_leaves() {
        let mut s = Inhibits::default();
        assert_eq!(s.holder(), None);
        let a = s.inhibit(":1.5", "firefox", "video-playing");
        let b = s.inhibit(":1.9", "zoom", "call");
        assert_ne!(a, b);
        assert_ne!(a, 0);
        assert_eq!(s.holder().as_deref(), Some("firefox (video-playing)"));
        // Another client cannot release firefox's cookie.
        assert!(!s.uninhibit(":1.9", a));
        assert!(s.uninhibit(":1.5", a));
        assert!(!s.uninhibit(":1.5", a), "released twice");
        assert_eq!(s.holder().as_deref(), Some("zoom (call)"));
        assert_eq!(s.owner_left(":1.9"), 1);
        assert_eq!(s.holder(), None);
    }

    #[test]
    fn client_text_is_capped_and_escaped() {
        let forged = "vlc\n2026-01-01 00:00:00 trainsaver daemon: FORGED\x1b[2J\u{202e}";
        let c = clean(forged);
        assert!(
            !c.contains('\n') && !c.contains('\x1b') && !c.contains('\u{202e}'),
            "{c}"
        );
        assert!(
            c.starts_with("vlc\\n2026") && c.contains("\\u{1b}[2J"),
            "{c}"
        );
        let huge = "x".repeat(1 << 20);
        let mut s = Inhibits::default();
        s.inhibit(":1.2", &huge, "é🎬 ok");
        let h = s.holder().unwrap();
        assert!(h.chars().count() < MAX_TEXT + 16, "{}", h.len());
        assert!(h.ends_with("… (é🎬 ok)"), "{h}");
        assert_eq!(s.clear(), 1);
        assert_eq!(s.holder(), None);
    }

    #[test]
    fn simulated_activity_restarts_the_idle_count_and_active_time_counts() {
        let mut s = Inhibits::default();
        let t0 = Instant::now();
        assert_eq!(s.idle(Duration::from_secs(90), t0), Duration::from_secs(90));
        s.simulate_activity(t0);
        let later = t0 + Duration::from_secs(5);
        assert_eq!(
            s.idle(Duration::from_secs(95), later),
            Duration::from_secs(5)
        );
        // Real input after that is less idle still.
        assert_eq!(
            s.idle(Duration::from_secs(2), later),
            Duration::from_secs(2)
        );
        assert!(!s.active());
        s.set_active(true, t0);
        s.set_active(true, later);
        assert_eq!(s.active_secs(t0 + Duration::from_secs(7)), 7);
        s.set_active(false, later);
        assert_eq!(s.active_secs(later), 0);
    }
}
