//! The start of a run: launcher, model, weights, tokenizer, data, NCCL init and the AllReduce test.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::flavor::{Flavor, Level, META};
use super::fmt::{bar, bytes, commas, short};
use super::out::Out;
use super::plan::{GPUS_PER_NODE, RunPlan, pick};
use crate::term::{Color, Style, StyledLine};

/// Host name of a node.
pub fn host(plan: &RunPlan, node: u32) -> String {
    format!("{}{:03}", plan.host_prefix, node + 1)
}

/// Management IP of a node.
pub fn ip(plan: &RunPlan, node: u32) -> String {
    format!("10.{}.{}.{}", plan.subnet, node / 200, 11 + node % 200)
}

/// PCI bus id of a local rank, CUDA style (`0000:1b:00.0`).
pub fn bus_id(plan: &RunPlan, local: u32) -> String {
    format!(
        "0000:{}:00.0",
        plan.gpu.bus_ids[local as usize % plan.gpu.bus_ids.len()]
    )
}

/// Prefix NCCL puts on its lines for a global rank: `host:pid:tid [dev] NCCL `.
fn nccl_prefix(plan: &RunPlan, rank: u32, tid_off: u32) -> String {
    let (node, local) = ((rank / GPUS_PER_NODE) % plan.nodes, rank % GPUS_PER_NODE);
    let pid = plan.pid + 3 + local;
    format!(
        "{}:{}:{} [{}] {} ",
        host(plan, node),
        pid,
        pid + tid_off,
        local,
        plan.gpu.collectives
    )
}

/// An NCCL INFO line as the console's rank prints it.
fn nccl_info(out: &mut Out, plan: &RunPlan, tid_off: u32, msg: &str) {
    let line = StyledLine::new()
        .push(nccl_prefix(plan, out.log.view_rank, tid_off), META)
        .push("INFO ", Style::fg(Color::BLUE))
        .push(msg, Style::PLAIN);
    out.print(line);
}

/// The shell prompt and launch command that start a run.
pub fn launch(out: &mut Out, plan: &RunPlan, rng: &mut ChaCha8Rng) {
    let script = match out.log.flavor {
        Flavor::Megatron => "pretrain_gpt.py",
        Flavor::Torchtitan => "torchtitan/train.py",
        Flavor::HfTrainer => "run_clm.py",
        _ => "train.py",
    };
    let cfg = plan.model.name.to_lowercase().replace(['.', '-'], "_");
    let prompt = StyledLine::new()
        .push(format!("mlops@{}-login01", plan.host_prefix), Style::fg(Color::GREEN).bold())
        .push(":", Style::PLAIN)
        .push("~/pretrain", Style::fg(Color::BLUE).bold())
        .push("$ ", Style::PLAIN)
        .push(
            format!(
                "srun --nodes={} --ntasks-per-node=1 torchrun --nnodes={} --nproc_per_node={} --rdzv_backend=c10d --rdzv_endpoint={}:29500 {script} --config configs/{cfg}.yaml",
                plan.nodes,
                plan.nodes,
                GPUS_PER_NODE,
                host(plan, 0)
            ),
            Style::PLAIN,
        );
    out.pause(rng.random_range(0.6..1.4));
    out.print(prompt);
    out.pause(rng.random_range(1.0..2.5));
    // torchrun's own warning banner, in glog format.
    let t = out.log.time(out.job);
    let glog = |msg: &str| {
        StyledLine::new()
            .push(
                t.format("W%m%d %H:%M:%S%.6f ").to_string(),
                Style::fg(Color::YELLOW),
            )
            .push(format!("{} torch/distributed/run.py:793] ", plan.pid), META)
            .push(msg, Style::fg(Color::YELLOW))
    };
    let stars = "*****************************************";
    out.print(glog(stars));
    out.print(glog("Setting OMP_NUM_THREADS environment variable for each process to be 1 in default, to avoid your system being overloaded, please further tune the variable for optimal performance in your application as needed."));
    out.print(glog(stars));
    out.pause(rng.random_range(2.0..4.0));

    let p = plan;
    let info = |out: &mut Out, msg: String| out.log(Level::Info, &msg);
    info(
        out,
        format!(
            "Job {} on {} nodes x {} GPUs ({} ranks)",
            p.job_id,
            p.nodes,
            GPUS_PER_NODE,
            p.world()
        ),
    );
    out.pause(0.15);
    info(
        out,
        format!(
            "Config: model={} precision={} seq_len={} micro_batch={} grad_accum={} global_batch={} ({} tokens/step)",
            p.model.name,
            p.precision.name(),
            p.seq_len,
            p.micro_batch,
            p.grad_accum,
            p.global_batch(),
            commas(p.tokens_per_step() as u64)
        ),
    );
    out.pause(0.1);
    info(
        out,
        format!(
            "Parallelism: dp={} tp={} pp={} | FSDP full_shard, activation checkpointing: full",
            p.dp(),
            p.tp,
            p.pp
        ),
    );
    out.pause(0.1);
    info(
        out,
        format!(
            "Optimizer: AdamW(lr={:.1e}, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1), grad_clip=1.0",
            p.model.lr
        ),
    );
    out.pause(0.1);
    info(
        out,
        format!(
            "Schedule: warmup {} steps, cosine decay to {:.1e} over {} steps, {} epoch{}",
            commas(p.warmup_steps),
            p.model.lr * 0.1,
            commas(p.total_steps),
            p.epochs,
            if p.epochs > 1 { "s" } else { "" }
        ),
    );
    // Honesty about pacing: steps are replayed faster or slower than the job would run them.
    let pace = StyledLine::plain(format!(
        "# trainsaver: simulated job; a {:.2} s step is shown every {:.2} s (x{:.1} time-lapse), timestamps are job time",
        p.step_time(),
        p.screen_step,
        p.timelapse()
    ));
    out.print(StyledLine::new().push(pace.text(), Style::fg(Color::GREY).dim()));
    out.pause(rng.random_range(0.5..1.2));
}

/// Model summary and weight loading with an in-place progress bar.
pub fn load_model(out: &mut Out, plan: &RunPlan, rng: &mut ChaCha8Rng) {
    let m = &plan.model;
    out.log(Level::Info, &format!("Loading model: {}", m.name));
    out.pause(rng.random_range(0.4..1.0));
    let moe = match (m.experts, m.top_k) {
        (Some(e), Some(k)) => format!(
            ", experts={e} (top-{k}), active={}",
            short(m.active() as f64)
        ),
        _ => String::new(),
    };
    out.log(Level::Info, &format!(
        "Architecture: layers={} hidden={} heads={} kv_heads={} ffn={} vocab={} max_position={}{moe}",
        m.layers, m.hidden, m.heads, m.kv_heads, m.ffn, m.vocab, m.context
    ));
    out.pause(0.2);
    let msg = match out.log.flavor {
        Flavor::Torchtitan => format!(
            "Model {} size: {} total parameters",
            m.name,
            commas(m.params)
        ),
        _ => format!(
            "Number of parameters: {} ({})",
            commas(m.params),
            short(m.params as f64)
        ),
    };
    out.log(Level::Info, &msg);
    out.pause(0.3);
    if out.log.flavor == Flavor::Torchtitan {
        out.log(
            Level::Info,
            "Applied selective activation checkpointing to the model",
        );
        out.log(Level::Info, "Applied FSDP to the model");
    }

    // Every node reads the weights from shared storage; per-node rate 1.5-6 GB/s.
    let total = plan.weight_bytes();
    let rate = rng.random_range(1.5e9..6.0e9);
    let real_secs = total / rate;
    let screen_secs = real_secs.clamp(4.0, 25.0);
    let updates = (screen_secs / 0.25).ceil() as u32;
    let shard_bytes = total / plan.shards as f64;
    let name = |i: u32| format!("model-{:05}-of-{:05}.safetensors", i + 1, plan.shards);
    for u in 1..=updates {
        let frac = u as f64 / updates as f64;
        out.wait(screen_secs / updates as f64, real_secs / updates as f64);
        let done = total * frac;
        let shard = ((done / shard_bytes) as u32).min(plan.shards - 1);
        let inst = rate * rng.random_range(0.9..1.1);
        let eta = (total - done) / inst;
        let line = StyledLine::new()
            .push("Loading weights ", Style::PLAIN)
            .push(format!("{:>3.0}% ", frac * 100.0), Style::PLAIN.bold())
            .push(bar(frac, 30), Style::fg(Color::CYAN))
            .push(format!(" {}/{}", bytes(done), bytes(total)), Style::PLAIN)
            .push(format!(" {}/s", bytes(inst)), Style::fg(Color::GREEN))
            .push(
                format!(" ETA {}", super::fmt::clock(eta)),
                Style::fg(Color::YELLOW),
            )
            .push(format!(" {}", name(shard)), META);
        out.live(vec![line]);
    }
    out.settle();
    out.log(
        Level::Info,
        &format!(
            "Loaded {} shards ({}) in {:.1} s ({}/s)",
            plan.shards,
            bytes(total),
            real_secs,
            bytes(rate)
        ),
    );
    out.pause(rng.random_range(0.5..1.0));
}

/// Tokenizer and dataset lines, all numbers consistent with the batch plan.
pub fn load_data(out: &mut Out, plan: &RunPlan, rng: &mut ChaCha8Rng) {
    let m = &plan.model;
    out.log(
        Level::Info,
        &format!(
            "Tokenizer: {} (vocab_size={})",
            m.tokenizer_class(),
            commas(m.vocab as u64)
        ),
    );
    if out.log.flavor == Flavor::Megatron {
        let padded = m.vocab.div_ceil(128 * plan.tp) * 128 * plan.tp;
        out.print(StyledLine::plain(format!(
            " > padded vocab (size: {}) with {} dummy tokens (new size: {})",
            m.vocab,
            padded - m.vocab,
            padded
        )));
    }
    out.pause(rng.random_range(0.8..2.0));
    let d = &plan.dataset;
    let samples = plan.samples_per_epoch();
    let tokens = samples as f64 * plan.seq_len as f64;
    let avg_doc = d.tokens / d.documents;
    let docs = (tokens / avg_doc).round() as u64;
    out.log(
        Level::Info,
        &format!(
            "Loading dataset {} (streaming, {} tokens in corpus)",
            d.name,
            short(d.tokens)
        ),
    );
    out.pause(rng.random_range(1.0..3.0));
    out.wait(0.0, rng.random_range(20.0..90.0));
    out.log(
        Level::Info,
        &format!(
            "Dataset: {} documents -> {} packed samples of {} tokens ({} tokens per epoch)",
            commas(docs),
            commas(samples),
            plan.seq_len,
            short(tokens)
        ),
    );
    out.pause(0.2);
    out.log(
        Level::Info,
        &format!(
            "Batch: global {} = micro {} x grad_accum {} x data_parallel {}; {} steps per epoch",
            plan.global_batch(),
            plan.micro_batch,
            plan.grad_accum,
            plan.dp(),
            commas(plan.steps_per_epoch())
        ),
    );
    out.pause(rng.random_range(0.5..1.0));
}

/// NCCL bootstrap, per-rank GPU detection and communicator init.
pub fn init_dist(out: &mut Out, plan: &RunPlan, rng: &mut ChaCha8Rng) {
    let world = plan.world();
    let nccl_ver = if plan.gpu.collectives == "RCCL" {
        "2.20.5+hip6.2"
    } else {
        *pick(
            rng,
            &["2.21.5+cuda12.4", "2.20.5+cuda12.4", "2.23.4+cuda12.6"],
        )
    };
    out.log(
        Level::Info,
        &format!(
            "Initializing process group: backend=nccl, world_size={world}, master={}:29500",
            host(plan, 0)
        ),
    );
    out.pause(rng.random_range(1.0..2.5));
    nccl_info(
        out,
        plan,
        0,
        &format!("Bootstrap : Using ens8np0:{}<0>", ip(plan, 0)),
    );
    out.print(
        StyledLine::new()
            .push(nccl_prefix(plan, out.log.view_rank, 0), META)
            .push(
                format!("{} version {}", plan.gpu.collectives, nccl_ver),
                Style::PLAIN.bold(),
            ),
    );
    out.pause(0.3);
    let ib: Vec<String> = (0..GPUS_PER_NODE)
        .map(|i| format!("[{i}]mlx5_{}:1/IB", [0, 3, 4, 5, 6, 9, 10, 11][i as usize]))
        .collect();
    nccl_info(
        out,
        plan,
        77,
        &format!(
            "NET/IB : Using {} ; OOB ens8np0:{}<0>",
            ib.join(" "),
            ip(plan, 0)
        ),
    );
    out.pause(0.4);

    let shown = world.min(16);
    for r in 0..shown {
        let (node, local) = (r / GPUS_PER_NODE, r % GPUS_PER_NODE);
        out.wait(rng.random_range(0.05..0.25), 0.03);
        let msg = format!(
            "Detected {} on node {} (local_rank {}, busId {})",
            plan.gpu.torch_name,
            node,
            local,
            bus_id(plan, local)
        );
        out.log_rank(Level::Info, r, world, &msg);
    }
    if world > shown {
        out.pause(0.2);
        out.log(
            Level::Info,
            &format!(
                "... and {} more GPUs ({} in total, all {})",
                world - shown,
                world,
                plan.gpu.torch_name
            ),
        );
    }
    out.pause(rng.random_range(0.5..1.5));

    let comm = rng.random_range(0x5500_0000_0000u64..0x56ff_ffff_ffffu64);
    let comm_id: u64 = rng.random();
    let bus0 = format!("{}000", plan.gpu.bus_ids[0]);
    nccl_info(
        out,
        plan,
        77,
        &format!(
            "ncclCommInitRank comm 0x{comm:x} rank 0 nranks {world} cudaDev 0 nvmlDev 0 busId {bus0} commId 0x{comm_id:016x} - Init START"
        ),
    );
    out.pause(rng.random_range(0.4..1.0));
    nccl_info(
        out,
        plan,
        77,
        &format!(
            "comm 0x{comm:x} rank 0 nRanks {world} nNodes {} localRanks {} localRank 0 MNNVL 0",
            plan.nodes, GPUS_PER_NODE
        ),
    );
    let channels = if plan.nodes > 1 { 32 } else { 24 };
    for ch in 0..2 {
        let ring: Vec<String> = ring_order(world)
            .iter()
            .take(10)
            .map(|r| format!("{r:>4}"))
            .collect();
        nccl_info(
            out,
            plan,
            77,
            &format!("Channel {ch:02}/{channels} :{} ...", ring.join("")),
        );
        out.pause(0.05);
    }
    for ch in 0..2 {
        nccl_info(
            out,
            plan,
            77,
            &format!("Channel {ch:02}/0 : 0[0] -> 1[1] via {}", plan.gpu.link),
        );
        out.pause(0.05);
    }
    if plan.nodes > 1 {
        let peer = world - GPUS_PER_NODE + 1;
        nccl_info(
            out,
            plan,
            77,
            &format!("Channel 00/0 : {peer}[1] -> 0[0] [receive] via NET/IB/0/GDRDMA"),
        );
        nccl_info(
            out,
            plan,
            77,
            &format!(
                "Channel 00/0 : 0[0] -> {}[0] [send] via NET/IB/0/GDRDMA",
                GPUS_PER_NODE
            ),
        );
    }
    out.pause(rng.random_range(0.3..0.8));
    nccl_info(out, plan, 77, "Connected all rings");
    out.pause(0.1);
    nccl_info(out, plan, 77, "Connected all trees");
    out.pause(rng.random_range(0.2..0.6));
    nccl_info(
        out,
        plan,
        77,
        &format!(
            "ncclCommInitRank comm 0x{comm:x} rank 0 nranks {world} cudaDev 0 nvmlDev 0 busId {bus0} commId 0x{comm_id:016x} - Init COMPLETE"
        ),
    );
    out.wait(rng.random_range(0.3..0.8), rng.random_range(5.0..30.0));
    if out.log.flavor == Flavor::Megatron {
        out.log(
            Level::Info,
            &format!(
                "time to initialize megatron (seconds): {:.3}",
                rng.random_range(25.0..95.0)
            ),
        );
    }
}

/// NCCL's ring order on node 0: 0 then the node's other GPUs backwards, then the next node.
fn ring_order(world: u32) -> Vec<u32> {
    let n = GPUS_PER_NODE.min(world);
    let mut v = vec![0];
    v.extend((1..n).rev());
    v.extend(n..world.min(n + 8));
    v
}

/// All-reduce bus bandwidth for a message size, GB/s: latency-bound for small messages.
pub fn busbw(plan: &RunPlan, size: f64) -> f64 {
    let peak = if plan.nodes > 1 {
        plan.gpu
            .node_busbw
            .min(plan.gpu.net_busbw * GPUS_PER_NODE as f64 * 0.96)
    } else {
        plan.gpu.node_busbw
    };
    peak * size / (size + 48.0e6)
}

/// An nccl-tests style AllReduce check, bandwidth consistent with the interconnect.
pub fn allreduce_test(out: &mut Out, plan: &RunPlan, rng: &mut ChaCha8Rng) {
    let n = plan.world() as f64;
    out.log(
        Level::Info,
        &format!(
            "Running AllReduce sanity check across {} ranks (bf16, sum)",
            plan.world()
        ),
    );
    out.pause(rng.random_range(0.5..1.2));
    out.print(StyledLine::new().push(
        "#       size         count      type   redop    time(us)   algbw(GB/s)   busbw(GB/s)  #wrong",
        Style::fg(Color::GREY),
    ));
    let mut sum = 0.0;
    let sizes = [64.0e6_f64, 256.0e6, 1.0e9, 4.0e9];
    for &size in &sizes {
        let bb = busbw(plan, size) * rng.random_range(0.97..1.02);
        let alg = bb / (2.0 * (n - 1.0) / n);
        let t_us = size / (alg * 1e9) * 1e6;
        sum += bb;
        out.wait(rng.random_range(0.3..0.8), t_us / 1e6 * 25.0);
        out.print(StyledLine::plain(format!(
            "  {:>11}  {:>12}  bfloat16     sum  {:>10.1}  {:>12.2}  {:>12.2}       0",
            size as u64,
            (size / 2.0) as u64,
            t_us,
            alg,
            bb
        )));
    }
    let avg = sum / sizes.len() as f64;
    let level = if avg < busbw(plan, 4.0e9) * 0.5 {
        Level::Warn
    } else {
        Level::Info
    };
    out.log(
        level,
        &format!(
            "AllReduce OK: avg bus bandwidth {avg:.2} GB/s (algorithm: {})",
            if plan.nodes > 1 { "Ring+Tree" } else { "Ring" }
        ),
    );
    out.pause(rng.random_range(0.5..1.2));
    let mem = plan.memory_gib();
    let pct = 100.0 * mem / plan.gpu.memory_gib;
    let msg = match out.log.flavor {
        Flavor::Torchtitan => format!(
            "CUDA capacity: {} with {:.2}GiB memory; estimated peak {:.2}GiB({:.2}%)",
            plan.gpu.torch_name, plan.gpu.memory_gib, mem, pct
        ),
        _ => format!(
            "Estimated peak memory per GPU: {:.2} GiB of {:.2} GiB ({:.1}%)",
            mem, plan.gpu.memory_gib, pct
        ),
    };
    out.log(Level::Info, &msg);
    if out.log.flavor == Flavor::Torchtitan {
        out.log(
            Level::Info,
            &format!(
                "Peak FLOPS used for computing MFU: {:.3e}",
                plan.gpu.peak_tflops * 1e12
            ),
        );
    }
}
