//! The wall clock jumping under a running screen (issue 22): libfaketime moves the wall clock
//! (not the monotonic one, as a suspend and resume or an NTP correction do) while `tty` runs.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use chrono::NaiveDateTime;

use crate::common::{self, TempDir};

const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

fn have_faketime() -> bool {
    if Path::new(LIBFAKETIME).exists() {
        return true;
    }
    assert!(
        !common::required(),
        "clock tests are required (TRAINSAVER_REQUIRE_DISPLAY=1): libfaketime is missing (apt-get install faketime)"
    );
    eprintln!("skipping: libfaketime is not installed (apt-get install faketime)");
    false
}

/// The offset file libfaketime reads on every clock call.
struct Offset(PathBuf);

impl Offset {
    fn new(home: &TempDir, name: &str, spec: &str) -> Offset {
        let o = Offset(home.path().join(name));
        o.set(spec);
        o
    }

    /// Moves the clock (written whole, then renamed: never read half-written).
    fn set(&self, spec: &str) {
        let tmp = self.0.with_extension("tmp");
        std::fs::write(&tmp, format!("{spec}\n")).unwrap();
        std::fs::rename(&tmp, &self.0).unwrap();
    }
}

/// `trainsaver tty ARGS` with the wall clock offset by the file, stdout piped.
fn tty(home: &TempDir, offset: &Offset, args: &[&str]) -> Child {
    common::trainsaver(home)
        .arg("tty")
        .args(args)
        .env("LD_PRELOAD", LIBFAKETIME)
        .env_remove("FAKETIME")
        .env("FAKETIME_TIMESTAMP_FILE", &offset.0)
        .env("FAKETIME_NO_CACHE", "1")
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Stops a tty with SIGTERM and returns what it printed.
fn output(mut c: Child) -> String {
    common::sigterm(c.id());
    let mut s = String::new();
    c.stdout.take().unwrap().read_to_string(&mut s).unwrap();
    let _ = c.wait();
    s
}

/// The `[YYYY-MM-DD HH:MM:SS]` stamps of the plain script's lines, in order.
fn stamps(text: &str) -> Vec<NaiveDateTime> {
    text.lines()
        .filter_map(|l| l.strip_prefix('['))
        .filter_map(|l| l.get(..19))
        .filter_map(|s| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok())
        .collect()
}

/// The real local time now.
fn real_now() -> NaiveDateTime {
    chrono::Local::now().naive_local()
}

fn secs(d: chrono::TimeDelta) -> i64 {
    d.num_seconds()
}

#[test]
fn after_a_jump_forward_the_log_reads_the_wall_clock() {
    if !have_faketime() {
        return;
    }
    let home = TempDir::new("clock-forward");
    let off = Offset::new(&home, "faketime", "+0");
    let c = tty(
        &home,
        &off,
        &["--seed", "5", "--flavor", "ddp", "--no-color"],
    );
    std::thread::sleep(Duration::from_secs(3));
    off.set("+8h");
    std::thread::sleep(Duration::from_secs(4));
    let text = output(c);
    let newest = *stamps(&text).iter().max().expect("lines");
    let wall = real_now() + chrono::Duration::hours(8);
    let behind = secs(wall - newest);
    // The newest line is from the last half minute of the shifted wall clock, not 8 h back.
    assert!(
        (-2..=45).contains(&behind),
        "newest line {newest}, wall {wall}:\n{text}"
    );
}

#[test]
fn after_a_jump_back_the_timestamps_follow_and_the_job_keeps_its_pace() {
    if !have_faketime() {
        return;
    }
    let home = TempDir::new("clock-back");
    let off = Offset::new(&home, "faketime", "+0");
    let c = tty(
        &home,
        &off,
        &["--seed", "5", "--flavor", "ddp", "--no-color"],
    );
    std::thread::sleep(Duration::from_secs(3));
    off.set("-1h");
    // A line or two come in the next 40 s (a step line every 5-30 s).
    std::thread::sleep(Duration::from_secs(40));
    let text = output(c);
    let all = stamps(&text);
    // The lines written on joining read the clock before the jump.
    let first = *all.first().expect("lines");
    assert!(secs(real_now() - first).abs() < 900, "{first}");
    let newest = *all.last().unwrap();
    let wall = real_now() - chrono::Duration::hours(1);
    assert!(
        (-2..=45).contains(&secs(wall - newest)),
        "newest line {newest}, wall {wall}:\n{text}"
    );
    // The job's own numbers kept their pace: the steps keep counting up.
    let steps: Vec<u64> = text
        .lines()
        .filter_map(|l| l.split(" INFO step ").nth(1))
        .filter_map(|r| r.split('/').next()?.parse().ok())
        .collect();
    assert!(steps.len() >= 2, "too few step lines to compare: {steps:?}");
    assert!(steps.windows(2).all(|w| w[1] > w[0]), "{steps:?}");
}

/// The last step the plain script logged.
fn last_step(text: &str) -> Option<u64> {
    text.lines()
        .rev()
        .find_map(|l| l.split(" INFO step ").nth(1))
        .and_then(|r| r.split('/').next()?.parse().ok())
}

#[test]
fn synchronised_screens_agree_after_jumps_either_way() {
    if !have_faketime() {
        return;
    }
    let home = TempDir::new("clock-sync");
    let epoch = (real_now() - chrono::Duration::days(2))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    let args = [
        "--seed",
        "9",
        "--flavor",
        "ddp",
        "--no-color",
        "--sync-epoch",
        &epoch,
    ];
    for spec in ["+8h", "-3h"] {
        // One screen is running when the clock jumps; the other starts after it.
        let early = Offset::new(&home, "early", "+0");
        let a = tty(&home, &early, &args);
        std::thread::sleep(Duration::from_secs(3));
        early.set(spec);
        let late = Offset::new(&home, "late", spec);
        let b = tty(&home, &late, &args);
        std::thread::sleep(Duration::from_secs(5));
        let (ta, tb) = (output(a), output(b));
        let (sa, sb) = (last_step(&ta), last_step(&tb));
        assert!(sa.is_some() && sa == sb, "after {spec}: {sa:?} vs {sb:?}");
    }
}
