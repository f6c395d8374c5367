//! An X screen that changes size under the fullscreen saver (RandR), on a resizable Xephyr
//! nested in an Xvfb.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::{self, TempDir, Xvfb, covered, eventually, sigterm, wait_exit};

#[test]
fn the_saver_follows_a_resized_screen() {
    let Some(host) = Xvfb::start(1800, 1400) else {
        return;
    };
    let Some(x) = Xvfb::nested(&host, 800, 600) else {
        return;
    };
    if !common::have("xrandr") {
        assert!(
            !common::required(),
            "xrandr is required (apt-get install x11-xserver-utils)"
        );
        return;
    }
    let home = TempDir::new("randr");
    let mut c = common::spawn_on(&x, &home, &["--fullscreen", "--seed", "3"]);
    assert!(
        eventually(Duration::from_secs(20), || covered(&x) > 0.6),
        "no saver: {}",
        common::stderr_of(&mut c)
    );
    let st = Command::new("xrandr")
        .args(["-s", "1600x1200"])
        .env("DISPLAY", x.name())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "xrandr -s 1600x1200 failed");
    let conn = x.connect();
    use x11rb::connection::Connection as _;
    use x11rb::protocol::xproto::ConnectionExt as _;
    let root = conn.setup().roots[0].root;
    let g = conn.get_geometry(root).unwrap().reply().unwrap();
    assert_eq!((g.width, g.height), (1600, 1200), "the screen did not grow");
    let follows = eventually(Duration::from_secs(10), || covered(&x) > 0.6);
    let share = covered(&x);
    sigterm(c.id());
    let _ = wait_exit(&mut c, Duration::from_secs(5));
    assert!(
        follows,
        "after the resize the saver covers {:.0}% of the screen",
        share * 100.0
    );
}
