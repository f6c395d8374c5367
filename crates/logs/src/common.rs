//! Lines every framework prints the same way, and the default wording of the rest: the shell,
//! torchrun, NCCL, the AllReduce check, incidents and the run summary. A style's own `render`
//! runs first and may take any event over.

use chrono::Datelike;
use sim::{Event, GPUS_PER_NODE, JobKind, NcclLine, RunPlan};
use term::{Color, Style, StyledLine};

use crate::fmt::{bar, bytes, clock, commas, eta, short};
use crate::{Level, META, Writer};

/// Writes one event: the style's own wording first, else the common one.
pub fn render(ev: &Event, w: &mut Writer) {
    if !(w.style().render)(ev, w) {
        default(ev, w);
    }
}

/// The state every style keeps from events, whether they are written or skipped.
pub(crate) fn follow(ev: &Event, w: &mut Writer) {
    match ev {
        Event::RunStarted { plan, .. } => {
            w.set_plan(plan.clone());
            w.last = None;
        }
        Event::OomRetry { plan, .. } => w.set_plan(plan.clone()),
        Event::ValidationStarted => w.val_base = w.bars(),
        Event::StepFinished {
            stats,
            loss_scale,
            skipped,
            train_start,
        } => {
            let before = w.last.map_or(0, |l| l.skipped);
            w.last = Some(crate::writer::LastStep {
                stats: *stats,
                loss_scale: *loss_scale,
                skipped: *skipped,
                skipped_in_step: skipped.saturating_sub(before),
                train_start: *train_start,
            })
        }
        _ => {}
    }
}

/// The common wording of an event.
pub fn default(ev: &Event, w: &mut Writer) {
    match ev {
        Event::RunStarted { .. } => {}
        Event::Launch => launch(w),
        Event::LauncherBanner => launcher_banner(w),
        Event::JobInfo => {
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
        Event::ConfigInfo => {
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
        Event::ParallelismInfo => {
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
        Event::OptimizerInfo => {
            let msg = format!(
                "Optimizer: AdamW(lr={:.1e}, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1), grad_clip=1.0",
                w.plan().peak_lr
            );
            w.log(Level::Info, &msg);
        }
        Event::ScheduleInfo => schedule(w),
        Event::ModelLoading => {
            let p = w.plan();
            let msg = match p.kind {
                JobKind::FineTune => format!("Loading pretrained model: {}", p.model.name),
                _ => format!("Building model: {} (random init on meta device)", p.model.name),
            };
            w.log(Level::Info, &msg);
        }
        Event::Architecture => {
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
        Event::ParameterCount => {
            let n = w.plan().model.params;
            let msg = format!("Number of parameters: {} ({})", commas(n), short(n as f64));
            w.log(Level::Info, &msg);
        }
        Event::ModelWrapped | Event::DistReady { .. } => {}
        Event::ValidationStarted => {}
        Event::TrainingStarted => {
            let p = w.plan();
            let msg = if p.start_step > 0 {
                format!(
                    "Resuming training at step {} of {}",
                    commas(p.start_step + 1),
                    commas(p.total_steps)
                )
            } else {
                format!("Starting training: {} steps", commas(p.total_steps))
            };
            w.log(Level::Info, &msg);
        }
        Event::WeightsProgress {
            frac,
            done,
            rate,
            eta,
            shard,
        } => {
            let p = w.plan();
            let total = p.weight_bytes();
            let line = StyledLine::new()
                .push("Loading weights ", Style::PLAIN)
                .push(format!("{:>3.0}% ", frac * 100.0), Style::PLAIN.bold())
                .push(bar(*frac, 30), Style::fg(Color::CYAN))
                .push(format!(" {}/{}", bytes(*done), bytes(total)), Style::PLAIN)
                .push(format!(" {}/s", bytes(*rate)), Style::fg(Color::GREEN))
                .push(format!(" ETA {}", clock(*eta)), Style::fg(Color::YELLOW))
                .push(
                    format!(" model-{:05}-of-{:05}.safetensors", shard + 1, p.shards),
                    META,
                );
            w.live(vec![line]);
        }
        Event::WeightsLoaded { secs, rate } => {
            w.settle();
            let p = w.plan();
            let msg = format!(
                "Loaded {} shards ({}) in {:.1} s ({}/s)",
                p.shards,
                bytes(p.weight_bytes()),
                secs,
                bytes(*rate)
            );
            w.log(Level::Info, &msg);
        }
        Event::Tokenizer => {
            let m = &w.plan().model;
            let msg = format!(
                "Tokenizer: {} (vocab_size={})",
                m.tokenizer_class(),
                commas(m.tokenizer_vocab.unwrap_or(m.vocab) as u64)
            );
            w.log(Level::Info, &msg);
        }
        Event::DatasetLoading => {
            let d = &w.plan().dataset;
            let msg = format!(
                "Loading dataset {} (streaming, {} tokens in corpus)",
                d.name,
                short(d.tokens)
            );
            w.log(Level::Info, &msg);
        }
        Event::DatasetReady { documents } => {
            let p = w.plan();
            let samples = p.samples_per_epoch();
            let msg = format!(
                "Dataset: {} documents -> {} packed samples of {} tokens ({} tokens per epoch)",
                commas(*documents),
                commas(samples),
                p.seq_len,
                short(samples as f64 * p.seq_len as f64)
            );
            w.log(Level::Info, &msg);
        }
        Event::BatchInfo => {
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
        Event::ProcessGroupInit { restart } => {
            let p = w.plan();
            let msg = if *restart {
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
        Event::NcclBootstrap { version } => {
            let ip = w.plan().ip(0);
            nccl_info(w, 0, &format!("Bootstrap : Using ens8np0:{ip}<0>"));
            if w.plan().gpu.collectives == "RCCL" {
                // RCCL prints its banner with printf, no prefix (rccl src/init.cc).
                let (rccl, hip) = version.split_once("+hip").unwrap_or((version, "6.2"));
                for l in [
                    format!("RCCL version : {rccl}-develop:0cbce2a"),
                    format!("HIP version  : {hip}.41133-dd7f95766"),
                    format!("ROCm version : {hip}.0"),
                ] {
                    w.print(StyledLine::plain(l));
                }
            } else {
                // NCCL src/init.cc: "NCCL version " MAJOR.MINOR.PATCH "+cuda" X.Y, an INFO line.
                nccl_info(w, 0, &format!("NCCL version {version}"));
            }
        }
        Event::NcclNetIb => {
            let ib: Vec<String> = (0..GPUS_PER_NODE)
                .map(|i| format!("[{i}]mlx5_{}:1/IB", [0, 3, 4, 5, 6, 9, 10, 11][i as usize]))
                .collect();
            let msg = format!(
                "NET/IB : Using {} ; OOB ens8np0:{}<0>",
                ib.join(" "),
                w.plan().ip(0)
            );
            nccl_info(w, 77, &msg);
        }
        Event::RankDetected { rank } => {
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
            w.log_rank(Level::Info, *rank, world, &msg);
        }
        Event::MoreRanks { shown } => {
            let p = w.plan();
            let msg = format!(
                "... and {} more GPUs ({} in total, all {})",
                p.world() - shown,
                p.world(),
                p.gpu.torch_name
            );
            w.log(Level::Info, &msg);
        }
        Event::Nccl {
            line,
            comm,
            comm_id,
        } => nccl(w, *line, *comm, *comm_id),
        Event::AllReduceStarted => {
            let msg = format!(
                "Running AllReduce sanity check across {} ranks (bf16, sum)",
                w.plan().world()
            );
            w.log(Level::Info, &msg);
        }
        Event::AllReduceHeader => w.print(StyledLine::new().push(
            "#       size         count      type   redop    time(us)   algbw(GB/s)   busbw(GB/s)  #wrong",
            Style::fg(Color::GREY),
        )),
        Event::AllReduceRow {
            bytes,
            time_us,
            algbw,
            busbw,
        } => w.print(StyledLine::plain(format!(
            "  {:>11}  {:>12}  bfloat16     sum  {:>10.1}  {:>12.2}  {:>12.2}       0",
            *bytes as u64,
            (bytes / 2.0) as u64,
            time_us,
            algbw,
            busbw
        ))),
        Event::AllReduceDone { avg_busbw, slow } => {
            let level = if *slow { Level::Warn } else { Level::Info };
            let msg = format!(
                "AllReduce OK: avg bus bandwidth {avg_busbw:.2} GB/s (algorithm: {})",
                if w.plan().nodes > 1 {
                    "Ring+Tree"
                } else {
                    "Ring"
                }
            );
            w.log(level, &msg);
        }
        Event::MemoryEstimate => {
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
        Event::OutOfMemory {
            rank,
            alloc_gib,
            free_gib,
        } => {
            let p = w.plan();
            let lines = [
                format!("[rank{rank}]: Traceback (most recent call last):"),
                "  File \"train.py\", line 412, in train_step".into(),
                "    loss.backward()".into(),
                // c10/cuda/CUDACachingAllocator.cpp words it; torch says HIP on ROCm.
                format!(
                    "torch.OutOfMemoryError: {} out of memory. Tried to allocate {:.2} GiB. GPU {} has a total capacity of {:.2} GiB of which {:.2} GiB is free. Including non-PyTorch memory, this process has {:.2} GiB memory in use.",
                    if p.gpu.collectives == "RCCL" { "HIP" } else { "CUDA" },
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
        Event::OomRetry {
            old_micro_batch,
            plan,
        } => {
            let msg = format!(
                "OOM at step 1 with micro_batch={old_micro_batch}: retrying with micro_batch={} grad_accum={} (global batch unchanged: {})",
                plan.micro_batch,
                plan.grad_accum,
                plan.global_batch()
            );
            w.log(Level::Warn, &msg);
        }
        Event::OomRecovered => {
            let msg = format!(
                "Restarted training loop; estimated peak memory {:.2} GiB",
                w.plan().memory_gib()
            );
            w.log(Level::Info, &msg);
        }
        Event::StragglerRecovered { rank } => w.log(
            Level::Info,
            &format!("Rank {rank} step time back within 5% of the median"),
        ),
        Event::Fp16Overflow {
            step,
            scale,
            new_scale,
        } => w.log(
            Level::Warn,
            &format!(
                "OVERFLOW! Rank 0 Skipping step {step}. Attempted loss scale: {}, reducing to {}",
                *scale as u64, *new_scale as u64
            ),
        ),
        Event::LossSpike {
            step,
            before,
            after,
            grad_norm,
        } => w.log(
            Level::Warn,
            &format!(
                "Loss spike at step {step}: {before:.4} -> {after:.4} (grad_norm {grad_norm:.2}); continuing, monitoring recovery"
            ),
        ),
        // Frameworks clip silently: a gradient spike shows only in the step lines' grad norm.
        Event::GradSpike { .. } => {}
        Event::Straggler { rank, reported } => {
            let msg = format!(
                "Straggler detected: rank {rank} on {} is {reported:.2}x slower than the median over the last 50 steps (GPU clocks throttled?)",
                w.plan().host(rank / GPUS_PER_NODE)
            );
            w.log(Level::Warn, &msg);
        }
        Event::StepFinished { stats, .. } => {
            let p = w.plan();
            let first = stats.step == p.start_step + 1;
            if let Some(last) = w.last
                && (stats.step.is_multiple_of(p.log_every) || first)
            {
                let line = (w.style().step_line)(w, &last);
                w.print(line);
            }
            let bars = w.bars();
            if !bars.is_empty() {
                w.live(bars);
            }
        }
        Event::EpochFinished { epoch, step } => {
            let msg = format!(
                "Epoch {epoch}/{} finished at step {}",
                w.plan().epochs,
                commas(*step)
            );
            w.log(Level::Info, &msg);
        }
        Event::ValidationProgress { done, total } => {
            let frac = *done as f64 / *total as f64;
            let vbar = StyledLine::new()
                .push(format!("Validation: {:>3.0}%|", frac * 100.0), Style::PLAIN)
                .fill(u64::from(*done), u64::from(*total), Style::fg(Color::YELLOW))
                .push(format!("| {done}/{total}"), Style::PLAIN);
            let mut live = w.val_base.clone();
            live.push(vbar);
            w.live(live);
        }
        Event::ValidationFinished {
            step,
            loss,
            secs,
            batches,
        } => {
            let line = w.line(
                Level::Info,
                None,
                StyledLine::new()
                    .push(format!("Validation @ step {step}: "), Style::PLAIN)
                    .push(
                        format!("val_loss {loss:.4} | val_ppl {:.2}", loss.exp()),
                        Style::fg(Color::YELLOW).bold(),
                    )
                    .push(format!(" | {batches} batches in {secs:.1}s"), Style::PLAIN),
            );
            let base = w.val_base.clone();
            w.show(&[line], base);
        }
        Event::CheckpointStarted { step } => {
            let p = w.plan();
            let msg = format!(
                "Saving checkpoint to {} (model {}, optimizer {})",
                (w.style().checkpoint_dir)(w, *step),
                bytes(p.weight_bytes()),
                bytes(p.optimizer_bytes())
            );
            w.log(Level::Info, &msg);
        }
        Event::CheckpointSaved { secs, rate, .. } => {
            let p = w.plan();
            let msg = format!(
                "Checkpoint saved: {} shards, {} in {:.1} s ({}/s)",
                p.world(),
                bytes(p.weight_bytes() + p.optimizer_bytes()),
                secs,
                bytes(*rate)
            );
            w.log(Level::Info, &msg);
        }
        Event::Hang => w.clear_live(&[]),
        Event::WatchdogTimeout { rank, seq, numel } => {
            // ProcessGroupNCCL.cpp, WorkNCCL::checkTimeout, behind c10's log prefix
            // `[rankN]:[E{month}{day:02} HH:MM:SS.{ns:09} file:line] ` (month unpadded). The
            // watchdog notices the timeout on its next poll, a little after 600000 ms.
            let t = w.now();
            let late = 17 + (seq.wrapping_mul(7919) + *numel) % 163;
            let line = format!(
                "[rank{rank}]:[E{}{} ProcessGroupNCCL.cpp:683] [Rank {rank}] Watchdog caught collective operation timeout: WorkNCCL(SeqNum={seq}, OpType=ALLREDUCE, NumelIn={numel}, NumelOut={numel}, Timeout(ms)=600000) ran for {} milliseconds before timing out.",
                t.month(),
                t.format("%d %H:%M:%S%.9f"),
                600_000 + late
            );
            w.print(red(line));
        }
        Event::NcclPeerError { rank } => {
            // NCCL's WARN lines carry the reporting file and line (src/debug.cc); this one is
            // the IB plugin's completion error, on the failed rank's own process.
            let p = w.plan();
            let node = rank / GPUS_PER_NODE;
            let local = rank % GPUS_PER_NODE;
            let peer = (node + 1) % p.nodes;
            let port = 40_000 + (rank.wrapping_mul(7919) + p.pid) % 20_000;
            let line = format!(
                "{}:{}:{} [{local}] ib_plugin.c:1615 NCCL WARN NET/IB : Got completion from peer 10.{}.{}.{}<{port}> with status=12 opcode=1 len=0 vendor err 129 (Send)",
                p.host(node),
                p.pid + 3 + local,
                p.pid + 80 + local,
                p.subnet,
                peer / 200,
                11 + peer % 200
            );
            w.print(red(line));
        }
        Event::WorkerFailed { rank, failed_at } => {
            // torch elastic (multiprocessing/api.py): "failed (exitcode: %s) local_rank: %s
            // (pid: %s) of binary: %s" at ERROR, in torch's log format; the agent restarts the
            // group next (ChildFailedError would mean it gave up).
            let p = w.plan();
            let line = format!(
                "E{} {} site-packages/torch/distributed/elastic/multiprocessing/api.py:874] failed (exitcode: -6) local_rank: {} (pid: {}) of binary: /usr/bin/python3",
                w.time_at(*failed_at).format("%m%d %H:%M:%S%.6f"),
                p.pid,
                rank % GPUS_PER_NODE,
                p.pid + 3 + rank % GPUS_PER_NODE
            );
            w.print(red(line));
        }
        Event::WorkerGroupRestart { restart, max, .. } => {
            // elastic/agent/server/api.py (torch 2.5.1, L874), _invoke_run: the attempts are counted before the
            // restart, so the first one says 3/3.
            let line = format!(
                "I{} {} site-packages/torch/distributed/elastic/agent/server/api.py:874] [default] Worker group FAILED. {}/{max} attempts left; will restart worker group",
                w.now().format("%m%d %H:%M:%S%.6f"),
                w.plan().pid,
                max + 1 - restart
            );
            w.print(StyledLine::plain(line));
        }
        Event::CheckpointLoading { step } => {
            let msg = format!(
                "Resuming from checkpoint {}",
                (w.style().checkpoint_dir)(w, *step)
            );
            w.log(Level::Info, &msg);
        }
        Event::CheckpointLoaded { step, secs } => {
            w.clear_live(&[]);
            let p = w.plan();
            let dir = (w.style().checkpoint_dir)(w, *step);
            let name = dir.rsplit('/').next().unwrap_or(&dir);
            let msg = format!(
                "Loaded checkpoint {name} ({}) in {secs:.1} s; resuming at step {}",
                bytes(p.weight_bytes() + p.optimizer_bytes()),
                step + 1
            );
            w.log(Level::Info, &msg);
        }
        Event::CheckpointProgress {
            frac,
            files_done,
            files,
        } => {
            // The plain script reads its DCP checkpoint through a tqdm over the rank files.
            let line = StyledLine::new()
                .push(format!("Loading checkpoint shards: {:>3.0}%|", frac * 100.0), Style::PLAIN)
                .fill(
                    (frac * 1e6) as u64,
                    1_000_000,
                    Style::fg(Color::CYAN),
                )
                .push(format!("| {files_done}/{files} [__*_0.distcp]"), Style::PLAIN);
            w.live(vec![line]);
        }
        Event::NoCheckpoint if w.last.is_none() => {
            let msg = format!(
                "No checkpoint under {}; initialising weights (std 0.02) and training from scratch",
                w.plan().ckpt_dir
            );
            w.log(Level::Info, &msg);
        }
        Event::NoCheckpoint => w.log(Level::Warn, "No checkpoint found; restarting from step 1"),
        Event::TimeLimit => time_limit(w),
        Event::JobFailed { rank, failed_at } => job_failed(w, *rank, *failed_at),
        Event::StepsRepeated { steps } => {
            w.log(Level::Info, &format!("{steps} steps will be repeated"))
        }
        Event::RunFinished {
            totals: t,
            final_loss,
            wall,
        } => {
            w.clear_live(&[]);
            let p = w.plan();
            let steps = p.total_steps - p.start_step;
            let tokens = p.tokens_per_step() * steps as f64;
            let done = format!(
                "Training complete: {} steps, {} tokens in {} ({})",
                commas(steps),
                short(tokens),
                eta(*wall),
                clock(*wall)
            );
            let best = t.best_val.map_or(String::from("n/a"), |v| {
                format!("{v:.4} (ppl {:.2})", v.exp())
            });
            let summary = format!(
                "Summary: average MFU {:.2}% | final loss {final_loss:.4} | best val loss {best} | {} checkpoints | {} restarts | {} skipped steps",
                100.0 * t.mfu_sum / t.steps_run.max(1) as f64,
                t.checkpoints,
                t.restarts,
                t.skipped
            );
            let last = StyledLine::new().push(format!("Final checkpoint: {}", p.ckpt_dir), META);
            w.log(Level::Info, &done);
            w.log(Level::Info, &summary);
            w.print(last);
        }
        Event::RunGap => w.print(StyledLine::new()),
    }
}

/// A red line (tracebacks, watchdog and launcher errors).
pub fn red(msg: String) -> StyledLine {
    StyledLine::new().push(msg, Style::fg(Color::RED))
}

/// The shell prompt and the launch command.
fn launch(w: &mut Writer) {
    let p = w.plan();
    let cfg = p.model.name.to_lowercase().replace(['.', '-'], "_");
    let prompt = StyledLine::new()
        .push(
            format!("mlops@{}-login01", p.host_prefix),
            Style::fg(Color::GREEN).bold(),
        )
        .push(":", Style::PLAIN)
        .push("~/pretrain", Style::fg(Color::BLUE).bold())
        .push("$ ", Style::PLAIN)
        .push(
            format!(
                "srun --nodes={} --ntasks-per-node=1 torchrun --nnodes={} --nproc_per_node={} --rdzv_backend=c10d --rdzv_endpoint={}:29500 {} --config configs/{cfg}.yaml",
                p.nodes,
                p.nodes,
                GPUS_PER_NODE,
                p.host(0),
                w.style().script
            ),
            Style::PLAIN,
        );
    w.print(prompt);
}

/// torchrun's own warning banner, in glog format.
fn launcher_banner(w: &mut Writer) {
    // srun merges every node's output: each node's torchrun agent logs the banner once, with
    // its own pid and a moment apart (shown for up to 16 nodes).
    let nodes = w.plan().nodes.min(16);
    for node in 0..nodes {
        let t = w.time_at(w.job() + node as f64 * 0.0137);
        let stamp = t.format("W%m%d %H:%M:%S%.6f ").to_string();
        let pid = w.plan().pid + node * 7919 % 4000;
        let glog = |msg: &str| {
            StyledLine::new()
                .push(stamp.clone(), Style::fg(Color::YELLOW))
                .push(format!("{pid} torch/distributed/run.py:793] "), META)
                .push(msg, Style::fg(Color::YELLOW))
        };
        let stars = "*****************************************";
        w.print(glog(stars));
        w.print(glog("Setting OMP_NUM_THREADS environment variable for each process to be 1 in default, to avoid your system being overloaded, please further tune the variable for optimal performance in your application as needed."));
        w.print(glog(stars));
    }
}

/// The learning-rate schedule, then the pacing note.
fn schedule(w: &mut Writer) {
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
    disclosure(w);
}

/// The `# trainsaver:` line, when config `disclosure` asks for it (off by default: the README
/// and `--help` say what this is).
pub(crate) fn disclosure(w: &mut Writer) {
    if w.disclosure {
        let note = format!(
            "# trainsaver: this job is simulated (seeded, {} s steps in real time); no GPU is training",
            crate::fmt::py_round(w.plan().step_time(), 2)
        );
        w.print(StyledLine::new().push(note, Style::fg(Color::GREY).dim()));
    }
}

/// torchrun giving up: the agent raises `ChildFailedError`, whose message is the failure
/// table of `torch/distributed/elastic/multiprocessing/errors/__init__.py`
/// (`ChildFailedError.format_msg`: 60 `=`, `{name} FAILED`, 60 `-`, the root cause fields).
fn job_failed(w: &mut Writer, rank: u32, failed_at: f64) {
    w.clear_live(&[]);
    let p = w.plan();
    let local = rank % GPUS_PER_NODE;
    let pid = p.pid + 3 + local;
    let rule = |c: char| c.to_string().repeat(60);
    let lines = [
        "torch.distributed.elastic.multiprocessing.errors.ChildFailedError: ".to_string(),
        rule('='),
        format!("{} FAILED", w.style().script),
        rule('-'),
        "Failures:".to_string(),
        "  <NO_OTHER_FAILURES>".to_string(),
        rule('-'),
        "Root Cause (first observed failure):".to_string(),
        "[0]:".to_string(),
        format!(
            "  time      : {}",
            w.time_at(failed_at).format("%Y-%m-%d_%H:%M:%S")
        ),
        format!("  host      : {}", p.host(rank / GPUS_PER_NODE)),
        format!("  rank      : {rank} (local_rank: {local})"),
        format!("  exitcode  : -6 (pid: {pid})"),
        "  error_file: <N/A>".to_string(),
        format!("  traceback : Signal 6 (SIGABRT) received by PID {pid}"),
        rule('='),
    ];
    for l in lines {
        w.print(red(l));
    }
}

/// The scheduler ending the job at its time limit: srun's and slurmstepd's messages, then
/// torchrun's agent seeing the signal.
fn time_limit(w: &mut Writer) {
    w.clear_live(&[]);
    let p = w.plan();
    let now = w.now();
    let lines = [
        // slurmstepd (src/slurmd/slurmstepd/req.c): "*** %s ON %s CANCELLED AT %s DUE TO
        // TIME LIMIT ***", the time in ISO form without a zone.
        format!(
            "slurmstepd: error: *** STEP {}.0 ON {} CANCELLED AT {} DUE TO TIME LIMIT ***",
            p.job_id,
            p.host(0),
            now.format("%Y-%m-%dT%H:%M:%S")
        ),
        "srun: Job step aborted: Waiting up to 32 seconds for job step to finish.".to_string(),
        // elastic/agent/server/api.py, run(): "Received %s death signal, shutting down workers".
        format!(
            "W{} {} site-packages/torch/distributed/elastic/agent/server/api.py:704] Received Signals.SIGTERM death signal, shutting down workers",
            now.format("%m%d %H:%M:%S%.6f"),
            p.pid
        ),
    ];
    for l in lines {
        w.print(red(l));
    }
}

/// Prefix NCCL puts on its lines for a global rank: `host:pid:tid [dev] NCCL ` (NCCL
/// `src/debug.cc`: `"%s:%d:%d "` then `"[%d] NCCL INFO "`; RCCL keeps the same prefix).
fn nccl_prefix(plan: &RunPlan, rank: u32, tid_off: u32) -> String {
    let (node, local) = ((rank / GPUS_PER_NODE) % plan.nodes, rank % GPUS_PER_NODE);
    let pid = plan.pid + 3 + local;
    format!(
        "{}:{}:{} [{}] NCCL ",
        plan.host(node),
        pid,
        pid + tid_off,
        local
    )
}

/// An NCCL INFO line as the console's rank prints it.
fn nccl_info(w: &mut Writer, tid_off: u32, msg: &str) {
    let line = StyledLine::new()
        .push(nccl_prefix(w.plan(), w.view_rank(), tid_off), META)
        .push("INFO ", Style::fg(Color::BLUE))
        .push(msg, Style::PLAIN);
    w.print(line);
}

/// NCCL's ring order on node 0: 0 then the node's other GPUs backwards, then the next node.
fn ring_order(world: u32) -> Vec<u32> {
    let n = GPUS_PER_NODE.min(world);
    let mut v = vec![0];
    v.extend((1..n).rev());
    v.extend(n..world.min(n + 8));
    v
}

/// One communicator line.
fn nccl(w: &mut Writer, line: NcclLine, comm: u64, comm_id: u64) {
    // A communicator is a heap object: its address is 16-byte aligned.
    let comm = comm & !0xf;
    let p = w.plan();
    let world = p.world();
    let bus0 = format!("{}000", p.gpu.bus_ids[0]);
    let channels = if p.nodes > 1 { 32 } else { 24 };
    let init = |what: &str| {
        format!(
            "ncclCommInitRank comm 0x{comm:x} rank 0 nranks {world} cudaDev 0 nvmlDev 0 busId {bus0} commId 0x{comm_id:016x} - Init {what}"
        )
    };
    let msgs: Vec<String> = match line {
        NcclLine::InitStart => vec![init("START")],
        NcclLine::CommInfo => vec![format!(
            "comm 0x{comm:x} rank 0 nRanks {world} nNodes {} localRanks {} localRank 0 MNNVL 0",
            p.nodes, GPUS_PER_NODE
        )],
        NcclLine::Ring(ch) => {
            let ring: Vec<String> = ring_order(world)
                .iter()
                .take(10)
                .map(|r| format!("{r:>4}"))
                .collect();
            vec![format!("Channel {ch:02}/{channels} :{} ...", ring.join(""))]
        }
        NcclLine::P2p(ch) => vec![format!(
            "Channel {ch:02}/0 : 0[0] -> 1[1] via {}",
            p.gpu.link
        )],
        NcclLine::Net => vec![
            format!(
                "Channel 00/0 : {}[1] -> 0[0] [receive] via NET/IB/0/GDRDMA",
                world - GPUS_PER_NODE + 1
            ),
            format!("Channel 00/0 : 0[0] -> {GPUS_PER_NODE}[0] [send] via NET/IB/0/GDRDMA"),
        ],
        NcclLine::ConnectedRings => vec!["Connected all rings".into()],
        NcclLine::ConnectedTrees => vec!["Connected all trees".into()],
        NcclLine::InitComplete => vec![init("COMPLETE")],
    };
    for m in msgs {
        nccl_info(w, 77, &m);
    }
}
