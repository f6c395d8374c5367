//! A plain PyTorch DDP/FSDP training script: Python `logging` with
//! `format="[%(asctime)s] %(levelname)s %(message)s"` and `datefmt="%Y-%m-%d %H:%M:%S"`, a
//! summary of its own configuration at start-up, a GPU check per rank and an AllReduce test,
//! a step line every `log_every` steps and two tqdm bars (epoch and step) under the log.

use sim::{GPUS_PER_NODE, JobKind};
use term::{Color, Style, StyledLine};

use crate::fmt::{clock, commas, short, tqdm_num, tqdm_rate};
use crate::level::{Level, META, RankTag};
use crate::shared::launcher;
use crate::style::LogStyle;
use crate::writer::{LastStep, Writer};

/// The DDP style.
pub struct Ddp;

impl LogStyle for Ddp {
    fn script(&self) -> &'static str {
        "train.py"
    }

    fn prefix(&self, w: &Writer, level: Level, rank: RankTag, l: &mut StyledLine) {
        l.append(w.now().format("[%Y-%m-%d %H:%M:%S] ").to_string(), META);
        if let Some((r, n)) = rank {
            l.append(format!("[Rank {r}/{n}] "), Style::fg(Color::CYAN));
        }
        l.append(level.word(), Style::fg(level.color()).bold());
        l.append(" ", Style::PLAIN);
    }

    fn step_line(&self, w: &Writer, last: &LastStep) -> StyledLine {
        step_line(w, last)
    }

    fn bars(&self, w: &Writer, last: &LastStep) -> Vec<StyledLine> {
        let step = step_bar(w, last);
        vec![epoch_bar(w, last), step]
    }

    fn job_info(&self, w: &mut Writer) {
        let p = w.plan();
        let msg = format!(
            "Job {} on {} nodes x {} GPUs ({} ranks)",
            p.job_id,
            p.nodes,
            GPUS_PER_NODE,
            p.world()
        );
        w.log(Level::Info, &msg);
    }

    fn config_info(&self, w: &mut Writer) {
        let p = w.plan();
        let msg = format!(
            "Config: model={} precision={} seq_len={} micro_batch={} grad_accum={} global_batch={} ({} tokens/step)",
            p.model.name,
            p.precision.name(),
            p.seq_len,
            p.micro_batch,
            p.grad_accum,
            p.global_batch(),
            commas(p.tokens_per_step() as u64)
        );
        w.log(Level::Info, &msg);
    }

    fn parallelism_info(&self, w: &mut Writer) {
        let p = w.plan();
        let ep = if p.ep > 1 {
            format!(" ep={}", p.ep)
        } else {
            String::new()
        };
        let sharding = if p.framework.fsdp() {
            "FSDP full_shard"
        } else {
            "distributed optimizer"
        };
        let msg = format!(
            "Parallelism: dp={} tp={} pp={}{ep} | {sharding}, activation checkpointing: full",
            p.dp(),
            p.tp,
            p.pp
        );
        w.log(Level::Info, &msg);
    }

    fn optimizer_info(&self, w: &mut Writer) {
        let msg = format!(
            "Optimizer: AdamW(lr={:.1e}, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1), grad_clip=1.0",
            w.plan().peak_lr
        );
        w.log(Level::Info, &msg);
    }

    /// The learning-rate schedule, then the pacing note.
    fn schedule_info(&self, w: &mut Writer) {
        let p = w.plan();
        let msg = format!(
            "Schedule: warmup {} steps, cosine decay to {:.1e} over {} steps, {} epoch{}",
            commas(p.warmup_steps),
            p.peak_lr * 0.1,
            commas(p.total_steps),
            p.epochs,
            if p.epochs > 1 { "s" } else { "" }
        );
        w.log(Level::Info, &msg);
        launcher::disclosure(w);
    }

    fn model_loading(&self, w: &mut Writer) {
        let p = w.plan();
        let msg = match p.kind {
            JobKind::FineTune => format!("Loading pretrained model: {}", p.model.name),
            _ => format!(
                "Building model: {} (random init on meta device)",
                p.model.name
            ),
        };
        w.log(Level::Info, &msg);
    }

    fn architecture(&self, w: &mut Writer) {
        let m = &w.plan().model;
        let moe = match (m.experts, m.top_k) {
            (Some(e), Some(k)) => format!(
                ", experts={e} (top-{k}), active={}",
                short(m.active() as f64)
            ),
            _ => String::new(),
        };
        let msg = format!(
            "Architecture: layers={} hidden={} heads={} kv_heads={} ffn={} vocab={} max_position={}{moe}",
            m.layers, m.hidden, m.heads, m.kv_heads, m.ffn, m.vocab, m.context
        );
        w.log(Level::Info, &msg);
    }

    fn parameter_count(&self, w: &mut Writer) {
        let n = w.plan().model.params;
        let msg = format!("Number of parameters: {} ({})", commas(n), short(n as f64));
        w.log(Level::Info, &msg);
    }

    fn tokenizer(&self, w: &mut Writer) {
        let m = &w.plan().model;
        let msg = format!(
            "Tokenizer: {} (vocab_size={})",
            m.tokenizer_class(),
            commas(m.tokenizer_vocab.unwrap_or(m.vocab) as u64)
        );
        w.log(Level::Info, &msg);
    }

    fn dataset_loading(&self, w: &mut Writer) {
        let d = &w.plan().dataset;
        let msg = format!(
            "Loading dataset {} (streaming, {} tokens in corpus)",
            d.name,
            short(d.tokens)
        );
        w.log(Level::Info, &msg);
    }

    fn dataset_ready(&self, w: &mut Writer, documents: u64) {
        let p = w.plan();
        let samples = p.samples_per_epoch();
        let msg = format!(
            "Dataset: {} documents -> {} packed samples of {} tokens ({} tokens per epoch)",
            commas(documents),
            commas(samples),
            p.seq_len,
            short(samples as f64 * p.seq_len as f64)
        );
        w.log(Level::Info, &msg);
    }

    fn batch_info(&self, w: &mut Writer) {
        let p = w.plan();
        let msg = format!(
            "Batch: global {} = micro {} x grad_accum {} x data_parallel {}; {} steps per epoch",
            p.global_batch(),
            p.micro_batch,
            p.grad_accum,
            p.dp(),
            commas(p.steps_per_epoch())
        );
        w.log(Level::Info, &msg);
    }

    fn process_group_init(&self, w: &mut Writer, restart: bool) {
        let p = w.plan();
        let msg = if restart {
            format!(
                "Initializing process group: backend=nccl, world_size={}",
                p.world()
            )
        } else {
            format!(
                "Initializing process group: backend=nccl, world_size={}, master={}:29500",
                p.world(),
                p.host(0)
            )
        };
        w.log(Level::Info, &msg);
    }

    fn rank_detected(&self, w: &mut Writer, rank: u32) {
        let p = w.plan();
        let (node, local) = (rank / GPUS_PER_NODE, rank % GPUS_PER_NODE);
        let msg = format!(
            "Detected {} on node {} (local_rank {}, busId {})",
            p.gpu.torch_name,
            node,
            local,
            p.bus_id(local)
        );
        let world = p.world();
        w.log_rank(Level::Info, rank, world, &msg);
    }

    fn more_ranks(&self, w: &mut Writer, shown: u32) {
        let p = w.plan();
        let msg = format!(
            "... and {} more GPUs ({} in total, all {})",
            p.world() - shown,
            p.world(),
            p.gpu.torch_name
        );
        w.log(Level::Info, &msg);
    }

    fn allreduce_started(&self, w: &mut Writer) {
        let msg = format!(
            "Running AllReduce sanity check across {} ranks (bf16, sum)",
            w.plan().world()
        );
        w.log(Level::Info, &msg);
    }

    fn allreduce_header(&self, w: &mut Writer) {
        w.print(StyledLine::new().push(
            "#       size         count      type   redop    time(us)   algbw(GB/s)   busbw(GB/s)  #wrong",
            Style::fg(Color::GREY),
        ));
    }

    fn allreduce_row(&self, w: &mut Writer, bytes: f64, time_us: f64, algbw: f64, busbw: f64) {
        w.print(StyledLine::plain(format!(
            "  {:>11}  {:>12}  bfloat16     sum  {:>10.1}  {:>12.2}  {:>12.2}       0",
            bytes as u64,
            (bytes / 2.0) as u64,
            time_us,
            algbw,
            busbw
        )));
    }

    fn allreduce_done(&self, w: &mut Writer, avg_busbw: f64, slow: bool) {
        let level = if slow { Level::Warn } else { Level::Info };
        let algo = if w.plan().nodes > 1 {
            "Ring+Tree"
        } else {
            "Ring"
        };
        let msg =
            format!("AllReduce OK: avg bus bandwidth {avg_busbw:.2} GB/s (algorithm: {algo})");
        w.log(level, &msg);
    }

    fn memory_estimate(&self, w: &mut Writer) {
        let p = w.plan();
        let mem = p.memory_gib();
        let msg = format!(
            "Estimated peak memory per GPU: {:.2} GiB of {:.2} GiB ({:.1}%)",
            mem,
            p.gpu.memory_gib,
            100.0 * mem / p.gpu.memory_gib
        );
        w.log(Level::Info, &msg);
    }

    fn training_started(&self, w: &mut Writer, from_step: u64) {
        let p = w.plan();
        let msg = if from_step > 0 {
            format!(
                "Resuming training at step {} of {}",
                commas(from_step + 1),
                commas(p.total_steps)
            )
        } else {
            format!("Starting training: {} steps", commas(p.total_steps))
        };
        w.log(Level::Info, &msg);
    }
}

/// `step N/T | loss ... | lr ... | ...`: what hand-written training loops tend to print.
fn step_line(w: &Writer, last: &LastStep) -> StyledLine {
    let (s, p) = (last.stats, w.plan());
    let body = StyledLine::new()
        .push(format!("step {}/{} | ", s.step, p.total_steps), Style::PLAIN)
        .push(
            format!("loss {:.4}", s.loss),
            Style::fg(Color::BRIGHT_CYAN).bold(),
        )
        .push(
            format!(
                " | lr {:.2e} | gnorm {:.3} | {} tok/s/gpu | {:.1} TFLOPS | MFU {:.1}% | mem {:.1}G | {:.2}s/step",
                s.lr,
                s.grad_norm,
                commas(s.tps.round() as u64),
                s.tflops,
                s.mfu * 100.0,
                p.memory_gib(),
                s.step_time
            ),
            Style::PLAIN,
        );
    w.line(Level::Info, None, body)
}

// The nested tqdm bars of a plain training script: `trange(epochs, desc="Epoch")` over
// `tqdm(loader, desc=f"Epoch {e}/{E}")` with `set_postfix(loss=..., lr=...)`, in tqdm's format
// (`tqdm/std.py`, format_meter): percentage = n/total, `[elapsed<remaining, rate, postfix]`,
// `?` before a rate is known.

/// Epochs done so far (at most all of them) and the step's place in its epoch.
fn epoch_position(w: &Writer, last: &LastStep) -> (u64, u64) {
    let p = w.plan();
    let (step, spe, epochs) = (last.stats.step, p.steps_per_epoch(), p.epochs as u64);
    let done_epochs = (step / spe).min(epochs);
    let in_epoch = step - (done_epochs.min(epochs - 1)) * spe;
    (done_epochs, if in_epoch == 0 { spe } else { in_epoch })
}

/// The outer bar over epochs.
fn epoch_bar(w: &Writer, last: &LastStep) -> StyledLine {
    let epochs = w.plan().epochs as u64;
    let elapsed = w.job() - last.train_start;
    let (done_epochs, _) = epoch_position(w, last);
    let epoch_frac = done_epochs as f64 / epochs as f64;
    let (epoch_left, epoch_rate) = if done_epochs == 0 {
        ("?".to_string(), "?it/s".to_string())
    } else {
        let per = elapsed / done_epochs as f64;
        (clock((epochs - done_epochs) as f64 * per), tqdm_rate(per))
    };
    StyledLine::new()
        .push(
            format!("Epoch: {:>3.0}%|", epoch_frac * 100.0),
            Style::PLAIN,
        )
        .fill(done_epochs, epochs, Style::fg(Color::MAGENTA))
        .push(
            format!(
                "| {done_epochs}/{epochs} [{}<{epoch_left}, {epoch_rate}]",
                clock(elapsed)
            ),
            Style::PLAIN,
        )
}

/// The inner bar over the epoch's steps, with loss and learning rate as its postfix.
fn step_bar(w: &Writer, last: &LastStep) -> StyledLine {
    let (s, p) = (last.stats, w.plan());
    let (epochs, spe) = (p.epochs as u64, p.steps_per_epoch());
    let (done_epochs, in_epoch) = epoch_position(w, last);
    let step_frac = in_epoch as f64 / spe as f64;
    StyledLine::new()
        .push(
            format!(
                "Epoch {}/{epochs}: {:>3.0}%|",
                (done_epochs + 1).min(epochs),
                step_frac * 100.0
            ),
            Style::PLAIN,
        )
        .fill(in_epoch, spe, Style::fg(Color::GREEN))
        .push(
            format!(
                "| {in_epoch}/{spe} [{}<{}, {}, loss={}, lr={}]",
                // A resumed job's bar starts at its checkpoint (tqdm's `initial`): only the
                // steps run in this job count for elapsed time.
                clock(in_epoch.min(s.step - p.start_step) as f64 * s.step_time),
                clock((spe - in_epoch) as f64 * s.step_time),
                tqdm_rate(s.step_time),
                tqdm_num(s.loss),
                tqdm_num(s.lr)
            ),
            Style::PLAIN,
        )
}
