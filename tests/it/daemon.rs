//! The idle daemon under a private Xvfb: launches after idle time, stays away while the user
//! works or a fullscreen window shows, retries a failing saver without looping, stops cleanly.

use crate::common;

use std::process::Child;
use std::time::Duration;

use crate::common::{KEY_A, TempDir, Xvfb, covered, eventually, sigterm, trainsaver, wait_exit};

fn daemon(x: &Xvfb, home: &TempDir, args: &[&str]) -> Child {
    let mut all = vec!["daemon"];
    all.extend_from_slice(args);
    common::spawn_on(x, home, &all)
}

fn stop(mut d: Child) -> String {
    sigterm(d.id());
    let st = wait_exit(&mut d, Duration::from_secs(5));
    let err = common::stderr_of(&mut d);
    assert_eq!(
        st.and_then(|s| s.code()),
        Some(0),
        "daemon did not stop cleanly: {err}"
    );
    err
}

#[test]
fn saver_comes_when_idle_goes_on_input_and_comes_back() {
    let Some(x) = Xvfb::start(800, 600) else {
        return;
    };
    let home = TempDir::new("daemon");
    x.move_to(10, 10);
    let d = daemon(&x, &home, &["--idle", "2s"]);
    assert!(
        eventually(Duration::from_secs(15), || covered(&x) > 0.6),
        "no saver after 2 s idle"
    );
    std::thread::sleep(Duration::from_millis(800));
    x.key(KEY_A);
    assert!(
        eventually(Duration::from_secs(3), || covered(&x) < 0.1),
        "key press did not close the saver"
    );
    assert!(
        eventually(Duration::from_secs(15), || covered(&x) > 0.6),
        "saver did not return after another idle period"
    );
    let log = stop(d);
    assert!(
        eventually(Duration::from_secs(3), || covered(&x) < 0.1),
        "SIGTERM left the saver up"
    );
    assert!(log.matches("starting").count() >= 2, "{log}");
}

#[test]
fn no_saver_while_the_user_works() {
    let Some(x) = Xvfb::start(800, 600) else {
        return;
    };
    let home = TempDir::new("daemon-busy");
    let d = daemon(&x, &home, &["--idle", "2s"]);
    for i in 0..6 {
        x.move_to(100 + i * 20, 100);
        std::thread::sleep(Duration::from_secs(1));
        assert!(
            covered(&x) < 0.1,
            "saver appeared while input arrived every second"
        );
    }
    let log = stop(d);
    assert!(!log.contains("starting"), "{log}");
}

#[test]
fn a_fullscreen_window_holds_the_saver_back() {
    use x11rb::protocol::xproto::{AtomEnum, ConnectionExt, PropMode};
    use x11rb::wrapper::ConnectionExt as _;

    let Some(x) = Xvfb::start(800, 600) else {
        return;
    };
    let home = TempDir::new("daemon-inhibit");
    let conn = x.connect();
    let win = x.create_window(&conn, (0, 0, 800, 600), true);
    let atom = |n: &str| {
        conn.intern_atom(false, n.as_bytes())
            .unwrap()
            .reply()
            .unwrap()
            .atom
    };
    let (state, full) = (atom("_NET_WM_STATE"), atom("_NET_WM_STATE_FULLSCREEN"));
    conn.change_property32(PropMode::REPLACE, win, state, AtomEnum::ATOM, &[full])
        .unwrap();
    conn.sync().unwrap();

    let d = daemon(&x, &home, &["--idle", "1s"]);
    std::thread::sleep(Duration::from_secs(4));
    assert!(covered(&x) < 0.1, "saver started over a fullscreen window");
    conn.delete_property(win, state).unwrap();
    conn.sync().unwrap();
    assert!(
        eventually(Duration::from_secs(10), || covered(&x) > 0.6),
        "saver never started after the fullscreen window left fullscreen"
    );
    stop(d);
}

#[test]
fn a_failing_saver_is_retried_on_the_next_idle_period_only() {
    let Some(x) = Xvfb::start(800, 600) else {
        return;
    };
    let home = TempDir::new("daemon-fail");
    let marks = home.path().join("launches");
    let cmd = format!("echo x >> {}; exit 3", marks.display());
    let d = daemon(&x, &home, &["--idle", "1s", "--command", &cmd]);
    let count = || std::fs::read_to_string(&marks).map_or(0, |s| s.lines().count());
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(
        count(),
        1,
        "a failing saver must not be relaunched in the same idle period"
    );
    x.move_to(300, 300); // the user comes back: a new idle period starts
    assert!(
        eventually(Duration::from_secs(8), || count() == 2),
        "not retried on the next idle period"
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(count(), 2);
    let log = stop(d);
    assert!(log.contains("saver failed"), "{log}");
}

#[test]
fn without_an_idle_source_it_says_what_to_do() {
    let home = TempDir::new("daemon-none");
    let o = trainsaver(&home)
        .args(["daemon", "--idle", "1s"])
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    // A session without an idle source is a run-time condition, not bad input.
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("no idle source") && e.contains("swayidle"),
        "{e}"
    );
}

/// Arguments of a child of `pid` (the saver the daemon started).
fn child_args(pid: u32) -> Option<Vec<String>> {
    let child = std::fs::read_dir("/proc").ok()?.flatten().find(|e| {
        std::fs::read_to_string(e.path().join("stat")).is_ok_and(|st| {
            // Fields after the command name, which is in parentheses: state, then ppid.
            st.rsplit_once(") ")
                .and_then(|(_, rest)| rest.split(' ').nth(1))
                .is_some_and(|ppid| ppid == pid.to_string())
        })
    })?;
    let raw = std::fs::read(child.path().join("cmdline")).ok()?;
    Some(
        raw.split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect(),
    )
}

#[test]
fn saver_flags_given_to_the_daemon_reach_the_saver() {
    let Some(x) = Xvfb::start(800, 600) else {
        return;
    };
    let home = TempDir::new("daemon-flags");
    x.move_to(10, 10);
    let d = daemon(
        &x,
        &home,
        &[
            "--idle",
            "1s",
            "--layout",
            "dashboard",
            "--seed",
            "5",
            "--speed",
            "2",
        ],
    );
    let pid = d.id();
    let mut args = None;
    assert!(
        eventually(Duration::from_secs(15), || {
            args = child_args(pid);
            args.is_some() && covered(&x) > 0.3
        }),
        "no saver after 1 s idle"
    );
    let args = args.unwrap();
    let after = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .map(String::as_str)
    };
    assert_eq!(
        args.get(1).map(String::as_str),
        Some("--fullscreen"),
        "{args:?}"
    );
    assert_eq!(after("--layout"), Some("dashboard"), "{args:?}");
    assert_eq!(after("--seed"), Some("5"), "{args:?}");
    assert_eq!(after("--speed"), Some("2"), "{args:?}");
    let log = stop(d);
    assert!(log.contains("trainsaver: seed 5 "), "{log}");
}

#[test]
fn sigterm_removes_a_saver_started_through_a_shell() {
    let Some(x) = Xvfb::start(800, 600) else {
        return;
    };
    let home = TempDir::new("daemon-group");
    x.move_to(10, 10);
    // `; true` keeps sh from exec-ing the saver: the saver is the daemon's grandchild.
    let cmd = format!("{} --fullscreen --seed 4; true", common::bin());
    let d = daemon(&x, &home, &["--idle", "1s", "--command", &cmd]);
    assert!(
        eventually(Duration::from_secs(15), || covered(&x) > 0.6),
        "no saver after 1 s idle"
    );
    stop(d);
    assert!(
        eventually(Duration::from_secs(5), || covered(&x) < 0.1),
        "SIGTERM to the daemon left its grandchild saver on screen"
    );
}

#[test]
fn once_reports_a_failed_saver() {
    let Some(x) = Xvfb::start(800, 600) else {
        return;
    };
    let home = TempDir::new("daemon-once");
    x.move_to(10, 10);
    let mut d = daemon(
        &x,
        &home,
        &["--idle", "1s", "--once", "--command", "exit 3"],
    );
    let st = wait_exit(&mut d, Duration::from_secs(15));
    let err = common::stderr_of(&mut d);
    assert_eq!(st.and_then(|s| s.code()), Some(1), "{err}");
    assert!(err.contains("the saver failed"), "{err}");
}
