//! The script's start-up: its configuration summary, the model and data, the process group
//! and its GPU and AllReduce checks.

use sim::{GPUS_PER_NODE, JobKind};
use term::{Color, Style, StyledLine};

use crate::fmt::{commas, short};
use crate::level::Level;
use crate::shared::launcher;
use crate::writer::Writer;

/// `Job N on N nodes x 8 GPUs (N ranks)`.
pub fn job_info(w: &mut Writer) {
    let p = w.plan();
    let msg = format!(
        "Job {} ({}) on {} nodes x {} GPUs ({} ranks)",
        p.job_id,
        p.run_name,
        p.nodes,
        GPUS_PER_NODE,
        p.world()
    );
    w.log(Level::Info, &msg);
}

/// Model, precision and batch.
pub fn config_info(w: &mut Writer) {
    let p = w.plan();
    let msg = format!(
        "Config: model={} precision={} seq_len={} micro_batch={} grad_accum={} global_batch={} ({} tokens/step)",
        p.model.name,
        p.precision.name(),
        p.seq_len,
        p.micro_batch,
        p.grad_accum,
        p.global_batch(),
        commas(p.tokens_per_step() as u64)
    );
    w.log(Level::Info, &msg);
}

/// Parallel degrees and sharding.
pub fn parallelism_info(w: &mut Writer) {
    let p = w.plan();
    let ep = if p.ep > 1 {
        format!(" ep={}", p.ep)
    } else {
        String::new()
    };
    let sharding = if p.framework.fsdp() {
        "FSDP full_shard"
    } else {
        "distributed optimizer"
    };
    let msg = format!(
        "Parallelism: dp={} tp={} pp={}{ep} | {sharding}, activation checkpointing: full",
        p.dp(),
        p.tp,
        p.pp
    );
    w.log(Level::Info, &msg);
}

/// The optimizer.
pub fn optimizer_info(w: &mut Writer) {
    let msg = format!(
        "Optimizer: AdamW(lr={:.1e}, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1), grad_clip=1.0",
        w.plan().peak_lr
    );
    w.log(Level::Info, &msg);
}

/// The learning-rate schedule, then the optional disclosure line.
pub fn schedule_info(w: &mut Writer) {
    let p = w.plan();
    let msg = format!(
        "Schedule: warmup {} steps, cosine decay to {:.1e} over {} steps, {} epoch{}",
        commas(p.warmup_steps),
        p.peak_lr * 0.1,
        commas(p.total_steps),
        p.epochs,
        if p.epochs > 1 { "s" } else { "" }
    );
    w.log(Level::Info, &msg);
    launcher::disclosure(w);
}

/// Building the model, or loading published weights.
pub fn model_loading(w: &mut Writer) {
    let p = w.plan();
    let msg = match p.kind {
        JobKind::FineTune => format!("Loading pretrained model: {}", p.model.name),
        _ => format!(
            "Building model: {} (random init on meta device)",
            p.model.name
        ),
    };
    w.log(Level::Info, &msg);
}

/// The architecture's sizes.
pub fn architecture(w: &mut Writer) {
    let m = &w.plan().model;
    let moe = match (m.experts, m.top_k) {
        (Some(e), Some(k)) => format!(
            ", experts={e} (top-{k}), active={}",
            short(m.active() as f64)
        ),
        _ => String::new(),
    };
    let msg = format!(
        "Architecture: layers={} hidden={} heads={} kv_heads={} ffn={} vocab={} max_position={}{moe}",
        m.layers, m.hidden, m.heads, m.kv_heads, m.ffn, m.vocab, m.context
    );
    w.log(Level::Info, &msg);
}

/// `Number of parameters: N (short)`.
pub fn parameter_count(w: &mut Writer) {
    let n = w.plan().model.params;
    let msg = format!("Number of parameters: {} ({})", commas(n), short(n as f64));
    w.log(Level::Info, &msg);
}

/// The tokenizer's class and vocabulary.
pub fn tokenizer(w: &mut Writer) {
    let m = &w.plan().model;
    let msg = format!(
        "Tokenizer: {} (vocab_size={})",
        m.tokenizer_class(),
        commas(m.tokenizer_vocab.unwrap_or(m.vocab) as u64)
    );
    w.log(Level::Info, &msg);
}

/// The dataset starts streaming.
pub fn dataset_loading(w: &mut Writer) {
    let d = &w.plan().dataset;
    let msg = format!(
        "Loading dataset {} (streaming, {} tokens in corpus)",
        d.name,
        short(d.tokens)
    );
    w.log(Level::Info, &msg);
}

/// Documents packed into samples.
pub fn dataset_ready(w: &mut Writer, documents: u64) {
    let p = w.plan();
    let samples = p.samples_per_epoch();
    let msg = format!(
        "Dataset: {} documents -> {} packed samples of {} tokens ({} tokens per epoch)",
        commas(documents),
        commas(samples),
        p.seq_len,
        short(samples as f64 * p.seq_len as f64)
    );
    w.log(Level::Info, &msg);
}

/// The global batch's make-up.
pub fn batch_info(w: &mut Writer) {
    let p = w.plan();
    let msg = format!(
        "Batch: global {} = micro {} x grad_accum {} x data_parallel {}; {} steps per epoch",
        p.global_batch(),
        p.micro_batch,
        p.grad_accum,
        p.dp(),
        commas(p.steps_per_epoch())
    );
    w.log(Level::Info, &msg);
}

/// The process group (its rendezvous is torchrun's, so a restart names no master).
pub fn process_group_init(w: &mut Writer, restart: bool) {
    let p = w.plan();
    let msg = if restart {
        format!(
            "Initializing process group: backend=nccl, world_size={}",
            p.world()
        )
    } else {
        format!(
            "Initializing process group: backend=nccl, world_size={}, master={}:29500",
            p.world(),
            p.host(0)
        )
    };
    w.log(Level::Info, &msg);
}

/// One rank's GPU.
pub fn rank_detected(w: &mut Writer, rank: u32) {
    let p = w.plan();
    let (node, local) = (rank / GPUS_PER_NODE, rank % GPUS_PER_NODE);
    let msg = format!(
        "Detected {} on node {} (local_rank {}, busId {})",
        p.gpu.torch_name,
        node,
        local,
        p.bus_id(local)
    );
    let world = p.world();
    w.log_rank(Level::Info, rank, world, &msg);
}

/// The ranks not listed.
pub fn more_ranks(w: &mut Writer, shown: u32) {
    let p = w.plan();
    let msg = format!(
        "... and {} more GPUs ({} in total, all {})",
        p.world() - shown,
        p.world(),
        p.gpu.torch_name
    );
    w.log(Level::Info, &msg);
}

/// The AllReduce check starts.
pub fn allreduce_started(w: &mut Writer) {
    let msg = format!(
        "Running AllReduce sanity check across {} ranks (bf16, sum)",
        w.plan().world()
    );
    w.log(Level::Info, &msg);
}

/// nccl-tests' table header (`all_reduce_perf`), which the script imitates.
pub fn allreduce_header(w: &mut Writer) {
    w.print(StyledLine::new().push(
        "#       size         count      type   redop    time(us)   algbw(GB/s)   busbw(GB/s)  #wrong",
        Style::fg(Color::GREY),
    ));
}

/// One message size.
pub fn allreduce_row(w: &mut Writer, bytes: f64, time_us: f64, algbw: f64, busbw: f64) {
    w.print(StyledLine::plain(format!(
        "  {:>11}  {:>12}  bfloat16     sum  {:>10.1}  {:>12.2}  {:>12.2}       0",
        bytes as u64,
        (bytes / 2.0) as u64,
        time_us,
        algbw,
        busbw
    )));
}

/// The check's verdict.
pub fn allreduce_done(w: &mut Writer, avg_busbw: f64, slow: bool) {
    let level = if slow { Level::Warn } else { Level::Info };
    let algo = if w.plan().nodes > 1 {
        "Ring+Tree"
    } else {
        "Ring"
    };
    let msg = format!("AllReduce OK: avg bus bandwidth {avg_busbw:.2} GB/s (algorithm: {algo})");
    w.log(level, &msg);
}

/// The script's own estimate of peak memory per GPU.
pub fn memory_estimate(w: &mut Writer) {
    let p = w.plan();
    let mem = p.memory_gib();
    let msg = format!(
        "Estimated peak memory per GPU: {:.2} GiB of {:.2} GiB ({:.1}%)",
        mem,
        p.gpu.memory_gib,
        100.0 * mem / p.gpu.memory_gib
    );
    w.log(Level::Info, &msg);
}
