//! Real idle hooks from Debian's packages driving trainsaver under a private Xvfb:
//! XScreenSaver running it as a hack (`--root` in $XSCREENSAVER_WINDOW) and xautolock.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{TempDir, Xvfb, eventually, wait_exit};

const BG: [u8; 3] = [0x0f, 0x11, 0x15];
const KEY_A: u8 = 38;

fn covered(x: &Xvfb) -> f64 {
    let px = x.capture();
    let near = |p: &[u8; 3]| p.iter().zip(BG).all(|(a, b)| a.abs_diff(b) <= 6);
    px.iter().filter(|p| near(p)).count() as f64 / px.len() as f64
}

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
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{ConnectionExt, CreateWindowAux, WindowClass};
    use x11rb::wrapper::ConnectionExt as _;

    let Some(x) = Xvfb::start(800, 600) else {
        return;
    };
    let home = TempDir::new("xss-contract");
    let conn = x.connect();
    let screen = &conn.setup().roots[0];
    let win = conn.generate_id().unwrap();
    conn.create_window(
        screen.root_depth,
        win,
        screen.root,
        0,
        0,
        800,
        600,
        0,
        WindowClass::INPUT_OUTPUT,
        0,
        &CreateWindowAux::new().background_pixel(screen.black_pixel),
    )
    .unwrap();
    conn.map_window(win).unwrap();
    conn.sync().unwrap();
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
    std::thread::sleep(Duration::from_secs(1));
    let mut now = spawn(&["-locknow"]);
    wait_exit(&mut now, Duration::from_secs(5));
    assert!(
        eventually(Duration::from_secs(15), || covered(&x) > 0.6),
        "xautolock -locknow did not bring the saver up"
    );
    std::thread::sleep(Duration::from_millis(800));
    x.key(KEY_A);
    assert!(
        eventually(Duration::from_secs(5), || covered(&x) < 0.1),
        "the saver did not end on a key press"
    );
}
