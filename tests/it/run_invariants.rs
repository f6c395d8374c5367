//! Over hundreds of seeds, every number the run prints agrees with one model of the run.

use crate::common;

use std::collections::HashSet;
use std::time::Duration;

use logs::Console;
use logs::Flavor;
use sim::Catalog;
use sim::{GPUS_PER_NODE, RunPlan};
use term::TermOp;

fn sim(seed: u64, flavor: Flavor) -> Console {
    common::sim(seed, flavor, 0)
}

/// Printed (final) lines up to simulated time `t`, with the plan of the first run.
fn printed(seed: u64, t: Duration) -> (RunPlan, Vec<String>) {
    let mut s = sim(seed, Flavor::Ddp);
    let plan = s.sim().plan().clone();
    let mut ops = Vec::new();
    s.advance(t, &mut ops);
    let lines = ops
        .into_iter()
        .filter_map(|op| match op {
            TermOp::Print(l) => Some(l.text()),
            _ => None,
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
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | 'e' | '-' | '+'))
        .filter(|c| *c != ',')
        .collect();
    tok.trim_end_matches(['e', '-', '+']).parse().ok()
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-12)
}

#[test]
fn plans_are_consistent_across_seeds() {
    let catalog = std::sync::Arc::new(Catalog::builtin());
    let mut models = HashSet::new();
    let mut max_world = 0;
    let mut well_filled = 0;
    for seed in 0..1000u64 {
        let p = sim::Simulation::new(seed, catalog.clone()).plan().clone();
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
        assert!(
            p.memory_gib() < p.gpu.memory_gib,
            "seed {seed}: {:.1} GiB on {}",
            p.memory_gib(),
            p.gpu.name
        );
        assert!((0.30..=0.55).contains(&p.mfu), "seed {seed}: mfu {}", p.mfu);
        assert!(
            (0.3..=3.0).contains(&p.screen_step),
            "seed {seed}: {}",
            p.screen_step
        );
        assert!(p.step_time().is_finite() && p.step_time() > 0.0);
        let l0 = (p.model.vocab as f64).ln();
        assert!(
            close(p.loss_curve(0), l0, 0.02),
            "seed {seed}: starts at {} not ln(vocab) {l0}",
            p.loss_curve(0)
        );
        let mut prev = f64::INFINITY;
        for step in (0..p.total_steps).step_by(25) {
            let l = p.loss_curve(step);
            assert!(
                l.is_finite() && l <= prev + 1e-9,
                "seed {seed}: loss rises at {step}"
            );
            prev = l;
            let lr = p.lr(step);
            assert!(lr > 0.0 && lr <= p.model.lr * 1.000001);
        }
        assert!(p.loss_curve(p.total_steps) > 1.5 && p.loss_curve(p.total_steps) < 4.5);
        assert!(close(p.lr(p.total_steps), 0.1 * p.model.lr, 0.02));
        let late = p.grad_norm_curve(p.total_steps);
        assert!((0.2..=0.4).contains(&late), "seed {seed}: grad norm {late}");
        assert!(p.grad_norm_curve(0) > 3.0);
    }
    assert!(models.len() >= 12, "only {} models drawn", models.len());
    // Runs fill their GPUs (micro batch up, tensor parallelism down) unless the model is too
    // small for the cluster to use more.
    assert!(
        well_filled >= 700,
        "only {well_filled} of 1000 plans use half their GPU memory"
    );
    assert!(
        max_world >= 1024,
        "clusters never reach thousands of GPUs: {max_world}"
    );
}

#[test]
fn printed_numbers_agree_with_the_plan() {
    for seed in 0..150u64 {
        let (p, lines) = printed(seed, Duration::from_secs(900));
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

        let loaded = lines
            .iter()
            .find(|l| l.contains("INFO Loaded "))
            .expect("loaded line");
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
            // tok/s is printed as an integer: allow its rounding on top of 1%.
            let tol = 0.01 + 0.5 / tps;
            assert!(
                close(tflops, p.flops_per_token() * tps / 1e12, tol),
                "seed {seed}: {l}"
            );
            assert!(
                close(mfu, 100.0 * tflops / p.gpu.peak_tflops, 0.01),
                "seed {seed}: {l}"
            );
            let tokens = p.global_batch() as f64 * p.seq_len as f64;
            // The micro batch may have shrunk after an OOM, but the global batch is unchanged.
            assert!(
                close(st, tokens / (tps * p.world() as f64), tol),
                "seed {seed}: {l}"
            );
            let mem = num_after(l, "mem").unwrap();
            assert!(mem < p.gpu.memory_gib, "{l}");
        }

        for l in lines.iter().filter(|l| l.contains("val_ppl")) {
            let loss = num_after(l, "val_loss").unwrap();
            let ppl = num_after(l, "val_ppl").unwrap();
            assert!(close(loss.exp(), ppl, 0.001), "{l}");
        }
    }
}

#[test]
fn loss_trends_down_between_incidents() {
    for seed in 0..60u64 {
        let (_, lines) = printed(seed, Duration::from_secs(1500));
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
fn runs_end_with_a_summary_and_a_new_run() {
    for seed in [1u64, 2, 3] {
        let mut s = sim(seed, Flavor::Rotate);
        let first = s.sim().plan().model.name.clone();
        let mut ops = Vec::new();
        let mut t = Duration::ZERO;
        while s.sim().runs() < 2 {
            t += Duration::from_secs(600);
            s.advance(t, &mut ops);
            assert!(
                t < Duration::from_secs(4 * 3600),
                "seed {seed}: a run never ended"
            );
        }
        let text = common::printed(&ops);
        assert!(
            text.iter().any(|l| l.contains("Training complete")),
            "seed {seed}"
        );
        assert!(
            text.iter().any(|l| l.contains("Summary: average MFU")),
            "seed {seed}"
        );
        assert_ne!(
            s.sim().plan().model.name,
            first,
            "the next run trains another model"
        );
    }
}
