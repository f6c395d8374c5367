//! Helpers shared by the integration tests: a private Xvfb, screen capture and XTEST input.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt as _, ImageFormat};
use x11rb::protocol::xtest::ConnectionExt as _;
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

/// The built binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_trainsaver")
}

/// A scratch directory removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A fresh directory under the system temp dir.
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!(
            "trainsaver-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A trainsaver command with an empty config directory, so the user's config cannot interfere.
pub fn trainsaver(home: &TempDir) -> Command {
    let mut c = Command::new(bin());
    let run = home.path().join("run");
    let _ = std::fs::create_dir_all(&run);
    c.env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_RUNTIME_DIR", run)
        .env("HOME", home.path())
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("XSCREENSAVER_WINDOW");
    c
}

/// A private X server on a free display number, killed on drop.
pub struct Xvfb {
    child: Child,
    /// Display number.
    pub display: u32,
    /// Screen size.
    pub size: (u16, u16),
}

/// The RGB pixels of a 24-bit X image (32 bits per pixel, little-endian BGRX, as Xvfb gives).
pub fn rgb_of(data: &[u8]) -> Vec<[u8; 3]> {
    data.chunks_exact(4).map(|p| [p[2], p[1], p[0]]).collect()
}

/// Whether display tests must run (CI sets TRAINSAVER_REQUIRE_DISPLAY=1).
pub fn required() -> bool {
    std::env::var("TRAINSAVER_REQUIRE_DISPLAY").is_ok_and(|v| v == "1")
}

pub fn have(cmd: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(cmd).is_file()))
}

impl Xvfb {
    /// Starts Xvfb, or returns None (printing why) when it is not installed and not required.
    pub fn start(width: u16, height: u16) -> Option<Xvfb> {
        Xvfb::start_with_depth(width, height, 24)
    }

    /// Like [`start`](Self::start) with a screen depth (16 and 15 make visuals few drivers use).
    pub fn start_with_depth(width: u16, height: u16, depth: u8) -> Option<Xvfb> {
        Xvfb::start_with(width, height, depth, &[])
    }

    /// Like [`start_with_depth`](Self::start_with_depth) with more server flags (`-bs`: no
    /// backing store, so covered windows lose their pixels as on most real servers).
    pub fn start_with(width: u16, height: u16, depth: u8, flags: &[&str]) -> Option<Xvfb> {
        if !have("Xvfb") {
            assert!(
                !required(),
                "Xvfb is required (TRAINSAVER_REQUIRE_DISPLAY=1) but not installed"
            );
            eprintln!("skipping: Xvfb is not installed (apt-get install xvfb)");
            return None;
        }
        // Xvfb picks a free display number itself and writes it to stdout (-displayfd 1), so
        // parallel tests and other servers on the machine never collide.
        let mut cmd = Command::new("Xvfb");
        cmd.args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            &format!("{width}x{height}x{depth}"),
            "-nolisten",
            "tcp",
            "-noreset",
        ]);
        cmd.args(flags);
        Some(Xvfb::serve(cmd, "Xvfb", (width, height)))
    }

    /// A resizable Xephyr of this size nested in `host` (RandR can then change its screen),
    /// or None (printing why) when Xephyr is not installed and not required.
    pub fn nested(host: &Xvfb, width: u16, height: u16) -> Option<Xvfb> {
        if !have("Xephyr") {
            assert!(
                !required(),
                "Xephyr is required (TRAINSAVER_REQUIRE_DISPLAY=1) but not installed"
            );
            eprintln!("skipping: Xephyr is not installed (apt-get install xserver-xephyr)");
            return None;
        }
        let mut cmd = Command::new("Xephyr");
        cmd.args([
            "-displayfd",
            "1",
            "-screen",
            &format!("{width}x{height}"),
            "-resizeable",
            "-nolisten",
            "tcp",
            "-noreset",
        ])
        .env("DISPLAY", host.name());
        Some(Xvfb::serve(cmd, "Xephyr", (width, height)))
    }

    /// Starts an X server that reports its display number on stdout and waits until it
    /// accepts connections.
    fn serve(mut cmd: Command, what: &str, size: (u16, u16)) -> Xvfb {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {what}: {e}"));
        let mut out = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::Read;
            let mut buf = Vec::new();
            let mut byte = [0u8; 1];
            while out.read(&mut byte).is_ok_and(|n| n == 1) && byte[0] != b'\n' {
                buf.push(byte[0]);
            }
            let _ = tx.send(String::from_utf8_lossy(&buf).trim().to_string());
        });
        let display: u32 = match rx
            .recv_timeout(Duration::from_secs(20))
            .ok()
            .and_then(|s| s.parse().ok())
        {
            Some(d) => d,
            None => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{what} did not report a display number");
            }
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while x11rb::connect(Some(&format!(":{display}"))).is_err() {
            assert!(
                Instant::now() < deadline,
                "{what} :{display} does not accept connections"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Xvfb {
            child,
            display,
            size,
        }
    }

    /// Kills the server now (a display that dies under its clients).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The server's pid (to stop and continue it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The DISPLAY value.
    pub fn name(&self) -> String {
        format!(":{}", self.display)
    }

    /// A connection to this server.
    pub fn connect(&self) -> RustConnection {
        x11rb::connect(Some(&self.name()))
            .expect("connect to Xvfb")
            .0
    }

    /// The root window's pixels as RGB triples, row-major.
    pub fn capture(&self) -> Vec<[u8; 3]> {
        let conn = self.connect();
        let root = conn.setup().roots[0].root;
        // The screen as it is now (RandR may have resized it).
        let g = conn.get_geometry(root).unwrap().reply().unwrap();
        let (w, h) = (g.width, g.height);
        let img = conn
            .get_image(ImageFormat::Z_PIXMAP, root, 0, 0, w, h, !0)
            .unwrap()
            .reply()
            .unwrap();
        rgb_of(&img.data)
    }

    /// Moves the pointer with XTEST.
    pub fn move_to(&self, x: i16, y: i16) {
        let conn = self.connect();
        let root = conn.setup().roots[0].root;
        conn.xtest_fake_input(6, 0, 0, root, x, y, 0).unwrap();
        conn.flush().unwrap();
        conn.sync().unwrap();
    }

    /// Clicks a mouse button at (x, y) with XTEST.
    pub fn click(&self, x: i16, y: i16, button: u8) {
        self.move_to(x, y);
        let conn = self.connect();
        let root = conn.setup().roots[0].root;
        conn.xtest_fake_input(4, button, 0, root, 0, 0, 0).unwrap();
        conn.xtest_fake_input(5, button, 0, root, 0, 0, 0).unwrap();
        conn.flush().unwrap();
        conn.sync().unwrap();
    }

    /// Presses keys in order, then releases them in reverse (a chord), with XTEST.
    pub fn chord(&self, keycodes: &[u8]) {
        let conn = self.connect();
        let root = conn.setup().roots[0].root;
        for &k in keycodes {
            conn.xtest_fake_input(2, k, 0, root, 0, 0, 0).unwrap();
        }
        for &k in keycodes.iter().rev() {
            conn.xtest_fake_input(3, k, 0, root, 0, 0, 0).unwrap();
        }
        conn.flush().unwrap();
        conn.sync().unwrap();
    }

    /// Presses and releases a key (by X keycode) with XTEST.
    pub fn key(&self, keycode: u8) {
        let conn = self.connect();
        let root = conn.setup().roots[0].root;
        conn.xtest_fake_input(2, keycode, 0, root, 0, 0, 0).unwrap();
        conn.xtest_fake_input(3, keycode, 0, root, 0, 0, 0).unwrap();
        conn.flush().unwrap();
        conn.sync().unwrap();
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for a child to exit, killing it after `limit`; returns its status if it exited in time.
pub fn wait_exit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(st) = child.try_wait().unwrap() {
            return Some(st);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// Polls `check` until it returns true or `limit` passes.
pub fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Whether golden files should be rewritten instead of compared (TRAINSAVER_BLESS=1).
pub fn bless() -> bool {
    std::env::var("TRAINSAVER_BLESS").is_ok_and(|v| v == "1")
}

/// Path of a golden file under tests/golden.
pub fn golden_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

/// Compares text with a golden file (or rewrites it when blessing), showing the first difference.
pub fn check_golden_text(name: &str, actual: &str) {
    let path = golden_path(name);
    if bless() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with TRAINSAVER_BLESS=1 to create it)",
            path.display()
        )
    });
    if expected != actual {
        let actual_path = path.with_extension("actual.txt");
        std::fs::write(&actual_path, actual).unwrap();
        let (n, (e, a)) = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .find(|(_, (e, a))| e != a)
            .unwrap_or((
                expected.lines().count().min(actual.lines().count()),
                ("<end>", "<end>"),
            ));
        panic!(
            "{} differs at line {}:\n  expected: {e}\n  actual:   {a}\nactual output written to {} (TRAINSAVER_BLESS=1 accepts it)",
            path.display(),
            n + 1,
            actual_path.display()
        );
    }
}

/// Compares a frame with a golden PNG pixel for pixel (or rewrites it when blessing).
///
/// On a mismatch the actual frame and a diff image (differing pixels in red over a dimmed
/// copy) are written next to the golden file as `NAME.actual.png` and `NAME.diff.png`.
pub fn check_golden_png(name: &str, actual: &raster::Frame) {
    use trainsaver::{read_png, write_png};
    let path = golden_path(name);
    if bless() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        write_png(actual, &path).unwrap();
        return;
    }
    let expected = read_png(&path)
        .unwrap_or_else(|e| panic!("{e} (run with TRAINSAVER_BLESS=1 to create it)"));
    let same_size = (expected.width, expected.height) == (actual.width, actual.height);
    let differing = if same_size {
        expected
            .data
            .chunks(4)
            .zip(actual.data.chunks(4))
            .filter(|(a, b)| a != b)
            .count()
    } else {
        usize::MAX
    };
    if differing == 0 {
        return;
    }
    let stem = path.with_extension("");
    let actual_path = stem.with_extension("actual.png");
    write_png(actual, &actual_path).unwrap();
    if same_size {
        let mut diff = actual.clone();
        for (d, (a, b)) in diff
            .data
            .chunks_mut(4)
            .zip(expected.data.chunks(4).zip(actual.data.chunks(4)))
        {
            if a == b {
                for c in &mut d[..3] {
                    *c /= 4;
                }
            } else {
                d.copy_from_slice(&[255, 0, 0, 255]);
            }
        }
        write_png(&diff, &stem.with_extension("diff.png")).unwrap();
    }
    panic!(
        "{} differs from the rendered frame ({} pixels; sizes {}x{} vs {}x{}); see {} (TRAINSAVER_BLESS=1 accepts it)",
        path.display(),
        differing,
        expected.width,
        expected.height,
        actual.width,
        actual.height,
        actual_path.display()
    );
}

/// The default theme's background, as windows draw it.
pub const BG: [u8; 3] = [0x0f, 0x11, 0x15];
/// X keycode of `a` in the default Xvfb keymap.
pub const KEY_A: u8 = 38;

/// Colours equal within a small tolerance.
pub fn near(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 6)
}

/// Share of the screen showing the default theme's background.
pub fn covered(x: &Xvfb) -> f64 {
    let px = x.capture();
    px.iter().filter(|p| near(**p, BG)).count() as f64 / px.len() as f64
}

/// Everything a child wrote to its piped stderr.
pub fn stderr_of(child: &mut Child) -> String {
    let mut s = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut s);
    }
    s
}

/// Sends SIGTERM to a process.
pub fn sigterm(pid: u32) {
    let ok = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success(), "kill -TERM {pid} failed");
}

impl Xvfb {
    /// Creates and maps a plain top-level window (a host, a video player) on `conn`.
    pub fn create_window(
        &self,
        conn: &RustConnection,
        geometry: (i16, i16, u16, u16),
        white: bool,
    ) -> u32 {
        use x11rb::protocol::xproto::{CreateWindowAux, WindowClass};
        let screen = &conn.setup().roots[0];
        let win = conn.generate_id().unwrap();
        let pixel = if white {
            screen.white_pixel
        } else {
            screen.black_pixel
        };
        let (x, y, w, h) = geometry;
        conn.create_window(
            screen.root_depth,
            win,
            screen.root,
            x,
            y,
            w,
            h,
            0,
            WindowClass::INPUT_OUTPUT,
            0,
            &CreateWindowAux::new().background_pixel(pixel),
        )
        .unwrap();
        conn.map_window(win).unwrap();
        conn.sync().unwrap();
        win
    }
}

/// Console settings from the fixed start time.
pub fn console_config(rank: u32) -> logs::ConsoleConfig {
    logs::ConsoleConfig {
        start: trainsaver::settings::fixed_start(),
        rank,
        disclosure: false,
    }
}

/// A run of the built-in catalog in `framework` (`None`: a different one each job), written
/// on `rank`'s console from the fixed start time.
pub fn sim(seed: u64, framework: impl Into<Option<sim::Framework>>, rank: u32) -> trainsaver::Feed {
    trainsaver::Feed::new(run(seed, framework, rank))
}

/// The run of `seed` in `framework` on `rank`'s console, from the fixed start time.
pub fn run(
    seed: u64,
    framework: impl Into<Option<sim::Framework>>,
    rank: u32,
) -> trainsaver::RunSpec {
    trainsaver::RunSpec {
        seed,
        framework: framework.into(),
        catalog: std::sync::Arc::new(sim::Catalog::builtin()),
        console: console_config(rank),
    }
}

/// The text of the lines printed (not rewritten) by a stream of operations.
pub fn printed(ops: &[term::TermOp]) -> Vec<String> {
    ops.iter()
        .filter_map(|op| match op {
            term::TermOp::Print(l) => Some(l.text()),
            _ => None,
        })
        .collect()
}

/// Starts trainsaver on a private display with stdout discarded and stderr captured.
pub fn spawn_on(x: &Xvfb, home: &TempDir, args: &[&str]) -> Child {
    trainsaver(home)
        .args(args)
        .env("DISPLAY", x.name())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The look the image tests use: a built-in theme with its effects, automatic sizes.
pub fn look(theme: &str) -> trainsaver::Look {
    let theme = raster::Theme::by_name(theme).unwrap();
    trainsaver::Look {
        effects: if theme.retro {
            raster::Effects::RETRO
        } else {
            raster::Effects::OFF
        },
        theme: theme.clone(),
        faces: raster::Faces::bundled(),
        font_size: raster::FontSize::Auto,
        rows: 40,
        columns: trainsaver::Columns::Auto,
        padding: 12.0,
        scrollback: 1000,
        pixel_scale: raster::PixelScale::Auto,
        drift_px: 0,
        drift_period: 600.0,
        layout: trainsaver::Layout::Terminal,
    }
}

/// The `w` x `h` part of a frame at (x, y).
pub fn crop(f: &raster::Frame, x: usize, y: usize, w: usize, h: usize) -> raster::Frame {
    let mut out = raster::Frame::new(w, h);
    for row in 0..h {
        let src = ((y + row) * f.width + x) * 4;
        out.data[row * w * 4..(row + 1) * w * 4].copy_from_slice(&f.data[src..src + w * 4]);
    }
    out
}
