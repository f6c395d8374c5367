//! The training software a job runs: it decides which parallelism the job can use, which job
//! kinds it runs, how it scales fp16 losses, which steps it logs and the order of its setup.

/// The training software a job runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Framework {
    /// A plain PyTorch script (FSDP, optional tensor parallelism).
    Ddp,
    /// torchtitan: FSDP2 with tensor, pipeline and expert parallelism; pretraining, bf16.
    Torchtitan,
    /// Megatron-LM: tensor, pipeline and expert parallelism with a distributed optimizer.
    Megatron,
    /// Hugging Face Trainer: data parallel only (FSDP or DeepSpeed ZeRO-3).
    HfTrainer,
}

/// A dynamic fp16 loss scaler's rules.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scaler {
    /// The scale a run starts with.
    pub initial: f64,
    /// Clean steps after which the scale doubles.
    pub growth_interval: u64,
    /// Overflows before the first halving (Megatron's `--hysteresis`).
    pub hysteresis: u32,
}

/// torch.amp's GradScaler (torch/amp/grad_scaler.py): `init_scale=2.**16`,
/// `growth_interval=2000`, halving at every overflow.
const GRAD_SCALER: Scaler = Scaler {
    initial: 65536.0,
    growth_interval: 2000,
    hysteresis: 1,
};

/// Megatron-LM's DynamicGradScaler with its defaults (megatron/training/arguments.py:
/// `--initial-loss-scale 2**32`, `--loss-scale-window 1000`, `--hysteresis 2`).
const MEGATRON_SCALER: Scaler = Scaler {
    initial: 4_294_967_296.0,
    growth_interval: 1000,
    hysteresis: 2,
};

/// A part of a job's start, in the order a framework runs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetupPhase {
    /// The shell prompt and the launcher's banner (not repeated by a restart).
    Prompt,
    /// The script's own configuration lines.
    Startup,
    /// The model is built (and published weights read, for a fine-tune).
    Model,
    /// The tokenizer.
    Tokenizer,
    /// The dataset.
    Data,
    /// The process group and NCCL's communicators.
    Distributed,
    /// The plain script's AllReduce check.
    AllReduce,
    /// A checkpoint is loaded (or there is none).
    Restore,
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

    /// Whether it fine-tunes published weights (torchtitan and Megatron-LM jobs here are
    /// pretraining runs).
    pub fn fine_tunes(self) -> bool {
        matches!(self, Framework::Ddp | Framework::HfTrainer)
    }

    /// Whether its training loop catches an out-of-memory error and retries with a smaller
    /// micro batch (a hand-written script's habit; the frameworks let the rank die).
    pub fn retries_oom(self) -> bool {
        self == Framework::Ddp
    }

    /// Whether it trains in fp16 with loss scaling (torchtitan has bf16 and fp32 only).
    pub fn allows_fp16(self) -> bool {
        self != Framework::Torchtitan
    }

    /// Its fp16 loss scaler.
    pub fn scaler(self) -> Scaler {
        match self {
            Framework::Megatron => MEGATRON_SCALER,
            _ => GRAD_SCALER,
        }
    }

    /// Whether a step's metrics are logged: torchtitan at step 1 and every `every`-th
    /// (`should_log`, components/metrics.py); Megatron at every `every`-th iteration
    /// (`iteration % args.log_interval == 0`, training.py); the HF Trainer at every
    /// `logging_steps`-th (`logging_first_step` is off by default); the plain script at its
    /// first step, every `every`-th and its last.
    pub fn logs(self, step: u64, every: u64, first: bool, last: bool) -> bool {
        let on_interval = step.is_multiple_of(every);
        match self {
            Framework::Torchtitan => step == 1 || on_interval,
            Framework::Megatron | Framework::HfTrainer => on_interval,
            Framework::Ddp => on_interval || first || last,
        }
    }

    /// Whether validation runs after `step` of `total`: torchtitan at step 1 and every
    /// `every`-th (`should_validate`, components/validate.py), the others every `every`-th
    /// and at the end of training.
    pub fn validates(self, step: u64, every: u64, total: u64) -> bool {
        let on_interval = step.is_multiple_of(every);
        match self {
            Framework::Torchtitan => step == 1 || on_interval,
            Framework::HfTrainer => on_interval,
            Framework::Megatron | Framework::Ddp => on_interval || step == total,
        }
    }

    /// The parts of a job's start in the order the tool runs them: the plain script builds
    /// its model and data and then brings up NCCL and checks it; torchtitan's Trainer builds
    /// its device mesh first (NCCL), then the tokenizer, data and model; Megatron-LM's
    /// `pretrain()` initialises (tokenizer, NCCL), builds the model, loads the checkpoint,
    /// then builds its datasets; a Trainer script loads the data, tokenizer and model, and
    /// NCCL comes up with the Trainer.
    pub fn setup(self) -> &'static [SetupPhase] {
        use SetupPhase::*;
        match self {
            Framework::Ddp => &[
                Prompt,
                Startup,
                Model,
                Tokenizer,
                Data,
                Distributed,
                AllReduce,
                Restore,
            ],
            Framework::Torchtitan => &[
                Prompt,
                Startup,
                Distributed,
                Tokenizer,
                Data,
                Model,
                Restore,
            ],
            Framework::Megatron => &[
                Prompt,
                Startup,
                Tokenizer,
                Distributed,
                Model,
                Restore,
                Data,
            ],
            Framework::HfTrainer => &[
                Prompt,
                Startup,
                Data,
                Tokenizer,
                Model,
                Distributed,
                Restore,
            ],
        }
    }
}

impl std::fmt::Display for Framework {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
