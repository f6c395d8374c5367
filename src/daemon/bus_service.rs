//! The inhibit service over the daemon's life: served when the daemon starts, its holds
//! dropped when the session bus goes away, served again when a bus comes back. Every attempt
//! runs on a helper thread with a deadline, so a bus that never answers cannot stall the loop.

use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::inhibit::{self, Served, Shared};
use super::log;

/// How long connecting to the bus and taking the name may take.
const CONNECT_DEADLINE: Duration = Duration::from_secs(5);
/// The first pause before serving again after the bus went away; it doubles up to 15 s (an
/// attempt on a missing socket costs nothing).
const FIRST_RETRY: Duration = Duration::from_secs(2);
const LAST_RETRY: Duration = Duration::from_secs(15);

/// The service's state, looked after by the daemon loop.
pub struct BusService {
    served: Option<Served>,
    retry_at: Option<Instant>,
    backoff: Duration,
}

impl BusService {
    /// Serves the interface, saying in the log how that went.
    pub fn start(holds: &Shared) -> BusService {
        let mut s = BusService {
            served: None,
            retry_at: None,
            backoff: FIRST_RETRY,
        };
        s.try_serve(holds, true);
        s
    }

    /// Called every loop turn: notices a bus that went away (its holds go with it) and serves
    /// again when a retry is due.
    pub fn tick(&mut self, holds: &Shared, now: Instant) {
        if self
            .served
            .as_ref()
            .is_some_and(|s| s.closed.load(Ordering::SeqCst))
        {
            self.served = None;
            let dropped = inhibit::lock(holds).clear();
            log(&format!(
                "the session bus went away: {dropped} inhibit(s) dropped; serving again when a bus is back"
            ));
            self.backoff = FIRST_RETRY;
            self.retry_at = Some(now + self.backoff);
        }
        if self.served.is_none()
            && self.retry_at.is_some_and(|t| now >= t)
            && !self.try_serve(holds, false)
        {
            self.backoff = (self.backoff * 2).min(LAST_RETRY);
            self.retry_at = Some(now + self.backoff);
        }
    }

    /// One attempt; true when the service is up (or queued for its name).
    fn try_serve(&mut self, holds: &Shared, first: bool) -> bool {
        match serve_within(holds, CONNECT_DEADLINE) {
            Ok(s) => {
                if s.queued {
                    log(&format!(
                        "another program owns {} on the session bus: its inhibits are its own; queued to take the name when it leaves",
                        inhibit::NAME
                    ));
                } else {
                    log(&format!(
                        "serving {} on the session bus: applications can inhibit the saver",
                        inhibit::NAME
                    ));
                }
                self.served = Some(s);
                self.retry_at = None;
                true
            }
            Err(e) => {
                // A daemon started without a bus does not keep trying; one that lost it does
                // (`tick` schedules the next attempt).
                if first {
                    log(&format!("no D-Bus inhibit service (session bus: {e})"));
                } else {
                    log(&format!("the session bus is not back yet ({e})"));
                }
                false
            }
        }
    }
}

/// [`inhibit::serve`] on a helper thread, given up after `deadline` (the handshake with a bus
/// has no timeout of its own).
fn serve_within(holds: &Shared, deadline: Duration) -> Result<Served, String> {
    let (tx, rx) = mpsc::channel();
    let state = holds.clone();
    std::thread::spawn(move || {
        let _ = tx.send(inhibit::serve(state).map_err(|e| e.to_string()));
    });
    rx.recv_timeout(deadline)
        .unwrap_or_else(|_| Err(format!("no answer within {} s", deadline.as_secs())))
}
