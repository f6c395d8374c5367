//! Megatron-LM: `[YYYY-MM-DD HH:MM:SS.ffffff]` stamps, pipe-separated iteration lines every
//! step, validation between dashed rules and `iter_NNNNNNN` checkpoints. The start-up is
//! Megatron-LM core_v0.13.0's: plain prints on rank 0 (file:line beside each).

use sim::Precision;
use term::{Color, Style, StyledLine};

use crate::fmt::py_exp;
use crate::level::{Level, META, RankTag};
use crate::style::LogStyle;
use crate::writer::{LastStep, Writer};

/// The Megatron-LM style.
pub struct Megatron;

impl LogStyle for Megatron {
    fn script(&self) -> &'static str {
        "pretrain_gpt.py"
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

    /// initialize.py:315 and :383-390.
    fn parallelism_info(&self, w: &mut Writer) {
        let (tp, pp) = (w.plan().tp, w.plan().pp);
        plain(w, "> initializing torch distributed ...".into());
        plain(
            w,
            format!("> initialized tensor model parallel with size {tp}"),
        );
        plain(
            w,
            format!("> initialized pipeline model parallel with size {pp}"),
        );
    }

    /// initialize.py:125.
    fn optimizer_info(&self, w: &mut Writer) {
        plain(w, "> setting random seeds to 1234 ...".into());
    }

    /// pretrain_gpt.py:139.
    fn model_loading(&self, w: &mut Writer) {
        plain(w, "building GPT model ...".into());
    }

    /// training.py:1051-1058 (raw print, no commas) for rank (0, 0).
    fn parameter_count(&self, w: &mut Writer) {
        let p = w.plan();
        let line = format!(
            " > number of parameters on (tensor, pipeline) model parallel rank (0, 0): {}",
            p.model.params / u64::from(p.tp * p.pp)
        );
        plain(w, line);
    }

    /// tokenizer/tokenizer.py:24 and :123-127.
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

    /// training.py:2716.
    fn dataset_loading(&self, w: &mut Writer) {
        plain(
            w,
            "> building train, validation, and test datasets ...".into(),
        );
    }

    /// pretrain_gpt.py:366 and :372.
    fn dataset_ready(&self, w: &mut Writer, _documents: u64) {
        plain(
            w,
            "> building train, validation, and test datasets for GPT ...".into(),
        );
        plain(w, "> finished creating GPT datasets ...".into());
    }

    /// training.py:832/848.
    fn batch_info(&self, w: &mut Writer) {
        let stamp = stamp(w);
        plain(
            w,
            format!("[after dataloaders are built] datetime: {stamp} "),
        );
        plain(w, "done with setup ...".into());
        plain(w, "training ...".into());
    }

    fn dist_ready(&self, w: &mut Writer, init_secs: f64) {
        w.log(
            Level::Info,
            &format!("time to initialize megatron (seconds): {init_secs:.3}"),
        );
    }

    /// training.py, print_datetime: f'[{string}] datetime: {time_str} ' (trailing space).
    fn training_started(&self, w: &mut Writer, _from_step: u64) {
        let msg = format!(
            "[before the start of training step] datetime: {} ",
            stamp(w)
        );
        plain(w, msg);
    }

    /// training.py, evaluate_and_print_results: the line, framed by dashes one longer;
    /// PPL = exp(min(20, loss)); every value in Python's '{:.6E}'.
    fn validation_finished(&self, w: &mut Writer, step: u64, loss: f64, _: f64, _: u32) {
        let body = format!(
            " validation loss at iteration {step} | lm loss value: {} | lm loss PPL: {} | ",
            py_exp(loss, 6, true),
            py_exp(loss.min(20.0).exp(), 6, true)
        );
        let rule = StyledLine::plain("-".repeat(body.chars().count() + 1));
        let base = w.val_base.clone();
        w.show(&[rule.clone(), StyledLine::plain(body), rule], base);
    }

    /// training/checkpointing.py, save_checkpoint.
    fn checkpoint_started(&self, w: &mut Writer, step: u64) {
        let msg = format!(
            "[{}] saving checkpoint at iteration {step:7} to {} in torch_dist format",
            stamp(w),
            w.plan().ckpt_dir
        );
        plain(w, msg);
    }

    fn checkpoint_saved(&self, w: &mut Writer, step: u64, _secs: f64, _rate: f64) {
        let p = w.plan();
        let msg = format!(
            "  [{}] successfully saved checkpoint from iteration {step:7} to {} [ t 1/{}, p 1/{} ]",
            stamp(w),
            p.ckpt_dir,
            p.tp,
            p.pp
        );
        plain(w, msg);
    }

    /// checkpointing.py (core_v0.13.0) L965-966: no tracker file under --load; a restart
    /// says so the common way.
    fn no_checkpoint(&self, w: &mut Writer, restart: bool) {
        if restart {
            crate::shared::restore::no_checkpoint(w, restart);
            return;
        }
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

    fn checkpoint_progress(&self, _w: &mut Writer, _frac: f64, _done: u32, _files: u32) {}

    /// L1469, L1559-1562, then the load timer (core/timers.py: the name padded with dots to
    /// 48, min and max across ranks in ms).
    fn checkpoint_loaded(&self, w: &mut Writer, step: u64, secs: f64) {
        let p = w.plan();
        let ms = secs * 1000.0;
        let lines = [
            " checkpoint version 3.0".to_string(),
            format!(
                "  successfully loaded checkpoint from {} [ t 1/{}, p 1/{} ] at iteration {step}",
                p.ckpt_dir, p.tp, p.pp
            ),
            "(min, max) time across ranks (ms):".to_string(),
            format!(
                "    {:.<48}: ({:.2}, {:.2})",
                "load-checkpoint ",
                ms - 0.7 - (ms * 13.0).fract(),
                ms
            ),
        ];
        for l in lines {
            plain(w, l);
        }
    }

    fn run_finished(&self, w: &mut Writer, _: &sim::RunTotals, _: f64, _: f64) {
        w.clear_live(&[]);
        let msg = format!("[after training is done] datetime: {} ", stamp(w));
        plain(w, msg);
    }
}

/// A line printed with Python's plain `print` (no logger prefix).
fn plain(w: &mut Writer, line: String) {
    w.print(StyledLine::plain(line));
}

/// Megatron's timestamps: `datetime.now().strftime('%Y-%m-%d %H:%M:%S.%f')`.
fn stamp(w: &Writer) -> String {
    w.now().format("%Y-%m-%d %H:%M:%S%.6f").to_string()
}

/// The iteration line of `training_log` (megatron/training/training.py), printed on the last
/// rank with a plain print: ` [time] iteration N/T | ... |`, every float in Python's format.
fn step_line(w: &Writer, last: &LastStep) -> StyledLine {
    let (s, p) = (last.stats, w.plan());
    // Megatron's fp16 scaler starts at 2**32 (--initial-loss-scale) where torch's GradScaler,
    // which the simulation's scale follows, starts at 2**16: the same halvings, 2**16 larger.
    let scale = if p.precision == Precision::Fp16 {
        last.loss_scale * 65536.0
    } else {
        1.0
    };
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
        " loss scale: {scale:.1} | grad norm: {:.3} | number of skipped iterations: {:3} | number of nan iterations: {:3} |",
        s.grad_norm, last.skipped_in_step, 0
    ));
    StyledLine::plain(body)
}
