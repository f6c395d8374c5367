//! The daemon's `org.freedesktop.ScreenSaver` service on a private session bus: an
//! application's Inhibit keeps the saver away; UnInhibit, or the application leaving the bus,
//! lets it come.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::{self, KEY_A, TempDir, Xvfb, covered, eventually, sigterm, wait_exit};

const NAME: &str = "org.freedesktop.ScreenSaver";
const PATH: &str = "/org/freedesktop/ScreenSaver";

/// A private session bus, killed on drop.
pub struct Bus {
    child: Child,
    /// Its address.
    pub address: String,
}

impl Bus {
    /// A bus at an address of its own.
    pub fn start() -> Option<Bus> {
        Bus::start_with(&[])
    }

    /// A bus listening at `address` (a restarted bus comes back at the same place).
    pub fn start_at(address: &str) -> Option<Bus> {
        // Clients get the address without the server's guid, as a login session's is, so a
        // bus started again there is the same bus to them.
        let mut b = Bus::start_with(&[format!("--address={address}")])?;
        b.address = address.to_string();
        Some(b)
    }

    fn start_with(extra: &[String]) -> Option<Bus> {
        if !common::have("dbus-daemon") {
            assert!(
                !common::required(),
                "dbus-daemon is required (TRAINSAVER_REQUIRE_DISPLAY=1) but not installed"
            );
            eprintln!("skipping: dbus-daemon is not installed (apt-get install dbus)");
            return None;
        }
        let mut child = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        Some(Bus {
            child,
            address: line.trim().to_string(),
        })
    }

    /// A client connection.
    pub fn client(&self) -> zbus::blocking::Connection {
        zbus::blocking::connection::Builder::address(self.address.as_str())
            .unwrap()
            .build()
            .unwrap()
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        self.kill();
    }
}

impl Bus {
    /// Kills it (its clients see the bus die).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A method call on the service.
pub fn call<B>(c: &zbus::blocking::Connection, method: &str, args: &B) -> zbus::message::Message
where
    B: serde::Serialize + zbus::zvariant::DynamicType,
{
    c.call_method(Some(NAME), PATH, Some(NAME), method, args)
        .unwrap_or_else(|e| panic!("{method}: {e}"))
}

/// `trainsaver daemon ARGS` on display `x` with `session` as its session bus (and `system` as
/// its system bus, if given), plus extra environment.
pub fn daemon(
    x: &Xvfb,
    home: &TempDir,
    session: &Bus,
    system: Option<&Bus>,
    args: &[&str],
    env: &[(&str, &str)],
) -> Child {
    let mut c = common::trainsaver(home);
    c.arg("daemon")
        .args(args)
        .env("DISPLAY", x.name())
        .env("DBUS_SESSION_BUS_ADDRESS", &session.address)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(s) = system {
        c.env("DBUS_SYSTEM_BUS_ADDRESS", &s.address);
    }
    c.spawn().unwrap()
}

/// Stops the daemon with SIGTERM, checks it exits 0, and returns its log.
pub fn stop(mut d: Child) -> String {
    sigterm(d.id());
    let st = wait_exit(&mut d, Duration::from_secs(5));
    let log = common::stderr_of(&mut d);
    assert_eq!(st.and_then(|s| s.code()), Some(0), "{log}");
    log
}

#[test]
fn an_inhibit_keeps_the_saver_away_until_released_or_its_owner_leaves() {
    let Some(x) = Xvfb::start(800, 600) else {
        return;
    };
    let Some(bus) = Bus::start() else { return };
    let home = TempDir::new("daemon-dbus");
    let d = daemon(&x, &home, &bus, None, &["--idle", "2s"], &[]);
    let app = bus.client();
    let dbus = zbus::blocking::fdo::DBusProxy::new(&app).unwrap();
    let name = zbus::names::BusName::try_from(NAME).unwrap();
    assert!(
        eventually(Duration::from_secs(10), || dbus
            .name_has_owner(name.clone())
            .unwrap_or(false)),
        "the daemon never took {NAME}"
    );

    // A video starts playing before the idle timeout: no saver, however long it plays.
    let cookie: u32 = call(&app, "Inhibit", &("trainsaver-test", "video-playing"))
        .body()
        .deserialize()
        .unwrap();
    std::thread::sleep(Duration::from_secs(5));
    assert!(covered(&x) < 0.1, "the saver came despite an inhibit");
    let active: bool = call(&app, "GetActive", &()).body().deserialize().unwrap();
    assert!(!active);

    // The video stops: the saver comes after the idle timeout, and says it is active.
    call(&app, "UnInhibit", &(cookie,));
    assert!(
        eventually(Duration::from_secs(10), || covered(&x) > 0.6),
        "no saver after UnInhibit"
    );
    let active: bool = call(&app, "GetActive", &()).body().deserialize().unwrap();
    assert!(active, "GetActive is false while the saver shows");
    std::thread::sleep(Duration::from_millis(800));
    x.key(KEY_A);
    assert!(eventually(Duration::from_secs(3), || covered(&x) < 0.1));

    // Another player inhibits, then exits without a word: its hold goes with it.
    let player = bus.client();
    let _: u32 = call(&player, "Inhibit", &("mpv", "playing"))
        .body()
        .deserialize()
        .unwrap();
    std::thread::sleep(Duration::from_secs(4));
    assert!(
        covered(&x) < 0.1,
        "the saver came despite the player's inhibit"
    );
    drop(player);
    assert!(
        eventually(Duration::from_secs(10), || covered(&x) > 0.6),
        "the player's inhibit outlived it"
    );

    let log = stop(d);
    assert!(log.contains("serving org.freedesktop.ScreenSaver"), "{log}");
    assert!(log.contains("left the bus: 1 inhibit(s) released"), "{log}");
}

/// GNOME's idle monitor, as a fake peer on the private bus: idle time is what the test says.
struct FakeMutter {
    idle_ms: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

#[zbus::interface(name = "org.gnome.Mutter.IdleMonitor")]
impl FakeMutter {
    fn get_idletime(&self) -> u64 {
        self.idle_ms.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[test]
fn on_gnome_the_daemon_asks_mutter_for_idle_time() {
    use std::sync::atomic::{AtomicU64, Ordering};
    let Some(x) = Xvfb::start(800, 600) else {
        return;
    };
    let Some(bus) = Bus::start() else { return };
    let idle_ms = std::sync::Arc::new(AtomicU64::new(0));
    let _mutter = zbus::blocking::connection::Builder::address(bus.address.as_str())
        .unwrap()
        .name("org.gnome.Mutter.IdleMonitor")
        .unwrap()
        .serve_at(
            "/org/gnome/Mutter/IdleMonitor/Core",
            FakeMutter {
                idle_ms: idle_ms.clone(),
            },
        )
        .unwrap()
        .build()
        .unwrap();
    let home = TempDir::new("daemon-gnome");
    let gnome = [("XDG_CURRENT_DESKTOP", "ubuntu:GNOME")];
    let d = daemon(&x, &home, &bus, None, &["--idle", "5s"], &gnome);
    // X11 would report the idle time of an untouched display; mutter says the user is busy.
    std::thread::sleep(Duration::from_secs(7));
    assert!(
        covered(&x) < 0.1,
        "the saver came though mutter reported input"
    );
    idle_ms.store(6_000, Ordering::SeqCst);
    assert!(
        eventually(Duration::from_secs(10), || covered(&x) > 0.6),
        "no saver after mutter reported 6 s idle"
    );
    let log = stop(d);
    assert!(
        log.contains("idle source: GNOME (org.gnome.Mutter.IdleMonitor)"),
        "{log}"
    );
}

/// A shared string a fake peer reports as a property.
type Said = std::sync::Arc<std::sync::Mutex<String>>;

/// logind's manager, as a fake peer: `BlockInhibited` is what the test says.
struct FakeLogind {
    blocked: Said,
}

#[zbus::interface(name = "org.freedesktop.login1.Manager")]
impl FakeLogind {
    #[zbus(property)]
    fn block_inhibited(&self) -> String {
        self.blocked.lock().unwrap().clone()
    }
}

/// An MPRIS player, as a fake peer.
struct FakePlayer {
    status: Said,
}

#[zbus::interface(name = "org.mpris.MediaPlayer2.Player")]
impl FakePlayer {
    #[zbus(property)]
    fn playback_status(&self) -> String {
        self.status.lock().unwrap().clone()
    }
}

pub fn serve<I: zbus::object_server::Interface>(
    bus: &Bus,
    name: &str,
    path: &str,
    iface: I,
) -> zbus::blocking::Connection {
    zbus::blocking::connection::Builder::address(bus.address.as_str())
        .unwrap()
        .name(name.to_string())
        .unwrap()
        .serve_at(path, iface)
        .unwrap()
        .build()
        .unwrap()
}

#[test]
fn logind_idle_inhibitors_and_playing_players_hold_the_saver_back() {
    let Some(x) = Xvfb::start(800, 600) else {
        return;
    };
    let (Some(system), Some(session)) = (Bus::start(), Bus::start()) else {
        return;
    };
    let blocked: Said = std::sync::Arc::new(std::sync::Mutex::new("shutdown:idle".into()));
    let _logind = serve(
        &system,
        "org.freedesktop.login1",
        "/org/freedesktop/login1",
        FakeLogind {
            blocked: blocked.clone(),
        },
    );
    let status: Said = std::sync::Arc::new(std::sync::Mutex::new("Playing".into()));
    let _player = serve(
        &session,
        "org.mpris.MediaPlayer2.fakeplayer",
        "/org/mpris/MediaPlayer2",
        FakePlayer {
            status: status.clone(),
        },
    );
    let home = TempDir::new("daemon-logind");
    let cfg = home.path().join("config.toml");
    std::fs::write(&cfg, "skip_when_playing = true\n").unwrap();
    let cfg = cfg.display().to_string();
    let args = ["--idle", "2s", "--verbose", "--config", &cfg];
    let d = daemon(&x, &home, &session, Some(&system), &args, &[]);
    // `systemd-inhibit --what=idle` is held: no saver.
    std::thread::sleep(Duration::from_secs(5));
    assert!(
        covered(&x) < 0.1,
        "the saver came despite a logind idle inhibitor"
    );
    // Released, but the player plays: still none.
    *blocked.lock().unwrap() = "shutdown".into();
    std::thread::sleep(Duration::from_secs(5));
    assert!(
        covered(&x) < 0.1,
        "the saver came while a player was playing"
    );
    // Paused: the saver comes.
    *status.lock().unwrap() = "Paused".into();
    assert!(
        eventually(Duration::from_secs(10), || covered(&x) > 0.6),
        "no saver once nothing held it back"
    );
    let log = stop(d);
    assert!(
        log.contains("inhibited by a logind idle inhibitor"),
        "{log}"
    );
    assert!(log.contains("inhibited by fakeplayer (playing)"), "{log}");
}
