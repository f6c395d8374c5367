//! The graphical session this process runs in, read once from the environment: a live Wayland
//! socket, an X11 display, GNOME. The window runtime, the one-saver lock and the daemon all
//! decide from it, so they agree on where a window opens and where idle time comes from.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// What the environment says about the session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// `$WAYLAND_DISPLAY` when it names a socket that exists (a stale one left in the
    /// environment must not stop an X11 session).
    pub wayland: Option<String>,
    /// `$DISPLAY`, when set.
    pub x11: Option<String>,
    /// `$XDG_CURRENT_DESKTOP` names GNOME.
    pub gnome: bool,
}

impl Session {
    /// The session of this process.
    pub fn detect() -> Session {
        Session::from_env(|k| std::env::var_os(k), Path::exists)
    }

    /// The session an environment describes; `exists` checks for a socket.
    pub fn from_env(
        var: impl Fn(&str) -> Option<OsString>,
        exists: impl Fn(&Path) -> bool,
    ) -> Session {
        let text = |k: &str| {
            var(k)
                .map(|v| v.to_string_lossy().into_owned())
                .filter(|v| !v.is_empty())
        };
        let wayland = text("WAYLAND_DISPLAY").filter(|name| {
            let path = PathBuf::from(name);
            let path = if path.is_absolute() {
                Some(path)
            } else {
                // A bare name is looked up in the runtime directory, as libwayland does.
                text("XDG_RUNTIME_DIR").map(|dir| Path::new(&dir).join(path))
            };
            path.is_some_and(|p| exists(&p))
        });
        let gnome = text("XDG_CURRENT_DESKTOP")
            .is_some_and(|d| d.split(':').any(|p| p.eq_ignore_ascii_case("gnome")));
        Session {
            wayland,
            x11: text("DISPLAY"),
            gnome,
        }
    }

    /// Whether windows open on X11 rather than Wayland (no live Wayland socket, a display).
    pub fn windows_on_x11(&self) -> bool {
        self.wayland.is_none() && self.x11.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(vars: &[(&str, &str)], sockets: &[&str]) -> Session {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Session::from_env(
            |k| {
                vars.iter()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| OsString::from(v))
            },
            |p| sockets.iter().any(|s| Path::new(s) == p),
        )
    }

    #[test]
    fn a_stale_wayland_socket_leaves_the_session_on_x11() {
        let env = [
            ("WAYLAND_DISPLAY", "wayland-1"),
            ("XDG_RUNTIME_DIR", "/run/user/1000"),
            ("DISPLAY", ":0"),
        ];
        let live = session(&env, &["/run/user/1000/wayland-1"]);
        assert_eq!(live.wayland.as_deref(), Some("wayland-1"));
        assert!(!live.windows_on_x11());
        let stale = session(&env, &[]);
        assert_eq!(stale.wayland, None);
        assert!(stale.windows_on_x11());
        assert_eq!(stale.x11.as_deref(), Some(":0"));
    }

    #[test]
    fn gnome_is_read_from_the_desktop_list() {
        assert!(session(&[("XDG_CURRENT_DESKTOP", "ubuntu:GNOME")], &[]).gnome);
        assert!(!session(&[("XDG_CURRENT_DESKTOP", "KDE")], &[]).gnome);
        assert!(!session(&[], &[]).gnome);
    }
}
