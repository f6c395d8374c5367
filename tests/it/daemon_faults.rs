//! The daemon against peers and buses that misbehave (issue 22): callers that leave at once,
//! peers that never answer, a bus that dies and comes back, huge and hostile names, a prior
//! owner of the name, a frozen display.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{self, TempDir, Xvfb, covered, eventually, sigterm, wait_exit};
use crate::dbus::{Bus, call, daemon, serve, stop};

const NAME: &str = "org.freedesktop.ScreenSaver";

/// Whether the daemon owns the service name on `bus`.
fn owns_name(bus: &Bus) -> bool {
    let c = bus.client();
    let dbus = zbus::blocking::fdo::DBusProxy::new(&c).unwrap();
    let name = zbus::names::BusName::try_from(NAME).unwrap();
    eventually(Duration::from_secs(10), || {
        dbus.name_has_owner(name.clone()).unwrap_or(false)
    })
}

#[test]
fn callers_that_leave_at_once_leave_no_holds() {
    let Some(x) = Xvfb::start(640, 480) else {
        return;
    };
    let Some(bus) = Bus::start() else { return };
    if !common::have("dbus-send") {
        assert!(!common::required(), "dbus-send is required");
        return;
    }
    let home = TempDir::new("daemon-storm");
    let d = daemon(&x, &home, &bus, None, &["--idle", "2s", "--verbose"], &[]);
    assert!(owns_name(&bus), "the daemon never took {NAME}");
    // 300 callers that send Inhibit and leave without waiting for the answer.
    let mut kids = Vec::new();
    for i in 0..300 {
        let mut c = Command::new("dbus-send");
        c.args([
            "--session",
            "--type=method_call",
            &format!("--dest={NAME}"),
            "/org/freedesktop/ScreenSaver",
            "org.freedesktop.ScreenSaver.Inhibit",
            &format!("string:script{i}"),
            "string:x",
        ])
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        kids.push(c.spawn().unwrap());
        if kids.len() >= 30 {
            for mut k in kids.drain(..) {
                let _ = k.wait();
            }
        }
    }
    for mut k in kids {
        let _ = k.wait();
    }
    // Every caller is gone: nothing holds the saver back.
    assert!(
        eventually(Duration::from_secs(15), || covered(&x) > 0.6),
        "the saver never came after the callers left"
    );
    let log = stop(d);
    // The calls did reach the daemon (recorded, or released because the caller had left)...
    let reached = log
        .lines()
        .filter(|l| {
            l.contains("inhibited by script") || l.contains("before its inhibit was recorded")
        })
        .count();
    assert!(reached > 0, "no Inhibit reached the daemon:\n{log}");
    // ...and at the end nothing held the saver back.
    let last = log
        .lines()
        .rev()
        .find(|l| l.contains("idle "))
        .unwrap_or_else(|| panic!("no idle line in the log:\n{log}"));
    assert!(!last.contains("inhibited by script"), "{last}");
}

/// Set when a test is done with its frozen peers (their handlers then return).
static THAW: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Blocks the peer's only thread until the test ends (at most two minutes).
fn freeze() {
    let t = Instant::now();
    while !THAW.load(std::sync::atomic::Ordering::SeqCst) && t.elapsed() < Duration::from_secs(120)
    {
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// An MPRIS player that owns its name and never answers.
struct Frozen;

#[zbus::interface(name = "org.mpris.MediaPlayer2.Player")]
impl Frozen {
    #[zbus(property)]
    fn playback_status(&self) -> String {
        freeze();
        String::new()
    }
}

/// A logind that never answers.
struct FrozenLogind;

#[zbus::interface(name = "org.freedesktop.login1.Manager")]
impl FrozenLogind {
    #[zbus(property)]
    fn block_inhibited(&self) -> String {
        freeze();
        String::new()
    }
}

#[test]
fn peers_that_never_answer_do_not_stop_the_loop_or_sigterm() {
    let Some(x) = Xvfb::start(640, 480) else {
        return;
    };
    let (Some(system), Some(session)) = (Bus::start(), Bus::start()) else {
        return;
    };
    let _logind = serve(
        &system,
        "org.freedesktop.login1",
        "/org/freedesktop/login1",
        FrozenLogind,
    );
    let _player = serve(
        &session,
        "org.mpris.MediaPlayer2.stuck",
        "/org/mpris/MediaPlayer2",
        Frozen,
    );
    let home = TempDir::new("daemon-frozen-peer");
    let cfg = home.path().join("config.toml");
    std::fs::write(&cfg, "skip_when_playing = true\n").unwrap();
    let cfg = cfg.display().to_string();
    let args = ["--idle", "2s", "--config", &cfg];
    let d = daemon(&x, &home, &session, Some(&system), &args, &[]);
    assert!(
        eventually(Duration::from_secs(20), || covered(&x) > 0.6),
        "no saver while the peers do not answer"
    );
    let t = Instant::now();
    let log = stop(d);
    THAW.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(t.elapsed() < Duration::from_secs(5), "{log}");
}

#[test]
fn sigterm_ends_the_daemon_and_its_saver_on_a_frozen_display() {
    let Some(x) = Xvfb::start(640, 480) else {
        return;
    };
    let home = TempDir::new("daemon-frozen-x");
    let mut d = common::trainsaver(&home)
        // A seed no other test uses: the daemon's saver is told apart by it.
        .args(["daemon", "--idle", "2s", "--seed", "918273"])
        .env("DISPLAY", x.name())
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(
        eventually(Duration::from_secs(15), || covered(&x) > 0.6),
        "no saver"
    );
    let xpid = x.pid() as libc::pid_t;
    // SAFETY: stopping and continuing our own Xvfb child.
    unsafe { libc::kill(xpid, libc::SIGSTOP) };
    std::thread::sleep(Duration::from_millis(500));
    let t = Instant::now();
    sigterm(d.id());
    let st = wait_exit(&mut d, Duration::from_secs(8));
    // SAFETY: as above.
    unsafe { libc::kill(xpid, libc::SIGCONT) };
    let log = common::stderr_of(&mut d);
    assert_eq!(st.and_then(|s| s.code()), Some(0), "{log}");
    assert!(
        t.elapsed() < Duration::from_secs(6),
        "took {:?}: {log}",
        t.elapsed()
    );
    let savers = Command::new("pgrep")
        .args(["-f", "--", "--fullscreen.*--seed 918273"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().count())
        .unwrap_or(0);
    assert_eq!(savers, 0, "the saver outlived the daemon: {log}");
}

#[test]
fn holds_end_with_the_bus_and_the_service_comes_back_with_it() {
    let Some(x) = Xvfb::start(640, 480) else {
        return;
    };
    let home = TempDir::new("daemon-bus-death");
    let address = format!("unix:path={}", home.path().join("bus").display());
    let Some(mut bus) = Bus::start_at(&address) else {
        return;
    };
    let d = daemon(&x, &home, &bus, None, &["--idle", "2s"], &[]);
    assert!(owns_name(&bus));
    let video = bus.client();
    let _: u32 = call(&video, "Inhibit", &("video", "playing"))
        .body()
        .deserialize()
        .unwrap();
    std::thread::sleep(Duration::from_secs(4));
    assert!(covered(&x) < 0.1, "the saver came despite the inhibit");
    // The bus dies; its clients' holds go with it.
    bus.kill();
    drop(video);
    assert!(
        eventually(Duration::from_secs(15), || covered(&x) > 0.6),
        "the inhibit outlived the bus"
    );
    // Past the saver's grace period, a key closes it.
    std::thread::sleep(Duration::from_millis(1500));
    x.key(common::KEY_A);
    assert!(eventually(Duration::from_secs(5), || covered(&x) < 0.1));
    // A bus comes back at the same address: the service is served again.
    let bus = Bus::start_at(&address).expect("dbus-daemon ran a moment ago");
    if !(owns_name(&bus) || owns_name(&bus)) {
        panic!("the service did not come back:\n{}", stop(d));
    }
    let app = bus.client();
    let cookie: u32 = call(&app, "Inhibit", &("again", "x"))
        .body()
        .deserialize()
        .unwrap();
    assert_ne!(cookie, 0);
    let log = stop(d);
    assert!(
        log.contains("the session bus went away: 1 inhibit(s) dropped"),
        "{log}"
    );
    assert_eq!(
        log.matches("serving org.freedesktop.ScreenSaver").count(),
        2,
        "{log}"
    );
}

/// Resident memory of a process, in MB.
fn rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

#[test]
fn huge_and_hostile_names_are_capped_and_escaped() {
    let Some(x) = Xvfb::start(640, 480) else {
        return;
    };
    let Some(bus) = Bus::start() else { return };
    let home = TempDir::new("daemon-names");
    let d = daemon(&x, &home, &bus, None, &["--idle", "1h", "--verbose"], &[]);
    assert!(owns_name(&bus));
    let app = bus.client();
    let huge = "y".repeat(1 << 20);
    for _ in 0..100 {
        let _: u32 = call(&app, "Inhibit", &(huge.as_str(), "big"))
            .body()
            .deserialize()
            .unwrap();
    }
    let forged = "vlc\n2026-01-01 00:00:00 trainsaver daemon: FORGED\x1b[31mred\u{202e}";
    let _: u32 = call(&app, "Inhibit", &(forged, "x\r\ny"))
        .body()
        .deserialize()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let rss = rss_mb(d.id());
    let log = stop(d);
    assert!(
        rss < 60.0,
        "{rss:.0} MB resident after 100 one-megabyte names"
    );
    assert!(log.len() < 200_000, "{} bytes of log", log.len());
    assert!(
        !log.contains('\x1b') && !log.contains('\u{202e}'),
        "raw escapes in the log"
    );
    assert!(
        log.lines().all(|l| !l.starts_with("2026-01-01 00:00:00")),
        "a forged log line"
    );
    assert!(log.contains("FORGED"), "the name is logged, escaped: {log}");
}

#[test]
fn a_name_owned_at_start_is_taken_when_its_owner_leaves() {
    let Some(x) = Xvfb::start(640, 480) else {
        return;
    };
    let Some(bus) = Bus::start() else { return };
    let prior = zbus::blocking::connection::Builder::address(bus.address.as_str())
        .unwrap()
        .name(NAME)
        .unwrap()
        .build()
        .unwrap();
    let first = prior.unique_name().unwrap().to_string();
    let home = TempDir::new("daemon-queued");
    let d = daemon(&x, &home, &bus, None, &["--idle", "1h"], &[]);
    std::thread::sleep(Duration::from_secs(3));
    drop(prior);
    let c = bus.client();
    let dbus = zbus::blocking::fdo::DBusProxy::new(&c).unwrap();
    let name = zbus::names::BusName::try_from(NAME).unwrap();
    assert!(
        eventually(Duration::from_secs(10), || dbus
            .get_name_owner(name.clone())
            .is_ok_and(|o| o.to_string() != first)),
        "the daemon never took the name"
    );
    let app = bus.client();
    let cookie: u32 = call(&app, "Inhibit", &("late", "x"))
        .body()
        .deserialize()
        .unwrap();
    assert_ne!(cookie, 0);
    let log = stop(d);
    assert!(
        log.contains("queued to take the name when it leaves"),
        "{log}"
    );
    assert!(log.contains("serving it now"), "{log}");
}
