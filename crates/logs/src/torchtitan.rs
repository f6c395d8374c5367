//! torchtitan v0.2.0: `[rank0]:[titan] <asctime> - root - INFO - msg` (tools/logging.py, with
//! torchrun's `--role rank --tee 3` prefix), a coloured metrics line at step 1 and every
//! `log_freq` steps (components/metrics.py), and no progress bars. file:line of each message
//! beside it.

use sim::plan::RunPlan;
use term::{Color, Style, StyledLine};

use crate::fmt::{commas, py_exp};
use crate::level::{Level, META, RankTag};
use crate::shared::procs::hash;
use crate::style::LogStyle;
use crate::writer::{LastStep, Writer};

/// The torchtitan style.
pub struct Torchtitan;

/// tools/utils.py, `Color`: the two 24-bit colours beside the ANSI eight.
const ORANGE: Color = Color::Rgb(180, 60, 0);
const TURQUOISE: Color = Color::Rgb(54, 234, 195);

/// The model's torchtitan name and flavor (`llama3`, `8B`): the plan only draws models
/// torchtitan ships for its jobs.
fn model_of(p: &RunPlan) -> (&str, &str) {
    p.model
        .torchtitan
        .as_deref()
        .and_then(|t| t.split_once(' '))
        .unwrap_or(("llama3", "8B"))
}

/// The shipped config file (`./torchtitan/models/llama3/train_configs/llama3_8b.toml`).
fn config_file(p: &RunPlan) -> String {
    let (name, flavor) = model_of(p);
    format!(
        "./torchtitan/models/{name}/train_configs/{name}_{}.toml",
        flavor.to_lowercase()
    )
}

/// The llama3 configs ship with the profiler on (`enable_profiling = true`,
/// `profile_freq = 100`); DeepSeek-V3's with it off.
fn profiles(p: &RunPlan) -> bool {
    model_of(p).0 == "llama3"
}

impl LogStyle for Torchtitan {
    fn script(&self) -> &'static str {
        "torchtitan/train.py"
    }

    fn workdir(&self, _w: &Writer) -> String {
        "torchtitan".into()
    }

    /// run_train.sh's torchrun tail (`-m torchtitan.train --job.config_file ...`) with the
    /// overrides a real run passes: its folder, length and the checkpoints and validation the
    /// shipped configs leave off.
    fn launch_args(&self, w: &Writer) -> String {
        let p = w.plan();
        let mut args = format!(
            "-m torchtitan.train --job.config_file {} --job.dump_folder {} --training.steps {} --training.local_batch_size {} --training.seq_len {}",
            config_file(p),
            p.ckpt_dir,
            p.total_steps,
            p.micro_batch,
            p.seq_len
        );
        if p.log_every != 10 {
            args.push_str(&format!(" --metrics.log_freq {}", p.log_every));
        }
        if p.tp > 1 {
            args.push_str(&format!(" --parallelism.tensor_parallel_degree {}", p.tp));
        }
        if p.pp > 1 {
            args.push_str(&format!(" --parallelism.pipeline_parallel_degree {}", p.pp));
        }
        args.push_str(&format!(
            " --checkpoint.enable --checkpoint.interval {} --validation.enable --validation.freq {}",
            p.ckpt_every, p.val_every
        ));
        args
    }

    fn prefix(&self, w: &Writer, level: Level, rank: RankTag, l: &mut StyledLine) {
        let r = rank.map_or(w.view_rank(), |(r, _)| r);
        l.append(format!("[rank{r}]:[titan] "), Style::fg(Color::CYAN));
        l.append(
            w.now()
                .format("%Y-%m-%d %H:%M:%S,%3f - root - ")
                .to_string(),
            META,
        );
        l.append(level.word(), Style::fg(level.color()));
        l.append(" - ", META);
    }

    fn step_line(&self, w: &Writer, last: &LastStep) -> StyledLine {
        step_line(w, last)
    }

    /// Checkpoints go to `{dump_folder}/{checkpoint.folder}/step-N`.
    fn checkpoint_dir(&self, w: &Writer, step: u64) -> String {
        format!("{}/checkpoint/step-{step}", w.plan().ckpt_dir)
    }

    /// train.py:76, f"Starting job: {job_config.job.description}" (the shipped configs'
    /// descriptions).
    fn job_info(&self, w: &mut Writer) {
        let (name, flavor) = model_of(w.plan());
        let msg = match name {
            "deepseek_v3" => format!("Starting job: DeepSeek-V3 {flavor} model training"),
            _ => format!("Starting job: Llama 3 {flavor} training"),
        };
        w.log(Level::Info, &msg);
    }

    /// distributed/parallel_dims.py:107: degrees above 1 in the order pp, dp_shard, tp.
    fn config_info(&self, w: &mut Writer) {
        let p = w.plan();
        let dims: Vec<(&str, u32)> = [("pp", p.pp), ("dp_shard", p.dp()), ("tp", p.tp)]
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .collect();
        let names: Vec<String> = dims.iter().map(|(n, _)| format!("'{n}'")).collect();
        let sizes: Vec<String> = dims.iter().map(|(_, d)| d.to_string()).collect();
        let msg = format!(
            "Building {}-D device mesh with [{}], [{}]",
            dims.len(),
            names.join(", "),
            sizes.join(", ")
        );
        w.log(Level::Info, &msg);
    }

    /// tools/utils.py:64, "[GC] %s took %.2f seconds".
    fn parallelism_info(&self, w: &mut Writer) {
        w.log(Level::Info, "[GC] Initial GC collection took 0.00 seconds");
    }

    /// components/tokenizer.py:104.
    fn tokenizer(&self, w: &mut Writer) {
        w.log(Level::Info, "Loading tokenizer from tokenizer.json");
    }

    /// datasets/hf_datasets.py:66, f"Preparing {dataset_name} dataset from {path}".
    fn dataset_loading(&self, w: &mut Writer) {
        let name = w.plan().dataset.name.clone();
        let short = name.rsplit('/').next().unwrap_or(&name).to_lowercase();
        let msg = format!("Preparing {short} dataset from {name}");
        w.log(Level::Info, &msg);
    }

    /// train.py:146, f"Building {name} {flavor} with {model_args}": the flavor's dataclass
    /// repr, `max_seq_len` set from the training config.
    fn model_loading(&self, w: &mut Writer) {
        let p = w.plan();
        let (name, flavor) = model_of(p);
        let msg = format!("Building {name} {flavor} with {}", model_args(p));
        w.log(Level::Info, &msg);
    }

    /// components/metrics.py:99, the device capacity.
    fn architecture(&self, w: &mut Writer) {
        let p = w.plan();
        let msg = format!(
            "CUDA capacity: {} with {:.2}GiB memory",
            p.gpu.torch_name, p.gpu.memory_gib
        );
        w.log(Level::Info, &msg);
    }

    /// train.py:176-179: the message carries its own colours (blue, red, reset).
    fn parameter_count(&self, w: &mut Writer) {
        let p = w.plan();
        let (name, flavor) = model_of(p);
        let body = StyledLine::new()
            .push(format!("Model {name} {flavor} "), Style::fg(Color::BLUE))
            .push(
                format!("size: {} total parameters", commas(p.model.params)),
                Style::fg(Color::RED),
            );
        let line = w.line(Level::Info, None, body);
        w.print(line);
    }

    /// models/llama3/infra/parallelize.py (TP), activation_checkpoint.py, parallelize.py,
    /// distributed/utils.py.
    fn model_wrapped(&self, w: &mut Writer) {
        if w.plan().tp > 1 {
            w.log(Level::Info, "Applied Tensor Parallelism to the model");
        }
        w.log(
            Level::Info,
            "Applied selective activation checkpointing to the model",
        );
        w.log(Level::Info, "Applied FSDP to the model");
        w.log(
            Level::Info,
            "Mixed precision training is handled by fully_shard",
        );
    }

    /// train.py:271-277: peak FLOPS (Python's `:.3e`) and the peak memory reserved while the
    /// model was materialised (its FSDP-sharded fp32 parameters); then the checkpointer
    /// (components/checkpoint.py:315) and the trainer's summary (train.py:362-370).
    fn memory_estimate(&self, w: &mut Writer) {
        let p = w.plan();
        let model = p.model_memory_gib();
        let lines = [
            format!(
                "Peak FLOPS used for computing MFU: {}",
                py_exp(p.gpu.peak_tflops * 1e12, 3, false)
            ),
            format!(
                "CUDA memory usage for model: {model:.2}GiB({:.2}%)",
                100.0 * model / p.gpu.memory_gib
            ),
            format!(
                "Checkpointing active. Checkpoints will be loaded from and saved to {}/checkpoint",
                p.ckpt_dir
            ),
            format!(
                "Trainer is initialized with local batch size {}, global batch size {}, gradient accumulation steps {}, sequence length {}, total steps {} (warmup {})",
                p.micro_batch,
                p.global_batch(),
                p.grad_accum,
                p.seq_len,
                p.total_steps,
                p.warmup_steps
            ),
        ];
        for l in lines {
            w.log(Level::Info, &l);
        }
    }

    /// train.py:568, f"Training starts at step {self.step + 1}", then the profiler
    /// (tools/profiling.py:57) when the config enables it.
    fn training_started(&self, w: &mut Writer, from_step: u64) {
        let msg = format!("Training starts at step {}", from_step + 1);
        w.log(Level::Info, &msg);
        if profiles(w.plan()) {
            let msg = format!(
                "Profiling active. Traces will be saved at {}/profile_trace",
                w.plan().ckpt_dir
            );
            w.log(Level::Info, &msg);
        }
    }

    /// The metrics line; after step 1 the process groups get their training timeout
    /// (distributed/utils.py:298, `comm.train_timeout_seconds = 100`); every 100th step the
    /// profiler writes its trace (tools/profiling.py:48-55).
    fn step_finished(&self, w: &mut Writer, logged: bool) {
        let Some(last) = w.last else { return };
        if logged {
            let line = step_line(w, &last);
            w.print(line);
        }
        let step = last.stats.step;
        if step == 1 {
            w.log(
                Level::Info,
                "Synchronizing and adjusting timeout for all ProcessGroups to 0:01:40",
            );
        }
        if profiles(w.plan()) && step.is_multiple_of(100) {
            let secs = 0.4 + (hash(w.plan(), step) % 900) as f64 / 1000.0;
            w.log(
                Level::Info,
                &format!("Dumping profiler traces at step {step}"),
            );
            w.set_job(w.job() + secs);
            w.log(
                Level::Info,
                &format!("Finished dumping profiler traces in {secs:.2} seconds"),
            );
        }
    }

    /// components/metrics.py:476-483, `log_validation`: yellow step, green loss, turquoise
    /// memory, blue tokens per second (this rank's tokens over the validation's time, per
    /// model-parallel group member).
    fn validation_finished(&self, w: &mut Writer, step: u64, loss: f64, secs: f64, batches: u32) {
        let p = w.plan();
        let (mem, pct) = memory(p);
        let tokens = f64::from(batches) * f64::from(p.micro_batch) * f64::from(p.seq_len);
        let tps = tokens / secs.max(1e-3) / f64::from(p.tp * p.pp);
        let body = StyledLine::new()
            .push(
                format!("validate step: {step:2}  "),
                Style::fg(Color::YELLOW),
            )
            .push(format!("loss: {loss:7.4}  "), Style::fg(Color::GREEN))
            .push(
                format!("memory: {mem:5.2}GiB({pct:.2}%)  "),
                Style::fg(TURQUOISE),
            )
            .push(
                format!("tps: {}", commas(tps.round() as u64)),
                Style::fg(Color::BLUE),
            );
        let line = w.line(Level::Info, None, body);
        w.print(line);
    }

    /// components/checkpoint.py:491 and :529 ("(or staging if async is enabled)" included,
    /// no space before "in"); at the last step `_save_last_step` (L768) saves the model only,
    /// in the default export dtype, and says nothing after.
    fn checkpoint_started(&self, w: &mut Writer, step: u64) {
        if step == w.plan().total_steps {
            let msg = format!(
                "Saving a model only checkpoint in torch.float32 at last step, step {step}."
            );
            w.log(Level::Info, &msg);
            return;
        }
        w.log(
            Level::Info,
            "Saving the checkpoint (or staging if async is enabled).",
        );
    }

    fn checkpoint_saved(&self, w: &mut Writer, step: u64, secs: f64, _rate: f64) {
        if step == w.plan().total_steps {
            return;
        }
        w.log(
            Level::Info,
            &format!(
                "Finished saving the checkpoint (or staging if async is enabled)in {secs:.2} seconds."
            ),
        );
    }

    /// checkpoint.py:621, f"Loading the checkpoint from {checkpoint_id}.".
    fn checkpoint_loading(&self, w: &mut Writer, step: u64) {
        let msg = format!(
            "Loading the checkpoint from {}.",
            self.checkpoint_dir(w, step)
        );
        w.log(Level::Info, &msg);
    }

    /// L630 collects garbage first (tools/utils.py: "[GC] %s took %.2f seconds"), then L631
    /// reports the load.
    fn checkpoint_loaded(&self, w: &mut Writer, _step: u64, secs: f64) {
        let gc = 0.02 + (secs * 7.0).fract() * 0.06;
        w.log(
            Level::Info,
            &format!("[GC] GC collection for checkpoint loading. took {gc:.2} seconds"),
        );
        w.log(
            Level::Info,
            &format!("Finished loading the checkpoint in {secs:.2} seconds."),
        );
    }

    /// train.py:643-647 and :692-693 at the end of a run.
    fn run_finished(&self, w: &mut Writer, _: &sim::RunTotals, _: f64, _: f64) {
        w.log(
            Level::Info,
            "Sleeping 2 seconds for other ranks to complete",
        );
        w.set_job(w.job() + 2.0);
        w.log(Level::Info, "Training completed");
        w.set_job(w.job() + 0.9);
        w.log(Level::Info, "Process group destroyed");
    }
}

/// Peak reserved memory per GPU in GiB and as a share of the device.
fn memory(p: &RunPlan) -> (f64, f64) {
    let mem = p.memory_gib();
    (mem, 100.0 * mem / p.gpu.memory_gib)
}

/// The flavor's model-args dataclass as Python prints it.
fn model_args(p: &RunPlan) -> String {
    const ENFORCED: &str = "_enforced='This field is used to enforce all fields have defaults.'";
    let (name, flavor) = model_of(p);
    let m = &p.model;
    if name == "deepseek_v3" {
        // models/deepseek_v3/__init__.py, "671B"; MoEArgs from models/moe/moe.py.
        return format!(
            "DeepSeekV3ModelArgs({ENFORCED}, max_batch_size=8, max_seq_len={}, vocab_size={}, dim={}, inter_dim=18432, moe_inter_dim=2048, n_layers={}, n_dense_layers=3, n_heads={}, norm_eps=1e-05, moe_args=MoEArgs(num_experts={}, num_shared_experts=1, score_func='sigmoid', route_norm=True, route_scale=2.5, score_before_experts=False, top_k={}, use_grouped_mm=True, load_balance_coeff=0.001, _debug_force_load_balance=False), n_expert_groups=8, n_limited_groups=4, q_lora_rank=1536, kv_lora_rank=512, qk_nope_head_dim=128, qk_rope_head_dim=64, v_head_dim=128, use_flex_attn=True, attn_mask_type='block_causal', original_seq_len=4096, rope_theta=10000.0, rope_factor=40, beta_fast=32, beta_slow=1, mscale=1.0)",
            p.seq_len,
            m.vocab,
            m.hidden,
            m.layers,
            m.heads,
            m.experts.unwrap_or(256),
            m.top_k.unwrap_or(8)
        );
    }
    // models/llama3/__init__.py: 8B and 70B use ffn_dim_multiplier 1.3, 405B 1.2; the larger
    // two round the FFN to multiples of 4096.
    let (multiple_of, ffn) = match flavor {
        "8B" => (1024, "1.3"),
        "70B" => (4096, "1.3"),
        _ => (4096, "1.2"),
    };
    format!(
        "TransformerModelArgs({ENFORCED}, dim={}, n_layers={}, n_heads={}, n_kv_heads={}, vocab_size={}, multiple_of={multiple_of}, ffn_dim_multiplier={ffn}, norm_eps=1e-05, rope_theta=500000, rope_scaling_args=RoPEScalingArgs(scaling_factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0, original_max_position_embeddings=8192), max_seq_len={}, depth_init=True, use_flex_attn=False, attn_mask_type='causal', eos_id=0)",
        m.hidden, m.layers, m.heads, m.kv_heads, m.vocab, p.seq_len
    )
}

/// `step: N  loss: ...  grad_norm: ...  memory: ...  tps: ...  tflops: ...  mfu: ...%`
/// (components/metrics.py:439-449, v0.2.0): two spaces between fields, each in its colour.
fn step_line(w: &Writer, last: &LastStep) -> StyledLine {
    let (s, p) = (last.stats, w.plan());
    let (mem, pct) = memory(p);
    let body = StyledLine::new()
        .push(format!("step: {:2}  ", s.step), Style::fg(Color::RED))
        .push(format!("loss: {:7.4}  ", s.loss), Style::fg(Color::GREEN))
        .push(
            format!("grad_norm: {:7.4}  ", s.grad_norm),
            Style::fg(ORANGE),
        )
        .push(
            format!("memory: {mem:5.2}GiB({pct:.2}%)  "),
            Style::fg(TURQUOISE),
        )
        .push(
            format!("tps: {}  ", commas(s.tps.round() as u64)),
            Style::fg(Color::BLUE),
        )
        .push(
            format!("tflops: {}  ", tflops(s.tflops)),
            Style::fg(Color::CYAN),
        )
        .push(
            format!("mfu: {:.2}%", s.mfu * 100.0),
            Style::fg(Color::MAGENTA),
        );
    w.line(Level::Info, None, body)
}

/// Python's `{:,.2f}`.
fn tflops(v: f64) -> String {
    let cents = (v * 100.0).round() as u64;
    format!("{}.{:02}", commas(cents / 100), cents % 100)
}
