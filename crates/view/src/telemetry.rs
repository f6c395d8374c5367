//! GPU telemetry as a monitoring stack (DCGM, nvidia-smi) beside the log would show it,
//! derived from the phase and the incidents the log reports: idle and cool at launch,
//! memory rising while weights load, busy in training, dips while validating and saving, the
//! straggler slower and hotter, a hung collective flat, nothing after a crash. Each GPU has
//! its own offsets, as real fleets do.

use crate::observation::JobCard;
use crate::phase::Phase;

/// GPU memory a process holds before it allocates anything (CUDA context), GiB.
const CONTEXT_GIB: f64 = 0.6;
/// NCCL's communicator buffers, GiB.
const NCCL_GIB: f64 = 1.0;
/// Share of the training footprint that is weights (loaded before training starts).
const WEIGHTS_SHARE: f64 = 0.35;
/// Share of the training footprint a checkpoint restores (weights and optimizer state).
const STATE_SHARE: f64 = 0.55;
/// How much hotter a throttling straggler runs, °C.
const STRAGGLER_HEAT: f64 = 14.0;

/// One GPU's readings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GpuSample {
    /// Utilisation, 0-1.
    pub util: f32,
    /// Temperature, °C.
    pub temp_c: f32,
    /// Memory in use, GiB.
    pub mem_gib: f32,
    /// The straggler the log reports (running slower than its peers).
    pub slow: bool,
}

/// A snapshot of the job's GPUs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Telemetry {
    /// The first GPUs, node by node (as many as asked for).
    pub gpus: Vec<GpuSample>,
    /// GPUs in the job.
    pub total: u32,
    /// Mean utilisation over every GPU, 0-1.
    pub util_avg: f32,
    /// Hottest GPU's temperature, °C.
    pub temp_max: f32,
    /// The hottest GPU's global rank.
    pub hottest: u32,
    /// Mean memory in use, GiB.
    pub mem_avg: f32,
}

/// What the telemetry is derived from.
pub(crate) struct Inputs<'a> {
    pub phase: Phase,
    pub job: &'a JobCard,
    /// Steps run so far: readings move from step to step.
    pub tick: u64,
    /// Seed for the per-GPU offsets (from the job).
    pub seed: u64,
    /// The straggling rank and its slowdown.
    pub straggler: Option<(u32, f64)>,
}

/// A well-mixed 64-bit hash (SplitMix64's finaliser).
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A number in 0..1 from a hash.
fn unit(x: u64) -> f64 {
    (mix(x) >> 11) as f64 / (1u64 << 53) as f64
}

impl Inputs<'_> {
    /// One GPU's readings.
    fn sample(&self, gpu: u32) -> GpuSample {
        let fixed = |salt: u64| unit(self.seed ^ (u64::from(gpu) << 20) ^ salt);
        let jitter = |salt: u64| unit(self.seed ^ (u64::from(gpu) << 20) ^ salt ^ mix(self.tick));
        let card = self.job;
        let gpu_mem = card.gpu_memory_gib.unwrap_or(80.0);
        let planned = card.memory_gib.unwrap_or(gpu_mem * 0.7).min(gpu_mem);
        // Cooler and warmer slots: airflow differs across a board and a row.
        let idle_temp = 31.0 + 8.0 * fixed(1);
        let busy_temp = 62.0 + 11.0 * fixed(2);
        let slow = self.straggler.is_some_and(|(r, _)| r == gpu);
        let (util, temp, mem) = match self.phase {
            Phase::Queued
            | Phase::Crashed
            | Phase::Restarting { .. }
            | Phase::Cancelled
            | Phase::Failed
            | Phase::Finished => (0.0, idle_temp, 0.0),
            Phase::Launching => (0.0, idle_temp, CONTEXT_GIB),
            Phase::LoadingData => (0.01 * jitter(3), idle_temp + 1.0, CONTEXT_GIB),
            Phase::LoadingWeights { frac } => (
                0.02 + 0.04 * jitter(3),
                idle_temp + 3.0,
                CONTEXT_GIB + frac * WEIGHTS_SHARE * planned,
            ),
            Phase::InitNccl => (
                0.03 * jitter(3),
                idle_temp + 4.0,
                CONTEXT_GIB + NCCL_GIB + WEIGHTS_SHARE * planned,
            ),
            Phase::LoadingCheckpoint { frac } => (
                0.03 + 0.05 * jitter(3),
                idle_temp + 4.0,
                CONTEXT_GIB + NCCL_GIB + frac * STATE_SHARE * planned,
            ),
            Phase::Training => (
                0.93 + 0.06 * jitter(3),
                busy_temp + 3.0 * jitter(4),
                planned - 0.3 * jitter(5),
            ),
            Phase::Validating { .. } => (
                0.55 + 0.15 * jitter(3),
                busy_temp - 6.0 + 2.0 * jitter(4),
                planned,
            ),
            Phase::Saving { .. } => (0.04 + 0.06 * jitter(3), busy_temp - 10.0, planned),
            // Every rank waits in the collective: a kernel spins, readings stop moving.
            Phase::Hung => (1.0, busy_temp, planned),
        };
        let (util, temp) = if slow && self.phase.computing() {
            (util.max(0.99), temp + STRAGGLER_HEAT)
        } else {
            (util, temp)
        };
        GpuSample {
            util: util.clamp(0.0, 1.0) as f32,
            temp_c: temp as f32,
            mem_gib: mem.max(0.0) as f32,
            slow: slow && self.phase.computing(),
        }
    }

    /// The snapshot: the first `shown` GPUs in full, aggregates over all of them.
    pub fn telemetry(&self, shown: usize) -> Telemetry {
        let total = self.job.gpus();
        let mut t = Telemetry {
            total,
            ..Telemetry::default()
        };
        let (mut util, mut mem) = (0.0f64, 0.0f64);
        for g in 0..total {
            let s = self.sample(g);
            util += f64::from(s.util);
            mem += f64::from(s.mem_gib);
            if s.temp_c > t.temp_max {
                t.temp_max = s.temp_c;
                t.hottest = g;
            }
            if (g as usize) < shown {
                t.gpus.push(s);
            }
        }
        let n = f64::from(total.max(1));
        t.util_avg = (util / n) as f32;
        t.mem_avg = (mem / n) as f32;
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> JobCard {
        JobCard {
            nodes: 2,
            gpus_per_node: 8,
            gpu_memory_gib: Some(80.0),
            memory_gib: Some(60.0),
            ..JobCard::default()
        }
    }

    fn snap(phase: Phase, straggler: Option<(u32, f64)>, tick: u64) -> Telemetry {
        let job = job();
        Inputs {
            phase,
            job: &job,
            tick,
            seed: 7,
            straggler,
        }
        .telemetry(16)
    }

    #[test]
    fn readings_follow_the_phase() {
        let launch = snap(Phase::Launching, None, 0);
        assert!(launch.util_avg < 0.01 && launch.temp_max < 45.0);
        let loading = |f| snap(Phase::LoadingWeights { frac: f }, None, 0).mem_avg;
        assert!(
            loading(0.2) < loading(0.8),
            "memory rises while weights load"
        );
        let train = snap(Phase::Training, None, 5);
        assert!(train.util_avg > 0.9 && train.temp_max > 60.0);
        let val = snap(Phase::Validating { done: 1, total: 10 }, None, 5);
        assert!(val.util_avg < train.util_avg - 0.1, "validation dips");
        let save = snap(Phase::Saving { step: 9 }, None, 5);
        assert!(save.util_avg < 0.2);
        let crashed = snap(Phase::Crashed, None, 5);
        assert_eq!((crashed.util_avg, crashed.mem_avg), (0.0, 0.0));
        // GPUs differ from each other, and move from step to step.
        let u: Vec<f32> = train.gpus.iter().map(|g| g.util).collect();
        assert!(u.iter().any(|&x| x != u[0]));
        assert_ne!(snap(Phase::Training, None, 6).gpus, train.gpus);
    }

    #[test]
    fn the_straggler_runs_hot_and_a_hang_is_flat() {
        let t = snap(Phase::Training, Some((10, 1.2)), 3);
        assert!(t.gpus[10].slow && !t.gpus[9].slow);
        assert_eq!(t.hottest, 10);
        let hung = |tick| snap(Phase::Hung, None, tick).gpus;
        assert_eq!(hung(3), hung(4), "a hung collective's readings do not move");
        assert!(hung(3).iter().all(|g| g.util == 1.0));
    }
}
