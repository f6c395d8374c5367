//! What goes wrong mid-run and how the job reports it: OOM, stragglers, fp16 overflows and
//! loss spikes.

use sim::GPUS_PER_NODE;

use super::red;
use crate::level::Level;
use crate::writer::Writer;

/// The traceback of a rank that ran out of memory at its first step.
pub fn out_of_memory(w: &mut Writer, rank: u32, alloc_gib: f64, free_gib: f64) {
    let p = w.plan();
    let lines = [
        format!("[rank{rank}]: Traceback (most recent call last):"),
        "  File \"train.py\", line 412, in train_step".into(),
        "    loss.backward()".into(),
        // c10/cuda/CUDACachingAllocator.cpp words it; torch says HIP on ROCm.
        format!(
            "torch.OutOfMemoryError: {} out of memory. Tried to allocate {:.2} GiB. GPU {} has a total capacity of {:.2} GiB of which {:.2} GiB is free. Including non-PyTorch memory, this process has {:.2} GiB memory in use.",
            p.gpu.collectives.runtime(),
            alloc_gib,
            rank % GPUS_PER_NODE,
            p.gpu.memory_gib,
            free_gib,
            p.gpu.memory_gib - free_gib
        ),
    ];
    for l in lines {
        w.print(red(l));
    }
}

/// The retry with half the micro batch (the writer's plan is the revised one).
pub fn oom_retry(w: &mut Writer, old_micro_batch: u32) {
    let p = w.plan();
    let msg = format!(
        "OOM at step 1 with micro_batch={old_micro_batch}: retrying with micro_batch={} grad_accum={} (global batch unchanged: {})",
        p.micro_batch,
        p.grad_accum,
        p.global_batch()
    );
    w.log(Level::Warn, &msg);
}

/// The loop runs again.
pub fn oom_recovered(w: &mut Writer) {
    let msg = format!(
        "Restarted training loop; estimated peak memory {:.2} GiB",
        w.plan().memory_gib()
    );
    w.log(Level::Info, &msg);
}

/// A slow rank, as a step-time monitor reports it.
pub fn straggler(w: &mut Writer, rank: u32, reported: f64) {
    let msg = format!(
        "Straggler detected: rank {rank} on {} is {reported:.2}x slower than the median over the last 50 steps (GPU clocks throttled?)",
        w.plan().host(rank / GPUS_PER_NODE)
    );
    w.log(Level::Warn, &msg);
}

/// The slow rank is back.
pub fn straggler_recovered(w: &mut Writer, rank: u32) {
    w.log(
        Level::Info,
        &format!("Rank {rank} step time back within 5% of the median"),
    );
}

/// DeepSpeed's overflow line.
pub fn fp16_overflow(w: &mut Writer, step: u64, scale: f64, new_scale: f64) {
    w.log(
        Level::Warn,
        &format!(
            "OVERFLOW! Rank 0 Skipping step {step}. Attempted loss scale: {}, reducing to {}",
            scale as u64, new_scale as u64
        ),
    );
}

/// A loss spike warning.
pub fn loss_spike(w: &mut Writer, step: u64, before: f64, after: f64, grad_norm: f64) {
    w.log(
        Level::Warn,
        &format!(
            "Loss spike at step {step}: {before:.4} -> {after:.4} (grad_norm {grad_norm:.2}); continuing, monitoring recovery"
        ),
    );
}
