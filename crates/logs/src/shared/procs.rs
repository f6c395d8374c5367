//! The job's processes: torchrun's agent on each node and the workers it forks, with the pids
//! and thread ids their log lines carry. Drawn from the job's own seed, so they differ from job
//! to job and node to node but stay the same within a job.

use sim::{GPUS_PER_NODE, RunPlan};

/// A number from the job's seed and a key.
pub fn hash(p: &RunPlan, key: u64) -> u64 {
    let mut x = p.noise_seed ^ key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The pid of torchrun's agent on a node (node 0's is the plan's).
pub fn agent_pid(p: &RunPlan, node: u32) -> u32 {
    if node == 0 {
        p.pid
    } else {
        2000 + (hash(p, 0x1000 + u64::from(node)) % 400_000) as u32
    }
}

/// The pid of a rank's worker: the agent forks them one after another, other processes
/// taking a pid now and then in between.
pub fn worker_pid(p: &RunPlan, rank: u32) -> u32 {
    let (node, local) = (rank / GPUS_PER_NODE, rank % GPUS_PER_NODE);
    let first = agent_pid(p, node) + 3 + (hash(p, 0x2000 + u64::from(node)) % 9) as u32;
    let gaps: u32 = (0..local)
        .map(|l| 1 + (hash(p, 0x3000 + u64::from(rank - local + l)) % 3) as u32)
        .sum();
    first + gaps
}

/// The thread a rank's NCCL communicator is set up on (a thread NCCL starts; its main
/// thread's id is the pid).
pub fn comm_tid(p: &RunPlan, rank: u32) -> u32 {
    worker_pid(p, rank) + 20 + (hash(p, 0x4000 + u64::from(rank)) % 180) as u32
}
