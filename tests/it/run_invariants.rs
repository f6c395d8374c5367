//! Over hundreds of seeds, every number the run prints agrees with one model of the run.

use crate::common;

use std::collections::HashSet;
use std::time::Duration;

use sim::Catalog;
use sim::Framework as Flavor;
use sim::plan::MAX_STEP_SECS;
use sim::{Event, Framework, GPUS_PER_NODE, JobKind, RunPlan};
use term::TermOp;
use trainsaver::Feed;

fn sim(seed: u64, flavor: Flavor) -> Feed {
    common::sim(seed, flavor, 0)
}

/// Printed (final) lines of the first run up to simulated time `t`, with its plan.
fn printed(seed: u64, t: Duration) -> (RunPlan, Vec<String>) {
    let mut s = sim(seed, Flavor::Ddp);
    let plan = s.plan().clone();
    let mut ops = Vec::new();
    s.advance(t, &mut ops);
    let mut prompts = 0;
    let lines = ops
        .into_iter()
        .filter_map(|op| match op {
            TermOp::Print(l) => Some(l.text()),
            _ => None,
        })
        // Up to the next run's launch prompt.
        .take_while(|l| {
            prompts += usize::from(l.contains("$ srun "));
            prompts < 2
        })
        .collect();
    (plan, lines)
}

/// The number following `key` in `line` (commas and unit suffixes ignored).
fn num_after(line: &str, key: &str) -> Option<f64> {
    let rest = &line[line.find(key)? + key.len()..];
    let tok: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | 'e' | 'E' | '-' | '+'))
        .filter(|c| *c != ',')
        .collect();
    tok.trim_end_matches(['e', 'E', '-', '+']).parse().ok()
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-12)
}

/// TFLOPS = FLOPs per token x tok/s and MFU = TFLOPS / peak, as printed.
fn assert_throughput(p: &RunPlan, tps: f64, tflops: f64, mfu: f64, ctx: &str) {
    // tok/s is printed as an integer: allow its rounding on top of 1%.
    let tol = 0.01 + 0.5 / tps;
    assert!(
        close(tflops, p.flops_per_token() * tps / 1e12, tol),
        "{ctx}"
    );
    // MFU is printed to one or two places: allow half its last digit.
    assert!(
        close(mfu, 100.0 * tflops / p.gpu.peak_tflops, 0.01 + 0.05 / mfu),
        "{ctx}"
    );
}

#[test]
fn plans_are_consistent_across_seeds() {
    let catalog = std::sync::Arc::new(Catalog::builtin());
    let mut models = HashSet::new();
    let mut kinds = HashSet::new();
    let mut max_world = 0;
    let mut well_filled = 0;
    for seed in 0..1200u64 {
        let framework = Framework::ALL[seed as usize % Framework::ALL.len()];
        let p = sim::Simulation::with_framework(seed, catalog.clone(), Some(framework))
            .plan()
            .clone();
        kinds.insert(format!("{:?}", p.kind));
        assert_eq!(p.framework, framework);
        // Choices real runs make: a round global batch; bf16 on Hopper, Blackwell and MI300X;
        // checkpoints at most about two hours of job time apart; the published shard count.
        assert!(
            p.global_batch().is_power_of_two() || p.grad_accum == 64,
            "seed {seed}: global batch {}",
            p.global_batch()
        );
        if p.gpu.peak_tflops >= 900.0 {
            assert_eq!(
                p.precision,
                sim::Precision::Bf16,
                "seed {seed}: {}",
                p.gpu.name
            );
        }
        let ckpt_hours = p.ckpt_every as f64 * p.step_time() / 3600.0;
        assert!(
            ckpt_hours < 2.5 || p.ckpt_every <= 2,
            "seed {seed}: {ckpt_hours:.1} h"
        );
        if let Some(n) = p.model.shards {
            assert_eq!(p.shards, n, "seed {seed}: {}", p.model.name);
        }
        // Parallelism each framework and machine can use: no tensor parallelism over PCIe,
        // none at all in the HF Trainer; experts spread when the framework splits models.
        if !framework.model_parallel() {
            assert_eq!((p.tp, p.pp, p.ep), (1, 1, 1), "seed {seed}");
        }
        if p.gpu.node_busbw < 100.0 {
            assert_eq!(p.tp, 1, "seed {seed}: tensor parallel over {}", p.gpu.name);
        }
        if p.model.experts.is_some() && framework.model_parallel() {
            assert!(
                p.ep > 1 && p.dp().is_multiple_of(p.ep),
                "seed {seed}: ep {}",
                p.ep
            );
        }
        let fill = p.memory_gib() / p.gpu.memory_gib;
        assert!(fill < 0.9, "seed {seed}: memory {:.0}%", fill * 100.0);
        if fill >= 0.5 {
            well_filled += 1;
        }
        models.insert(p.model.name.clone());
        max_world = max_world.max(p.world());
        assert_eq!(p.world(), p.nodes * GPUS_PER_NODE);
        assert_eq!(p.world() % (p.tp * p.pp), 0, "seed {seed}");
        assert_eq!(
            p.global_batch(),
            (p.micro_batch * p.grad_accum * p.dp()) as u64
        );
        // MoE and fine-tuning runs sit lower; nothing looks above ~55%.
        assert!((0.10..=0.55).contains(&p.mfu), "seed {seed}: mfu {}", p.mfu);
        if p.model.experts.is_some() {
            assert!(
                p.mfu < 0.42,
                "seed {seed}: MoE at {:.0}% MFU",
                p.mfu * 100.0
            );
        }
        // A log line every few seconds to half a minute.
        let st = p.step_time();
        assert!(st.is_finite() && st > 0.0);
        assert!(
            st <= MAX_STEP_SECS || p.micro_batch == 1,
            "seed {seed}: {st:.1} s steps"
        );
        let interval = p.log_every as f64 * st;
        assert!(
            interval <= MAX_STEP_SECS.max(st) && (interval >= 1.0 || p.log_every == 100),
            "seed {seed}: a line every {interval:.1} s"
        );
        // Where the job starts explains its first loss.
        let l0 = (p.model.vocab as f64).ln();
        let first = p.loss_curve(p.start_step + 1);
        match p.kind {
            JobKind::Scratch => {
                assert_eq!(p.start_step, 0);
                assert!(
                    close(p.loss_curve(0), l0, 0.02),
                    "seed {seed}: {first} vs {l0}"
                );
            }
            JobKind::FineTune => {
                assert_eq!(p.start_step, 0);
                assert!(
                    (1.4..=2.6).contains(&first),
                    "seed {seed}: fine-tune at {first}"
                );
                assert!(p.dataset.is_sft() && (1..=3).contains(&p.epochs));
                // An epoch is the whole set packed into sequences.
                let packed = (p.dataset.tokens / f64::from(p.seq_len)).ceil() as u64;
                assert_eq!(p.epoch_samples, packed.max(1), "seed {seed}");
                let per_epoch = packed.div_ceil(p.global_batch());
                assert_eq!(p.total_steps, per_epoch * p.epochs as u64, "seed {seed}");
            }
            JobKind::Resume => {
                assert!(p.start_step >= p.warmup_steps && p.start_step < p.total_steps);
                assert!(first < l0 - 3.0, "seed {seed}: resumed at {first}");
                // Pretraining reads part of a corpus, once.
                assert_eq!(p.epochs, 1);
                assert!(!p.dataset.is_sft());
                let tokens = p.tokens_per_step() * p.total_steps as f64;
                // At most the corpus, give or take the rounding to a round step count.
                assert!(
                    tokens <= p.dataset.tokens * 1.1,
                    "seed {seed}: {tokens:e} tokens"
                );
                let hours = (p.end_step - p.start_step) as f64 * st / 3600.0;
                assert!(hours <= 48.5, "seed {seed}: {hours:.1} h job");
            }
        }
        let mut prev = f64::INFINITY;
        let every = (p.total_steps / 400).max(1) as usize;
        for step in (p.start_step + 1..=p.total_steps).step_by(every) {
            let l = p.loss_curve(step);
            assert!(
                l.is_finite() && l <= prev + 1e-9,
                "seed {seed}: loss rises at {step}"
            );
            prev = l;
            let lr = p.lr(step);
            assert!(lr > 0.0 && lr <= p.peak_lr * 1.000001);
        }
        let last = p.loss_curve(p.total_steps);
        assert!(last > 0.6 && last < 4.5, "seed {seed}: ends at {last}");
        assert!(close(p.lr(p.total_steps), 0.1 * p.peak_lr, 0.02));
        let late = p.grad_norm_curve(p.total_steps);
        assert!((0.2..=0.4).contains(&late), "seed {seed}: grad norm {late}");
        // Cross-node bandwidth within what the node's NICs carry.
        if p.nodes > 1 {
            let bw = p.busbw(4.0e9);
            assert!(
                bw <= p.gpu.net_busbw * GPUS_PER_NODE as f64,
                "seed {seed}: {bw} GB/s"
            );
        }
    }
    assert!(models.len() >= 12, "only {} models drawn", models.len());
    assert_eq!(kinds.len(), 3, "job kinds drawn: {kinds:?}");
    // Runs fill their GPUs (micro batch up, tensor parallelism down) unless the batch or the
    // model is too small for the cluster to use more.
    assert!(
        well_filled >= 500,
        "only {well_filled} of 1200 plans use half their GPU memory"
    );
    assert!(
        max_world >= 1024,
        "clusters never reach thousands of GPUs: {max_world}"
    );
}

/// Failures follow the GPU count and the hours trained, at the rate the Llama 3 report gives.
#[test]
fn failures_come_at_the_rate_big_clusters_see() {
    let catalog = std::sync::Arc::new(Catalog::builtin());
    let (mut gpu_hours, mut failures) = (0.0, 0u32);
    for seed in 0..3000u64 {
        let mut s =
            sim::Simulation::with_framework(seed, catalog.clone(), Some(Framework::Megatron));
        // The first jobs of big clusters, where failures are frequent enough to count.
        if s.plan().world() < 1024 || gpu_hours > 3.0e6 {
            continue;
        }
        let world = s.plan().world() as f64;
        let mut events = Vec::new();
        s.advance(Duration::from_secs(50 * 3600), &mut events);
        for t in &events {
            match &t.event {
                Event::RunStarted { run: 1, .. } => break,
                Event::StepFinished { stats, .. } => gpu_hours += world * stats.step_time / 3600.0,
                Event::WatchdogTimeout { .. } => failures += 1,
                _ => {}
            }
        }
    }
    let expected = sim::train::FAILURES_PER_GPU_HOUR * gpu_hours;
    assert!(
        expected > 40.0,
        "too few GPU-hours to judge: {gpu_hours:.0}"
    );
    let ratio = failures as f64 / expected;
    assert!(
        (0.6..1.5).contains(&ratio),
        "{failures} failures in {gpu_hours:.0} GPU-hours, {expected:.1} expected"
    );
}

/// A job's log clock is the wall clock: every timestamp is the moment it is shown.
#[test]
fn timestamps_are_the_time_lines_appear() {
    let start = trainsaver::settings::fixed_start();
    for (i, flavor) in Flavor::ALL.into_iter().enumerate() {
        for seed in 0..25u64 {
            let mut c = common::sim(seed * 4 + i as u64, flavor, 0);
            let mut ops = Vec::new();
            c.advance_timed(Duration::from_secs(3 * 3600), &mut ops);
            let mut stamped = 0;
            for op in &ops {
                let TermOp::Print(l) = &op.op else { continue };
                let Some(ts) = timestamp(&l.text()) else {
                    continue;
                };
                let shown = start + chrono::Duration::from_std(op.at).unwrap();
                let off = (ts - shown).num_milliseconds().abs();
                assert!(
                    off <= 3000,
                    "{flavor} seed {seed}: {ts} shown at {shown}: {}",
                    l.text()
                );
                stamped += 1;
            }
            // The Trainer's metric dicts carry no time: only its logger lines count there.
            let least = if flavor == Flavor::HfTrainer { 8 } else { 20 };
            assert!(
                stamped > least,
                "{flavor} seed {seed}: only {stamped} stamped lines"
            );
        }
    }
}

/// The `YYYY-MM-DD HH:MM:SS` timestamp a log line carries, if any.
fn timestamp(line: &str) -> Option<chrono::NaiveDateTime> {
    let b = line.as_bytes();
    (0..b.len().saturating_sub(19)).find_map(|i| {
        let s = line.get(i..i + 19)?;
        let ok = s.as_bytes()[4] == b'-' && s.as_bytes()[10] == b' ' && s.as_bytes()[13] == b':';
        ok.then(|| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok())
            .flatten()
    })
}

#[test]
fn printed_numbers_agree_with_the_plan() {
    for seed in 0..150u64 {
        let (p, lines) = printed(seed, Duration::from_secs(1800));
        let job = lines
            .iter()
            .find(|l| l.contains(" INFO Job "))
            .expect("job line");
        assert_eq!(num_after(job, "on ").unwrap() as u32, p.nodes, "{job}");
        assert_eq!(num_after(job, "GPUs (").unwrap() as u32, p.world(), "{job}");

        let batch = lines
            .iter()
            .find(|l| l.contains("Batch: global"))
            .expect("batch line");
        let (g, m, a, d) = (
            num_after(batch, "global").unwrap(),
            num_after(batch, "micro").unwrap(),
            num_after(batch, "grad_accum").unwrap(),
            num_after(batch, "data_parallel").unwrap(),
        );
        assert_eq!(g, m * a * d, "{batch}");

        // Only a fine-tune loads published weights.
        let loaded = lines
            .iter()
            .find(|l| l.contains("INFO Loaded ") && l.contains(" shards ("));
        assert_eq!(loaded.is_some(), p.kind == JobKind::FineTune, "seed {seed}");
        if let Some(loaded) = loaded {
            let size = num_after(loaded, "shards (").unwrap();
            let unit = loaded
                .split("shards (")
                .nth(1)
                .unwrap()
                .split(')')
                .next()
                .unwrap();
            let scale = if unit.ends_with("TB") {
                1e12
            } else if unit.ends_with("GB") {
                1e9
            } else {
                1e6
            };
            assert!(
                close(size * scale, 2.0 * p.model.params as f64, 0.01),
                "{loaded}"
            );
        }

        let mut ranks = HashSet::new();
        for l in lines
            .iter()
            .filter(|l| l.contains("[Rank ") && l.contains("Detected"))
        {
            let r = num_after(l, "[Rank ").unwrap() as u32;
            let n = num_after(l, &format!("[Rank {r}/")).unwrap() as u32;
            assert!(r < n && n == p.world(), "{l}");
            assert!(ranks.insert(r), "rank {r} detected twice");
            let bus = &l[l.find("busId 0000:").unwrap() + 11..][..2];
            assert!(p.gpu.bus_ids.iter().any(|b| b == bus), "{l}");
            assert!(l.contains(&p.gpu.torch_name));
        }
        assert_eq!(ranks.len() as u32, p.world().min(16));

        for l in lines.iter().filter(|l| l.contains("INFO step ")) {
            let tps = num_after(l, "gnorm")
                .and(l.split(" | ").find(|f| f.ends_with("tok/s/gpu")))
                .and_then(|f| {
                    f.trim_end_matches(" tok/s/gpu")
                        .replace(',', "")
                        .parse::<f64>()
                        .ok()
                })
                .expect("tok/s");
            let tflops = l
                .split(" | ")
                .find(|f| f.ends_with("TFLOPS"))
                .and_then(|f| f.trim_end_matches(" TFLOPS").parse::<f64>().ok())
                .unwrap();
            let mfu = num_after(l, "MFU").unwrap();
            let st = l
                .split(" | ")
                .last()
                .unwrap()
                .trim_end_matches("s/step")
                .parse::<f64>()
                .unwrap();
            let loss = num_after(l, "loss").unwrap();
            assert!(loss.is_finite() && tps.is_finite() && st.is_finite(), "{l}");
            assert_throughput(&p, tps, tflops, mfu, &format!("seed {seed}: {l}"));
            let tokens = p.global_batch() as f64 * p.seq_len as f64;
            // The micro batch may have shrunk after an OOM, but the global batch is unchanged.
            assert!(
                close(st, tokens / (tps * p.world() as f64), 0.01 + 0.5 / tps),
                "seed {seed}: {l}"
            );
            let mem = num_after(l, "mem").unwrap();
            assert!(mem < p.gpu.memory_gib, "{l}");
        }

        for l in lines.iter().filter(|l| l.contains("val_ppl")) {
            let loss = num_after(l, "val_loss").unwrap();
            let ppl = num_after(l, "val_ppl").unwrap();
            // ppl is printed to two places.
            assert!((loss.exp() - ppl).abs() <= 0.005 + 0.001 * ppl, "{l}");
        }
    }
}

/// The step lines of every style, over 100 printed runs each, agree with the plan.
#[test]
fn every_style_prints_numbers_that_follow_the_plan() {
    for (i, flavor) in Flavor::ALL.into_iter().enumerate() {
        let mut checked = 0;
        for seed in 0..100u64 {
            let mut c = common::sim(1000 + seed * 4 + i as u64, flavor, 0);
            let p = c.plan().clone();
            let mut ops = Vec::new();
            c.advance(Duration::from_secs(2400), &mut ops);
            if c.runs_generated() > 1 {
                continue;
            }
            for l in common::printed(&ops) {
                checked += u32::from(step_line_agrees(flavor, &p, &l, seed));
            }
        }
        assert!(
            checked >= 300,
            "{flavor}: only {checked} step lines checked"
        );
    }
}

/// Checks one line if it is a step line of `flavor`; true when it was one.
fn step_line_agrees(flavor: Flavor, p: &RunPlan, l: &str, seed: u64) -> bool {
    let ctx = format!("{flavor} seed {seed}: {l}");
    match flavor {
        Flavor::Torchtitan if l.contains(" - INFO - step: ") => {
            let tps = num_after(l, "tps:").unwrap();
            let tflops = num_after(l, "tflops:").unwrap();
            let mfu = num_after(l, "mfu:").unwrap();
            let mem = num_after(l, "memory:").unwrap();
            assert_throughput(p, tps, tflops, mfu, &ctx);
            assert!(mem < p.gpu.memory_gib, "{ctx}");
            let step = num_after(l, "step:").unwrap() as u64;
            assert!(step > p.start_step && step <= p.end_step, "{ctx}");
        }
        Flavor::Megatron if l.contains("] iteration ") => {
            let it = num_after(l, "iteration").unwrap();
            let total = num_after(l, &format!("{}/", it as u64)).unwrap();
            let consumed = num_after(l, "consumed samples:").unwrap();
            let ms = num_after(l, "(ms):").unwrap();
            let tflops = num_after(l, "(TFLOP/s/GPU):").unwrap();
            let gb = num_after(l, "global batch size:").unwrap();
            let lr = num_after(l, "learning rate:").unwrap();
            assert_eq!(total as u64, p.total_steps, "{ctx}");
            assert_eq!(gb as u64, p.global_batch(), "{ctx}");
            assert_eq!(consumed, it * gb, "{ctx}");
            let flops =
                p.flops_per_token() * p.tokens_per_step() / (ms / 1000.0 * p.world() as f64);
            assert!(close(tflops, flops / 1e12, 0.01), "{ctx}");
            assert!(close(lr, p.lr(it as u64 - 1), 1e-5), "{ctx}");
        }
        Flavor::HfTrainer if l.starts_with("{'loss': ") => {
            let lr = num_after(l, "'learning_rate':").unwrap();
            let epoch = num_after(l, "'epoch':").unwrap();
            let loss = num_after(l, "'loss':").unwrap();
            assert!(lr > 0.0 && lr <= p.peak_lr * 1.000001, "{ctx}");
            assert!(epoch <= p.epochs as f64 + 1e-9, "{ctx}");
            assert!(loss > 0.5 && loss < 13.0, "{ctx}");
        }
        Flavor::Ddp if l.contains(" INFO step ") => {
            let mfu = num_after(l, "MFU").unwrap();
            let step = num_after(l, "step").unwrap() as u64;
            // The first steps of a job warm up (kernels, allocator, data loader).
            let low = if step <= p.start_step + 2 { 1.0 } else { 10.0 };
            assert!(mfu > low && mfu < 60.0, "{ctx}");
        }
        _ => return false,
    }
    true
}

#[test]
fn loss_trends_down_between_incidents() {
    for seed in 0..60u64 {
        let (p, lines) = printed(seed, Duration::from_secs(3600));
        // A resumed job's curve is nearly flat over an hour; noise decides its direction.
        if p.kind == JobKind::Resume {
            continue;
        }
        let losses: Vec<f64> = lines
            .iter()
            .filter(|l| l.contains("INFO step "))
            .filter_map(|l| num_after(l, "loss"))
            .collect();
        if losses.len() < 30
            || lines
                .iter()
                .any(|l| l.contains("Watchdog") || l.contains("Loss spike"))
        {
            continue;
        }
        let head: f64 = losses[..10].iter().sum::<f64>() / 10.0;
        let tail: f64 = losses[losses.len() - 10..].iter().sum::<f64>() / 10.0;
        assert!(
            tail < head,
            "seed {seed}: loss went from {head:.3} to {tail:.3}"
        );
        assert!(
            losses
                .iter()
                .all(|l| l.is_finite() && *l > 0.5 && *l < 14.0)
        );
    }
}

#[test]
fn runs_end_with_a_summary_or_the_time_limit_and_a_new_run() {
    let catalog = std::sync::Arc::new(Catalog::builtin());
    let (mut summaries, mut limits) = (0, 0);
    for seed in 0..40u64 {
        let p = sim::Simulation::new(seed, catalog.clone()).plan().clone();
        let hours = (p.end_step - p.start_step) as f64 * p.step_time() / 3600.0;
        if hours > 12.0 || (summaries >= 2 && limits >= 1) {
            continue;
        }
        let mut s = common::sim(seed, None, 0);
        let first = s.plan().model.name.clone();
        let mut ops = Vec::new();
        // Setup, validations and checkpoints add to the steps' time.
        s.advance(
            Duration::from_secs_f64((hours * 1.3 + 1.0) * 3600.0),
            &mut ops,
        );
        assert!(
            s.runs_generated() >= 2,
            "seed {seed}: a {hours:.1} h run never ended"
        );
        let text = common::printed(&ops);
        let summary = text.iter().any(|l| l.contains("Summary: average MFU"));
        let limit = text.iter().any(|l| l.contains("DUE TO TIME LIMIT ***"));
        let failed = text.iter().any(|l| l.contains("ChildFailedError"));
        assert!(
            summary || limit || failed,
            "seed {seed}: the run ended without a word"
        );
        assert_eq!(limit, p.end_step < p.total_steps && !failed, "seed {seed}");
        summaries += usize::from(summary);
        limits += usize::from(limit);
        assert_ne!(
            s.plan().model.name,
            first,
            "the next run trains another model"
        );
    }
    assert!(
        summaries >= 2 && limits >= 1,
        "{summaries} summaries, {limits} time limits"
    );
}
