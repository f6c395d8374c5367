//! One run's plan: the model, cluster, data and schedule every printed number derives from.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::catalog::{Catalog, Collectives, DatasetSpec, GpuSpec, ModelSpec};

/// GPUs per node in every simulated cluster (HGX/DGX/MI300X boards).
pub const GPUS_PER_NODE: u32 = 8;
/// Bytes of training state per parameter with mixed-precision AdamW (bf16 weights and grads,
/// fp32 master weights and two moments).
pub const STATE_BYTES_PER_PARAM: f64 = 16.0;
/// Fixed per-GPU memory for the CUDA context, NCCL buffers and allocator slack, GiB.
pub const OVERHEAD_GIB: f64 = 4.5;
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
/// Parameters from which a model counts as a giant: fine-tunes and data-parallel-only
/// frameworks leave it alone, and nobody trains it over PCIe boxes.
pub const GIANT_PARAMS: u64 = 100_000_000_000;

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

/// The training software a job runs: it decides which parallelism the job can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Framework {
    /// A plain PyTorch script (FSDP, optional tensor parallelism).
    Ddp,
    /// torchtitan: FSDP2 with tensor, pipeline and expert parallelism.
    Torchtitan,
    /// Megatron-LM: tensor, pipeline and expert parallelism with a distributed optimizer.
    Megatron,
    /// Hugging Face Trainer: data parallel only (FSDP or DeepSpeed ZeRO-3).
    HfTrainer,
}

impl Framework {
    /// Every framework, in the order `rotate` cycles through them.
    pub const ALL: [Framework; 4] = [
        Framework::Ddp,
        Framework::Torchtitan,
        Framework::Megatron,
        Framework::HfTrainer,
    ];

    /// The name configs and the command line use.
    pub fn name(self) -> &'static str {
        match self {
            Framework::Ddp => "ddp",
            Framework::Torchtitan => "torchtitan",
            Framework::Megatron => "megatron",
            Framework::HfTrainer => "hf-trainer",
        }
    }

    /// The framework of a name, if there is one.
    pub fn from_name(name: &str) -> Option<Framework> {
        Framework::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Whether the framework splits layers across GPUs (tensor/pipeline parallelism).
    pub fn model_parallel(self) -> bool {
        self != Framework::HfTrainer
    }

    /// Whether the framework shards parameters with FSDP (Megatron keeps whole replicas per
    /// model-parallel group and shards only the optimizer).
    pub fn fsdp(self) -> bool {
        self != Framework::Megatron
    }
}

impl std::fmt::Display for Framework {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
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
    /// Nodes in the job.
    pub nodes: u32,
    /// Tensor-parallel degree.
    pub tp: u32,
    /// Pipeline-parallel degree.
    pub pp: u32,
    /// Expert-parallel degree (1 for dense models).
    pub ep: u32,
    /// Mixed precision.
    pub precision: Precision,
    /// Tokens per sequence.
    pub seq_len: u32,
    /// Sequences per GPU per micro-step.
    pub micro_batch: u32,
    /// Micro-steps per optimizer step.
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
    /// Model FLOPs utilisation achieved.
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
    /// Host name prefix, e.g. `gpu-node`.
    pub host_prefix: String,
    /// Second octet of the cluster's 10.x.0.0/16 network.
    pub subnet: u8,
    /// Launcher process id on node 0.
    pub pid: u32,
    /// Job id of the scheduler.
    pub job_id: u32,
    /// Final training loss the run approaches (from a scaling law, or the fine-tune's floor).
    pub loss_floor: f64,
    /// Peak learning rate (the model's pretraining peak, or a fine-tuning rate).
    pub peak_lr: f64,
    /// Loss at the first step of a fine-tune (the pretrained model on the new data).
    pub sft_start_loss: f64,
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

/// Longest optimizer step a plan accepts, seconds: a log line at least every half minute.
pub const MAX_STEP_SECS: f64 = 30.0;
/// Round logging intervals real configs use, in steps.
const LOG_INTERVALS: [u64; 8] = [1, 2, 5, 10, 20, 25, 50, 100];

/// What the job is: its kind, the model, the data and the accelerator it runs on.
fn choose_job(
    rng: &mut ChaCha8Rng,
    catalog: &Catalog,
    framework: Framework,
) -> (JobKind, ModelSpec, DatasetSpec, GpuSpec) {
    let kind = match rng.random_range(0..100) {
        0..40 => JobKind::Resume,
        40..65 => JobKind::Scratch,
        // torchtitan is a pretraining framework.
        _ if framework == Framework::Torchtitan => JobKind::Resume,
        _ => JobKind::FineTune,
    };
    let sft = |d: &&DatasetSpec| d.is_sft();
    let models: Vec<&ModelSpec> = catalog
        .models
        .iter()
        .filter(|m| match kind {
            // Ablations from scratch are small; fine-tunes skip the 100B+ giants, and a
            // data-parallel-only framework cannot hold those either.
            JobKind::Scratch => m.active() < 15_000_000_000,
            JobKind::FineTune => m.params < GIANT_PARAMS,
            JobKind::Resume => framework.model_parallel() || m.params < GIANT_PARAMS,
        })
        .collect();
    let model = if models.is_empty() {
        pick(rng, &catalog.models).clone()
    } else {
        (*pick(rng, &models)).clone()
    };
    let wanted_sets: Vec<&DatasetSpec> = catalog
        .datasets
        .iter()
        .filter(|d| sft(d) == (kind == JobKind::FineTune))
        .collect();
    let dataset = if wanted_sets.is_empty() {
        pick(rng, &catalog.datasets).clone()
    } else {
        (*pick(rng, &wanted_sets)).clone()
    };
    // A fine-tune on a catalog without instruction data reads a corpus like pretraining.
    let kind = if kind == JobKind::FineTune && !dataset.is_sft() {
        JobKind::Resume
    } else {
        kind
    };
    // Only GPUs that can hold the model on a cluster of at most 512 nodes.
    let fitting: Vec<&GpuSpec> = catalog
        .gpus
        .iter()
        .filter(|g| min_gpus(&model, g) <= 512 * GPUS_PER_NODE)
        // Nobody trains 100B+ models over PCIe boxes.
        .filter(|g| model.params < GIANT_PARAMS || g.node_busbw >= 300.0)
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

    (kind, model, dataset, gpu)
}

/// The cluster shape: nodes, then tensor and pipeline parallel degrees.
fn cluster(
    rng: &mut ChaCha8Rng,
    model: &ModelSpec,
    gpu: &GpuSpec,
    kind: JobKind,
    framework: Framework,
) -> (u32, u32, u32) {
    let min_nodes = min_gpus(model, gpu).div_ceil(GPUS_PER_NODE).max(1);
    let active_b = model.active() as f64 / 1e9;
    // Bigger models get bigger clusters, as in practice; fine-tunes and ablations use a
    // few nodes.
    let wanted = match kind {
        JobKind::Resume => (active_b / 2.0).clamp(1.0, 256.0) * rng.random_range(0.5..2.0),
        _ => rng.random_range(0.5..4.0),
    };
    let nodes = wanted.max(min_nodes as f64).round().clamp(1.0, 1024.0) as u32;
    let nodes = nodes.next_power_of_two().max(min_nodes);
    let world = nodes * GPUS_PER_NODE;

    // Tensor parallelism needs NVLink-class bandwidth inside the node; PCIe boxes and
    // data-parallel-only frameworks shard with FSDP instead.
    let tp = match active_b {
        _ if !framework.model_parallel() || gpu.node_busbw < 100.0 => 1,
        x if x < 14.0 => 1,
        x if x < 40.0 => 2,
        _ => GPUS_PER_NODE,
    };
    let mut pp = if !framework.model_parallel() {
        1
    } else if active_b > 200.0 || model.params > 300_000_000_000 {
        16
    } else if active_b > 60.0 {
        4
    } else {
        1
    };
    while pp > 1 && !world.is_multiple_of(tp * pp) {
        pp /= 2;
    }
    (nodes, tp, pp)
}

/// Where the job's checkpoints go.
fn checkpoint_dir(rng: &mut ChaCha8Rng, plan: &RunPlan) -> String {
    let short_name = plan.model.name.to_lowercase().replace('.', "");
    format!(
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
        match plan.kind {
            JobKind::FineTune => pick(rng, &["sft", "finetune", "post-training"]),
            _ => pick(rng, &["pretrain", "llm-team", "foundation", "research"]),
        },
        short_name,
        plan.job_id
    )
}

impl RunPlan {
    /// Draws a consistent plan from the catalog for a job run by `framework`.
    pub fn draw(rng: &mut ChaCha8Rng, catalog: &Catalog, framework: Framework) -> RunPlan {
        let (kind, model, dataset, gpu) = choose_job(rng, catalog, framework);
        let (nodes, tp, pp) = cluster(rng, &model, &gpu, kind, framework);
        let seq_len = match kind {
            JobKind::FineTune => *pick(rng, &[2048u32, 4096]),
            _ => *pick(rng, &[2048u32, 4096, 4096, 8192]),
        };
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
            framework,
            kind,
            nodes,
            tp,
            pp,
            ep: 1,
            precision,
            seq_len,
            micro_batch: 1,
            grad_accum: 1,
            total_steps: 0,
            start_step: 0,
            end_step: 0,
            warmup_steps: 0,
            epochs: 1,
            mfu: 0.0,
            log_every: 10,
            val_every: 250,
            val_batches: 50,
            ckpt_every: 500,
            storage_bps: 0.0,
            shards: 1,
            host_prefix: pick(rng, &["gpu-node", "node", "hgx", "dgx", "compute", "trn"])
                .to_string(),
            subnet: rng.random_range(1..=250),
            pid: rng.random_range(2000..90000),
            job_id: rng.random_range(100_000..9_999_999),
            loss_floor: 0.0,
            sft_start_loss: 0.0,
            peak_lr: 0.0,
            ckpt_dir: String::new(),
        };
        plan.spread_experts();
        plan.fit_micro_batch();
        plan.size_batch(rng);
        plan.set_utilisation(rng);
        plan.peak_lr = match kind {
            JobKind::FineTune => *pick(rng, &[5.0e-6, 1.0e-5, 1.0e-5, 2.0e-5]),
            _ => plan.model.lr,
        };
        plan.schedule(rng);
        plan.storage_bps =
            (plan.nodes as f64 * rng.random_range(0.6e9..2.5e9)).clamp(2.0e9, 400.0e9);
        let shard_bytes = *pick(rng, &[4.0e9, 5.0e9, 10.0e9]);
        plan.shards = plan
            .model
            .shards
            .unwrap_or(((plan.weight_bytes() / shard_bytes).ceil() as u32).max(1));

        // Chinchilla fit for the schedule's tokens: the loss pretraining approaches.
        let n = plan.model.active() as f64;
        let d = plan.tokens_per_step() * plan.total_steps as f64;
        plan.loss_floor = 1.69 + 406.4 / n.powf(0.34) + 410.7 / d.powf(0.28);
        if kind == JobKind::FineTune {
            plan.sft_start_loss = rng.random_range(1.5..2.5);
            plan.loss_floor = plan.sft_start_loss * rng.random_range(0.55..0.75);
        }
        plan.ckpt_dir = checkpoint_dir(rng, &plan);
        plan
    }

    /// Experts spread over up to 64 data-parallel ranks (DeepSeek-V3 used 64-way EP).
    fn spread_experts(&mut self) {
        if let Some(e) = self.model.experts
            && self.framework.model_parallel()
        {
            let dp = self.dp();
            self.ep = [64u32, 32, 16, 8, 4, 2]
                .into_iter()
                .find(|&ep| ep <= e && dp.is_multiple_of(ep))
                .unwrap_or(1);
        }
    }

    /// Largest micro batch that fits under 90% of the GPU; a run that still leaves most of
    /// the memory idle gives up tensor parallelism (each rank then holds more of the model).
    fn fit_micro_batch(&mut self) {
        loop {
            self.micro_batch = [64u32, 32, 16, 8, 4, 2, 1]
                .into_iter()
                .find(|&mb| {
                    self.micro_batch = mb;
                    self.memory_gib() < self.gpu.memory_gib * 0.9
                })
                .unwrap_or(1);
            let fill = self.memory_gib() / self.gpu.memory_gib;
            if fill >= 0.6 || self.tp == 1 {
                break;
            }
            self.tp /= 2;
        }
    }

    /// Real configs fix a round global batch (a power of two in sequences) and derive the
    /// accumulation from it: ~1-16M tokens for pretraining, 64-256 sequences for SFT.
    fn size_batch(&mut self, rng: &mut ChaCha8Rng) {
        let active_b = self.model.active() as f64 / 1e9;
        let target_seqs = if self.kind == JobKind::FineTune {
            *pick(rng, &[64u64, 128, 128, 256])
        } else {
            let tokens = if active_b > 200.0 {
                16.0e6
            } else if active_b > 30.0 {
                *pick(rng, &[4.0e6, 8.0e6])
            } else {
                *pick(rng, &[1.0e6, 2.0e6, 4.0e6])
            };
            ((tokens / self.seq_len as f64).round() as u64).max(1)
        };
        // Many data-parallel ranks reach the batch with smaller micro batches (memory then
        // stays below what it could hold).
        let target_seqs = target_seqs.next_power_of_two();
        while self.micro_batch > 1 && (self.micro_batch * self.dp()) as u64 > target_seqs {
            self.micro_batch /= 2;
        }
        let per_micro = (self.micro_batch * self.dp()) as u64;
        let global = target_seqs.max(per_micro);
        self.grad_accum = (global / per_micro).clamp(1, 64) as u32;
    }

    /// The MFU the job reaches, and the accumulation that keeps a step under half a minute.
    fn set_utilisation(&mut self, rng: &mut ChaCha8Rng) {
        // ROCm stacks and PCIe-only boxes reach lower utilisation; so do MoE models (all-to-all
        // dispatch, small expert GEMMs) and fine-tunes (short, padded samples).
        let headroom = if self.gpu.collectives == Collectives::Rccl || self.gpu.node_busbw < 100.0 {
            0.85
        } else {
            1.0
        };
        let moe = if self.model.experts.is_some() {
            rng.random_range(0.55..0.75)
        } else {
            1.0
        };
        let sft = if self.kind == JobKind::FineTune {
            rng.random_range(0.6..0.85)
        } else {
            1.0
        };
        self.mfu = rng.random_range(0.38..0.53)
            * headroom
            * moe
            * sft
            * if self.pp > 4 { 0.93 } else { 1.0 };
        // A log line at least every half minute: halve the accumulation while a step is slower.
        while self.step_time() > MAX_STEP_SECS && self.grad_accum * self.micro_batch > 1 {
            if self.grad_accum > 1 {
                self.grad_accum /= 2;
            } else {
                self.micro_batch /= 2;
            }
        }
    }

    /// Steps, warm-up, epochs, where the job starts and stops, and the intervals of logging,
    /// validation and checkpoints, all from real job time.
    fn schedule(&mut self, rng: &mut ChaCha8Rng) {
        let step = self.step_time();
        let round = |steps: f64| {
            let unit = if steps >= 5000.0 {
                1000.0
            } else if steps >= 500.0 {
                100.0
            } else {
                10.0
            };
            ((steps / unit).round().max(1.0) * unit) as u64
        };
        match self.kind {
            JobKind::FineTune => {
                // Whole passes over an instruction set: steps follow from its size.
                self.epochs = *pick(rng, &[1u32, 2, 3, 3]);
                let per_epoch = (self.dataset.documents as u64).div_ceil(self.global_batch());
                self.total_steps = per_epoch.max(1) * self.epochs as u64;
                self.warmup_steps = (self.total_steps as f64 * 0.03).ceil().max(1.0) as u64;
                self.end_step = self.total_steps;
            }
            JobKind::Scratch => {
                // An ablation of one to eight hours.
                let secs = rng.random_range(3600.0..8.0 * 3600.0);
                self.total_steps = round(secs / step).max(100);
                self.warmup_steps = round(self.total_steps as f64 * rng.random_range(0.02..0.06));
                self.end_step = self.total_steps;
            }
            JobKind::Resume => {
                // A long pretraining schedule over part of a corpus (at most all of it),
                // joined somewhere in the middle; this job runs until the schedule ends or
                // the scheduler's time limit (4-48 h) stops it.
                let n = self.model.active() as f64;
                let tokens = (n * rng.random_range(20.0..200.0))
                    .max(self.tokens_per_step() * 2000.0)
                    .min(self.dataset.tokens);
                self.total_steps = round(tokens / self.tokens_per_step());
                self.warmup_steps = round(
                    (self.total_steps as f64 * 0.01)
                        .clamp(200.0, 8000.0)
                        .min(self.total_steps as f64 * 0.1),
                );
                let at = rng.random_range(0.05..0.97) * self.total_steps as f64;
                self.start_step = (at as u64).max(self.warmup_steps);
                let limit = rng.random_range(4.0..48.0) * 3600.0 / step;
                self.end_step = (self.start_step + limit as u64).min(self.total_steps);
            }
        }
        // A log line every 5-30 s, on a round interval.
        let target: f64 = rng.random_range(5.0..20.0);
        self.log_every = LOG_INTERVALS
            .into_iter()
            .rev()
            .find(|&n| n as f64 * step <= target.max(step))
            .unwrap_or(1);
        // Validation every 20-60 minutes and checkpoints every 1-2 validations of job time,
        // in multiples of the logging interval.
        let n = rng.random_range(1200.0..3600.0) / step;
        let every = ((n / self.log_every as f64).round().max(1.0) as u64) * self.log_every;
        self.val_every = if every >= 500 { every / 50 * 50 } else { every }.max(1);
        self.ckpt_every = self.val_every * rng.random_range(1..=2);
        self.val_batches = *pick(rng, &[20u32, 40, 50, 100]);
    }

    /// Whether the step's metrics are logged: the first step of the job and every
    /// `log_every`-th.
    pub fn logs_step(&self, step: u64) -> bool {
        step.is_multiple_of(self.log_every) || step == self.start_step + 1
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

    /// Smooth gradient norm: high in the first steps, settling around 0.2-0.4.
    pub fn grad_norm_curve(&self, step: u64) -> f64 {
        let settle = 0.22 + 0.12 * (self.model.active() as f64 / 1e11).min(1.0);
        let tau = (self.warmup_steps as f64 / 3.0).max(5.0);
        settle + 7.0 * (-(step as f64) / tau).exp()
    }
}
