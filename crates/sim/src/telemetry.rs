//! What the cluster's monitoring would show besides the log: GPU utilisation, temperature and
//! memory, following the training loop's state.

use crate::plan::GPUS_PER_NODE;
use crate::train::Trainer;

/// A snapshot of the GPUs of the first nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct Telemetry {
    /// Utilisation 0..1 per GPU, node by node.
    pub util: Vec<f32>,
    /// Mean of `util`.
    pub util_avg: f32,
    /// Hottest GPU, degrees Celsius.
    pub temp_c: u32,
    /// Memory in use per GPU, GiB.
    pub mem_gib: f64,
}

impl Telemetry {
    /// The GPUs of the first `max_nodes` nodes at the trainer's current step.
    pub fn of(tr: &Trainer, max_nodes: u32) -> Telemetry {
        let shown = tr.plan.nodes.min(max_nodes);
        let idle = tr.step == 0;
        // Busy GPUs sit at 93-99%; before training starts they idle.
        let util: Vec<f32> = (0..shown * GPUS_PER_NODE)
            .map(|g| {
                let mix = (g as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                    ^ tr.step.wrapping_mul(0xBF58_476D_1CE4_E5B9);
                let jitter = (mix >> 40) as f32 / (1u64 << 24) as f32;
                if idle {
                    0.05 + 0.2 * jitter
                } else {
                    0.93 + 0.06 * jitter
                }
            })
            .collect();
        let util_avg = util.iter().sum::<f32>() / util.len().max(1) as f32;
        Telemetry {
            util,
            util_avg,
            temp_c: if idle { 38 } else { 64 + (tr.step % 7) as u32 },
            mem_gib: if idle { 1.2 } else { tr.plan.memory_gib() },
        }
    }
}
