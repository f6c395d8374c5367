//! The `org.freedesktop.ScreenSaver` D-Bus service: browsers, video players and call apps
//! call `Inhibit` on the session bus to keep a screensaver away while they play, and
//! `UnInhibit` when they stop. An application that leaves the bus (exits, crashes) releases
//! what it held, as the spec's implementations do.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use zbus::blocking::Connection;
use zbus::fdo::RequestNameReply;
use zbus::message::Header;

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
                app: app.into(),
                reason: reason.into(),
            },
        );
        self.next
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
    fn inhibit(
        &self,
        #[zbus(header)] hdr: Header<'_>,
        application_name: &str,
        reason_for_inhibit: &str,
    ) -> u32 {
        let who = sender(&hdr);
        let cookie = lock(&self.state).inhibit(&who, application_name, reason_for_inhibit);
        super::log(&format!(
            "inhibited by {application_name} ({reason_for_inhibit}), cookie {cookie}"
        ));
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

/// Serves the interface on the session bus when no other program owns the name. `Ok(None)`
/// when another owner has it (a desktop's own screensaver: its inhibits are its business).
pub fn serve(state: Shared) -> zbus::Result<Option<Connection>> {
    let mut builder = zbus::blocking::connection::Builder::session()?;
    for path in PATHS {
        builder = builder.serve_at(
            path,
            Service {
                state: state.clone(),
            },
        )?;
    }
    let conn = builder.build()?;
    let flags = zbus::fdo::RequestNameFlags::DoNotQueue.into();
    match conn.request_name_with_flags(NAME, flags)? {
        RequestNameReply::PrimaryOwner | RequestNameReply::AlreadyOwner => {}
        _ => return Ok(None),
    }
    watch_departures(&conn, state)?;
    Ok(Some(conn))
}

/// Drops the holds of applications that leave the bus.
fn watch_departures(conn: &Connection, state: Shared) -> zbus::Result<()> {
    let proxy = zbus::blocking::fdo::DBusProxy::new(conn)?;
    let changes = proxy.receive_name_owner_changed()?;
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
    });
    Ok(())
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
