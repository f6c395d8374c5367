//! One run's plan: the model, cluster, data and schedule every printed number derives from.
//! `draw.rs` draws it; here are the quantities and curves that follow from it.

mod draw;

use std::sync::Arc;

use crate::catalog::{DatasetSpec, GpuSpec, ModelSpec};
use crate::cluster::Cluster;
use crate::framework::Framework;

/// GPUs per node in every simulated cluster (HGX/DGX/MI300X boards).
pub const GPUS_PER_NODE: u32 = 8;
/// Bytes of training state per parameter with mixed-precision AdamW (bf16 weights and grads,
/// fp32 master weights and two moments).
pub const STATE_BYTES_PER_PARAM: f64 = 16.0;
/// Bytes per parameter of the fp32 weights an FSDP job holds before its optimizer exists.
pub const WEIGHT_BYTES_PER_PARAM: f64 = 4.0;
/// Fixed per-GPU memory for the CUDA context, NCCL buffers and allocator slack, GiB.
pub const OVERHEAD_GIB: f64 = 4.5;
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
/// Parameters from which a model counts as a giant: fine-tunes and data-parallel-only
/// frameworks leave it alone, and nobody trains it over PCIe boxes.
pub const GIANT_PARAMS: u64 = 100_000_000_000;
/// Longest optimizer step a plan accepts, seconds: a log line at least every half minute.
pub const MAX_STEP_SECS: f64 = 30.0;

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

/// What the job does, which decides where it starts and its first loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobKind {
    /// Pretraining from random initialisation (loss starts near ln V).
    Scratch,
    /// Pretraining resumed from a sharded distributed checkpoint (the curve continues).
    Resume,
    /// Supervised fine-tuning from published safetensors weights (loss starts near 1.5-2.5).
    FineTune,
}

/// Everything fixed for one run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunPlan {
    /// The cluster it runs on (the same for every job of a simulation).
    pub cluster: Arc<Cluster>,
    /// Model architecture.
    pub model: ModelSpec,
    /// Accelerator.
    pub gpu: GpuSpec,
    /// Corpus.
    pub dataset: DatasetSpec,
    /// The software running the job.
    pub framework: Framework,
    /// What the job does.
    pub kind: JobKind,
    /// The run's name: a resumed run keeps it from job to job (its checkpoints live under it).
    pub run_name: String,
    /// Nodes in the job.
    pub nodes: u32,
    /// Tensor-parallel degree.
    pub tp: u32,
    /// Pipeline-parallel degree.
    pub pp: u32,
    /// Virtual pipeline stages per rank (interleaved 1F1B; 1 without).
    pub vpp: u32,
    /// Expert-parallel degree (1 for dense models).
    pub ep: u32,
    /// Mixed precision.
    pub precision: Precision,
    /// Tokens per sequence.
    pub seq_len: u32,
    /// Sequences per GPU per micro-step.
    pub micro_batch: u32,
    /// Micro-steps per optimizer step (the micro-batches a pipeline sees per step).
    pub grad_accum: u32,
    /// Optimizer steps in the whole schedule (the lr schedule spans them).
    pub total_steps: u64,
    /// Step the job starts from (the resumed checkpoint's step; 0 otherwise).
    pub start_step: u64,
    /// Step at which this job stops: `total_steps`, or earlier when the scheduler's time
    /// limit ends it.
    pub end_step: u64,
    /// Linear warm-up steps.
    pub warmup_steps: u64,
    /// Passes over the training data (1 for pretraining, which reads part of a corpus once).
    pub epochs: u32,
    /// Packed samples in one epoch (a fine-tune's whole set; pretraining's share it reads).
    pub epoch_samples: u64,
    /// Model FLOPs utilisation of the compute, before the pipeline's idle share.
    pub mfu: f64,
    /// Steps between log lines (a line every 5-30 s).
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
    /// Launcher process id on node 0.
    pub pid: u32,
    /// Job id of the scheduler.
    pub job_id: u32,
    /// Seed of the per-step noise: the same step gives the same loss when it is run again.
    pub noise_seed: u64,
    /// Final training loss the run approaches (from a scaling law, or the fine-tune's floor).
    pub loss_floor: f64,
    /// Validation loss above the training curve (the generalisation gap).
    pub val_gap: f64,
    /// Peak learning rate (the model's pretraining peak, or a fine-tuning rate).
    pub peak_lr: f64,
    /// Loss at the first step of a fine-tune (the pretrained model on the new data).
    pub sft_start_loss: f64,
    /// Checkpoint directory.
    pub ckpt_dir: String,
}

impl RunPlan {
    /// Whether the step's metrics are logged, as the framework decides.
    pub fn logs_step(&self, step: u64) -> bool {
        self.framework.logs(
            step,
            self.log_every,
            step == self.start_step + 1,
            step == self.total_steps,
        )
    }

    /// Host name of a node.
    pub fn host(&self, node: u32) -> String {
        self.cluster.host(node)
    }

    /// Management IP of a node.
    pub fn ip(&self, node: u32) -> String {
        self.cluster.ip(node)
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

    /// The share of a step a pipeline stage idles, 1F1B with `pp` stages, `grad_accum`
    /// micro-batches and `vpp` virtual stages: (p − 1) / (v·m + p − 1).
    pub fn bubble(&self) -> f64 {
        let p = self.pp.max(1) as f64;
        let vm = (self.vpp.max(1) * self.grad_accum.max(1)) as f64;
        (p - 1.0) / (vm + p - 1.0)
    }

    /// The MFU a step achieves, the pipeline's idle share included (what the tools print).
    pub fn achieved_mfu(&self) -> f64 {
        self.mfu * (1.0 - self.bubble())
    }

    /// Tokens per second per GPU at the achieved MFU.
    pub fn tps_per_gpu(&self) -> f64 {
        self.achieved_mfu() * self.gpu.peak_tflops * 1e12 / self.flops_per_token()
    }

    /// Real seconds per optimizer step.
    pub fn step_time(&self) -> f64 {
        self.tokens_per_step() / (self.tps_per_gpu() * self.world() as f64)
    }

    /// bf16 weights on disk, bytes (2 per parameter).
    pub fn weight_bytes(&self) -> f64 {
        2.0 * self.model.params as f64
    }

    /// Optimizer state on disk, bytes (fp32 master weights and two moments: 12 per parameter).
    pub fn optimizer_bytes(&self) -> f64 {
        12.0 * self.model.params as f64
    }

    /// Samples (packed sequences) in one epoch, in whole batches.
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

    /// Memory an FSDP job holds once its model is built, before the optimizer exists: its
    /// shard of fp32 weights, GiB.
    pub fn model_memory_gib(&self) -> f64 {
        self.model.params as f64 * WEIGHT_BYTES_PER_PARAM / self.world() as f64 / GIB
    }

    /// Learning rate at a step: linear warm-up, then cosine decay to 10% of peak.
    pub fn lr(&self, step: u64) -> f64 {
        let peak = self.peak_lr;
        if step < self.warmup_steps {
            return peak * (step + 1) as f64 / self.warmup_steps as f64;
        }
        let span = (self.total_steps - self.warmup_steps).max(1) as f64;
        let p = ((step - self.warmup_steps) as f64 / span).min(1.0);
        let min = 0.1 * peak;
        min + 0.5 * (peak - min) * (1.0 + (std::f64::consts::PI * p).cos())
    }

    /// Smooth training loss at a step: pretraining falls from ln(vocab) down a power law
    /// toward the floor; a fine-tune starts from the pretrained model's loss on the new data
    /// and drops again at each new epoch (the model has seen those samples).
    pub fn loss_curve(&self, step: u64) -> f64 {
        if self.kind == JobKind::FineTune {
            let (s0, floor) = (self.sft_start_loss, self.loss_floor);
            let spe = self.steps_per_epoch().max(1) as f64;
            let epoch = (step.saturating_sub(1) as f64 / spe).floor();
            let fast = (-(step as f64) / (0.05 * spe).max(5.0)).exp();
            return floor + (s0 - floor) * (0.45 * fast + 0.55 * 0.62f64.powf(epoch));
        }
        let start = (self.model.vocab as f64).ln();
        let tokens = self.tokens_per_step() * (step as f64 + 1.0);
        let n = self.model.active() as f64;
        let law = 1.69 + 406.4 / n.powf(0.34) + 410.7 / tokens.powf(0.28);
        let law = law.max(self.loss_floor).min(start);
        // The first few hundred steps fall from ln(vocab) faster than any power law.
        let tau = (self.warmup_steps as f64 / 2.5).max(8.0);
        law + (start - law) * (-(step as f64) / tau).exp()
    }

    /// Smooth validation loss at a step: the training curve plus the generalisation gap for
    /// pretraining (a fixed held-out set of hundreds of millions of tokens moves smoothly); a
    /// fine-tune's falls during its first epoch, then flattens and rises as it overfits.
    pub fn val_loss_curve(&self, step: u64) -> f64 {
        if self.kind != JobKind::FineTune {
            return self.loss_curve(step) + self.val_gap;
        }
        let (s0, floor) = (self.sft_start_loss, self.loss_floor);
        let spe = self.steps_per_epoch().max(1) as f64;
        let e = step as f64 / spe;
        // The best the held-out set gets: about where training stood late in epoch one.
        let best = floor + (s0 - floor) * 0.62 + self.val_gap;
        let first = best + (s0 + self.val_gap - best) * (-(step as f64) / (0.3 * spe)).exp();
        if e <= 1.0 {
            first
        } else {
            first + 0.035 * (e - 1.0).powf(1.3)
        }
    }

    /// Smooth gradient norm: high in the first steps, settling around 0.2-0.4.
    pub fn grad_norm_curve(&self, step: u64) -> f64 {
        let settle = 0.22 + 0.12 * (self.model.active() as f64 / 1e11).min(1.0);
        let tau = (self.warmup_steps as f64 / 3.0).max(5.0);
        settle + 7.0 * (-(step as f64) / tau).exp()
    }
}
