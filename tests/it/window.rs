//! End to end: the preview window under a private Xvfb, read back and closed with XTEST input.

use crate::common;

use std::process::Stdio;
use std::time::Duration;

use crate::common::{BG, TempDir, Xvfb, eventually, near, trainsaver, wait_exit};

/// The default theme's ANSI green (INFO), as the window draws it.
const GREEN: [u8; 3] = [0x5f, 0xc2, 0x6a];

#[test]
fn preview_window_shows_text_and_closes_on_click() {
    let Some(x) = Xvfb::start(1600, 900) else {
        return;
    };
    let home = TempDir::new("window");
    let mut child = trainsaver(&home)
        .args(["--seed", "42", "--speed", "4"])
        .env("DISPLAY", x.name())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // Without a window manager the window sits at the top-left corner at 1280x720.
    let mut last = (0, 0, 0);
    let shown = eventually(Duration::from_secs(30), || {
        let px = x.capture();
        let inside = |i: usize| (i % 1600) < 1280 && (i / 1600) < 720;
        let bg = px
            .iter()
            .enumerate()
            .filter(|(i, p)| inside(*i) && near(**p, BG))
            .count();
        let text = px
            .iter()
            .enumerate()
            .filter(|(i, p)| inside(*i) && !near(**p, BG) && p.iter().any(|&c| c > 90))
            .count();
        let green = px.iter().filter(|p| near(**p, GREEN)).count();
        last = (bg, text, green);
        // Most of the window is background; thousands of text pixels, some of them INFO green.
        bg > 1280 * 720 / 2 && text > 3000 && green > 150
    });
    assert!(
        shown,
        "window did not show text (bg, text, green pixels) = {last:?}"
    );

    x.click(640, 360, 1);
    let status = wait_exit(&mut child, Duration::from_secs(2));
    let err = common::stderr_of(&mut child);
    let status = status
        .unwrap_or_else(|| panic!("trainsaver did not exit within 2 s of a click; stderr: {err}"));
    assert_eq!(status.code(), Some(0), "stderr: {err}");
    assert!(err.contains("seed 42"), "seed not logged: {err}");
}

#[test]
fn preview_window_closes_on_key_press() {
    let Some(x) = Xvfb::start(1600, 900) else {
        return;
    };
    let home = TempDir::new("window-key");
    let mut child = trainsaver(&home)
        .args(["--seed", "7"])
        .env("DISPLAY", x.name())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let up = eventually(Duration::from_secs(30), || {
        x.capture().iter().take(1280).any(|p| near(*p, BG))
    });
    assert!(up, "window never appeared");
    // No window manager: focus follows the pointer (PointerRoot), so put it over the window.
    x.move_to(300, 300);
    std::thread::sleep(Duration::from_millis(200));
    x.key(38); // 'a' on the default Xvfb keymap
    let status =
        wait_exit(&mut child, Duration::from_secs(2)).expect("did not exit on a key press");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn a_screen_nothing_can_draw_on_exits_3_in_one_line() {
    // A 16-bit X screen: wgpu finds no surface format and softbuffer refuses the visual.
    let Some(x) = Xvfb::start_with_depth(640, 480, 16) else {
        return;
    };
    let home = TempDir::new("depth16");
    for presenter in ["gpu", "cpu", "auto"] {
        let mut c = common::spawn_on(&x, &home, &["--fullscreen", "--presenter", presenter]);
        let st = wait_exit(&mut c, Duration::from_secs(20));
        let err = common::stderr_of(&mut c);
        assert_eq!(st.and_then(|s| s.code()), Some(3), "{presenter}: {err}");
        let ours: Vec<&str> = err
            .lines()
            .filter(|l| l.starts_with("trainsaver: error"))
            .collect();
        assert_eq!(ours.len(), 1, "{presenter}: {err}");
        assert!(!err.contains("panicked"), "{presenter}: {err}");
    }
}
