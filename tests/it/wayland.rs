//! The saver on Wayland: a headless sway (wlroots) started by the test as an unprivileged user,
//! two outputs, keys through wtype, screenshots through grim. (Headless sway has no pointer
//! device, so `swaymsg seat seat0 cursor ...` reaches no client: the pointer rule is tested on
//! X11 only.)

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::{self, BG, TempDir, eventually, near, sigterm, stderr_of, wait_exit};

/// The user sway runs as when the tests run as root (sway refuses root); `.ci/run` creates it.
const USER: &str = "trainsaver-test";
const OUT_W: u32 = 1280;
const OUT_H: u32 = 720;

/// A headless sway with two 1280x720 outputs side by side; killed on drop.
struct Sway {
    child: Child,
    dir: PathBuf,
    socket: PathBuf,
    ipc: PathBuf,
}

fn is_root() -> bool {
    // SAFETY: getuid has no preconditions.
    unsafe { libc::getuid() == 0 }
}

fn user_exists() -> bool {
    Command::new("id")
        .arg(USER)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl Sway {
    fn start(tag: &str) -> Option<Sway> {
        let missing = ["sway", "swaymsg", "grim", "wtype"]
            .into_iter()
            .find(|c| !common::have(c));
        let why = match missing {
            Some(c) => Some(format!(
                "{c} is not installed (apt-get install sway grim wtype)"
            )),
            None if is_root() && !user_exists() => Some(format!(
                "sway refuses to run as root and user {USER} does not exist (useradd {USER})"
            )),
            None => None,
        };
        if let Some(why) = why {
            assert!(
                !common::required(),
                "Wayland tests are required (TRAINSAVER_REQUIRE_DISPLAY=1): {why}"
            );
            eprintln!("skipping: {why}");
            return None;
        }
        let dir =
            std::env::temp_dir().join(format!("trainsaver-sway-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.with_extension("conf");
        std::fs::write(
            &config,
            format!(
                "output HEADLESS-1 resolution {OUT_W}x{OUT_H} position 0 0\n\
                 output HEADLESS-2 resolution {OUT_W}x{OUT_H} position {OUT_W} 0\n\
                 default_border none\n"
            ),
        )
        .unwrap();
        let env = [
            ("WLR_BACKENDS", "headless"),
            ("WLR_LIBINPUT_NO_DEVICES", "1"),
            ("WLR_RENDERER", "pixman"),
            ("WLR_HEADLESS_OUTPUTS", "2"),
        ];
        let mut cmd = if is_root() {
            // The runtime directory must be the compositor user's own, mode 700.
            let ok = Command::new("chown")
                .args([USER, &dir.display().to_string()])
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown {USER} {}", dir.display());
            let mut c = Command::new("runuser");
            c.args(["-u", USER, "--", "env", "-i", "PATH=/usr/bin:/bin"]);
            c.arg(format!("XDG_RUNTIME_DIR={}", dir.display()));
            c.args(env.iter().map(|(k, v)| format!("{k}={v}")));
            c.arg("sway");
            c
        } else {
            let mut c = Command::new("sway");
            c.env_clear()
                .env("PATH", "/usr/bin:/bin")
                .env("XDG_RUNTIME_DIR", &dir)
                .envs(env);
            c
        };
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
        // Its own process group, so that dropping it stops sway too and not only runuser.
        use std::os::unix::process::CommandExt;
        let child = cmd
            .process_group(0)
            .args(["-c", &config.display().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut sway = Sway {
            child,
            socket: PathBuf::new(),
            ipc: PathBuf::new(),
            dir,
        };
        let up = eventually(Duration::from_secs(10), || {
            let names: Vec<PathBuf> = std::fs::read_dir(&sway.dir)
                .map(|d| d.flatten().map(|e| e.path()).collect())
                .unwrap_or_default();
            let find = |f: &dyn Fn(&str) -> bool| {
                names
                    .iter()
                    .find(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(f))
                    .cloned()
            };
            match (
                find(&|n| n.starts_with("wayland-") && !n.ends_with(".lock")),
                find(&|n| n.starts_with("sway-ipc.")),
            ) {
                (Some(s), Some(i)) => {
                    sway.socket = s;
                    sway.ipc = i;
                    true
                }
                _ => false,
            }
        });
        assert!(up, "sway did not come up in {}", sway.dir.display());
        Some(sway)
    }

    /// A command talking to this compositor (absolute `WAYLAND_DISPLAY`, no X11).
    fn client(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("WAYLAND_DISPLAY", &self.socket)
            .env("SWAYSOCK", &self.ipc)
            .env("XDG_RUNTIME_DIR", &self.dir)
            .env_remove("DISPLAY");
        c
    }

    /// The saver on this compositor.
    fn saver(&self, home: &TempDir, args: &[&str]) -> Child {
        common::trainsaver(home)
            .args(args)
            .env("WAYLAND_DISPLAY", &self.socket)
            .env_remove("DISPLAY")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    fn run(&self, program: &str, args: &[&str]) {
        let st = self.client(program).args(args).status().unwrap();
        assert!(st.success(), "{program} {args:?}: {st}");
    }

    /// Share of an output showing the default theme's background (grim's PPM on stdout).
    fn covered(&self, output: &str) -> f64 {
        let Ok(out) = self
            .client("grim")
            .args(["-t", "ppm", "-o", output, "-"])
            .stderr(Stdio::null())
            .output()
        else {
            return 0.0;
        };
        // P6, width, height, maxval, then RGB bytes.
        let mut fields = 0;
        let mut at = 0;
        while fields < 4 && at < out.stdout.len() {
            while at < out.stdout.len() && out.stdout[at].is_ascii_whitespace() {
                at += 1;
            }
            while at < out.stdout.len() && !out.stdout[at].is_ascii_whitespace() {
                at += 1;
            }
            fields += 1;
        }
        let px = out.stdout.get(at + 1..).unwrap_or(&[]).chunks_exact(3);
        let n = px.len().max(1);
        px.filter(|p| near([p[0], p[1], p[2]], BG)).count() as f64 / n as f64
    }

    fn key(&self, key: &str) {
        // The pause lets wtype's new virtual keyboard get focus first, or the key is lost.
        self.run("wtype", &["-s", "300", "-k", key]);
    }
}

impl Drop for Sway {
    fn drop(&mut self) {
        // The process group this test started: sway, and runuser when it runs as another user.
        // SIGTERM first, so runuser reaps sway; SIGKILL for whatever is left.
        let group = -(self.child.id() as libc::pid_t);
        // SAFETY: kill(2) on our own process group id.
        unsafe { libc::kill(group, libc::SIGTERM) };
        if wait_exit(&mut self.child, Duration::from_secs(3)).is_none() {
            // SAFETY: as above.
            unsafe { libc::kill(group, libc::SIGKILL) };
            let _ = self.child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn exits_0(child: &mut Child, what: &str) {
    let st = wait_exit(child, Duration::from_secs(3));
    let err = stderr_of(child);
    let st = st.unwrap_or_else(|| panic!("the saver did not exit within 3 s of {what}: {err}"));
    assert_eq!(st.code(), Some(0), "{what}: {err}");
}

fn still_running(child: &mut Child, what: &str) {
    std::thread::sleep(Duration::from_millis(800));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the saver exited on {what}"
    );
}

fn covers_both(sway: &Sway, child: &mut Child) {
    let up = eventually(Duration::from_secs(20), || {
        sway.covered("HEADLESS-1") > 0.6 && sway.covered("HEADLESS-2") > 0.6
    });
    if !up {
        let _ = child.kill();
        panic!("the saver did not cover both outputs: {}", stderr_of(child));
    }
    // Past the input grace period.
    std::thread::sleep(Duration::from_millis(700));
}

#[test]
fn fullscreen_covers_every_output_and_exits_on_a_key() {
    let Some(sway) = Sway::start("key") else {
        return;
    };
    let home = TempDir::new("wl-key");
    let mut c = sway.saver(&home, &["--fullscreen", "--seed", "3"]);
    covers_both(&sway, &mut c);
    sway.key("space");
    exits_0(&mut c, "a key press");
    // --monitor 1 covers the second output only.
    let mut c = sway.saver(&home, &["--fullscreen", "--seed", "3", "--monitor", "1"]);
    assert!(
        eventually(Duration::from_secs(20), || sway.covered("HEADLESS-2") > 0.6),
        "no saver on output 1: {}",
        stderr_of(&mut c)
    );
    assert!(
        sway.covered("HEADLESS-1") < 0.1,
        "--monitor 1 covered output 0 too"
    );
    sigterm(c.id());
    exits_0(&mut c, "SIGTERM");
}

#[test]
fn kiosk_ignores_input_but_not_its_chord() {
    let Some(sway) = Sway::start("kiosk") else {
        return;
    };
    let home = TempDir::new("wl-kiosk");
    let mut c = sway.saver(&home, &["--kiosk", "--seed", "3"]);
    covers_both(&sway, &mut c);
    sway.key("space");
    still_running(&mut c, "a key in kiosk mode");
    sway.run(
        "wtype",
        &[
            "-s", "300", "-M", "ctrl", "-M", "alt", "-k", "q", "-m", "alt", "-m", "ctrl",
        ],
    );
    exits_0(&mut c, "ctrl+alt+q");
}

#[test]
fn the_daemon_reads_idle_time_from_the_compositor() {
    let Some(sway) = Sway::start("daemon") else {
        return;
    };
    let home = TempDir::new("wl-daemon");
    let mut d = sway.saver(&home, &["daemon", "--idle", "2s"]);
    let up = |s: &Sway| s.covered("HEADLESS-1") > 0.6;
    assert!(
        eventually(Duration::from_secs(20), || up(&sway)),
        "no saver after 2 s idle: {}",
        stderr_of(&mut d)
    );
    std::thread::sleep(Duration::from_millis(700));
    // A key ends the saver and starts a new idle period: it comes back after it.
    sway.key("space");
    assert!(
        eventually(Duration::from_secs(5), || sway.covered("HEADLESS-1") < 0.1),
        "the key did not close the saver"
    );
    assert!(
        eventually(Duration::from_secs(20), || up(&sway)),
        "the saver did not come back after another idle period"
    );
    sigterm(d.id());
    let st = wait_exit(&mut d, Duration::from_secs(5));
    let log = stderr_of(&mut d);
    assert_eq!(st.and_then(|s| s.code()), Some(0), "{log}");
    assert!(log.contains("idle source: Wayland ("), "{log}");
    assert!(log.matches("starting").count() >= 2, "{log}");
}

#[test]
fn an_output_created_while_the_saver_runs_is_covered_too() {
    let Some(sway) = Sway::start("hotplug") else {
        return;
    };
    let home = TempDir::new("wl-hotplug");
    let mut c = sway.saver(&home, &["--fullscreen", "--seed", "3"]);
    covers_both(&sway, &mut c);
    sway.run("swaymsg", &["create_output"]);
    sway.run(
        "swaymsg",
        &[
            "output",
            "HEADLESS-3",
            "resolution",
            "800x600",
            "position",
            "2560",
            "0",
        ],
    );
    let covered = eventually(Duration::from_secs(20), || sway.covered("HEADLESS-3") > 0.6);
    if !covered {
        let _ = c.kill();
        panic!(
            "the new output shows the plain background: {}",
            stderr_of(&mut c)
        );
    }
    sigterm(c.id());
    exits_0(&mut c, "SIGTERM");
}
