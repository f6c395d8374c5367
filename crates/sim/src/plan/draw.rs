//! Drawing a plan: what the job is, the cluster shape, batch and pipeline, the utilisation it
//! reaches and a schedule a team would run.

use std::sync::Arc;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{
    GIANT_PARAMS, GIB, GPUS_PER_NODE, JobKind, MAX_STEP_SECS, OVERHEAD_GIB, Precision, RunPlan,
    STATE_BYTES_PER_PARAM,
};
use crate::catalog::{Catalog, Collectives, DatasetSpec, GpuSpec, ModelSpec};
use crate::cluster::Cluster;
use crate::draws::pick;
use crate::framework::Framework;

/// Round logging intervals real configs use, in steps.
const LOG_INTERVALS: [u64; 8] = [1, 2, 5, 10, 20, 25, 50, 100];
/// Micro-batches per step a pipeline needs to keep its bubble small (real configs use at
/// least four per stage, or interleave stages).
const MICRO_BATCHES_PER_STAGE: u32 = 4;

/// Minimum GPUs whose memory holds the sharded training state with room for activations.
fn min_gpus(model: &ModelSpec, gpu: &GpuSpec) -> u32 {
    let usable = (gpu.memory_gib - OVERHEAD_GIB) * 0.55 * GIB;
    ((model.params as f64 * STATE_BYTES_PER_PARAM) / usable)
        .ceil()
        .max(1.0) as u32
}

/// Whether a model can be trained on a kind of node: on at most 512 nodes, and giants only
/// over NVLink-class boxes.
fn fits(model: &ModelSpec, gpu: &GpuSpec) -> bool {
    min_gpus(model, gpu) <= 512 * GPUS_PER_NODE
        && (model.params < GIANT_PARAMS || gpu.node_busbw >= 300.0)
}

/// What the job is: its kind, the model, the data and the partition it runs on.
fn choose_job(
    rng: &mut ChaCha8Rng,
    catalog: &Catalog,
    cluster: &Cluster,
    framework: Framework,
) -> (JobKind, ModelSpec, DatasetSpec, GpuSpec) {
    let kind = match rng.random_range(0..100) {
        0..40 => JobKind::Resume,
        40..65 => JobKind::Scratch,
        _ if framework.fine_tunes() => JobKind::FineTune,
        _ => JobKind::Resume,
    };
    let usable = |m: &ModelSpec| {
        let for_kind = match kind {
            // Ablations from scratch are small; fine-tunes skip the 100B+ giants, and a
            // data-parallel-only framework cannot hold those either.
            JobKind::Scratch => m.active() < 15_000_000_000,
            JobKind::FineTune => m.params < GIANT_PARAMS,
            JobKind::Resume => framework.model_parallel() || m.params < GIANT_PARAMS,
        };
        // torchtitan trains only the models it ships.
        let shipped = framework != Framework::Torchtitan || m.torchtitan.is_some();
        for_kind && shipped && cluster.gpus.iter().any(|g| fits(m, g))
    };
    let models: Vec<&ModelSpec> = catalog.models.iter().filter(|m| usable(m)).collect();
    let model = match models.as_slice() {
        [] => catalog
            .models
            .iter()
            .min_by_key(|m| m.params)
            .expect("catalog has models")
            .clone(),
        some => (*pick(rng, some)).clone(),
    };
    let fitting: Vec<&GpuSpec> = cluster.gpus.iter().filter(|g| fits(&model, g)).collect();
    let gpu = match fitting.as_slice() {
        [] => cluster.gpus[0].clone(),
        some => (*pick(rng, some)).clone(),
    };
    let sets: Vec<&DatasetSpec> = catalog
        .datasets
        .iter()
        .filter(|d| d.is_sft() == (kind == JobKind::FineTune))
        .collect();
    let dataset = match sets.as_slice() {
        [] => pick(rng, &catalog.datasets).clone(),
        some => (*pick(rng, some)).clone(),
    };
    // A fine-tune on a catalog without instruction data reads a corpus like pretraining.
    let kind = if kind == JobKind::FineTune && !dataset.is_sft() {
        JobKind::Resume
    } else {
        kind
    };
    (kind, model, dataset, gpu)
}

/// The cluster shape: nodes, then tensor and pipeline parallel degrees.
fn shape(
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

/// A short slug of a name for paths: `Llama-3.1-8B` gives `llama31-8b`.
fn slug(name: &str) -> String {
    let s = name.rsplit('/').next().unwrap_or(name).to_lowercase();
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

impl RunPlan {
    /// Draws a consistent plan for a job run by `framework` on the team's cluster.
    pub fn draw(
        rng: &mut ChaCha8Rng,
        catalog: &Catalog,
        cluster: &Arc<Cluster>,
        framework: Framework,
    ) -> RunPlan {
        let (kind, model, dataset, gpu) = choose_job(rng, catalog, cluster, framework);
        let (nodes, tp, pp) = shape(rng, &model, &gpu, kind, framework);
        let seq_len = match kind {
            JobKind::FineTune => *pick(rng, &[2048u32, 4096]),
            _ => *pick(rng, &[2048u32, 4096, 4096, 8192]),
        };
        let seq_len = seq_len.min(model.context);
        // fp16 with loss scaling only where it is still chosen: Ampere-class and older parts,
        // in frameworks that have it. Hopper, Blackwell and MI300X runs use bf16.
        let precision =
            if framework.allows_fp16() && gpu.peak_tflops < 900.0 && rng.random_bool(0.15) {
                Precision::Fp16
            } else {
                Precision::Bf16
            };
        let run_name = format!(
            "{}-{}-v{}",
            slug(&model.name).replace('.', ""),
            slug(&dataset.name),
            rng.random_range(1..=6)
        );
        let mut plan = RunPlan {
            cluster: cluster.clone(),
            model,
            gpu,
            dataset,
            framework,
            kind,
            run_name,
            nodes,
            tp,
            pp,
            vpp: 1,
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
            epoch_samples: 0,
            mfu: 0.0,
            log_every: 10,
            val_every: 250,
            val_batches: 50,
            ckpt_every: 500,
            storage_bps: 0.0,
            shards: 1,
            pid: rng.random_range(2000..90000),
            job_id: rng.random_range(100_000..9_999_999),
            noise_seed: rng.random(),
            loss_floor: 0.0,
            val_gap: 0.0,
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
        plan.finish(rng);
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
    /// accumulation from it: ~1-16M tokens for pretraining, 64-256 sequences for SFT. A
    /// pipeline gets at least four micro-batches per stage (smaller micro batches, then
    /// interleaved stages), so its bubble stays small.
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
        self.grad_accum = (global / per_micro).clamp(1, 1024) as u32;
        self.fill_pipeline();
    }

    /// At least four micro-batches per pipeline stage: halve the micro batch (the global batch
    /// stays), then interleave virtual stages where the layers divide.
    fn fill_pipeline(&mut self) {
        if self.pp <= 1 {
            return;
        }
        let want = MICRO_BATCHES_PER_STAGE * self.pp;
        while self.grad_accum < want && self.micro_batch > 1 {
            self.micro_batch /= 2;
            self.grad_accum *= 2;
        }
        if self.grad_accum >= want {
            return;
        }
        let divides = |v: u32| self.model.layers.is_multiple_of(self.pp * v);
        let m = self.grad_accum;
        self.vpp = [2u32, 4]
            .into_iter()
            .filter(|&v| divides(v))
            .find(|&v| v * m >= want)
            .or_else(|| [4u32, 2].into_iter().find(|&v| divides(v)))
            .unwrap_or(1);
        // Still short of micro-batches: accumulate more (a larger global batch).
        if self.grad_accum * self.vpp < want {
            self.grad_accum = want.div_ceil(self.vpp);
        }
    }

    /// The MFU the job's compute reaches, and the accumulation that keeps a step under half a
    /// minute. ROCm stacks and PCIe-only boxes reach lower utilisation; so do MoE models
    /// (all-to-all dispatch, small expert GEMMs) and fine-tunes (short, padded samples).
    fn set_utilisation(&mut self, rng: &mut ChaCha8Rng) {
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
        self.mfu = rng.random_range(0.40..0.55) * headroom * moe * sft;
        // A log line at least every half minute: halve the accumulation while a step is
        // slower, but not below what keeps a pipeline's bubble small; then the micro batch.
        let min_accum = if self.pp > 1 {
            (MICRO_BATCHES_PER_STAGE * self.pp).div_ceil(self.vpp)
        } else {
            1
        };
        while self.step_time() > MAX_STEP_SECS {
            if self.grad_accum / 2 >= min_accum {
                self.grad_accum /= 2;
            } else if self.micro_batch > 1 {
                self.micro_batch /= 2;
            } else {
                break;
            }
        }
    }

    /// Steps, warm-up, epochs, where the job starts and stops, and the intervals of logging,
    /// validation and checkpoints, all from real job time.
    fn schedule(&mut self, rng: &mut ChaCha8Rng) {
        let step = self.step_time();
        match self.kind {
            JobKind::FineTune => self.schedule_fine_tune(rng),
            JobKind::Scratch => {
                // An ablation of one to eight hours.
                let secs = rng.random_range(3600.0..8.0 * 3600.0);
                self.total_steps = round_steps(secs / step).max(100);
                self.warmup_steps =
                    round_steps(self.total_steps as f64 * rng.random_range(0.02..0.06));
                self.end_step = self.total_steps;
                self.epoch_samples = self.total_steps * self.global_batch();
            }
            JobKind::Resume => self.schedule_campaign(rng),
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
        // People pick round intervals: 50s above 500 steps, 10s above 100, 5s above 20.
        // ... and at least ten of each in a schedule.
        let every = (n.round() as u64).clamp(1, (self.total_steps / 20).max(1));
        let round = match every {
            500.. => 50,
            100.. => 10,
            20.. => 5,
            _ => 1,
        };
        let every = (every / round * round).max(1);
        self.val_every = (every / self.log_every).max(1) * self.log_every;
        self.ckpt_every = self.val_every * rng.random_range(1..=2);
        self.val_batches = *pick(rng, &[20u32, 40, 50, 100]);
        if self.kind == JobKind::Resume {
            // A resumed job starts from a checkpoint the campaign saved.
            let span = self.end_step - self.start_step;
            let after_warmup = self.warmup_steps.div_ceil(self.ckpt_every) * self.ckpt_every;
            let last_saved = (self.total_steps - 1) / self.ckpt_every * self.ckpt_every;
            self.start_step = (self.start_step / self.ckpt_every * self.ckpt_every)
                .max(after_warmup)
                .max(self.ckpt_every)
                .min(last_saved);
            self.end_step = (self.start_step + span.max(1)).min(self.total_steps);
        }
    }

    /// Whole passes over an instruction set: an epoch packs the set's tokens into sequences,
    /// never more than it holds.
    fn schedule_fine_tune(&mut self, rng: &mut ChaCha8Rng) {
        self.epochs = *pick(rng, &[1u32, 2, 3, 3]);
        self.epoch_samples = ((self.dataset.tokens / self.seq_len as f64).ceil() as u64).max(1);
        let per_epoch = self.epoch_samples.div_ceil(self.global_batch());
        self.total_steps = per_epoch.max(1) * self.epochs as u64;
        self.warmup_steps = (self.total_steps as f64 * 0.03).ceil().max(1.0) as u64;
        self.end_step = self.total_steps;
    }

    /// A pretraining campaign sized to finish in days to a few months on this cluster (the
    /// bigger the model, the longer), reading at most its corpus once; this job joins it
    /// somewhere in the middle and runs until the schedule ends or the scheduler's time
    /// limit (4-48 h) stops it.
    fn schedule_campaign(&mut self, rng: &mut ChaCha8Rng) {
        let step = self.step_time();
        let active_b = self.model.active() as f64 / 1e9;
        let days: f64 = match active_b {
            b if b < 3.0 => rng.random_range(2.0..10.0),
            b if b < 20.0 => rng.random_range(5.0..30.0),
            b if b < 100.0 => rng.random_range(14.0..60.0),
            _ => rng.random_range(30.0..90.0),
        };
        // The Trainer is used for the smaller pretraining runs.
        let days = if self.framework == Framework::HfTrainer {
            days.min(rng.random_range(3.0..14.0))
        } else {
            days
        };
        let by_time = days * 86_400.0 / step;
        let by_data = self.dataset.tokens / self.tokens_per_step();
        self.total_steps = round_steps(by_time.min(by_data)).max(1000);
        if self.total_steps as f64 > by_data * 1.05 {
            // A small corpus: as many round steps as it holds.
            let unit = if by_data >= 500.0 { 100.0 } else { 10.0 };
            self.total_steps = ((by_data / unit).floor().max(1.0) * unit) as u64;
        }
        self.warmup_steps = round_steps(
            (self.total_steps as f64 * 0.01)
                .clamp(200.0, 8000.0)
                .min(self.total_steps as f64 * 0.1),
        );
        let at = rng.random_range(0.05..0.97) * self.total_steps as f64;
        self.start_step = (at as u64).max(self.warmup_steps);
        let limit = rng.random_range(4.0..48.0) * 3600.0 / step;
        self.end_step = (self.start_step + limit as u64).min(self.total_steps);
        self.epoch_samples = self.total_steps * self.global_batch();
    }

    /// Storage, shards, the losses the run approaches and where its checkpoints go.
    fn finish(&mut self, rng: &mut ChaCha8Rng) {
        self.storage_bps =
            (self.nodes as f64 * rng.random_range(0.6e9..2.5e9)).clamp(2.0e9, 400.0e9);
        let shard_bytes = *pick(rng, &[4.0e9, 5.0e9, 10.0e9]);
        self.shards = self
            .model
            .shards
            .unwrap_or(((self.weight_bytes() / shard_bytes).ceil() as u32).max(1));
        // Chinchilla fit for the schedule's tokens: the loss pretraining approaches.
        let n = self.model.active() as f64;
        let d = self.tokens_per_step() * self.total_steps as f64;
        self.loss_floor = 1.69 + 406.4 / n.powf(0.34) + 410.7 / d.powf(0.28);
        self.val_gap = rng.random_range(0.008..0.035);
        if self.kind == JobKind::FineTune {
            self.sft_start_loss = rng.random_range(1.5..2.5);
            self.loss_floor = self.sft_start_loss * rng.random_range(0.55..0.75);
            self.val_gap = rng.random_range(0.05..0.15);
        }
        let area = match self.kind {
            JobKind::FineTune => "sft",
            JobKind::Scratch => "ablations",
            JobKind::Resume => "pretrain",
        };
        self.ckpt_dir = format!("{}/{area}/{}", self.cluster.storage, self.run_name);
    }
}

/// A step count rounded as configs write them.
fn round_steps(steps: f64) -> u64 {
    let unit = if steps >= 5000.0 {
        1000.0
    } else if steps >= 500.0 {
        100.0
    } else {
        10.0
    };
    ((steps / unit).round().max(1.0) * unit) as u64
}
