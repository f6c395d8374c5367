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

/// Pids of a user's live processes whose command line contains `pattern` (zombies, which some
/// containers' init reaps late, count as gone).
fn live(user: &str, pattern: &str) -> Vec<u32> {
    let Ok(o) = Command::new("pgrep")
        .args(["-u", user, "-f", "--", pattern])
        .output()
    else {
        return Vec::new();
    };
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.trim().parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| {
                    s.rsplit(')')
                        .next()
                        .map(|r| r.trim_start().starts_with('Z'))
                })
                == Some(false)
        })
        .collect()
}

/// The real xsecurelock with `contrib/hooks/xsecurelock/saver_trainsaver`, as an unprivileged
/// user (it refuses nothing as root, but a locker runs as the user): the lock shows the run,
/// and the saver ends when the locker does.
#[test]
fn xsecurelock_shows_the_run_behind_the_lock() {
    const USER: &str = "trainsaver-test";
    if !tool("xsecurelock") || !tool("xhost") {
        return;
    }
    // SAFETY: getuid has no preconditions.
    let root = unsafe { libc::getuid() } == 0;
    let user_ok = Command::new("id")
        .arg(USER)
        .output()
        .is_ok_and(|o| o.status.success());
    if root && !user_ok {
        assert!(
            !common::required(),
            "user {USER} is required for the locker test (useradd {USER})"
        );
        eprintln!("skipping: user {USER} does not exist");
        return;
    }
    let Some(x) = Xvfb::start(800, 600) else {
        return;
    };
    let home = TempDir::new("xsecurelock");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let saver = home.path().join("saver_trainsaver");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/contrib/hooks/xsecurelock/saver_trainsaver"
        ),
        &saver,
    )
    .unwrap();
    std::fs::set_permissions(&saver, std::fs::Permissions::from_mode(0o755)).unwrap();
    let who = if root {
        USER.to_string()
    } else {
        std::env::var("USER").unwrap_or_default()
    };
    let st = Command::new("xhost")
        .arg(format!("+si:localuser:{who}"))
        .env("DISPLAY", x.name())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "xhost");
    let env = [
        ("DISPLAY", x.name()),
        ("HOME", home.path().display().to_string()),
        (
            "XDG_CONFIG_HOME",
            home.path().join("config").display().to_string(),
        ),
        ("XSECURELOCK_SAVER", saver.display().to_string()),
        ("XSECURELOCK_BLANK_TIMEOUT", "-1".to_string()),
        ("XSECURELOCK_NO_COMPOSITE", "1".to_string()),
        ("TRAINSAVER", common::bin().to_string()),
        ("PATH", "/usr/bin:/bin".to_string()),
    ];
    let mut cmd = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", USER, "--", "env", "-i"]);
        c.args(env.iter().map(|(k, v)| format!("{k}={v}")));
        c.arg("xsecurelock");
        c
    } else {
        let mut c = Command::new("xsecurelock");
        c.env_remove("WAYLAND_DISPLAY")
            .envs(env.iter().map(|(k, v)| (k, v)));
        c
    };
    let locker = KillOnDrop(
        cmd.stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let shows = eventually(Duration::from_secs(20), || covered(&x) > 0.6);
    let savers = live(&who, "--root");
    assert!(
        shows,
        "the lock does not show the run ({:.0}% of the screen)",
        covered(&x) * 100.0
    );
    assert!(
        !savers.is_empty(),
        "no `trainsaver --root` runs under the lock"
    );
    // Unlocking (xsecurelock ends on SIGTERM as it does on a successful login) ends the saver.
    let locks = live(&who, "xsecurelock");
    assert!(!locks.is_empty());
    for pid in locks {
        common::sigterm(pid);
    }
    let gone = eventually(Duration::from_secs(10), || live(&who, "--root").is_empty());
    drop(locker);
    assert!(
        gone,
        "the saver outlived the locker: {:?}",
        live(&who, "--root")
    );
    assert!(
        eventually(Duration::from_secs(5), || covered(&x) < 0.1),
        "the lock's windows stayed"
    );
}
