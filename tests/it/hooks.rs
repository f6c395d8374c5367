//! Real idle hooks from Debian's packages driving trainsaver under a private Xvfb:
//! XScreenSaver running it as a hack (`--root` in $XSCREENSAVER_WINDOW) and xautolock.

use crate::common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::{KEY_A, TempDir, Xvfb, covered, eventually, wait_exit};

/// Whether a tool is installed; when display tests are required, a missing tool fails.
fn tool(name: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        let required = std::env::var("TRAINSAVER_REQUIRE_DISPLAY").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "{name} is required here (TRAINSAVER_REQUIRE_DISPLAY=1) but not installed"
        );
        eprintln!("skipping: {name} is not installed");
    }
    found
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What XScreenSaver does with a hack: create a window, pass its id in $XSCREENSAVER_WINDOW,
/// run `trainsaver --root`, stop it with SIGTERM. (XScreenSaver itself refuses to run hacks as
/// root, which CI is; see the README for the run by hand.)
#[test]
fn the_xscreensaver_contract() {
    let Some(x) = Xvfb::start(800, 600) else {
        return;
    };
    let home = TempDir::new("xss-contract");
    let conn = x.connect();
    let win = x.create_window(&conn, (0, 0, 800, 600), false);
    let mut hack = common::trainsaver(&home)
        .args(["-root", "--seed", "2"])
        .env("DISPLAY", x.name())
        .env("XSCREENSAVER_WINDOW", format!("0x{win:X}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(
        eventually(Duration::from_secs(20), || covered(&x) > 0.6),
        "the hack did not fill $XSCREENSAVER_WINDOW"
    );
    x.key(KEY_A);
    x.click(100, 100, 1);
    std::thread::sleep(Duration::from_millis(700));
    assert!(
        hack.try_wait().unwrap().is_none(),
        "a hack must leave input to XScreenSaver"
    );
    let st = Command::new("kill")
        .args(["-TERM", &hack.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let status = wait_exit(&mut hack, Duration::from_secs(3)).expect("hack ignored SIGTERM");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn xautolock_starts_the_saver_and_input_ends_it() {
    if !tool("xautolock") {
        return;
    }
    let Some(x) = Xvfb::start(800, 600) else {
        return;
    };
    let home = TempDir::new("xautolock");
    let locker = format!("{} --fullscreen --seed 2", common::bin());
    let spawn = |args: &[&str]| {
        Command::new("xautolock")
            .args(args)
            .env("DISPLAY", x.name())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_RUNTIME_DIR", home.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let _daemon = KillOnDrop(spawn(&["-time", "1", "-locker", &locker]));
    // xautolock drops -locknow while it is still starting up; ask again until it acts.
    let up = (0..5).any(|_| {
        std::thread::sleep(Duration::from_secs(1));
        let mut now = spawn(&["-locknow"]);
        wait_exit(&mut now, Duration::from_secs(5));
        eventually(Duration::from_secs(4), || covered(&x) > 0.6)
    });
    assert!(up, "xautolock -locknow did not bring the saver up");
    std::thread::sleep(Duration::from_millis(800));
    x.key(KEY_A);
    assert!(
        eventually(Duration::from_secs(5), || covered(&x) < 0.1),
        "the saver did not end on a key press"
    );
}
