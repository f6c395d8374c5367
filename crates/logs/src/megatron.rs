//! Megatron-LM core_v0.13.0: plain prints on rank 0 (`print_rank_0`) and the last rank
//! (`print_rank_last`), `[name] datetime: ...` milestones, an iteration line every
//! `--log-interval` iterations, validation between dashed rules, `(min, max)` timers and
//! `iter_NNNNNNN` checkpoints (megatron/training/training.py and checkpointing.py; file:line
//! beside each).

use sim::{Precision, RunPlan};
use term::{Color, Style, StyledLine};

use crate::fmt::py_exp;
use crate::level::{Level, META, RankTag};
use crate::shared::procs::hash;
use crate::style::LogStyle;
use crate::writer::{LastStep, Writer};

/// The Megatron-LM style.
pub struct Megatron;

impl LogStyle for Megatron {
    fn script(&self) -> &'static str {
        "pretrain_gpt.py"
    }

    fn workdir(&self, _w: &Writer) -> String {
        "Megatron-LM".into()
    }

    /// pretrain_gpt.py with the arguments its iteration line and checkpoints follow from.
    fn launch_args(&self, w: &Writer) -> String {
        let p = w.plan();
        let m = &p.model;
        let mut a = format!(
            "pretrain_gpt.py --tensor-model-parallel-size {} --pipeline-model-parallel-size {}",
            p.tp, p.pp
        );
        if p.vpp > 1 {
            a.push_str(&format!(
                " --num-layers-per-virtual-pipeline-stage {}",
                m.layers / (p.pp * p.vpp)
            ));
        }
        if let (Some(e), Some(k)) = (m.experts, m.top_k) {
            a.push_str(&format!(
                " --expert-model-parallel-size {} --num-experts {e} --moe-router-topk {k}",
                p.ep
            ));
        }
        if p.tp > 1 {
            // Megatron turns sequence parallelism off, with a warning, without tensor
            // parallelism.
            a.push_str(" --sequence-parallel");
        }
        let precision = match p.precision {
            Precision::Bf16 => "--bf16",
            Precision::Fp16 => "--fp16",
        };
        a.push_str(&format!(
            " --use-distributed-optimizer --num-layers {} --hidden-size {} --ffn-hidden-size {} --num-attention-heads {} --group-query-attention --num-query-groups {} --seq-length {} --max-position-embeddings {} --micro-batch-size {} --global-batch-size {} --train-iters {} --lr {:.1e} --min-lr {:.1e} --lr-decay-style cosine --lr-warmup-iters {} --clip-grad 1.0 --weight-decay 0.1 {precision} --tokenizer-type HuggingFaceTokenizer --tokenizer-model {} --data-path {}/{}_text_document --split 99,1,0 --save {ckpt} --load {ckpt} --save-interval {} --eval-interval {} --eval-iters {} --log-interval {} --log-throughput",
            m.layers,
            m.hidden,
            m.ffn,
            m.heads,
            m.kv_heads,
            p.seq_len,
            p.seq_len,
            p.micro_batch,
            p.global_batch(),
            p.total_steps,
            p.peak_lr,
            p.peak_lr * 0.1,
            p.warmup_steps,
            m.hub_id(),
            p.cluster.storage,
            p.dataset.name.rsplit('/').next().unwrap_or("corpus").to_lowercase(),
            p.ckpt_every,
            p.val_every,
            p.val_batches,
            p.log_every,
            ckpt = p.ckpt_dir,
        ));
        a
    }

    fn prefix(&self, w: &Writer, level: Level, rank: RankTag, l: &mut StyledLine) {
        l.append(format!("[{}] ", stamp(w)), META);
        if level != Level::Info {
            l.append(
                format!("{}: ", level.word()),
                Style::fg(level.color()).bold(),
            );
        }
        if let Some((r, _)) = rank {
            l.append(format!("[rank {r}] "), Style::fg(Color::CYAN));
        }
    }

    fn step_line(&self, w: &Writer, last: &LastStep) -> StyledLine {
        step_line(w, last)
    }

    fn checkpoint_dir(&self, w: &Writer, step: u64) -> String {
        format!("{}/iter_{step:07}", w.plan().ckpt_dir)
    }

    /// arguments.py:395.
    fn job_info(&self, w: &mut Writer) {
        let p = w.plan();
        let line = format!(
            "using world size: {}, data-parallel size: {}, context-parallel size: 1, hierarchical context-parallel sizes: None, tensor-model-parallel size: {}, encoder-tensor-model-parallel size: 0, pipeline-model-parallel size: {}, encoder-pipeline-model-parallel size: 0",
            p.world(),
            p.dp(),
            p.tp,
            p.pp
        );
        plain(w, line);
    }

    /// arguments.py:692.
    fn config_info(&self, w: &mut Writer) {
        let dtype = match w.plan().precision {
            Precision::Bf16 => "torch.bfloat16",
            Precision::Fp16 => "torch.float16",
        };
        plain(w, format!("using {dtype} for parameters ..."));
    }

    /// core/num_microbatches_calculator.py:229: micro-batches per step and data-parallel rank.
    fn optimizer_info(&self, w: &mut Writer) {
        let n = w.plan().grad_accum;
        plain(w, format!("setting number of microbatches to constant {n}"));
    }

    /// tokenizer/tokenizer.py:24 and :123-127: the vocabulary padded to a multiple of
    /// 128 x tensor-parallel size.
    fn tokenizer(&self, w: &mut Writer) {
        let (vocab, tp) = (w.plan().model.vocab, w.plan().tp);
        let padded = vocab.div_ceil(128 * tp) * 128 * tp;
        plain(w, "> building HuggingFaceTokenizer tokenizer ...".into());
        plain(
            w,
            format!(
                " > padded vocab (size: {vocab}) with {} dummy tokens (new size: {padded})",
                padded - vocab
            ),
        );
    }

    /// initialize.py:315.
    fn process_group_init(&self, w: &mut Writer, _restart: bool) {
        plain(w, "> initializing torch distributed ...".into());
    }

    /// initialize.py:383-390 and :125, then training.py:760-763.
    fn dist_ready(&self, w: &mut Writer, init_secs: f64) {
        let (tp, pp) = (w.plan().tp, w.plan().pp);
        plain(
            w,
            format!("> initialized tensor model parallel with size {tp}"),
        );
        plain(
            w,
            format!("> initialized pipeline model parallel with size {pp}"),
        );
        plain(w, "> setting random seeds to 1234 ...".into());
        plain(
            w,
            format!("time to initialize megatron (seconds): {init_secs:.3}"),
        );
        milestone(w, "after megatron is initialized");
    }

    /// pretrain_gpt.py:139.
    fn model_loading(&self, w: &mut Writer) {
        plain(w, "building GPT model ...".into());
    }

    /// training.py:1051-1059: every (tensor, pipeline) rank of data-parallel rank 0 prints
    /// its own share with a plain print, so they come in no order; the first stage holds the
    /// embedding and the last the output layer.
    fn parameter_count(&self, w: &mut Writer) {
        let p = w.plan();
        let mut ranks: Vec<(u32, u32)> = (0..p.pp)
            .flat_map(|s| (0..p.tp).map(move |t| (t, s)))
            .take(16)
            .collect();
        ranks.sort_by_key(|&(t, s)| hash(p, 0x7000 + u64::from(t * 1000 + s)));
        let lines: Vec<String> = ranks
            .into_iter()
            .map(|(t, s)| {
                format!(
                    " > number of parameters on (tensor, pipeline) model parallel rank ({t}, {s}): {}",
                    stage_params(p, s)
                )
            })
            .collect();
        for l in lines {
            plain(w, l);
        }
    }

    /// training.py:811, then the datasets (L2716, L2702-2705: the sample counts the schedule
    /// needs, `get_train_valid_test_num_samples`).
    fn dataset_loading(&self, w: &mut Writer) {
        milestone(
            w,
            "after model, optimizer, and learning rate scheduler are built",
        );
        let p = w.plan();
        let gb = p.global_batch();
        let eval = u64::from(p.val_batches);
        let lines = [
            "> building train, validation, and test datasets ...".to_string(),
            " > datasets target sizes (minimum size):".to_string(),
            format!("    train:      {}", p.total_steps * gb),
            format!(
                "    validation: {}",
                (p.total_steps / p.val_every + 1) * eval * gb
            ),
            format!("    test:       {}", eval * gb),
        ];
        for l in lines {
            plain(w, l);
        }
    }

    /// pretrain_gpt.py:366 and :372.
    fn dataset_ready(&self, w: &mut Writer, _documents: u64) {
        plain(
            w,
            "> building train, validation, and test datasets for GPT ...".into(),
        );
        plain(w, "> finished creating GPT datasets ...".into());
    }

    /// training.py:832, :848-849 (the setup timers) and :855.
    fn batch_info(&self, w: &mut Writer) {
        milestone(w, "after dataloaders are built");
        plain(w, "done with setup ...".into());
        let p = w.plan();
        let model_ms = 4000.0 + (hash(p, 0x7100) % 20_000) as f64;
        let data_ms = 300.0 + (hash(p, 0x7200) % 3_000) as f64;
        let spread = |ms: f64, k: u64| ms - 0.5 - (hash(p, k) % 4000) as f64 / 100.0;
        let lines = timers(&[
            (
                "model-and-optimizer-setup",
                spread(model_ms, 0x7300),
                model_ms,
            ),
            (
                "train/valid/test-data-iterators-setup",
                spread(data_ms, 0x7400),
                data_ms,
            ),
        ]);
        for l in lines {
            plain(w, l);
        }
        plain(w, "training ...".into());
    }

    /// training.py:2125-2126.
    fn training_started(&self, w: &mut Writer, _from_step: u64) {
        milestone(w, "before the start of training step");
    }

    /// training.py, evaluate_and_print_results: the line framed by dashes one longer; PPL =
    /// exp(min(20, loss)); every value in Python's '{:.6E}'. After the last iteration the
    /// prefix names the set (L901).
    fn validation_finished(&self, w: &mut Writer, step: u64, loss: f64, _: f64, _: u32) {
        let at = if step == w.plan().total_steps {
            format!("iteration {step} on validation set")
        } else {
            format!("iteration {step}")
        };
        let body = format!(
            " validation loss at {at} | lm loss value: {} | lm loss PPL: {} | ",
            py_exp(loss, 6, true),
            py_exp(loss.min(20.0).exp(), 6, true)
        );
        let rule = StyledLine::plain("-".repeat(body.chars().count() + 1));
        w.print(rule.clone());
        w.print(StyledLine::plain(body));
        w.print(rule);
    }

    /// checkpointing.py:396.
    fn checkpoint_started(&self, w: &mut Writer, step: u64) {
        let msg = format!(
            "saving checkpoint at iteration {step:7} to {} in torch_dist format",
            w.plan().ckpt_dir
        );
        plain(w, msg);
    }

    /// checkpointing.py:567, then the save timer (training.py:1857).
    fn checkpoint_saved(&self, w: &mut Writer, step: u64, secs: f64, _rate: f64) {
        let p = w.plan();
        let msg = format!(
            "  successfully saved checkpoint from iteration {step:7} to {} [ t 1/{}, p 1/{} ]",
            p.ckpt_dir, p.tp, p.pp
        );
        let ms = secs * 1000.0;
        let min = ms - (hash(p, step) % 5000) as f64 / 100.0;
        let lines = timers(&[("save-checkpoint", min, ms)]);
        plain(w, msg);
        for l in lines {
            plain(w, l);
        }
    }

    /// checkpointing.py L965-966: no tracker file under --load.
    fn no_checkpoint(&self, w: &mut Writer, _restart: bool) {
        let lines = [
            format!(
                "WARNING: could not find the metadata file {}/latest_checkpointed_iteration.txt",
                w.plan().ckpt_dir
            ),
            "    will not load any checkpoints and will start from random".to_string(),
        ];
        for l in lines {
            plain(w, l);
        }
    }

    /// L986: f' loading {dist_infix}checkpoint from {load_dir} at iteration {iteration}'.
    fn checkpoint_loading(&self, w: &mut Writer, step: u64) {
        let msg = format!(
            " loading distributed checkpoint from {} at iteration {step}",
            w.plan().ckpt_dir
        );
        plain(w, msg);
    }

    /// L1469, L1559-1562, then the load timer (training.py:1306).
    fn checkpoint_loaded(&self, w: &mut Writer, step: u64, secs: f64) {
        let p = w.plan();
        let ms = secs * 1000.0;
        let mut lines = vec![
            " checkpoint version 3.0".to_string(),
            format!(
                "  successfully loaded checkpoint from {} [ t 1/{}, p 1/{} ] at iteration {step}",
                p.ckpt_dir, p.tp, p.pp
            ),
        ];
        lines.extend(timers(&[(
            "load-checkpoint",
            ms - 0.7 - (ms * 13.0).fract(),
            ms,
        )]));
        for l in lines {
            plain(w, l);
        }
    }

    /// training.py:877.
    fn run_finished(&self, w: &mut Writer, _: &sim::RunTotals, _: f64, _: f64) {
        w.clear_live(&[]);
        milestone(w, "after training is done");
    }
}

/// A line printed with Python's plain `print` (no logger prefix).
fn plain(w: &mut Writer, line: String) {
    w.print(StyledLine::plain(line));
}

/// `datetime.now().strftime('%Y-%m-%d %H:%M:%S')`, as print_datetime and the iteration line
/// stamp.
fn stamp(w: &Writer) -> String {
    w.now().format("%Y-%m-%d %H:%M:%S").to_string()
}

/// training.py:144-148, print_datetime: f'[{string}] datetime: {time_str} ' (trailing space).
fn milestone(w: &mut Writer, name: &str) {
    let line = format!("[{name}] datetime: {} ", stamp(w));
    plain(w, line);
}

/// core/timers.py:316-323: `(min, max) time across ranks (ms):` and one line per timer, the
/// name padded with dots to 48.
fn timers(rows: &[(&str, f64, f64)]) -> Vec<String> {
    let mut out = vec!["(min, max) time across ranks (ms):".to_string()];
    for (name, min, max) in rows {
        out.push(format!(
            "    {:.<48}: ({:.2}, {:.2})",
            format!("{name} "),
            min.max(0.0),
            max
        ));
    }
    out
}

/// Parameters on one pipeline stage's tensor-parallel rank: its share of the layers, plus
/// the embedding on the first stage and the untied output layer on the last.
fn stage_params(p: &RunPlan, stage: u32) -> u64 {
    let m = &p.model;
    let embed = u64::from(m.vocab) * u64::from(m.hidden);
    let body = m.params.saturating_sub(2 * embed) / u64::from(p.pp);
    let mut n = body;
    if stage == 0 {
        n += embed;
    }
    if stage + 1 == p.pp {
        n += embed;
    }
    n / u64::from(p.tp)
}

/// The iteration line of `training_log` (training.py:1678-1759), printed on the last rank
/// with a plain print: ` [time] iteration N/T | ... |`, every float in Python's format. The
/// loss scale is the optimizer's (1.0 without a grad scaler, as in bf16).
fn step_line(w: &Writer, last: &LastStep) -> StyledLine {
    let (s, p) = (last.stats, w.plan());
    let mut body = format!(
        " [{}] iteration {:8}/{:8} | consumed samples: {:12} | elapsed time per iteration (ms): {:.1} | throughput per GPU (TFLOP/s/GPU): {:.1} | learning rate: {} | global batch size: {:5} | lm loss: {} |",
        stamp(w),
        s.step,
        p.total_steps,
        s.step * p.global_batch(),
        s.step_time * 1000.0,
        s.tflops,
        py_exp(s.lr, 6, true),
        p.global_batch(),
        py_exp(s.loss, 6, true),
    );
    if p.model.experts.is_some() {
        // MoE runs track the router's auxiliary loss next to lm loss (moe_logging.py); it
        // hovers just above its coefficient (1e-2) as routing balances.
        let wobble = ((s.step.wrapping_mul(2_654_435_761) >> 7) % 1000) as f64 / 1000.0;
        let lb = 0.01 * (1.002 + 0.03 * wobble + 0.2 * (-(s.step as f64) / 300.0).exp());
        body.push_str(&format!(" load_balancing_loss: {} |", py_exp(lb, 6, true)));
    }
    body.push_str(&format!(
        " loss scale: {:.1} | grad norm: {:.3} | number of skipped iterations: {:3} | number of nan iterations: {:3} |",
        last.loss_scale, s.grad_norm, last.skipped_in_step, 0
    ));
    StyledLine::plain(body)
}
