//! Following a real job's log (issue 24): the simulated log read back gives the numbers the
//! simulation emitted; the tools' real lines the simulation does not print read too; `tty
//! --follow` follows a file as `tail -F` does, falls back to the simulated run while it is
//! silent, and stays bounded and inert on hostile input.

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::Duration;

use sim::{Catalog, Event, Framework, Simulation};
use term::TermOp;
use view::{LogReader, Observation};

use crate::common::{self, TempDir};

/// What the simulation emitted and what the log read back says, for one job.
#[derive(Default)]
struct Both {
    sim_steps: BTreeMap<u64, (f64, f64)>,
    log_steps: BTreeMap<u64, (Option<f64>, Option<f64>)>,
    sim_vals: BTreeMap<u64, f64>,
    log_vals: BTreeMap<u64, f64>,
    sim_saved: Vec<u64>,
    log_saved: Vec<u64>,
}

/// The first job of a simulation, emitted and read back from its printed text.
fn round_trip(seed: u64, fw: Framework, hours: f64) -> Both {
    let mut s = Simulation::with_framework(seed, Arc::new(Catalog::builtin()), Some(fw));
    let mut console = logs::Console::new(common::console_config(0), Arc::new(s.plan().clone()));
    let mut events = Vec::new();
    s.advance(Duration::from_secs_f64(hours * 3600.0), &mut events);
    let mut both = Both::default();
    let mut reader = LogReader::new();
    let mut runs = 0;
    for t in &events {
        if matches!(t.event, Event::RunStarted { .. }) {
            runs += 1;
            if runs > 1 {
                break;
            }
        }
        match &t.event {
            Event::StepFinished {
                stats,
                logged: true,
                ..
            } => {
                both.sim_steps.insert(stats.step, (stats.loss, stats.lr));
            }
            Event::ValidationFinished { step, loss, .. } => {
                both.sim_vals.insert(*step, *loss);
            }
            Event::CheckpointSaved { step, .. } => both.sim_saved.push(*step),
            _ => {}
        }
        let mut lines = Vec::new();
        console.write(t, |op| match op {
            TermOp::Print(l) | TermOp::Rewrite(l) => lines.push(l.text()),
            _ => {}
        });
        for l in lines {
            reader.read(&l, &mut |o| match o {
                Observation::Step(p) => {
                    both.log_steps.insert(p.step, (p.loss, p.lr));
                }
                Observation::Validation { step, loss } => {
                    both.log_vals.insert(step, loss);
                }
                Observation::CheckpointSaved { step } => both.log_saved.push(step),
                _ => {}
            });
        }
    }
    both.log_saved.dedup();
    both
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-12)
}

#[test]
fn the_simulated_log_read_back_gives_what_the_simulation_emitted() {
    for fw in Framework::ALL {
        let (mut steps, mut lrs, mut vals) = (0, 0, 0);
        for i in 0..40u64 {
            let b = round_trip(3000 + i * 4 + fw as u64, fw, 3.0);
            let ctx = format!("{fw} seed {}", 3000 + i * 4 + fw as u64);
            for (step, (loss, lr)) in &b.sim_steps {
                let got = b.log_steps.get(step);
                let Some((l, r)) = got else {
                    panic!("{ctx}: step {step} printed but not read back");
                };
                // Each tool prints the loss to 4 decimals or 7 figures.
                assert!(
                    close(l.expect("a loss"), *loss, 2e-4),
                    "{ctx}: loss {l:?} vs {loss}"
                );
                steps += 1;
                if let Some(r) = r {
                    // The plain script prints 3 significant figures, the others all.
                    assert!(close(*r, *lr, 6e-3), "{ctx}: lr {r} vs {lr}");
                    lrs += 1;
                }
            }
            for (step, loss) in &b.sim_vals {
                let got = b
                    .log_vals
                    .get(step)
                    .unwrap_or_else(|| panic!("{ctx}: validation at {step}"));
                assert!(
                    close(*got, *loss, 2e-4),
                    "{ctx}: validation {got} vs {loss}"
                );
                vals += 1;
            }
            // The Trainer says nothing when a save ends: the log knows it from the next step,
            // so the save in progress at the end is not known to be done yet.
            let mut saved = b.sim_saved.clone();
            if fw == Framework::HfTrainer && b.log_saved.len() + 1 == saved.len() {
                saved.pop();
            }
            assert_eq!(saved, b.log_saved, "{ctx}: checkpoints");
        }
        assert!(
            steps > 400 && vals > 20,
            "{fw}: {steps} steps, {vals} validations"
        );
        if fw != Framework::Torchtitan {
            assert!(lrs > 200, "{fw}: {lrs} learning rates read");
        }
    }
}

/// One line of each tool's real format that the simulation does not print, and what it says.
#[test]
fn the_tools_other_lines_read_too() {
    let cases: &[(&str, u64, f64)] = &[
        // torchtitan v0.2.2 and later print the loss with 5 decimals; main prints N/A for MFU.
        (
            "[rank0]:[titan] 2026-02-10 10:00:00,001 - root - INFO - step: 40  loss:  7.12345  grad_norm:  1.2345  memory: 30.10GiB(38.00%)  tps: 7,123  tflops: 412.50  mfu: N/A",
            40,
            7.12345,
        ),
        // Megatron with skipped samples and params norm.
        (
            " [2026-01-05 12:00:00] iteration      300/   10000 | consumed samples:       307200 | skipped samples:           12 | elapsed time per iteration (ms): 2103.4 | learning rate: 1.500000E-04 | global batch size:  1024 | lm loss: 3.123456E+00 | loss scale: 1.0 | grad norm: 0.456 | params norm: 245.123 | number of skipped iterations:   0 | number of nan iterations:   0 |",
            300,
            3.123456,
        ),
        // nanoGPT.
        (
            "iter 2500: loss 3.2101, time 101.20ms, mfu 41.00%",
            2500,
            3.2101,
        ),
        // Lightning-style and generic key=value / key: value.
        (
            "Epoch 0:  45%|####5     | 450/1000 [02:03<02:30, 3.66it/s, loss=2.31, v_num=0] step=450 loss=2.31",
            450,
            2.31,
        ),
        (
            "global_step: 1200 | loss: 1.8765 | lr: 2.0e-05",
            1200,
            1.8765,
        ),
    ];
    for &(line, step, loss) in cases {
        let mut got = None;
        LogReader::new().read(line, &mut |o| {
            if let Observation::Step(p) = o {
                got = Some(p);
            }
        });
        let p = got.unwrap_or_else(|| panic!("not read: {line}"));
        assert_eq!(p.step, step, "{line}");
        assert!(close(p.loss.unwrap(), loss, 1e-9), "{line}: {:?}", p.loss);
    }
}

/// `tty --follow FILE` in real time, stdout piped.
fn follow(home: &TempDir, path: &std::path::Path, extra: &[&str]) -> Child {
    common::trainsaver(home)
        .args(["tty", "--no-color", "--follow"])
        .arg(path)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn finish(mut c: Child) -> (String, String, Option<i32>) {
    let mut out = Vec::new();
    c.stdout.take().unwrap().read_to_end(&mut out).unwrap();
    let status = common::wait_exit(&mut c, Duration::from_secs(10));
    let err = common::stderr_of(&mut c);
    (
        String::from_utf8_lossy(&out).into_owned(),
        err,
        status.and_then(|s| s.code()),
    )
}

#[test]
fn a_followed_file_is_read_as_tail_minus_f_reads_it() {
    let home = TempDir::new("follow-tail");
    let path = home.path().join("slurm-1234.out");
    let c = follow(&home, &path, &["--duration", "6s"]);
    std::thread::sleep(Duration::from_millis(800));
    // Appears late, grows, is truncated, rotated.
    std::fs::write(&path, "first line\n").unwrap();
    std::thread::sleep(Duration::from_millis(800));
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.write_all(b"second line\n  3%|3         | 3/100 [00:01<00:30,  3.10it/s]\r 50%|#####     | 50/100 [00:15<00:15,  3.30it/s]\n").unwrap();
    std::thread::sleep(Duration::from_millis(800));
    std::fs::write(&path, "").unwrap();
    std::thread::sleep(Duration::from_millis(800));
    std::fs::write(&path, "after truncation\n").unwrap();
    std::thread::sleep(Duration::from_millis(800));
    std::fs::rename(&path, home.path().join("slurm-1234.out.1")).unwrap();
    std::fs::write(&path, "after rotation\n").unwrap();
    let (out, err, code) = finish(c);
    assert_eq!(code, Some(0), "{err}");
    let order = [
        "first line",
        "second line",
        " 50%|#####",
        "was truncated",
        "after truncation",
        "after rotation",
    ];
    let mut at = 0;
    for want in order {
        let i = out[at..]
            .find(want)
            .unwrap_or_else(|| panic!("{want:?} missing after byte {at}:\n{out}"));
        at += i + want.len();
    }
    assert!(
        !out.contains("  3%|3"),
        "a bar rewritten in place is printed once, finished:\n{out}"
    );
}

#[test]
fn a_silent_log_gives_way_to_the_simulated_run_and_back() {
    let home = TempDir::new("follow-fallback");
    let cfg = home.path().join("c.toml");
    std::fs::write(
        &cfg,
        "follow_idle = \"10s\"\nfollow_fallback = \"simulate\"\n",
    )
    .unwrap();
    let path = home.path().join("job.log");
    let c = follow(
        &home,
        &path,
        &[
            "--duration",
            "16s",
            "--config",
            cfg.to_str().unwrap(),
            "--seed",
            "4",
        ],
    );
    std::thread::sleep(Duration::from_secs(13));
    std::fs::write(&path, "the real job speaks\n").unwrap();
    let (out, err, code) = finish(c);
    assert_eq!(code, Some(0), "{err}");
    let note = out
        .find("nothing from")
        .unwrap_or_else(|| panic!("no note:\n{out}"));
    let sim = out
        .find("$ srun ")
        .unwrap_or_else(|| panic!("no simulated run:\n{out}"));
    let back = out
        .find("writes again")
        .unwrap_or_else(|| panic!("not back:\n{out}"));
    let real = out.find("the real job speaks").unwrap();
    assert!(note < sim && sim < back && back < real, "{out}");
}

#[test]
fn hostile_input_stays_bounded_and_inert() {
    let home = TempDir::new("follow-hostile");
    let path = home.path().join("evil.log");
    // The runaway line first: a big file opens on its last 256 KiB, which hold the rest.
    let mut bytes: Vec<u8> = std::iter::repeat_n(b'x', 5 << 20).collect();
    bytes.extend_from_slice(
        b"\ntitle\x1b]0;owned\x07 resize\x1b[8;100;300t query\x1b[6n\x1b[c ok\n",
    );
    bytes.extend_from_slice(b"bad utf-8 \xff\xfe here\nend\n");
    let mut x: u64 = 0x1234_5678;
    bytes.extend((0..200_000).map(|_| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x as u8
    }));
    std::fs::write(&path, &bytes).unwrap();
    let o = tty_following(&home, &path);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout);
    // The file's own lines came through (not the simulated run standing in)...
    for line in [" ok", "bad utf-8 \u{FFFD}\u{FFFD} here", "end"] {
        assert!(
            out.contains(line),
            "{line:?} not shown:\n{}",
            &out[..out.len().min(2000)]
        );
    }
    // ...and no sequence of theirs reaches the terminal.
    for bad in ["\x1b]", "\x1b[8;", "\x1b[6n", "\x1b[c", "\x07"] {
        assert!(!out.contains(bad), "{bad:?} echoed");
    }
    assert!(
        out.lines()
            .all(|l| l.chars().count() <= term::MAX_LINE_CELLS),
        "an endless line came through whole"
    );
}

#[test]
fn a_huge_file_opens_on_its_end_and_a_fifo_is_read_as_it_comes() {
    let home = TempDir::new("follow-huge");
    let path = home.path().join("huge.log");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(10 << 30).unwrap(); // 10 GB of holes
    drop(f);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.write_all(b"\nthe last line\n").unwrap();
    let o = tty_following(&home, &path);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("the last line") && out.len() < 1 << 20,
        "{} bytes",
        out.len()
    );
    // A FIFO: opening it waits for a writer, without holding anything else up.
    let fifo = home.path().join("pipe");
    let ok = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(ok.success());
    let c = follow(&home, &fifo, &["--duration", "4s"]);
    std::thread::sleep(Duration::from_millis(800));
    let mut w = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    w.write_all(b"through the pipe\n").unwrap();
    drop(w);
    let (out, err, code) = finish(c);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("through the pipe"), "{out}");
    // render needs the log to be there.
    let o = common::trainsaver(&home)
        .args(["render", "-o", "x.png", "--follow", "missing.log"])
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(
        e.contains("--follow missing.log") && e.lines().count() == 1,
        "{e}"
    );
}

/// A minute of `tty --fast --no-color` following `path`, run to its end.
fn tty_following(home: &TempDir, path: &std::path::Path) -> std::process::Output {
    common::trainsaver(home)
        .args([
            "tty",
            "--fast",
            "--duration",
            "1m",
            "--no-color",
            "--follow",
        ])
        .arg(path)
        .output()
        .unwrap()
}
