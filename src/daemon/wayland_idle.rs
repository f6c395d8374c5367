//! Idle time on Wayland: the compositor says when the seat has been idle for a second and when
//! input resumes, through `ext-idle-notify-v1` where it is offered (wlroots 0.17+, KDE,
//! Hyprland) or the older `org_kde_kwin_idle` (sway 1.7). Both respect the idle inhibitors
//! applications hold (`zwp_idle_inhibit_manager_v1`, e.g. a video playing fullscreen), so the
//! compositor does that part.

use std::time::{Duration, Instant};

use wayland_client::globals::{GlobalListContents, registry_queue_init};
use wayland_client::protocol::{wl_registry, wl_seat};
use wayland_client::{Connection, Dispatch, EventQueue, QueueHandle};
use wayland_protocols::ext::idle_notify::v1::client::{
    ext_idle_notification_v1, ext_idle_notifier_v1,
};
use wayland_protocols_plasma::idle::client::{org_kde_kwin_idle, org_kde_kwin_idle_timeout};

use super::idle::{IdleError, IdleSource};

/// The notification threshold: idle time is known to within this.
const STEP: Duration = Duration::from_secs(1);

/// What the compositor last said.
#[derive(Default)]
struct Seen {
    /// When the seat went idle (`STEP` after the last input), if it is idle now.
    idle_since: Option<Instant>,
}

/// The Wayland idle source.
pub struct WaylandIdle {
    queue: EventQueue<Seen>,
    seen: Seen,
    /// Which protocol is in use, for the log.
    pub protocol: &'static str,
}

impl WaylandIdle {
    /// Connects to `$WAYLAND_DISPLAY` and asks for idle notifications on its first seat.
    pub fn connect() -> Result<WaylandIdle, IdleError> {
        let conn = Connection::connect_to_env()?;
        let (globals, queue) = registry_queue_init::<Seen>(&conn)?;
        let qh = queue.handle();
        let seat: wl_seat::WlSeat = globals
            .bind(&qh, 1..=1, ())
            .map_err(|_| IdleError::NoSeat)?;
        let ms = STEP.as_millis() as u32;
        // The notification objects live as long as the connection (a proxy is not destroyed
        // by being dropped), so they need not be kept here.
        let protocol = if let Ok(n) =
            globals.bind::<ext_idle_notifier_v1::ExtIdleNotifierV1, _, _>(&qh, 1..=1, ())
        {
            n.get_idle_notification(ms, &seat, &qh, ());
            "ext-idle-notify-v1"
        } else if let Ok(k) =
            globals.bind::<org_kde_kwin_idle::OrgKdeKwinIdle, _, _>(&qh, 1..=1, ())
        {
            k.get_idle_timeout(&seat, ms, &qh, ());
            "org_kde_kwin_idle"
        } else {
            return Err(IdleError::NoIdleProtocol);
        };
        let mut src = WaylandIdle {
            queue,
            seen: Seen::default(),
            protocol,
        };
        src.queue.roundtrip(&mut src.seen)?;
        Ok(src)
    }
}

impl IdleSource for WaylandIdle {
    fn idle(&mut self) -> Result<Duration, IdleError> {
        self.queue.roundtrip(&mut self.seen)?;
        Ok(self
            .seen
            .idle_since
            .map_or(Duration::ZERO, |t| STEP + t.elapsed()))
    }

    /// Other clients' windows are not visible to a Wayland client; the compositor applies the
    /// inhibitors applications hold instead.
    fn fullscreen_window(&mut self) -> bool {
        false
    }
}

impl Dispatch<wl_registry::WlRegistry, GlobalListContents> for Seen {
    fn event(
        _: &mut Self,
        _: &wl_registry::WlRegistry,
        _: wl_registry::Event,
        _: &GlobalListContents,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
    }
}

impl Dispatch<wl_seat::WlSeat, ()> for Seen {
    fn event(
        _: &mut Self,
        _: &wl_seat::WlSeat,
        _: wl_seat::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
    }
}

impl Dispatch<ext_idle_notifier_v1::ExtIdleNotifierV1, ()> for Seen {
    fn event(
        _: &mut Self,
        _: &ext_idle_notifier_v1::ExtIdleNotifierV1,
        _: ext_idle_notifier_v1::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
    }
}

impl Dispatch<ext_idle_notification_v1::ExtIdleNotificationV1, ()> for Seen {
    fn event(
        seen: &mut Self,
        _: &ext_idle_notification_v1::ExtIdleNotificationV1,
        event: ext_idle_notification_v1::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        match event {
            ext_idle_notification_v1::Event::Idled => seen.idle_since = Some(Instant::now()),
            ext_idle_notification_v1::Event::Resumed => seen.idle_since = None,
            _ => {}
        }
    }
}

impl Dispatch<org_kde_kwin_idle::OrgKdeKwinIdle, ()> for Seen {
    fn event(
        _: &mut Self,
        _: &org_kde_kwin_idle::OrgKdeKwinIdle,
        _: org_kde_kwin_idle::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
    }
}

impl Dispatch<org_kde_kwin_idle_timeout::OrgKdeKwinIdleTimeout, ()> for Seen {
    fn event(
        seen: &mut Self,
        _: &org_kde_kwin_idle_timeout::OrgKdeKwinIdleTimeout,
        event: org_kde_kwin_idle_timeout::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        match event {
            org_kde_kwin_idle_timeout::Event::Idle => seen.idle_since = Some(Instant::now()),
            org_kde_kwin_idle_timeout::Event::Resumed => seen.idle_since = None,
            _ => {}
        }
    }
}
