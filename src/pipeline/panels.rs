//! The dashboard's numbers, from the run view only: what a monitoring stack beside the log
//! would show at this moment.

use logs::fmt;
use raster::dashboard::PanelData;
use view::{RunView, StepPoint};

/// GPUs whose cells the heatmap shows at most (the first nodes).
pub const HEATMAP_GPUS: usize = 128;
/// Recent logged steps the sparklines span.
const SPARK_POINTS: usize = 240;

/// The panels' numbers at `now` (the feed's clock, seconds).
pub fn panel_data(v: &RunView, now: f64) -> PanelData {
    let Some(job) = v.job() else {
        return PanelData::default();
    };
    let pts = v.points();
    let tail = |f: fn(&StepPoint) -> Option<f64>| -> Vec<f64> {
        let from = pts.len().saturating_sub(SPARK_POINTS);
        pts[from..].iter().filter_map(f).collect()
    };
    let step = v.last_step().map_or(job.start_step, |s| s.step);
    let total = job.total_steps.unwrap_or(step.max(1));
    let step_time = v.last_step().and_then(|s| s.step_time);
    let left = step_time.map(|t| total.saturating_sub(step) as f64 * t);
    let gpus = v.telemetry(HEATMAP_GPUS);
    let checkpoint = match v.last_checkpoint() {
        Some(c) => format!(
            "last checkpoint: step {}, {} ago{}",
            c.step,
            fmt::eta(now - c.at),
            job.checkpoint_bytes
                .map_or(String::new(), |b| format!(", {}", fmt::bytes(b)))
        ),
        None => "no checkpoint yet".into(),
    };
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    PanelData {
        title: format!("{} · {} × {}", opt(&job.model), job.gpus(), opt(&job.gpu)),
        subtitle: format!(
            "job {} · {} · {} · {}",
            opt(&job.job_id),
            opt(&job.precision),
            opt(&job.parallelism),
            opt(&job.dataset)
        ),
        step,
        total,
        progress: format!(
            "{} tokens seen · ETA {}",
            job.tokens_per_step
                .map_or("?".into(), |t| fmt::short(t * step as f64)),
            left.map_or("?".into(), fmt::eta)
        ),
        loss: pts
            .iter()
            .filter_map(|q| q.loss.map(|l| (q.step as f64, l)))
            .collect(),
        val: v
            .validations()
            .iter()
            .map(|&(s, l)| (s as f64, l))
            .collect(),
        lr: tail(|q| q.lr),
        tps: tail(|q| q.tps),
        mfu: tail(|q| q.mfu),
        nodes: job.nodes,
        gpus_per_node: job.gpus_per_node,
        gpu_stats: format!(
            "{} · avg util {:.0}% · {:.0}°C · mem {:.1}/{:.1} GiB",
            v.phase().label(),
            100.0 * gpus.util_avg,
            gpus.temp_max,
            gpus.mem_avg,
            job.gpu_memory_gib.unwrap_or(0.0)
        ),
        util: gpus.gpus.iter().map(|g| g.util).collect(),
        checkpoint,
    }
}
