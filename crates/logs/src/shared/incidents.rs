//! What any Python training job prints when a rank runs out of memory: the traceback.

use sim::GPUS_PER_NODE;

use super::red;
use crate::writer::Writer;

/// The traceback of a rank that ran out of memory at its first step.
pub fn out_of_memory(w: &mut Writer, rank: u32, alloc_gib: f64, free_gib: f64) {
    let p = w.plan();
    let lines = [
        format!("[rank{rank}]: Traceback (most recent call last):"),
        format!("  File \"{}\", line 412, in train_step", w.style().script()),
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
