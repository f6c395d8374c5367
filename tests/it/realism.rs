//! What an ML engineer notices after reading the log for a few minutes (issue 21): one rule
//! per item, over at least 1000 plans and 100 printed runs per style. Each job is read from
//! the events the simulation emits and the lines its console prints for them.

use crate::common;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use sim::{Catalog, Event, Framework, JobKind, Precision, RunPlan, Simulation};
use term::TermOp;

/// One job: its plan, its events and the operations its console wrote, each with job seconds.
struct Job {
    plan: Arc<RunPlan>,
    events: Vec<(f64, Event)>,
    ops: Vec<(f64, TermOp)>,
}

impl Job {
    /// The lines printed (not rewritten).
    fn lines(&self) -> impl Iterator<Item = String> + '_ {
        self.ops.iter().filter_map(|(_, op)| match op {
            TermOp::Print(l) => Some(l.text()),
            _ => None,
        })
    }

    /// Every bar rewrite, with its time.
    fn rewrites(&self) -> impl Iterator<Item = (f64, String)> + '_ {
        self.ops.iter().filter_map(|(t, op)| match op {
            TermOp::Rewrite(l) => Some((*t, l.text())),
            _ => None,
        })
    }
}

/// The jobs of a simulation of `seed` in `framework` over `hours` of simulated time.
fn jobs(seed: u64, framework: Framework, hours: f64) -> Vec<Job> {
    let catalog = Arc::new(Catalog::builtin());
    let mut s = Simulation::with_framework(seed, catalog, Some(framework));
    let mut console = logs::Console::new(common::console_config(0), Arc::new(s.plan().clone()));
    let mut events = Vec::new();
    s.advance(Duration::from_secs_f64(hours * 3600.0), &mut events);
    let mut out: Vec<Job> = Vec::new();
    for t in events {
        if let Event::RunStarted { plan, .. } = &t.event {
            out.push(Job {
                plan: plan.clone(),
                events: Vec::new(),
                ops: Vec::new(),
            });
        }
        let Some(job) = out.last_mut() else { continue };
        let at = t.secs();
        console.write(&t, |op| job.ops.push((at, op)));
        job.events.push((at, t.event));
    }
    out
}

/// The first job of each of `n` seeds per style.
fn first_jobs(framework: Framework, n: u64, hours: f64) -> Vec<Job> {
    (0..n)
        .filter_map(|i| {
            jobs(7000 + i * 4 + framework as u64, framework, hours)
                .into_iter()
                .next()
        })
        .collect()
}

/// 1000 plans, a quarter in each style.
fn plans() -> Vec<RunPlan> {
    let catalog = Arc::new(Catalog::builtin());
    (0..1000u64)
        .map(|seed| {
            let fw = Framework::ALL[seed as usize % Framework::ALL.len()];
            Simulation::with_framework(seed, catalog.clone(), Some(fw))
                .plan()
                .clone()
        })
        .collect()
}

/// The number right after `key`.
fn num(line: &str, key: &str) -> Option<f64> {
    view::read::num_after(line, key)
}

/// `MM:SS` or `H:MM:SS` in seconds.
fn clock(s: &str) -> Option<f64> {
    let parts: Vec<f64> = s
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    Some(parts.iter().fold(0.0, |acc, p| acc * 60.0 + p))
}

/// A tqdm bar as printed.
#[derive(Debug)]
struct Bar {
    desc: String,
    n: u64,
    total: u64,
    elapsed: f64,
    remaining: Option<f64>,
    /// Seconds per iteration, as printed (from `s/it` or `it/s`).
    secs_per_it: Option<f64>,
    /// The printed rate's own rounding, in seconds per iteration.
    rate_slack: f64,
}

fn bar(line: &str) -> Option<Bar> {
    let pct = line.find("%|")?;
    let desc = line[..pct]
        .rsplit_once(':')
        .map_or(String::new(), |(d, _)| d.trim().to_string());
    let after = &line[pct + 2..];
    let close = after.find("| ")?;
    let rest = &after[close + 2..];
    let (ratio, stats) = rest.split_once(" [")?;
    let (n, total) = ratio.split_once('/')?;
    let stats = stats.split(']').next()?;
    let (times, rate) = stats.split_once(", ")?;
    let (el, rem) = times.split_once('<')?;
    let rate = rate.split(',').next()?.trim();
    let (secs_per_it, rate_slack) = if let Some(v) = rate.strip_suffix("s/it") {
        (v.trim().parse::<f64>().ok(), 0.005)
    } else if let Some(v) = rate.strip_suffix("it/s") {
        match v.trim().parse::<f64>() {
            Ok(r) => (Some(1.0 / r), 0.005 / (r * r)),
            Err(_) => (None, 0.0),
        }
    } else {
        (None, 0.0)
    };
    Some(Bar {
        desc,
        n: n.trim().parse().ok()?,
        total: total.trim().parse().ok()?,
        elapsed: clock(el)?,
        remaining: clock(rem),
        secs_per_it,
        rate_slack,
    })
}

// 1. tqdm bars as tqdm prints them.

/// Elapsed never goes backwards within a bar, remaining follows from the printed rate, and
/// the epoch bar and the first epoch's step bar, created together, agree.
fn check_bars(job: &Job, ctx: &str) -> usize {
    let mut last: HashMap<(String, u64), (u64, f64)> = HashMap::new();
    let mut checked = 0;
    let mut epoch_elapsed = None;
    for (_, line) in job.rewrites() {
        let Some(b) = bar(&line) else { continue };
        checked += 1;
        let key = (b.desc.clone(), b.total);
        if let Some(&(n, el)) = last.get(&key)
            && b.n >= n
        {
            assert!(b.elapsed >= el, "{ctx}: elapsed went back: {line}");
        }
        last.insert(key, (b.n, b.elapsed));
        if let (Some(rem), Some(spi)) = (b.remaining, b.secs_per_it) {
            let want = (b.total - b.n) as f64 * spi;
            let slack = 1.0 + (b.total - b.n) as f64 * b.rate_slack + 0.01 * want;
            assert!(
                (rem - want).abs() <= slack,
                "{ctx}: remaining {rem} for {want}: {line}"
            );
        }
        if b.desc == "Epoch" {
            epoch_elapsed = Some(b.elapsed);
        } else if b.desc.starts_with("Epoch 1/")
            && let Some(e) = epoch_elapsed
        {
            assert!(
                (b.elapsed - e).abs() <= 1.0,
                "{ctx}: epoch bar at {e} s: {line}"
            );
        }
    }
    checked
}

#[test]
fn bars_count_time_as_tqdm_does() {
    let mut checked = 0;
    for job in first_jobs(Framework::Ddp, 100, 3.0) {
        let ctx = format!("ddp job {}", job.plan.job_id);
        checked += check_bars(&job, &ctx);
        for (_, l) in job.rewrites().filter(|(_, l)| l.starts_with("Validation:")) {
            let b = bar(&l).unwrap_or_else(|| panic!("{ctx}: a validation bar without stats: {l}"));
            assert_eq!(b.total, u64::from(job.plan.val_batches), "{ctx}: {l}");
        }
    }
    assert!(checked > 10_000, "only {checked} bar rewrites read");
}

#[test]
fn only_the_tools_that_draw_bars_draw_them() {
    for fw in [Framework::Torchtitan, Framework::Megatron] {
        for job in first_jobs(fw, 100, 2.0) {
            let bars: Vec<String> = job
                .rewrites()
                .map(|(_, l)| l)
                .filter(|l| l.contains("%|"))
                .collect();
            assert!(bars.is_empty(), "{fw}: {:?}", bars.first());
        }
    }
    let mut eval_bars = 0;
    for job in first_jobs(Framework::HfTrainer, 100, 3.0) {
        check_bars(&job, &format!("hf job {}", job.plan.job_id));
        for (_, l) in job.rewrites() {
            if let Some(b) = bar(&l)
                && b.total == u64::from(job.plan.val_batches)
                && b.total != job.plan.total_steps
            {
                assert!(
                    b.desc.is_empty(),
                    "the Trainer's evaluation bar has no description: {l}"
                );
                eval_bars += 1;
            }
        }
    }
    assert!(eval_bars > 100, "{eval_bars} evaluation bars");
}

// 2. Plans a team runs.

#[test]
fn plans_are_sized_as_teams_size_them() {
    for p in plans() {
        let ctx = format!("{} {} {}", p.framework, p.model.name, p.job_id);
        let days = p.total_steps as f64 * p.step_time() / 86_400.0;
        let most = if p.framework == Framework::HfTrainer {
            14.5
        } else {
            92.0
        };
        assert!(days <= most, "{ctx}: a {days:.0}-day schedule");
        // A pipeline keeps its bubble small, and the MFU printed includes it.
        if p.pp > 1 {
            assert!(
                p.bubble() < 0.25,
                "{ctx}: bubble {:.2} with pp {} and {} micro-batches",
                p.bubble(),
                p.pp,
                p.grad_accum
            );
        }
        assert!(
            (p.achieved_mfu() - p.mfu * (1.0 - p.bubble())).abs() < 1e-9,
            "{ctx}"
        );
        if p.framework == Framework::Torchtitan {
            assert_eq!(
                p.precision,
                Precision::Bf16,
                "{ctx}: torchtitan has no fp16"
            );
            assert!(
                p.model.torchtitan.is_some(),
                "{ctx}: not a model torchtitan ships"
            );
        }
        if p.kind == JobKind::Resume {
            assert!(
                p.start_step.is_multiple_of(p.ckpt_every),
                "{ctx}: resumes at {} between checkpoints",
                p.start_step
            );
        }
    }
}

#[test]
fn first_steps_are_slow_and_scalers_are_the_tools_own() {
    let mut slow_first = 0;
    let mut fresh = 0;
    for fw in Framework::ALL {
        for job in first_jobs(fw, 100, 2.0) {
            let ctx = format!("{fw} job {}", job.plan.job_id);
            let steps: Vec<(u64, f64, f64)> = job
                .events
                .iter()
                .filter_map(|(_, e)| match e {
                    Event::StepFinished {
                        stats, loss_scale, ..
                    } => Some((stats.step, stats.step_time, *loss_scale)),
                    _ => None,
                })
                .collect();
            if steps.len() > 10 {
                fresh += 1;
                let mut times: Vec<f64> = steps[3..].iter().map(|s| s.1).collect();
                times.sort_by(f64::total_cmp);
                slow_first += usize::from(steps[0].1 > 1.5 * times[times.len() / 2]);
            }
            for l in job.lines() {
                assert!(!l.contains("OVERFLOW!"), "{ctx}: DeepSpeed's line: {l}");
                if fw == Framework::Megatron && l.contains("] iteration ") {
                    let scale = num(&l, "loss scale:").unwrap();
                    match job.plan.precision {
                        Precision::Bf16 => assert_eq!(scale, 1.0, "{ctx}: {l}"),
                        Precision::Fp16 => assert!(
                            scale <= 2f64.powi(32) && scale.log2().fract() == 0.0,
                            "{ctx}: {l}"
                        ),
                    }
                }
            }
            // The scale a run starts from is its tool's.
            if job.plan.precision == Precision::Fp16
                && let Some(first) = steps.first()
            {
                let initial = if fw == Framework::Megatron {
                    2f64.powi(32)
                } else {
                    65536.0
                };
                assert!(first.2 <= initial, "{ctx}: starts at {}", first.2);
            }
        }
    }
    assert!(
        slow_first * 10 >= fresh * 9,
        "{slow_first} of {fresh} jobs start slow"
    );
}

// 3. One cluster, one team.

#[test]
fn a_shell_stays_on_one_cluster() {
    let mut multi = 0;
    for seed in 0..100u64 {
        let fw = Framework::ALL[seed as usize % Framework::ALL.len()];
        let js = jobs(300 + seed, fw, 48.0);
        let prompts: BTreeSet<String> = js
            .iter()
            .flat_map(|j| {
                j.lines()
                    .filter(|l| l.contains("$ srun "))
                    .map(|l| l.split(":~/").next().unwrap_or("").to_string())
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(prompts.len() <= 1, "seed {seed}: {prompts:?}");
        multi += usize::from(js.len() > 1);
        for j in &js {
            let p = &j.plan;
            // A resumed job loads what its campaign saved: the run's name, not this job's id.
            for l in j.lines().filter(|l| l.contains(&p.ckpt_dir)) {
                assert!(!l.contains(&p.job_id.to_string()), "{}: {l}", p.run_name);
            }
            assert!(p.ckpt_dir.ends_with(&p.run_name), "{}", p.ckpt_dir);
        }
    }
    assert!(multi > 30, "{multi} shells saw several jobs");
}

// 4. No patterns a reader spots.

#[test]
fn pids_times_and_devices_do_not_repeat_in_patterns() {
    let mut tid_offsets = BTreeSet::new();
    let mut rings: HashMap<String, BTreeSet<String>> = HashMap::new();
    let mut step_ratios = Vec::new();
    for fw in Framework::ALL {
        for job in first_jobs(fw, 100, 2.0) {
            let p = &job.plan;
            let ctx = format!("{fw} job {}", p.job_id);
            let lines: Vec<String> = job.lines().collect();
            // torchrun's banners: one per node, pids and times at no fixed spacing.
            let banners: Vec<(u64, f64)> = lines
                .iter()
                .filter(|l| l.contains("run.py:793] ***"))
                .step_by(2)
                .filter_map(|l| {
                    let mut f = l.split_whitespace();
                    let t = f.nth(1)?;
                    let pid = f.next()?.parse().ok()?;
                    Some((pid, clock(t)?))
                })
                .collect();
            if banners.len() >= 3 {
                let gaps: BTreeSet<i64> = banners
                    .windows(2)
                    .map(|w| w[1].0 as i64 - w[0].0 as i64)
                    .collect();
                assert!(gaps.len() > 1, "{ctx}: pids evenly spaced {banners:?}");
                let dt: BTreeSet<u64> = banners
                    .windows(2)
                    .map(|w| ((w[1].1 - w[0].1) * 1e6) as u64)
                    .collect();
                assert!(dt.len() > 1, "{ctx}: banners evenly spaced in time");
            }
            // Python's logging has whole milliseconds.
            for l in lines.iter().filter(|l| l.contains("run.py:793]")) {
                let us = l
                    .split_whitespace()
                    .nth(1)
                    .and_then(|t| t.rsplit('.').next())
                    .unwrap_or("");
                assert!(us.ends_with("000"), "{ctx}: {l}");
            }
            // NCCL's comm thread is not the pid plus a constant; rings follow the board.
            for l in lines
                .iter()
                .filter(|l| l.contains("NCCL INFO") && l.contains("Init START"))
            {
                let head: Vec<u64> = l
                    .split(' ')
                    .next()
                    .unwrap_or("")
                    .split(':')
                    .skip(1)
                    .filter_map(|v| v.parse().ok())
                    .collect();
                if let [pid, tid] = head[..] {
                    tid_offsets.insert(tid as i64 - pid as i64);
                }
            }
            if let Some(ring) = lines
                .iter()
                .find(|l| l.contains("NCCL INFO Channel 00/") && l.contains(" :  "))
            {
                rings
                    .entry(p.gpu.name.clone())
                    .or_default()
                    .insert(ring.split(" : ").nth(1).unwrap_or("").trim().to_string());
            }
            if let Some(ib) = lines.iter().find(|l| l.contains("NET/IB : Using")) {
                for (i, hca) in p.gpu.hcas.iter().enumerate() {
                    assert!(ib.contains(&format!("[{i}]{hca}:1/")), "{ctx}: {ib}");
                }
            }
            // One way of naming torch's files in a job.
            let paths: BTreeSet<bool> = lines
                .iter()
                .filter(|l| l.contains("torch/distributed/"))
                .map(|l| l.contains("site-packages/torch/"))
                .collect();
            assert!(paths.len() <= 1, "{ctx}: mixed torch paths");
            // c10's nanoseconds are not microseconds padded with zeros.
            for l in lines.iter().filter(|l| l.contains("ProcessGroupNCCL.cpp")) {
                let ns = l
                    .split('.')
                    .nth(1)
                    .and_then(|r| r.split(' ').next())
                    .unwrap_or("");
                assert!(ns.len() == 9 && !ns.ends_with("000"), "{ctx}: {l}");
            }
            let times: Vec<f64> = job
                .events
                .iter()
                .filter_map(|(_, e)| match e {
                    Event::StepFinished { stats, .. } => Some(stats.step_time),
                    _ => None,
                })
                .skip(3)
                .collect();
            if times.len() > 20 {
                let mut sorted = times.clone();
                sorted.sort_by(f64::total_cmp);
                let median = sorted[sorted.len() / 2];
                step_ratios.extend(times.iter().map(|t| t / median));
            }
        }
    }
    assert!(
        tid_offsets.len() > 50,
        "{} thread-id offsets",
        tid_offsets.len()
    );
    let boards: BTreeSet<&String> = rings.values().flatten().collect();
    assert!(boards.len() > 3, "ring orders: {rings:?}");
    // Real jitter: most steps close to the median, a few slow ones.
    let close = step_ratios
        .iter()
        .filter(|r| (**r - 1.0).abs() < 0.015)
        .count();
    let slow = step_ratios.iter().filter(|r| **r > 1.1).count();
    assert!(
        close * 100 > step_ratios.len() * 85,
        "{close} of {} steps near the median",
        step_ratios.len()
    );
    assert!(
        slow > 0 && slow * 100 < step_ratios.len() * 5,
        "{slow} slow steps of {}",
        step_ratios.len()
    );
}

#[test]
fn the_watchdog_and_torchrun_do_not_share_a_moment() {
    let mut seen = 0;
    for seed in 0..100u64 {
        for job in jobs(
            500 + seed,
            Framework::ALL[seed as usize % Framework::ALL.len()],
            48.0,
        ) {
            let lines: Vec<String> = job.lines().collect();
            for (i, l) in lines
                .iter()
                .enumerate()
                .filter(|(_, l)| l.contains("Watchdog caught"))
            {
                let failed = lines[i..]
                    .iter()
                    .find(|x| x.contains("failed (exitcode:"))
                    .expect("torchrun reports the failure");
                let w = l.split(' ').nth(1).unwrap_or("");
                let f = failed.split(' ').nth(1).unwrap_or("");
                assert_ne!(w.get(..15), f.get(..15), "{l}\n{failed}");
                seen += 1;
            }
        }
    }
    assert!(seen > 5, "{seen} watchdog timeouts");
}

// 5. Lines as the tools print them.

#[test]
fn torchtitan_lines_follow_its_source() {
    let configs = [
        "llama3/train_configs/llama3_8b.toml",
        "llama3/train_configs/llama3_70b.toml",
        "llama3/train_configs/llama3_405b.toml",
        "deepseek_v3/train_configs/deepseek_v3_671b.toml",
    ];
    let mut vals = 0;
    for job in first_jobs(Framework::Torchtitan, 100, 4.0) {
        let p = &job.plan;
        let ctx = format!("torchtitan job {}", p.job_id);
        let lines: Vec<String> = job.lines().collect();
        let launch = lines.iter().find(|l| l.contains("$ srun ")).unwrap();
        assert!(
            configs
                .iter()
                .any(|c| launch.contains(&format!("--job.config_file ./torchtitan/models/{c}"))),
            "{ctx}: {launch}"
        );
        let size = lines.iter().find(|l| l.contains(" size: ")).unwrap();
        let tt = p.model.torchtitan.as_deref().unwrap();
        assert!(
            size.contains(&format!("Model {tt} size: ")),
            "{ctx}: {size}"
        );
        let mem = lines
            .iter()
            .find(|l| l.contains("memory usage for model: "))
            .unwrap();
        let gib = num(mem, "memory usage for model:").unwrap();
        let want = 4.0 * p.model.params as f64 / f64::from(p.world()) / f64::from(1u32 << 30);
        assert!(
            (gib - want).abs() <= 0.01 + want * 0.01,
            "{ctx}: {mem} for {want:.2}"
        );
        for l in &lines {
            if let Some(at) = l.find("- INFO - step: ") {
                let step = num(l, "step:").unwrap() as u64;
                assert!(
                    step == 1 || step.is_multiple_of(p.log_every),
                    "{ctx}: logged {step}"
                );
                let loss = l[at..]
                    .split("loss: ")
                    .nth(1)
                    .unwrap()
                    .split("  ")
                    .next()
                    .unwrap()
                    .trim();
                assert_eq!(loss.split('.').nth(1).map(str::len), Some(4), "{ctx}: {l}");
                let tflops = l
                    .split("tflops: ")
                    .nth(1)
                    .unwrap()
                    .split("  ")
                    .next()
                    .unwrap();
                let v: f64 = tflops.replace(',', "").parse().unwrap();
                assert_eq!(v >= 1000.0, tflops.contains(','), "{ctx}: {l}");
            }
            if l.contains("validate step:") {
                vals += 1;
                assert!(
                    l.contains("  loss: ")
                        && l.contains("  memory: ")
                        && l.contains("GiB(")
                        && l.contains("  tps: "),
                    "{l}"
                );
                assert!(!l.contains("grad_norm") && !l.contains("mfu"), "{l}");
            }
            assert!(!l.contains("Validation @"), "{ctx}: {l}");
        }
    }
    assert!(vals > 100, "{vals} validation lines");
}

#[test]
fn megatron_lines_follow_pretrain() {
    let order = [
        "time to initialize megatron",
        "[after megatron is initialized]",
        "building GPT model",
        "[after model, optimizer, and learning rate scheduler are built]",
        "> building train, validation, and test datasets",
        "[after dataloaders are built]",
        "done with setup",
        "training ...",
        "[before the start of training step]",
    ];
    for job in first_jobs(Framework::Megatron, 100, 2.0) {
        let p = &job.plan;
        let ctx = format!("megatron job {}", p.job_id);
        let lines: Vec<String> = job.lines().collect();
        let at: Vec<Option<usize>> = order
            .iter()
            .map(|k| lines.iter().position(|l| l.contains(k)))
            .collect();
        let at: Vec<usize> = at
            .into_iter()
            .map(|a| a.unwrap_or_else(|| panic!("{ctx}: missing")))
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{ctx}: {at:?}");
        for l in &lines {
            assert!(
                !l.contains("Epoch ") && !l.contains("safetensors") && !l.contains(" shards"),
                "{ctx}: {l}"
            );
            if l.contains("] iteration ") {
                let it = num(l, "iteration").unwrap() as u64;
                assert!(
                    it.is_multiple_of(p.log_every),
                    "{ctx}: iteration {it} logged every {}",
                    p.log_every
                );
            }
        }
    }
}

/// The messages trainer.py logs at each of its lines (transformers 4.57.1).
fn trainer_message_ok(line_no: u32, msg: &str) -> bool {
    match line_no {
        2519 => msg == "***** Running training *****",
        2520..=2528 => msg.starts_with("  "),
        2549..=2553 => {
            msg.starts_with("  Continuing training from")
                || msg.starts_with("  Will skip the first")
        }
        2810 | 4643 => msg.is_empty(),
        2934 => msg.starts_with("Loading model from "),
        4309 => msg.starts_with("Saving model checkpoint to "),
        4645 => msg.starts_with("  Num examples = "),
        4648 => msg.starts_with("  Batch size = "),
        _ => false,
    }
}

#[test]
fn hf_trainer_lines_are_trainer_py_lines() {
    let mut dicts = 0;
    for job in first_jobs(Framework::HfTrainer, 100, 6.0) {
        let p = &job.plan;
        let ctx = format!("hf job {}", p.job_id);
        for l in job.lines() {
            if let Some(at) = l
                .find("[INFO|trainer.py:")
                .or_else(|| l.find("[WARNING|trainer.py:"))
            {
                let rest = &l[at..];
                let no: u32 = rest
                    .split(':')
                    .nth(1)
                    .and_then(|n| n.split(']').next())
                    .and_then(|n| n.parse().ok())
                    .unwrap();
                let msg = rest.split(" >> ").nth(1).unwrap_or("");
                assert!(
                    trainer_message_ok(no, msg),
                    "{ctx}: trainer.py:{no} does not log {msg:?}"
                );
            }
            if l.starts_with('{') {
                dicts += 1;
                for field in l.trim_matches(['{', '}']).split(", ") {
                    let (k, v) = field.split_once(": ").unwrap();
                    let x: f64 = v.parse().unwrap();
                    // Python's repr: the shortest digits that read back the same float.
                    let digits = |s: &str| {
                        s.split(['e', 'E'])
                            .next()
                            .unwrap()
                            .replace(['.', '-'], "")
                            .trim_start_matches('0')
                            .trim_end_matches('0')
                            .to_string()
                    };
                    assert_eq!(digits(v), digits(&format!("{x:e}")), "{ctx}: {k} {v}");
                    if k == "'grad_norm'" || k == "'eval_loss'" {
                        assert_eq!(
                            f64::from(x as f32),
                            x,
                            "{ctx}: {k} is a float32's value: {v}"
                        );
                    }
                }
            }
        }
        // The end of a run: trainer.py's train_* metrics.
        if let Some(m) = job.lines().find(|l| l.starts_with("{'train_runtime'")) {
            let runtime = num(&m, "'train_runtime':").unwrap();
            let steps = num(&m, "'train_steps_per_second':").unwrap();
            let samples = num(&m, "'train_samples_per_second':").unwrap();
            let all = (p.samples_per_epoch() * u64::from(p.epochs)) as f64;
            assert!(
                (steps - p.total_steps as f64 / runtime).abs() < 6e-4,
                "{ctx}: {m}"
            );
            assert!((samples - all / runtime).abs() < 6e-4, "{ctx}: {m}");
        }
    }
    assert!(dicts > 1000, "{dicts} metric dicts");
}

// 6. Fine-tunes read their data, no more.

#[test]
fn fine_tunes_read_only_their_data() {
    let mut tunes = 0;
    for p in plans().into_iter().filter(|p| p.kind == JobKind::FineTune) {
        tunes += 1;
        let tokens = p.epoch_samples as f64 * f64::from(p.seq_len);
        assert!(
            tokens <= p.dataset.tokens + f64::from(p.seq_len),
            "{}: {tokens:e} of {:e}",
            p.dataset.name,
            p.dataset.tokens
        );
        assert!(p.dataset.is_sft() && (1..=3).contains(&p.epochs));
    }
    assert!(tunes > 100, "{tunes} fine-tunes");
    for job in first_jobs(Framework::Ddp, 100, 1.0) {
        let d = &job.plan.dataset;
        if let Some(l) = job.lines().find(|l| l.contains("INFO Dataset: ")) {
            let docs = num(&l, "Dataset:").unwrap();
            assert!(docs <= d.documents, "{l}: {} has {}", d.name, d.documents);
        }
    }
}

// 7. Validation behaves like validation.

#[test]
fn validation_is_precise_quiet_and_flattens_in_fine_tunes() {
    let mut pairs = 0;
    let mut rounded = 0;
    let mut vals = 0;
    for fw in Framework::ALL {
        for job in first_jobs(fw, 100, 12.0) {
            let p = &job.plan;
            let v: Vec<(u64, f64)> = job
                .events
                .iter()
                .filter_map(|(_, e)| match e {
                    Event::ValidationFinished { step, loss, .. } => Some((*step, *loss)),
                    _ => None,
                })
                .collect();
            let spiked = job
                .events
                .iter()
                .any(|(_, e)| matches!(e, Event::LossSpike { .. }));
            vals += v.len();
            rounded += v.iter().filter(|(_, l)| (l * 1e4).fract() == 0.0).count();
            if p.kind == JobKind::Resume && !spiked {
                for w in v.windows(2) {
                    pairs += 1;
                    // Beyond the curve's own fall, a large validation set moves by little.
                    let trend = p.val_loss_curve(w[1].0) - p.val_loss_curve(w[0].0);
                    let noise = (w[1].1 - w[0].1 - trend).abs();
                    assert!(
                        noise < 0.006,
                        "{fw} job {}: {:?} then {:?}",
                        p.job_id,
                        w[0],
                        w[1]
                    );
                }
            }
            // A fine-tune's validation loss stops falling after its first epoch.
            if p.kind == JobKind::FineTune && p.epochs >= 2 {
                let spe = p.steps_per_epoch();
                let last_epoch = u64::from(p.epochs - 1) * spe;
                let best_before = v
                    .iter()
                    .filter(|(s, _)| *s <= last_epoch)
                    .map(|v| v.1)
                    .fold(f64::INFINITY, f64::min);
                if let Some(last) = v.last().filter(|(s, _)| *s > last_epoch)
                    && best_before.is_finite()
                {
                    assert!(last.1 > best_before - 0.02, "{fw} job {}: {v:?}", p.job_id);
                }
            }
        }
    }
    assert!(pairs > 200, "{pairs} validation pairs");
    assert!(
        rounded * 100 < vals,
        "{rounded} of {vals} validation losses rounded to 4 places"
    );
}

// 8. Incidents that hold together.

#[test]
fn incidents_hold_together() {
    let (mut restarts, mut spikes, mut stragglers) = (0, 0, 0);
    for seed in 0..100u64 {
        let fw = Framework::ALL[seed as usize % Framework::ALL.len()];
        for job in jobs(900 + seed, fw, 48.0) {
            let p = &job.plan;
            let ctx = format!("{fw} job {}", p.job_id);
            let mut losses: HashMap<u64, f64> = HashMap::new();
            let mut after_restart = false;
            let mut restarted = false;
            let mut restarted_at = None;
            let mut steps_since_start = 0u64;
            for (i, (t, e)) in job.events.iter().enumerate() {
                match e {
                    Event::WorkerGroupRestart { .. } => {
                        restarts += 1;
                        after_restart = true;
                        restarted = true;
                        restarted_at = Some(*t);
                    }
                    // Fresh processes set up again after a restart.
                    Event::ProcessGroupInit { restart: true } => {
                        assert!(after_restart, "{ctx}");
                        after_restart = false;
                    }
                    Event::TrainingStarted { .. } => {
                        assert!(!after_restart, "{ctx}: trains again without setting up");
                        steps_since_start = 0;
                        if let Some(r) = restarted_at.take() {
                            assert!(t - r > 20.0, "{ctx}: back {:.0} s after the failure", t - r);
                        }
                    }
                    Event::StepFinished { stats, .. } => {
                        steps_since_start += 1;
                        // The same step again gives the same loss (same weights, same data).
                        if let Some(prev) = losses.insert(stats.step, stats.loss) {
                            assert!(
                                (prev - stats.loss).abs() < 1e-3,
                                "{ctx}: step {} gave {prev} then {}",
                                stats.step,
                                stats.loss
                            );
                        }
                    }
                    Event::OutOfMemory { .. } => {
                        // Only a configuration never trained before runs out of memory.
                        assert!(
                            p.kind != JobKind::Resume && !restarted,
                            "{ctx}: OOM on a trained batch"
                        );
                        assert_eq!(steps_since_start, 0, "{ctx}: OOM after steps ran");
                    }
                    Event::Straggler { .. } => {
                        stragglers += 1;
                        assert!(
                            steps_since_start >= 20,
                            "{ctx}: a straggler reported after {steps_since_start} steps"
                        );
                    }
                    Event::LossSpike { step, .. } => {
                        spikes += 1;
                        // The gradient norm decays over several steps.
                        let after: Vec<f64> = job.events[i..]
                            .iter()
                            .filter_map(|(_, e)| match e {
                                Event::StepFinished { stats, .. } if stats.step > *step => {
                                    Some(stats.grad_norm)
                                }
                                _ => None,
                            })
                            .take(3)
                            .collect();
                        let usual = p.grad_norm_curve(*step);
                        if after.len() == 3 {
                            assert!(
                                after[1] > usual * 1.4,
                                "{ctx}: gnorm back to {} at once (usually {usual})",
                                after[1]
                            );
                        }
                    }
                    _ => {}
                }
            }
            // The summary's numbers are the log's.
            let lines: Vec<String> = job.lines().collect();
            if let Some(s) = lines.iter().find(|l| l.contains("INFO Summary: ")) {
                let last = lines.iter().rfind(|l| l.contains(" INFO step ")).unwrap();
                assert_eq!(num(s, "final loss"), num(last, "loss"), "{ctx}: {s}");
                let done = lines
                    .iter()
                    .find(|l| l.contains("Training complete: step "))
                    .unwrap();
                let ran = p.total_steps - p.start_step;
                assert!(
                    done.contains(&format!("({} steps,", fmt_commas(ran))),
                    "{ctx}: {done}"
                );
            }
        }
    }
    assert!(
        restarts > 5 && spikes > 5 && stragglers > 5,
        "{restarts} restarts, {spikes} spikes, {stragglers} stragglers"
    );
}

fn fmt_commas(v: u64) -> String {
    logs::fmt::commas(v)
}

/// On a real terminal over a minute of real time (a pseudo-terminal from `script`, the run at
/// ten times speed): the bars as rewritten in place never count time backwards, the epoch bar
/// and the first epoch's step bar agree, and remaining follows from the printed rate.
#[test]
fn bars_on_a_terminal_over_a_minute() {
    if !common::have("script") {
        assert!(
            !common::required(),
            "the pty test is required (TRAINSAVER_REQUIRE_DISPLAY=1): `script` is missing (apt-get install bsdutils)"
        );
        eprintln!("skipping: `script` (util-linux) is not installed");
        return;
    }
    let home = common::TempDir::new("pty");
    let cmd = format!(
        "{} tty --seed 42 --flavor ddp --speed 10 --duration 600s --no-color",
        common::bin()
    );
    let o = std::process::Command::new("script")
        .args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let raw = String::from_utf8_lossy(&o.stdout);
    assert!(
        raw.contains('\r'),
        "a terminal gets its bars rewritten in place"
    );
    // Strip the cursor movements and erases; every piece between returns is what a rewrite
    // left on its row.
    let mut text = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            if chars.next_if_eq(&'[').is_some() {
                for x in chars.by_ref() {
                    if x.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            text.push('\r');
        } else {
            text.push(c);
        }
    }
    let mut last: HashMap<String, (u64, f64)> = HashMap::new();
    let (mut rewrites, mut epoch_el) = (0, None);
    for piece in text.split(['\r', '\n']) {
        let Some(b) = bar(piece) else { continue };
        rewrites += 1;
        if let Some(&(n, el)) = last.get(&b.desc)
            && b.n >= n
        {
            assert!(b.elapsed >= el, "elapsed went back: {piece}");
        }
        last.insert(b.desc.clone(), (b.n, b.elapsed));
        if let (Some(rem), Some(spi)) = (b.remaining, b.secs_per_it) {
            let want = (b.total - b.n) as f64 * spi;
            let slack = 1.0 + (b.total - b.n) as f64 * b.rate_slack + 0.01 * want;
            assert!(
                (rem - want).abs() <= slack,
                "remaining {rem} for {want}: {piece}"
            );
        }
        if b.desc == "Epoch" {
            epoch_el = Some(b.elapsed);
        } else if b.desc.starts_with("Epoch 1/")
            && let Some(e) = epoch_el
        {
            assert!((b.elapsed - e).abs() <= 1.0, "epoch bar at {e} s: {piece}");
        }
    }
    assert!(
        rewrites >= 20,
        "{rewrites} bar rewrites in a minute:\n{text}"
    );
}
