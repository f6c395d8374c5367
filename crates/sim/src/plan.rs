//! One run's plan: the model, cluster, data and schedule every printed number derives from.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::catalog::{Catalog, DatasetSpec, GpuSpec, ModelSpec};

/// GPUs per node in every simulated cluster (HGX/DGX/MI300X boards).
pub const GPUS_PER_NODE: u32 = 8;
/// Bytes of training state per parameter with mixed-precision AdamW (bf16 weights and grads,
/// fp32 master weights and two moments).
pub const STATE_BYTES_PER_PARAM: f64 = 16.0;
/// Fixed per-GPU memory for the CUDA context, NCCL buffers and allocator slack, GiB.
pub const OVERHEAD_GIB: f64 = 4.5;
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Numeric format of the forward and backward pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// bfloat16: no loss scaling.
    Bf16,
    /// float16 with dynamic loss scaling.
    Fp16,
}

impl Precision {
    /// Name as configs print it.
    pub fn name(self) -> &'static str {
        match self {
            Precision::Bf16 => "bf16",
            Precision::Fp16 => "fp16",
        }
    }
}

/// Everything fixed for one run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunPlan {
    /// Model architecture.
    pub model: ModelSpec,
    /// Accelerator.
    pub gpu: GpuSpec,
    /// Corpus.
    pub dataset: DatasetSpec,
    /// Nodes in the job.
    pub nodes: u32,
    /// Tensor-parallel degree.
    pub tp: u32,
    /// Pipeline-parallel degree.
    pub pp: u32,
    /// Mixed precision.
    pub precision: Precision,
    /// Tokens per sequence.
    pub seq_len: u32,
    /// Sequences per GPU per micro-step.
    pub micro_batch: u32,
    /// Micro-steps per optimizer step.
    pub grad_accum: u32,
    /// Optimizer steps in the run.
    pub total_steps: u64,
    /// Linear warm-up steps.
    pub warmup_steps: u64,
    /// Epochs over the run's sample of the corpus.
    pub epochs: u32,
    /// Model FLOPs utilisation achieved.
    pub mfu: f64,
    /// Steps between log lines.
    pub log_every: u64,
    /// Steps between validations.
    pub val_every: u64,
    /// Batches per validation.
    pub val_batches: u32,
    /// Steps between checkpoints.
    pub ckpt_every: u64,
    /// Aggregate checkpoint write bandwidth of the shared file system, bytes/s.
    pub storage_bps: f64,
    /// Weight shards on disk.
    pub shards: u32,
    /// Seconds of screen time one step is shown for (the real step time is longer or shorter).
    pub screen_step: f64,
    /// Host name prefix, e.g. `gpu-node`.
    pub host_prefix: String,
    /// Second octet of the cluster's 10.x.0.0/16 network.
    pub subnet: u8,
    /// Launcher process id on node 0.
    pub pid: u32,
    /// Job id of the scheduler.
    pub job_id: u32,
    /// Final training loss the run approaches (from a scaling law).
    pub loss_floor: f64,
    /// Checkpoint directory.
    pub ckpt_dir: String,
}

/// A uniformly chosen element.
pub(crate) fn pick<'a, T>(rng: &mut ChaCha8Rng, v: &'a [T]) -> &'a T {
    &v[rng.random_range(0..v.len())]
}

/// Minimum GPUs whose memory holds the sharded training state with room for activations.
fn min_gpus(model: &ModelSpec, gpu: &GpuSpec) -> u32 {
    let usable = (gpu.memory_gib - OVERHEAD_GIB) * 0.55 * GIB;
    ((model.params as f64 * STATE_BYTES_PER_PARAM) / usable)
        .ceil()
        .max(1.0) as u32
}

impl RunPlan {
    /// Draws a consistent plan from the catalog.
    pub fn draw(rng: &mut ChaCha8Rng, catalog: &Catalog) -> RunPlan {
        let model = pick(rng, &catalog.models).clone();
        let dataset = pick(rng, &catalog.datasets).clone();
        // Only GPUs that can hold the model on a cluster of at most 512 nodes.
        let fitting: Vec<&GpuSpec> = catalog
            .gpus
            .iter()
            .filter(|g| min_gpus(&model, g) <= 512 * GPUS_PER_NODE)
            // Nobody trains 100B+ models over PCIe boxes.
            .filter(|g| model.params < 100_000_000_000 || g.node_busbw >= 300.0)
            .collect();
        let gpu = if fitting.is_empty() {
            catalog
                .gpus
                .iter()
                .max_by(|a, b| a.memory_gib.total_cmp(&b.memory_gib))
                .expect("catalog has GPUs")
                .clone()
        } else {
            (*pick(rng, &fitting)).clone()
        };

        let min_nodes = min_gpus(&model, &gpu).div_ceil(GPUS_PER_NODE).max(1);
        let active_b = model.active() as f64 / 1e9;
        // Bigger models get bigger clusters, as in practice.
        let wanted = (active_b / 2.0).clamp(1.0, 256.0) * rng.random_range(0.5..2.0);
        let nodes = wanted.max(min_nodes as f64).round().clamp(1.0, 1024.0) as u32;
        let nodes = nodes.next_power_of_two().max(min_nodes);
        let world = nodes * GPUS_PER_NODE;

        let tp = match active_b {
            x if x < 14.0 => 1,
            x if x < 40.0 => 2,
            _ => GPUS_PER_NODE,
        };
        let mut pp = if active_b > 200.0 {
            16
        } else if active_b > 60.0 {
            4
        } else {
            1
        };
        while pp > 1 && !world.is_multiple_of(tp * pp) {
            pp /= 2;
        }
        let seq_len = *pick(rng, &[2048u32, 4096, 4096, 8192]);
        let seq_len = seq_len.min(model.context);
        // fp16 with loss scaling only where it is still chosen: Ampere-class and older parts.
        // Hopper, Blackwell and MI300X runs use bf16.
        let precision = if gpu.peak_tflops < 900.0 && rng.random_bool(0.15) {
            Precision::Fp16
        } else {
            Precision::Bf16
        };

        let mut plan = RunPlan {
            model,
            gpu,
            dataset,
            nodes,
            tp,
            pp,
            precision,
            seq_len,
            micro_batch: 1,
            grad_accum: 1,
            total_steps: 0,
            warmup_steps: 0,
            epochs: rng.random_range(1..=3),
            mfu: 0.0,
            log_every: 10,
            val_every: 250,
            val_batches: 50,
            ckpt_every: 500,
            storage_bps: 0.0,
            shards: 1,
            screen_step: 1.0,
            host_prefix: pick(rng, &["gpu-node", "node", "hgx", "dgx", "compute", "trn"])
                .to_string(),
            subnet: rng.random_range(1..=250),
            pid: rng.random_range(2000..90000),
            job_id: rng.random_range(100_000..9_999_999),
            loss_floor: 0.0,
            ckpt_dir: String::new(),
        };

        // Largest micro batch that fits under 90% of the GPU; a run that still leaves most of
        // the memory idle gives up tensor parallelism (each rank then holds more of the model).
        loop {
            plan.micro_batch = [64u32, 32, 16, 8, 4, 2, 1]
                .into_iter()
                .find(|&mb| {
                    plan.micro_batch = mb;
                    plan.memory_gib() < plan.gpu.memory_gib * 0.9
                })
                .unwrap_or(1);
            let fill = plan.memory_gib() / plan.gpu.memory_gib;
            if fill >= 0.6 || plan.tp == 1 {
                break;
            }
            plan.tp /= 2;
        }
        // Real configs fix a round global batch (a power of two in sequences, ~1-16M tokens)
        // and derive the accumulation from it.
        let target_tokens = if active_b > 200.0 {
            16.0e6
        } else if active_b > 30.0 {
            *pick(rng, &[4.0e6, 8.0e6])
        } else {
            *pick(rng, &[1.0e6, 2.0e6, 4.0e6])
        };
        let per_micro = (plan.micro_batch * plan.dp()) as u64;
        let wanted = ((target_tokens / plan.seq_len as f64).round() as u64).max(1);
        let global = wanted.next_power_of_two().max(per_micro);
        plan.grad_accum = (global / per_micro).clamp(1, 64) as u32;

        // ROCm stacks and PCIe-only boxes reach lower utilisation.
        let headroom = if plan.gpu.collectives == "RCCL" || plan.gpu.node_busbw < 100.0 {
            0.85
        } else {
            1.0
        };
        plan.mfu = rng.random_range(0.38..0.53) * headroom * if plan.pp > 4 { 0.93 } else { 1.0 };

        // Screen pacing: long real steps are shown faster than short ones, within 0.3-3 s.
        plan.screen_step = (plan.step_time().sqrt() * 0.55).clamp(0.3, 3.0);
        let run_screen_secs = rng.random_range(1500.0..3600.0);
        let steps = (run_screen_secs / plan.screen_step) as u64;
        plan.total_steps = (steps / 100).max(4) * 100;
        plan.warmup_steps =
            ((plan.total_steps as f64 * rng.random_range(0.03..0.08)) as u64 / 10).max(2) * 10;
        plan.log_every = *pick(rng, &[5u64, 10, 10, 20, 25]);
        // Validation every 20-60 minutes and checkpoints every 1-2 validations of real job
        // time, in round numbers of steps.
        let n = rng.random_range(1200.0..3600.0) / plan.step_time();
        let unit = if n >= 500.0 {
            50.0
        } else if n >= 50.0 {
            10.0
        } else {
            1.0
        };
        plan.val_every = ((n / unit).round().max(1.0) * unit) as u64;
        plan.ckpt_every = plan.val_every * rng.random_range(1..=2);
        plan.val_batches = *pick(rng, &[20u32, 40, 50, 100]);
        plan.storage_bps = (nodes as f64 * rng.random_range(0.6e9..2.5e9)).clamp(2.0e9, 400.0e9);
        let shard_bytes = *pick(rng, &[4.0e9, 5.0e9, 10.0e9]);
        plan.shards = plan
            .model
            .shards
            .unwrap_or(((plan.weight_bytes() / shard_bytes).ceil() as u32).max(1));

        // Chinchilla fit for the run's tokens: the loss the curve approaches.
        let n = plan.model.active() as f64;
        let d = plan.tokens_per_step() * plan.total_steps as f64;
        plan.loss_floor = 1.69 + 406.4 / n.powf(0.34) + 410.7 / d.powf(0.28);
        let short_name = plan.model.name.to_lowercase().replace('.', "");
        plan.ckpt_dir = format!(
            "/{}/{}/{}-{}",
            pick(
                rng,
                &[
                    "checkpoints",
                    "lustre/ckpt",
                    "fsx/checkpoints",
                    "mnt/weka/ckpt"
                ]
            ),
            pick(rng, &["pretrain", "llm-team", "foundation", "research"]),
            short_name,
            plan.job_id
        );
        plan
    }

    /// Host name of a node.
    pub fn host(&self, node: u32) -> String {
        format!("{}{:03}", self.host_prefix, node + 1)
    }

    /// Management IP of a node.
    pub fn ip(&self, node: u32) -> String {
        format!("10.{}.{}.{}", self.subnet, node / 200, 11 + node % 200)
    }

    /// PCI bus id of a local rank, CUDA style (`0000:1b:00.0`).
    pub fn bus_id(&self, local: u32) -> String {
        format!(
            "0000:{}:00.0",
            self.gpu.bus_ids[local as usize % self.gpu.bus_ids.len()]
        )
    }

    /// All-reduce bus bandwidth for a message size, GB/s: latency-bound for small messages.
    pub fn busbw(&self, size: f64) -> f64 {
        let peak = if self.nodes > 1 {
            self.gpu
                .node_busbw
                .min(self.gpu.net_busbw * GPUS_PER_NODE as f64 * 0.96)
        } else {
            self.gpu.node_busbw
        };
        peak * size / (size + 48.0e6)
    }

    /// GPUs in the job.
    pub fn world(&self) -> u32 {
        self.nodes * GPUS_PER_NODE
    }

    /// Data-parallel degree.
    pub fn dp(&self) -> u32 {
        self.world() / (self.tp * self.pp)
    }

    /// Sequences per optimizer step (= micro batch x accumulation x data parallel).
    pub fn global_batch(&self) -> u64 {
        self.micro_batch as u64 * self.grad_accum as u64 * self.dp() as u64
    }

    /// Tokens per optimizer step.
    pub fn tokens_per_step(&self) -> f64 {
        self.global_batch() as f64 * self.seq_len as f64
    }

    /// Training FLOPs per token: 6N (active) plus attention 12·L·d·T.
    pub fn flops_per_token(&self) -> f64 {
        let m = &self.model;
        6.0 * m.active() as f64 + 12.0 * m.layers as f64 * m.hidden as f64 * self.seq_len as f64
    }

    /// Tokens per second per GPU at the planned MFU.
    pub fn tps_per_gpu(&self) -> f64 {
        self.mfu * self.gpu.peak_tflops * 1e12 / self.flops_per_token()
    }

    /// Real seconds per optimizer step.
    pub fn step_time(&self) -> f64 {
        self.tokens_per_step() / (self.tps_per_gpu() * self.world() as f64)
    }

    /// How many times faster than real the training loop is shown.
    pub fn timelapse(&self) -> f64 {
        self.step_time() / self.screen_step
    }

    /// bf16 weights on disk, bytes (2 per parameter).
    pub fn weight_bytes(&self) -> f64 {
        2.0 * self.model.params as f64
    }

    /// Optimizer state on disk, bytes (fp32 master weights and two moments: 12 per parameter).
    pub fn optimizer_bytes(&self) -> f64 {
        12.0 * self.model.params as f64
    }

    /// Samples (packed sequences) in one epoch.
    pub fn samples_per_epoch(&self) -> u64 {
        self.global_batch() * self.steps_per_epoch()
    }

    /// Optimizer steps per epoch.
    pub fn steps_per_epoch(&self) -> u64 {
        self.total_steps.div_ceil(self.epochs as u64)
    }

    /// Peak memory per GPU, GiB: sharded training state, activations and fixed overhead.
    pub fn memory_gib(&self) -> f64 {
        let m = &self.model;
        let state = self.model.params as f64 * STATE_BYTES_PER_PARAM / self.world() as f64;
        // Activation checkpointing keeps each layer's input; one layer is live in full.
        let tokens = self.micro_batch as f64 * self.seq_len as f64;
        let layers = (m.layers as f64 / self.pp as f64).ceil();
        // 1F1B keeps up to pp micro-batches in flight on the first stage.
        let in_flight = self.pp.max(1) as f64;
        let kept = tokens * m.hidden as f64 * 2.0 * layers / self.tp as f64 * in_flight;
        let live = tokens * m.hidden as f64 * 34.0 / self.tp as f64;
        let logits = tokens * m.vocab as f64 * 4.0 / self.tp as f64;
        (state + kept + live + logits) / GIB + OVERHEAD_GIB
    }

    /// Learning rate at a step: linear warm-up, then cosine decay to 10% of peak.
    pub fn lr(&self, step: u64) -> f64 {
        let peak = self.model.lr;
        if step < self.warmup_steps {
            return peak * (step + 1) as f64 / self.warmup_steps as f64;
        }
        let span = (self.total_steps - self.warmup_steps).max(1) as f64;
        let p = ((step - self.warmup_steps) as f64 / span).min(1.0);
        let min = 0.1 * peak;
        min + 0.5 * (peak - min) * (1.0 + (std::f64::consts::PI * p).cos())
    }

    /// Smooth training loss at a step: from ln(vocab) down a power law toward the floor.
    pub fn loss_curve(&self, step: u64) -> f64 {
        let start = (self.model.vocab as f64).ln();
        let tokens = self.tokens_per_step() * (step as f64 + 1.0);
        let n = self.model.active() as f64;
        let law = 1.69 + 406.4 / n.powf(0.34) + 410.7 / tokens.powf(0.28);
        let law = law.max(self.loss_floor).min(start);
        // The first few hundred steps fall from ln(vocab) faster than any power law.
        let tau = (self.warmup_steps as f64 / 2.5).max(8.0);
        law + (start - law) * (-(step as f64) / tau).exp()
    }

    /// Smooth gradient norm: high in the first steps, settling around 0.2-0.4.
    pub fn grad_norm_curve(&self, step: u64) -> f64 {
        let settle = 0.22 + 0.12 * (self.model.active() as f64 / 1e11).min(1.0);
        let tau = (self.warmup_steps as f64 / 3.0).max(5.0);
        settle + 7.0 * (-(step as f64) / tau).exp()
    }
}
