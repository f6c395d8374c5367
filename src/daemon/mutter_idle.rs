//! Idle time on GNOME: mutter offers no Wayland idle protocol; it answers
//! `org.gnome.Mutter.IdleMonitor.GetIdletime` on the session bus (milliseconds since the last
//! input, inhibitors already applied by GNOME's own idle logic only for its screen blanking).

use std::time::Duration;

use zbus::blocking::Connection;

use super::idle::{IdleError, IdleSource};

const NAME: &str = "org.gnome.Mutter.IdleMonitor";
const PATH: &str = "/org/gnome/Mutter/IdleMonitor/Core";

/// The GNOME idle source.
pub struct MutterIdle {
    conn: Connection,
}

impl MutterIdle {
    /// Connects to the session bus and checks that mutter answers.
    pub fn connect() -> Result<MutterIdle, IdleError> {
        let conn = zbus::blocking::connection::Builder::session()
            .and_then(|b| b.method_timeout(super::inhibit::CALL_TIMEOUT).build())
            .map_err(|e| IdleError::Bus {
                service: "the session bus",
                source: Box::new(e),
            })?;
        let mut src = MutterIdle { conn };
        src.idle()?;
        Ok(src)
    }
}

impl IdleSource for MutterIdle {
    fn idle(&mut self) -> Result<Duration, IdleError> {
        let bus = |e| IdleError::Bus {
            service: NAME,
            source: Box::new(e),
        };
        let reply = self
            .conn
            .call_method(Some(NAME), PATH, Some(NAME), "GetIdletime", &())
            .map_err(bus)?;
        let ms: u64 = reply.body().deserialize().map_err(bus)?;
        Ok(Duration::from_millis(ms))
    }

    /// GNOME's windows are not visible to a client; applications inhibit through D-Bus.
    fn fullscreen_window(&mut self) -> bool {
        false
    }
}
