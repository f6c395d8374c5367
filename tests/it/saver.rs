//! The screensaver runtime under a private Xvfb with no window manager: fullscreen coverage,
//! which input ends it, kiosk mode, signals, embedding in a host window, single instance.

use crate::common;

use std::process::Child;
use std::time::Duration;

use crate::common::{BG, KEY_A, TempDir, Xvfb, covered, eventually, near, stderr_of, wait_exit};

const W: u16 = 1024;
const H: u16 = 768;
/// X keycodes of the default Xvfb keymap.
const KEY_Q: u8 = 24;
const CONTROL_L: u8 = 37;
const ALT_L: u8 = 64;

fn spawn(x: &Xvfb, home: &TempDir, args: &[&str]) -> Child {
    common::spawn_on(x, home, args)
}

/// Starts a fullscreen saver and waits until it covers the screen and its grace period passed.
fn saver(x: &Xvfb, home: &TempDir, extra: &[&str]) -> Child {
    let mut args = vec!["--fullscreen", "--seed", "3", "--speed", "4"];
    args.extend_from_slice(extra);
    covering(x, spawn(x, home, &args))
}

/// Waits until a started saver covers the screen and its grace period passed.
fn covering(x: &Xvfb, mut child: Child) -> Child {
    let up = eventually(Duration::from_secs(30), || covered(x) > 0.6);
    if !up {
        let _ = child.kill();
        panic!(
            "saver never covered the screen; stderr: {}",
            stderr_of(&mut child)
        );
    }
    std::thread::sleep(Duration::from_millis(800)); // past the 500 ms grace period
    child
}

fn assert_exits_0(child: &mut Child, what: &str) {
    let status = wait_exit(child, Duration::from_secs(2));
    let err = stderr_of(child);
    let status =
        status.unwrap_or_else(|| panic!("saver did not exit within 2 s of {what}; stderr: {err}"));
    assert_eq!(status.code(), Some(0), "{what}: {err}");
}

fn assert_still_running(child: &mut Child, what: &str) {
    std::thread::sleep(Duration::from_millis(700));
    assert!(
        child.try_wait().unwrap().is_none(),
        "saver exited on {what}"
    );
}

#[test]
fn fullscreen_covers_the_screen_and_exits_on_a_key() {
    let Some(x) = Xvfb::start(W, H) else { return };
    let home = TempDir::new("saver-key");
    let mut child = saver(&x, &home, &[]);
    assert!(covered(&x) > 0.6, "coverage {}", covered(&x));
    x.key(KEY_A);
    assert_exits_0(&mut child, "a key press");
}

/// The first frame already shows a screenful of the running job (the saver joins it), and it
/// comes well within the start-up budget on this machine (the figure is benches/latency.py's).
#[test]
fn the_first_frame_is_already_full() {
    use std::io::{BufRead, BufReader};
    let Some(x) = Xvfb::start(W, H) else { return };
    let home = TempDir::new("saver-first");
    let mut child = common::trainsaver(&home)
        .args(["--fullscreen", "--seed", "11"])
        .env("DISPLAY", x.name())
        .env("TRAINSAVER_TRACE", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let err = child.stderr.take().unwrap();
    let traced = BufReader::new(err)
        .lines()
        .map_while(Result::ok)
        .any(|l| l.contains("first frame presented"));
    assert!(traced, "no first-frame trace");
    // Text on the top and the bottom third of the screen: rows of history, not one line.
    let px = x.capture();
    let w = W as usize;
    let inked = |rows: std::ops::Range<usize>| {
        let n = rows.len() * w;
        rows.flat_map(|y| px[y * w..(y + 1) * w].iter())
            .filter(|p| !near(**p, BG))
            .count() as f64
            / n as f64
    };
    let h = H as usize;
    let (top, bottom) = (inked(0..h / 3), inked(2 * h / 3..h));
    assert!(
        top > 0.01 && bottom > 0.01,
        "ink top {top:.3}, bottom {bottom:.3}"
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn exits_on_click_wheel_and_real_motion_not_on_jitter() {
    let Some(x) = Xvfb::start(W, H) else { return };
    let home = TempDir::new("saver-pointer");

    let mut c = saver(&x, &home, &[]);
    x.click(300, 300, 1);
    assert_exits_0(&mut c, "a click");

    let mut c = saver(&x, &home, &[]);
    x.click(300, 300, 4);
    assert_exits_0(&mut c, "a wheel turn");

    x.move_to(500, 400);
    let mut c = saver(&x, &home, &[]);
    x.move_to(502, 400);
    assert_still_running(&mut c, "a 2 px jitter");
    x.move_to(552, 400);
    assert_exits_0(&mut c, "a 50 px move");

    // The very first motion counts: one 20 px jump ends it.
    x.move_to(200, 200);
    let mut c = saver(&x, &home, &[]);
    x.move_to(220, 200);
    assert_exits_0(&mut c, "a single 20 px jump");

    // Jitter of a pixel every half second never adds up.
    x.move_to(300, 300);
    let mut c = saver(&x, &home, &[]);
    for i in 0..12 {
        x.move_to(300 + (i % 2), 300);
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_still_running(&mut c, "6 s of 1 px jitter");
    let _ = c.kill();
    let _ = c.wait();
}

#[test]
fn input_during_the_grace_period_is_ignored() {
    let Some(x) = Xvfb::start(W, H) else { return };
    let home = TempDir::new("saver-grace");
    let cfg = home.path().join("grace.toml");
    std::fs::write(&cfg, "input_grace_ms = 4000\n").unwrap();
    let mut c = spawn(
        &x,
        &home,
        &["--fullscreen", "--config", cfg.to_str().unwrap()],
    );
    assert!(
        eventually(Duration::from_secs(30), || covered(&x) > 0.6),
        "saver never appeared"
    );
    x.key(KEY_A);
    x.click(200, 200, 1);
    assert_still_running(&mut c, "input inside the grace period");
    std::thread::sleep(Duration::from_millis(3500));
    x.key(KEY_A);
    assert_exits_0(&mut c, "a key after the grace period");
}

#[test]
fn kiosk_ignores_input_but_not_the_chord() {
    let Some(x) = Xvfb::start(W, H) else { return };
    let home = TempDir::new("kiosk");
    let mut c = spawn(&x, &home, &["--kiosk", "--seed", "4"]);
    assert!(
        eventually(Duration::from_secs(30), || covered(&x) > 0.6),
        "kiosk never appeared"
    );
    std::thread::sleep(Duration::from_millis(800));
    x.key(KEY_A);
    x.click(100, 100, 1);
    x.move_to(900, 700);
    assert_still_running(&mut c, "a key, a click and a move in kiosk mode");
    x.chord(&[CONTROL_L, ALT_L, KEY_Q]);
    assert_exits_0(&mut c, "ctrl+alt+q");
}

/// The X server keeps no copy of a covered window (no compositor, no backing store): when a window above the
/// saver goes away, what it covered must be drawn again, as it was.
#[test]
fn a_covered_part_comes_back_when_uncovered() {
    let Some(x) = Xvfb::start_with(W, H, 24, &["-bs"]) else {
        return;
    };
    let home = TempDir::new("saver-expose");
    // A slow clock: no new line scrolls the screen (and repaints it) while the test looks.
    let args = ["--fullscreen", "--seed", "3", "--speed", "0.01"];
    let mut child = covering(&x, spawn(&x, &home, &args));
    let (x0, y0, cw, ch) = (120usize, 100usize, 500usize, 400usize);
    let region = |px: &[[u8; 3]]| -> Vec<[u8; 3]> {
        (y0..y0 + ch)
            .flat_map(|y| px[y * W as usize + x0..y * W as usize + x0 + cw].to_vec())
            .collect()
    };
    let before = region(&x.capture());
    let conn = x.connect();
    let cover = x.create_window(&conn, (x0 as i16, y0 as i16, cw as u16, ch as u16), true);
    let white =
        |r: &[[u8; 3]]| r.iter().filter(|p| **p == [255; 3]).count() as f64 / r.len() as f64;
    assert!(
        eventually(Duration::from_secs(5), || white(&region(&x.capture()))
            > 0.99),
        "the cover never showed"
    );
    use x11rb::protocol::xproto::ConnectionExt as _;
    use x11rb::wrapper::ConnectionExt as _;
    conn.destroy_window(cover).unwrap();
    conn.sync().unwrap();
    let same = |r: &[[u8; 3]]| {
        r.iter()
            .zip(&before)
            .filter(|(a, b)| near(**a, **b))
            .count() as f64
            / r.len() as f64
    };
    // The cursor may have blinked meanwhile: most of the region, not all of it, is as before.
    let back = eventually(Duration::from_secs(3), || {
        let r = region(&x.capture());
        white(&r) < 0.01 && same(&r) > 0.8
    });
    let r = region(&x.capture());
    assert!(
        back,
        "after uncovering: {:.1}% white, {:.1}% as before",
        white(&r) * 100.0,
        same(&r) * 100.0
    );
    assert_still_running(&mut child, "an expose");
    let _ = child.kill();
}

#[test]
fn sigterm_ends_the_saver_cleanly() {
    let Some(x) = Xvfb::start(W, H) else { return };
    let home = TempDir::new("sigterm");
    let mut c = saver(&x, &home, &[]);
    let st = std::process::Command::new("kill")
        .args(["-TERM", &c.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    assert_exits_0(&mut c, "SIGTERM");
}

#[test]
fn a_second_saver_on_the_same_display_leaves() {
    let Some(x) = Xvfb::start(W, H) else { return };
    let home = TempDir::new("single");
    let mut first = saver(&x, &home, &[]);
    let mut second = spawn(&x, &home, &["--fullscreen"]);
    let st =
        wait_exit(&mut second, Duration::from_secs(5)).expect("second instance must leave at once");
    let err = stderr_of(&mut second);
    assert_eq!(st.code(), Some(0), "{err}");
    assert!(err.contains("already running"), "{err}");
    assert!(
        first.try_wait().unwrap().is_none(),
        "the first saver keeps running"
    );
    x.key(KEY_A);
    assert_exits_0(&mut first, "a key");
    // Its lock is gone with it: a new saver starts.
    let mut third = saver(&x, &home, &[]);
    x.key(KEY_A);
    assert_exits_0(&mut third, "a key");
}

#[test]
fn embedded_in_a_host_window_follows_it_and_ends_with_it() {
    use x11rb::protocol::xproto::{ConfigureWindowAux, ConnectionExt};
    use x11rb::wrapper::ConnectionExt as _;

    let Some(x) = Xvfb::start(W, H) else { return };
    let home = TempDir::new("embed");
    let conn = x.connect();
    let host = x.create_window(&conn, (50, 50, 400, 300), true);

    let id = format!("0x{host:x}");
    let mut c = spawn(&x, &home, &["--window-id", &id, "--seed", "5"]);
    let inside = |x0: usize, y0: usize, x1: usize, y1: usize| {
        let px = x.capture();
        let n = (y0..y1)
            .flat_map(|y| (x0..x1).map(move |xx| (xx, y)))
            .filter(|&(xx, y)| near(px[y * W as usize + xx], BG))
            .count();
        n as f64 / ((x1 - x0) * (y1 - y0)) as f64
    };
    assert!(
        eventually(Duration::from_secs(30), || inside(60, 60, 440, 340) > 0.5),
        "trainsaver's pixels never appeared inside the host; stderr: {}",
        stderr_of(&mut c)
    );
    let tree = std::process::Command::new("xwininfo")
        .args(["-root", "-tree"])
        .env("DISPLAY", x.name())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    assert!(
        inside(500, 400, 640, 500) < 0.1,
        "drew outside the host: {tree}"
    );

    // Input goes to the host's owner (XScreenSaver), not to us.
    x.click(200, 200, 1);
    assert_still_running(&mut c, "a click on an embedded saver");

    conn.configure_window(host, &ConfigureWindowAux::new().width(700).height(500))
        .unwrap();
    conn.sync().unwrap();
    assert!(
        eventually(Duration::from_secs(10), || inside(500, 400, 740, 540) > 0.5),
        "the terminal did not grow with its host"
    );

    conn.destroy_window(host).unwrap();
    conn.sync().unwrap();
    assert_exits_0(&mut c, "its host window being destroyed");
}

#[test]
fn night_schedule_dims_and_blanks() {
    let Some(x) = Xvfb::start(W, H) else { return };
    let home = TempDir::new("schedule");
    let now = chrono::Local::now().time();
    let hm = |m: i64| {
        (now + chrono::Duration::minutes(m))
            .format("%H:%M")
            .to_string()
    };
    let range = format!("[\"{}\", \"{}\"]", hm(-1), hm(3));
    let brightest = |x: &Xvfb| {
        x.capture()
            .iter()
            .map(|p| *p.iter().max().unwrap())
            .max()
            .unwrap()
    };

    let cfg = home.path().join("dim.toml");
    let start_with = |cfg: &std::path::Path| {
        let args = [
            "--fullscreen",
            "--seed",
            "3",
            "--speed",
            "4",
            "--config",
            cfg.to_str().unwrap(),
        ];
        spawn(&x, &home, &args)
    };
    std::fs::write(&cfg, format!("dim_between = {range}\ndim_level = 0.3\n")).unwrap();
    let mut c = start_with(&cfg);
    // Dimmed: text appears but nothing comes near full brightness.
    assert!(
        eventually(Duration::from_secs(30), || {
            let b = brightest(&x);
            b > 20 && b < 110
        }),
        "not dimmed: brightest {}",
        brightest(&x)
    );
    std::thread::sleep(Duration::from_millis(800));
    x.key(KEY_A);
    assert_exits_0(&mut c, "a key while dimmed");

    // A white desktop, so black can only come from the saver.
    {
        use x11rb::connection::Connection;
        use x11rb::protocol::xproto::{ChangeWindowAttributesAux, ConnectionExt};
        use x11rb::wrapper::ConnectionExt as _;
        let conn = x.connect();
        let screen = &conn.setup().roots[0];
        conn.change_window_attributes(
            screen.root,
            &ChangeWindowAttributesAux::new().background_pixel(screen.white_pixel),
        )
        .unwrap();
        conn.clear_area(false, screen.root, 0, 0, 0, 0).unwrap();
        conn.sync().unwrap();
    }
    assert!(x.capture()[0] == [255, 255, 255], "desktop not white");
    std::fs::write(&cfg, format!("blank_between = {range}\n")).unwrap();
    let mut c = start_with(&cfg);
    std::thread::sleep(Duration::from_secs(3));
    let px = x.capture();
    let black = px.iter().filter(|p| p.iter().all(|&v| v == 0)).count() as f64 / px.len() as f64;
    assert!(
        black > 0.99,
        "blank period shows {:.1}% black",
        black * 100.0
    );
    x.key(KEY_A);
    assert_exits_0(&mut c, "a key while blank");
}

#[test]
fn of_eight_savers_started_at_once_one_runs_whatever_the_display_is_called() {
    let Some(x) = Xvfb::start(W, H) else { return };
    let home = TempDir::new("race");
    let n = x.name(); // ":N"
    let spellings = [n.clone(), format!("{n}.0"), format!("unix{n}")];
    let mut all: Vec<Child> = (0..8)
        .map(|i| {
            common::trainsaver(&home)
                .args(["--fullscreen", "--seed", "3"])
                .env("DISPLAY", &spellings[i % 3])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    // Seven leave at once with "already running"; one stays.
    let left = eventually(Duration::from_secs(15), || {
        all.iter_mut().filter_map(|c| c.try_wait().unwrap()).count() == 7
    });
    std::thread::sleep(Duration::from_millis(500));
    let running: Vec<usize> = (0..8)
        .filter(|&i| all[i].try_wait().unwrap().is_none())
        .collect();
    // Those that left did so because another held the display, not because they failed.
    let mut reasons = Vec::new();
    for (i, c) in all.iter_mut().enumerate() {
        if !running.contains(&i) {
            let code = c.wait().unwrap().code();
            reasons.push((code, stderr_of(c).contains("already running")));
        }
    }
    for c in &mut all {
        let _ = c.kill();
        let _ = c.wait();
    }
    assert!(left, "expected 7 to leave, still running: {running:?}");
    assert_eq!(running.len(), 1, "{running:?}");
    assert!(reasons.iter().all(|&r| r == (Some(0), true)), "{reasons:?}");
    // A holder killed with SIGKILL leaves no lock behind.
    let mut next = saver(&x, &home, &[]);
    x.key(KEY_A);
    assert_exits_0(&mut next, "a key");
}

#[test]
fn a_stale_wayland_display_falls_back_to_x11() {
    let Some(x) = Xvfb::start(W, H) else { return };
    let home = TempDir::new("stale-wayland");
    let child = common::trainsaver(&home)
        .args(["--fullscreen", "--seed", "3"])
        .env("DISPLAY", x.name())
        .env("WAYLAND_DISPLAY", "wayland-gone-42")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut c = covering(&x, child);
    x.key(KEY_A);
    assert_exits_0(&mut c, "a key");
}

#[test]
fn a_dying_x_server_ends_the_saver_in_one_line() {
    let Some(mut x) = Xvfb::start(W, H) else {
        return;
    };
    let home = TempDir::new("xdeath");
    let mut c = saver(&x, &home, &[]);
    x.kill();
    let st = wait_exit(&mut c, Duration::from_secs(10)).expect("saver outlived its display");
    let err = stderr_of(&mut c);
    assert_eq!(st.code(), Some(1), "{err}");
    assert!(!err.contains("XIO"), "Xlib's own message: {err}");
    assert_eq!(
        err.lines().last(),
        Some("trainsaver: error: the X display went away"),
        "{err}"
    );
}

/// A low descriptor limit is one line and exit 1, never a panic; a low soft limit alone is
/// raised to the hard one and the saver runs.
#[test]
fn a_low_descriptor_limit_is_an_error_not_a_panic() {
    let Some(x) = Xvfb::start(640, 480) else {
        return;
    };
    let home = TempDir::new("emfile");
    // The saver under a shell that lowers the limit first, with the test's empty config.
    let saver = |limit: &str| {
        let mut c = std::process::Command::new("bash");
        c.args([
            "-c",
            &format!(
                "ulimit {limit} 11 && exec {} --fullscreen --seed 3",
                common::bin()
            ),
        ])
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("HOME", home.path())
        .env("DISPLAY", x.name())
        .env_remove("WAYLAND_DISPLAY")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
        c
    };
    let o = saver("-n").output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("file descriptors") && !err.contains("panicked"),
        "{err}"
    );
    let mut child = saver("-S -n").spawn().unwrap();
    let up = eventually(Duration::from_secs(20), || covered(&x) > 0.6);
    common::sigterm(child.id());
    let _ = wait_exit(&mut child, Duration::from_secs(5));
    assert!(
        up,
        "a raised soft limit: no saver: {}",
        stderr_of(&mut child)
    );
}
