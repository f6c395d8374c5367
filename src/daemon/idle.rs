//! Where idle time comes from: the X server's MIT-SCREEN-SAVER extension, and whether a
//! fullscreen window (a video, a presentation) should hold the saver back.

use std::time::Duration;

use x11rb::connection::Connection;
use x11rb::protocol::screensaver::ConnectionExt as _;
use x11rb::protocol::xproto::{AtomEnum, ConnectionExt as _, MapState, Window};
use x11rb::rust_connection::RustConnection;

use crate::runtime::x11::X11Error;

/// Why idle time cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum IdleError {
    /// The X server (connection, extension, request).
    #[error(transparent)]
    X11(#[from] X11Error),
    /// No Wayland compositor to talk to.
    #[error("cannot connect to the Wayland compositor: {0}")]
    WaylandConnect(#[from] wayland_client::ConnectError),
    /// The compositor's globals could not be listed.
    #[error("Wayland registry: {0}")]
    WaylandRegistry(#[from] wayland_client::globals::GlobalError),
    /// The compositor went away or broke the protocol.
    #[error("the Wayland compositor went away: {0}")]
    WaylandGone(#[from] wayland_client::DispatchError),
    /// The compositor has no seat to watch.
    #[error("the compositor offers no seat")]
    NoSeat,
    /// The compositor offers no idle protocol.
    #[error(
        "the compositor offers neither ext-idle-notify-v1 nor org_kde_kwin_idle (on GNOME, use idle_source = \"gnome\")"
    )]
    NoIdleProtocol,
    /// A D-Bus call failed (no bus, no answer, a bad reply).
    #[error("{service}: {source}")]
    Bus {
        /// Who was asked.
        service: &'static str,
        /// Why it failed (boxed: zbus's error is large).
        source: Box<zbus::Error>,
    },
}

/// Idle time and inhibition of one display.
pub trait IdleSource {
    /// Time since the last user input.
    fn idle(&mut self) -> Result<Duration, IdleError>;
    /// Whether a fullscreen window is showing.
    fn fullscreen_window(&mut self) -> bool;
}

/// The X11 idle source.
pub struct X11Idle {
    conn: RustConnection,
    root: Window,
    net_wm_state: u32,
    fullscreen: u32,
    active: u32,
}

fn atom(conn: &RustConnection, name: &str) -> Result<u32, X11Error> {
    Ok(conn.intern_atom(false, name.as_bytes())?.reply()?.atom)
}

impl X11Idle {
    /// Connects to `$DISPLAY` and checks the MIT-SCREEN-SAVER extension is there.
    pub fn connect() -> Result<X11Idle, X11Error> {
        let (conn, screen) = x11rb::connect(None)?;
        let root = conn.setup().roots[screen].root;
        conn.screensaver_query_version(1, 1)?
            .reply()
            .map_err(|_| X11Error::NoExtension("MIT-SCREEN-SAVER"))?;
        Ok(X11Idle {
            net_wm_state: atom(&conn, "_NET_WM_STATE")?,
            fullscreen: atom(&conn, "_NET_WM_STATE_FULLSCREEN")?,
            active: atom(&conn, "_NET_ACTIVE_WINDOW")?,
            conn,
            root,
        })
    }

    fn is_fullscreen(&self, w: Window) -> bool {
        self.conn
            .get_property(false, w, self.net_wm_state, AtomEnum::ATOM, 0, 64)
            .ok()
            .and_then(|c| c.reply().ok())
            .and_then(|r| r.value32().map(|mut v| v.any(|a| a == self.fullscreen)))
            .unwrap_or(false)
    }

    fn active_window(&self) -> Option<Window> {
        let r = self
            .conn
            .get_property(false, self.root, self.active, AtomEnum::WINDOW, 0, 1)
            .ok()?
            .reply()
            .ok()?;
        r.value32()?.next().filter(|&w| w != 0)
    }
}

impl IdleSource for X11Idle {
    fn idle(&mut self) -> Result<Duration, IdleError> {
        let info = self
            .conn
            .screensaver_query_info(self.root)
            .map_err(X11Error::from)?
            .reply()
            .map_err(X11Error::from)?;
        Ok(Duration::from_millis(info.ms_since_user_input as u64))
    }

    fn fullscreen_window(&mut self) -> bool {
        // With a window manager the active window tells; without one, any mapped top-level
        // window that asked to be fullscreen counts.
        if let Some(w) = self.active_window() {
            return self.is_fullscreen(w);
        }
        let Ok(tree) = self
            .conn
            .query_tree(self.root)
            .map_err(|_| ())
            .and_then(|c| c.reply().map_err(|_| ()))
        else {
            return false;
        };
        tree.children.iter().any(|&w| {
            let viewable = self
                .conn
                .get_window_attributes(w)
                .ok()
                .and_then(|c| c.reply().ok())
                .is_some_and(|a| a.map_state == MapState::VIEWABLE);
            viewable && self.is_fullscreen(w)
        })
    }
}
