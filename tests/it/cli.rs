//! The command line from the outside: render, tty and config, including bad input.

use crate::common;

use std::process::Output;

use crate::common::{TempDir, trainsaver};
use trainsaver::read_png;

fn run(home: &TempDir, args: &[&str]) -> Output {
    trainsaver(home).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn render_is_reproducible_and_sized() {
    let home = TempDir::new("render");
    let a = home.path().join("a.png");
    let b = home.path().join("b.png");
    let c = home.path().join("c.png");
    for (out, seed) in [(&a, "42"), (&b, "42"), (&c, "43")] {
        let o = run(
            &home,
            &[
                "render",
                "--seed",
                seed,
                "--at",
                "30s",
                "--size",
                "1280x720",
                "-o",
                out.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let (fa, fb, fc) = (
        std::fs::read(&a).unwrap(),
        std::fs::read(&b).unwrap(),
        std::fs::read(&c).unwrap(),
    );
    assert_eq!(fa, fb, "same arguments must give byte-identical files");
    assert_ne!(fa, fc);
    let frame = read_png(&a).unwrap();
    assert_eq!((frame.width, frame.height), (1280, 720));
    // A dark terminal with text on it.
    let dark = frame
        .data
        .chunks(4)
        .filter(|p| p[0] < 40 && p[1] < 40 && p[2] < 40)
        .count();
    let bright = frame
        .data
        .chunks(4)
        .filter(|p| p.iter().take(3).any(|&c| c > 150))
        .count();
    assert!(
        dark > 1280 * 720 / 2 && bright > 2000,
        "dark {dark} bright {bright}"
    );
}

#[test]
fn render_accepts_human_durations() {
    let home = TempDir::new("render-dur");
    let out = home.path().join("x.png");
    for at in ["90s", "2m", "1h30m"] {
        let o = run(
            &home,
            &[
                "render",
                "--seed",
                "1",
                "--at",
                at,
                "--size",
                "320x200",
                "-o",
                out.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{at}: {}", stderr(&o));
    }
    let o = run(
        &home,
        &["render", "--at", "soon", "-o", out.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`soon`: not a duration"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn tty_fast_prints_the_run_once_through_a_pipe() {
    let home = TempDir::new("tty");
    let args = [
        "tty",
        "--seed",
        "4",
        "--duration",
        "2m",
        "--fast",
        "--start",
        "2026-11-30 14:20:00",
    ];
    let a = run(&home, &args);
    assert!(a.status.success(), "{}", stderr(&a));
    let text = String::from_utf8(a.stdout.clone()).unwrap();
    assert!(text.contains("\x1b["), "colours expected");
    assert!(!text.contains('\r'), "a pipe gets no carriage returns");
    assert!(text.contains("[2026-11-30 14:20:"));
    assert!(text.contains("Loaded "), "weights loading finished");
    // Each finished bar is printed once, not once per update.
    assert_eq!(
        text.matches("Loading checkpoint shards").count(),
        1,
        "{text}"
    );
    assert_eq!(a.stdout, run(&home, &args).stdout, "same seed, same text");
    assert!(stderr(&a).contains("seed 4"));

    let plain = run(
        &home,
        &[
            "tty",
            "--seed",
            "42",
            "--duration",
            "30s",
            "--fast",
            "--no-color",
        ],
    );
    assert!(!String::from_utf8(plain.stdout).unwrap().contains('\x1b'));
}

#[test]
fn bad_flags_exit_2_with_one_line() {
    let home = TempDir::new("flags");
    for args in [
        &["--speed", "0"][..],
        &["--speed", "fast"],
        &["--theme", "neon"],
        &["--flavor", "keras"],
        &["render", "--size", "0x0", "-o", "x.png"],
        &["render", "--at", "1000d", "-o", "x.png"],
        &["tty", "--speed", "1e-300", "--duration", "1s", "--fast"],
        &["daemon", "--idle", "0s"],
        &["bench", "--frames", "0"],
        &["--no-such-flag"],
        &["render"],
    ] {
        let o = run(&home, args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("trainsaver: error: "), "{args:?}: {err}");
    }
    // The one line still says what is missing or allowed.
    let o = run(&home, &["render"]);
    assert!(stderr(&o).contains("--output"), "{}", stderr(&o));
    let o = run(&home, &["completions", "tcsh"]);
    assert!(
        stderr(&o).contains("possible values: bash"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    let o = run(&home, &["--theme", "neon"]);
    assert!(
        stderr(&o).contains("phosphor"),
        "allowed themes listed: {}",
        stderr(&o)
    );
}

#[test]
fn config_errors_name_file_line_key_and_exit_2() {
    let home = TempDir::new("config");
    let bad = home.path().join("bad.toml");
    std::fs::write(&bad, "speed = 2.0\ntheme = \"default\"\nmax_fps = 0\n").unwrap();
    let o = run(
        &home,
        &[
            "--config",
            bad.to_str().unwrap(),
            "render",
            "-o",
            "/dev/null",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("bad.toml:3:11: key `max_fps`") && e.contains("1 to 240"),
        "{e}"
    );
    assert_eq!(e.trim().lines().count(), 1, "{e}");

    std::fs::write(&bad, "colour = \"red\"\n").unwrap();
    let o = run(&home, &["config", "check", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("key `colour`") && stderr(&o).contains("`theme`"),
        "{}",
        stderr(&o)
    );

    let missing = home.path().join("nope.toml");
    let o = run(
        &home,
        &[
            "--config",
            missing.to_str().unwrap(),
            "render",
            "-o",
            "/dev/null",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nope.toml"));
}

#[test]
fn config_path_init_check() {
    let home = TempDir::new("config-init");
    let o = run(&home, &["config", "path"]);
    let path = String::from_utf8(o.stdout).unwrap().trim().to_string();
    assert!(
        path.starts_with(home.path().join("config").to_str().unwrap()),
        "{path}"
    );
    assert!(path.ends_with("trainsaver/config.toml"));

    // A missing config file is not an error.
    let o = run(
        &home,
        &[
            "render",
            "--size",
            "64x64",
            "-o",
            home.path().join("m.png").to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));

    let o = run(&home, &["config", "init"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        include_str!("../../config/default.toml")
    );
    let o = run(&home, &["config", "init"]);
    assert!(!o.status.success(), "init must refuse to overwrite");
    assert!(stderr(&o).contains("already exists"));
    let o = run(&home, &["config", "check"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn flags_override_the_config_file() {
    let home = TempDir::new("override");
    let cfg = home.path().join("c.toml");
    std::fs::write(&cfg, "theme = \"paper\"\nseed = 5\n").unwrap();
    let out = home.path().join("p.png");
    let o = run(
        &home,
        &[
            "--config",
            cfg.to_str().unwrap(),
            "render",
            "--size",
            "200x100",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success());
    assert!(stderr(&o).contains("seed 5"));
    let light = read_png(&out).unwrap();
    assert!(light.pixel(0, 0)[0] > 200, "paper theme is light");
    let o = run(
        &home,
        &[
            "--config",
            cfg.to_str().unwrap(),
            "--theme",
            "default",
            "--seed",
            "6",
            "render",
            "--size",
            "200x100",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert!(stderr(&o).contains("seed 6"));
    assert!(
        read_png(&out).unwrap().pixel(0, 0)[0] < 40,
        "flag wins over the file"
    );
}

#[test]
fn bad_font_is_a_clear_error() {
    let home = TempDir::new("font");
    let cfg = home.path().join("c.toml");
    let junk = home.path().join("junk.ttf");
    std::fs::write(&junk, b"not a font").unwrap();
    for font in [junk.to_str().unwrap(), "/nonexistent/font.ttf"] {
        std::fs::write(&cfg, format!("font = \"{font}\"\n")).unwrap();
        let o = run(
            &home,
            &[
                "--config",
                cfg.to_str().unwrap(),
                "render",
                "-o",
                "/dev/null",
            ],
        );
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains(font), "{}", stderr(&o));
        assert!(stderr(&o).contains("config key `font`"), "{}", stderr(&o));
        // `config check` looks at the font too.
        let o = run(&home, &["config", "check", cfg.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        // The window modes refuse it the same way, before any window opens.
        let o = run(&home, &["--config", cfg.to_str().unwrap(), "--fullscreen"]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    }
}

#[test]
fn tty_on_a_terminal_rewrites_in_place_and_ctrl_c_leaves_it_clean() {
    if !common::have("script") {
        assert!(!common::required(), "`script` (util-linux) is required");
        eprintln!("skipping: `script` (util-linux) is not installed");
        return;
    }
    let home = TempDir::new("tty-pty");
    // `script` gives trainsaver a pseudo-terminal; `timeout -s INT` plays the user's Ctrl-C.
    let cmd = format!("timeout -s INT 2 {} tty --seed 42 --speed 8", common::bin());
    let o = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(trainsaver::WRAP_OFF),
        "wrapping not turned off: {out:?}"
    );
    assert!(out.contains("\r\x1b[2K"), "no in-place rewrite");
    let tail: String = out
        .chars()
        .rev()
        .take(40)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    assert!(
        tail.contains(trainsaver::RESTORE),
        "terminal not restored after Ctrl-C; output ends with {tail:?}"
    );
}

#[test]
fn synchronised_screens_render_the_same_moment() {
    let home = TempDir::new("sync");
    let out = |name: &str| home.path().join(name);
    let render = |name: &str, rank: &str, wall: &str| {
        let o = run(
            &home,
            &[
                "--seed",
                "11",
                "--sync-epoch",
                "2026-12-01 08:00:00",
                "--rank",
                rank,
                "render",
                "--wall",
                wall,
                "--size",
                "640x400",
                "-o",
                out(name).to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        stderr(&o)
    };
    let e = render("a.png", "0", "2026-12-01 08:03:00");
    assert!(e.contains("t=180.0s"), "{e}");
    render("b.png", "0", "2026-12-01 08:03:00");
    render("c.png", "9", "2026-12-01 08:03:00");
    render("d.png", "0", "2026-12-01 08:03:30");
    let bytes = |n: &str| std::fs::read(out(n)).unwrap();
    assert_eq!(
        bytes("a.png"),
        bytes("b.png"),
        "two displays at the same wall time agree"
    );
    assert_ne!(
        bytes("a.png"),
        bytes("c.png"),
        "another rank's console differs"
    );
    assert_ne!(
        bytes("a.png"),
        bytes("d.png"),
        "the run moves on with the wall clock"
    );
    let o = run(
        &home,
        &[
            "render",
            "--wall",
            "2026-12-01 08:03:00",
            "-o",
            out("x.png").to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "--wall needs --sync-epoch");
}

/// Runs a command to the end and returns its exit code and peak resident memory in KiB.
#[allow(clippy::zombie_processes)] // reaped by wait4, which also reports its peak memory
fn peak_rss_kib(mut cmd: std::process::Command) -> (Option<i32>, i64) {
    let child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pid is our own child, not yet waited for; wait4 reaps it and fills both.
    let r = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(r, child.id() as i32);
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    (code, usage.ru_maxrss)
}

#[test]
fn a_year_into_the_run_is_reached_in_the_memory_of_a_day() {
    let home = TempDir::new("far");
    let out = home.path().join("far.png");
    let run = |at: &str| {
        let mut c = trainsaver(&home);
        c.args([
            "render", "--seed", "42", "--size", "640x360", "--at", at, "-o",
        ])
        .arg(&out);
        peak_rss_kib(c)
    };
    let (code1, day) = run("1d");
    let (code365, year) = run("365d");
    assert_eq!((code1, code365), (Some(0), Some(0)));
    assert!(read_png(&out).is_ok());
    // Memory does not grow with simulated time (it grew 1.7 MB per simulated hour before).
    assert!(
        year < day + 8 * 1024,
        "peak RSS {day} KiB at day 1, {year} KiB at day 365"
    );
}

#[test]
fn config_init_never_writes_through_a_symlink() {
    let home = TempDir::new("init-link");
    let target = home.path().join("elsewhere.toml");
    let link = home.path().join("config.toml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let o = run(
        &home,
        &["--config", link.to_str().unwrap(), "config", "init"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert!(!target.exists(), "wrote through the dangling symlink");
}

#[test]
fn a_full_disk_behind_stdout_or_stderr_is_no_panic() {
    let home = TempDir::new("full");
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    let out = home.path().join("x.png");
    // stderr full: the notes are dropped, the work is done.
    let o = trainsaver(&home)
        .args(["render", "--size", "64x48", "-o"])
        .arg(&out)
        .stderr(full())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(read_png(&out).is_ok());
    // stdout full where output was asked for: a run-time error, said in one line.
    let o = trainsaver(&home)
        .args(["config", "path"])
        .stdout(full())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("No space left"), "{}", stderr(&o));
}

/// By default a screen joins a job already running: its recent history is written at once and
/// the newest line's timestamp is the wall clock (speed 1, no `--start`).
#[test]
fn tty_joins_a_running_job_in_real_time() {
    let home = TempDir::new("tty-join");
    let before = chrono::Local::now().naive_local();
    let o = run(
        &home,
        &["tty", "--seed", "5", "--duration", "1s", "--no-color"],
    );
    let after = chrono::Local::now().naive_local();
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    let stamps: Vec<chrono::NaiveDateTime> = text
        .lines()
        .filter_map(|l| l.strip_prefix('['))
        .filter_map(|l| l.get(..19))
        .filter_map(|s| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok())
        .collect();
    assert!(
        text.lines().count() >= 20 && stamps.len() >= 5,
        "the running job's recent lines expected:\n{text}"
    );
    let newest = *stamps.iter().max().unwrap();
    let oldest = *stamps.iter().min().unwrap();
    // Never ahead of the wall clock, and the last line is recent (a line every 5-30 s).
    assert!(
        newest <= after + chrono::Duration::seconds(1),
        "{newest} after {after}"
    );
    assert!(
        before - newest <= chrono::Duration::seconds(60),
        "newest line at {newest}, now {before}"
    );
    assert!(
        newest - oldest >= chrono::Duration::minutes(5),
        "{oldest}..{newest}"
    );
    // `--from-start` opens on the launch instead.
    let o = run(
        &home,
        &[
            "tty",
            "--seed",
            "5",
            "--duration",
            "3s",
            "--no-color",
            "--from-start",
        ],
    );
    let first = String::from_utf8(o.stdout).unwrap();
    let prompt = first.lines().next().unwrap_or_default();
    assert!(
        prompt.contains('@') && prompt.contains("$ srun --nodes="),
        "{first}"
    );
}

/// Decodes a GIF into its composited RGB frames (the image a viewer shows after each).
fn gif_frames(path: &std::path::Path) -> (usize, usize, Vec<Vec<[u8; 3]>>) {
    let mut opts = gif::DecodeOptions::new();
    opts.set_color_output(gif::ColorOutput::RGBA);
    let mut d = opts.read_info(std::fs::File::open(path).unwrap()).unwrap();
    let (w, h) = (d.width() as usize, d.height() as usize);
    let mut canvas = vec![[0u8; 3]; w * h];
    let mut out = Vec::new();
    while let Some(f) = d.read_next_frame().unwrap() {
        for y in 0..f.height as usize {
            for x in 0..f.width as usize {
                let p = &f.buffer[(y * f.width as usize + x) * 4..][..4];
                if p[3] != 0 {
                    canvas[(f.top as usize + y) * w + f.left as usize + x] = [p[0], p[1], p[2]];
                }
            }
        }
        out.push(canvas.clone());
    }
    (w, h, out)
}

#[test]
fn render_clip_writes_the_frames_the_window_shows_as_a_gif() {
    let home = TempDir::new("clip");
    let gif = home.path().join("a.gif");
    let args = |out: &std::path::Path| -> Vec<String> {
        [
            "render",
            "--seed",
            "5",
            "--flavor",
            "ddp",
            "--from-start",
            "--at",
            "60s",
            "--speed",
            "3",
            "--clip",
            "5s",
            "--fps",
            "4",
            "--size",
            "480x270",
            "-o",
        ]
        .iter()
        .map(ToString::to_string)
        .chain([out.display().to_string()])
        .collect()
    };
    let a: Vec<String> = args(&gif);
    let o = run(&home, &a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", stderr(&o));
    // A clip of more than a few seconds says how far it is.
    assert!(stderr(&o).contains("frames 20/20"), "{}", stderr(&o));
    let (w, h, frames) = gif_frames(&gif);
    assert_eq!((w, h), (480, 270));
    assert!(
        frames.len() >= 3,
        "{} frames: the log moved in 15 s",
        frames.len()
    );
    // The first frame is the one `render` writes for that moment.
    let png = home.path().join("first.png");
    let o = run(
        &home,
        &[
            "render",
            "--seed",
            "5",
            "--flavor",
            "ddp",
            "--from-start",
            "--at",
            "60s",
            "--speed",
            "3",
            "--size",
            "480x270",
            "-o",
            png.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let still = read_png(&png).unwrap();
    let near = frames[0]
        .iter()
        .zip(still.data.chunks_exact(4))
        .filter(|(g, p)| g.iter().zip(p.iter()).all(|(a, b)| a.abs_diff(*b) <= 24))
        .count();
    assert!(
        near * 1000 >= w * h * 995,
        "{near} of {} pixels match the still",
        w * h
    );
    // The same arguments, the same bytes.
    let again = home.path().join("b.gif");
    let b: Vec<String> = args(&again);
    let o = run(&home, &b.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success());
    assert_eq!(std::fs::read(&gif).unwrap(), std::fs::read(&again).unwrap());
    // Bad input: one line, exit 2.
    for bad in [
        vec!["render", "--clip", "5s", "-o", "clip.png"],
        vec!["render", "--clip", "0s", "-o", "c.gif"],
        vec!["render", "--clip", "2h", "-o", "c.gif"],
        vec!["render", "--clip", "5s", "--fps", "0", "-o", "c.gif"],
        vec!["render", "--fps", "10", "-o", "c.gif"],
    ] {
        let o = run(&home, &bad);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {e}");
        assert_eq!(e.lines().count(), 1, "{bad:?}: {e}");
    }
}

#[test]
fn list_prints_what_the_config_accepts() {
    let home = TempDir::new("list");
    let text = |what: &str| {
        let o = run(&home, &["list", what]);
        assert!(o.status.success(), "{}", stderr(&o));
        String::from_utf8(o.stdout).unwrap()
    };
    // Every theme and style listed is one the config takes, and the other way round.
    let cfg = home.path().join("c.toml");
    let themes = text("themes");
    let names: Vec<&str> = themes
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(names.len(), raster::THEMES.len());
    for name in &names {
        std::fs::write(&cfg, format!("theme = \"{name}\"\n")).unwrap();
        let o = run(
            &home,
            &["config", "check", "--config", cfg.to_str().unwrap()],
        );
        assert!(o.status.success(), "{name}: {}", stderr(&o));
    }
    let styles = text("styles");
    for name in styles.lines().filter_map(|l| l.split_whitespace().next()) {
        std::fs::write(&cfg, format!("flavor = \"{name}\"\n")).unwrap();
        let o = run(
            &home,
            &["config", "check", "--config", cfg.to_str().unwrap()],
        );
        assert!(o.status.success(), "{name}: {}", stderr(&o));
    }
    assert_eq!(styles.lines().count(), sim::Framework::ALL.len() + 1);
    // The catalog's tables, one row per entry after the header.
    let catalog = sim::Catalog::builtin();
    assert_eq!(text("models").lines().count(), catalog.models.len() + 1);
    assert!(text("models").contains("Llama-3.1-8B") && text("models").contains("llama3 8B"));
    assert_eq!(text("gpus").lines().count(), catalog.gpus.len() + 1);
    assert_eq!(text("datasets").lines().count(), catalog.datasets.len() + 1);
    let o = run(&home, &["list", "colours"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("possible values: themes, styles"),
        "{}",
        stderr(&o)
    );
}
