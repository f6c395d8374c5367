//! The dashboard's numbers, from the run view only: what a monitoring stack beside the log
//! would show at this moment.

use logs::fmt;
use raster::dashboard::{ChartData, GpuCell, GpuData, PanelData, Spark, SparkUnit, Tone};
use view::{JobCard, Phase, RunView, StepPoint};

/// GPUs whose cells the heatmap is given at most (the first 128 nodes); the rest are
/// summarised.
pub const HEATMAP_GPUS: usize = 1024;
/// Recent logged steps the sparklines span.
const SPARK_POINTS: usize = 240;
/// Incidents listed under the heatmap at most.
const INCIDENTS_SHOWN: usize = 2;

/// The panels' numbers at `now` (the feed's clock, seconds).
pub fn panel_data(v: &RunView, now: f64) -> PanelData {
    let Some(job) = v.job() else {
        return PanelData {
            phase: Phase::Queued.label(),
            ..PanelData::default()
        };
    };
    let step = v.last_step().map_or(job.start_step, |s| s.step);
    let total = job.total_steps.unwrap_or(0);
    let phase = v.phase();
    let since = now - v.phase_since();
    PanelData {
        title: title(job),
        subtitle: subtitle(job),
        phase: if since >= 60.0 && !matches!(phase, Phase::Training) {
            format!("{} · {}", phase.label(), fmt::eta(since))
        } else {
            phase.label()
        },
        tone: tone(phase),
        step,
        total,
        progress: progress(v, job, step),
        chart: chart(v, job),
        sparks: sparks(v.points()),
        gpus: gpus(v, job),
        footer: footer(v, job, now),
    }
}

/// `Qwen2.5-72B · 512 × MI300X`.
fn title(job: &JobCard) -> String {
    let model = job.model.as_deref().unwrap_or("training job");
    match (job.gpus(), &job.gpu) {
        (0, _) => model.to_string(),
        (n, Some(g)) => format!("{model} · {n} × {g}"),
        (n, None) => format!("{model} · {n} GPUs"),
    }
}

/// `job 6456312 · bf16 · dp32 tp4 pp4 · HuggingFaceFW/fineweb-edu`.
fn subtitle(job: &JobCard) -> String {
    let parts: Vec<String> = [
        job.job_id.as_ref().map(|j| format!("job {j}")),
        job.precision.clone(),
        job.parallelism.clone(),
        job.dataset.clone(),
    ]
    .into_iter()
    .flatten()
    .collect();
    parts.join(" · ")
}

/// How a phase reads at a glance.
fn tone(p: Phase) -> Tone {
    match p {
        Phase::Queued | Phase::Finished => Tone::Idle,
        Phase::Launching
        | Phase::LoadingWeights { .. }
        | Phase::LoadingData
        | Phase::InitNccl
        | Phase::LoadingCheckpoint { .. } => Tone::Setup,
        Phase::Training => Tone::Good,
        Phase::Validating { .. } | Phase::Saving { .. } => Tone::Busy,
        Phase::Hung | Phase::Restarting { .. } | Phase::Cancelled => Tone::Warn,
        Phase::Crashed | Phase::Failed => Tone::Bad,
    }
}

/// `992.7B tokens seen · ETA 6d 19h26m` (the ETA only while training).
fn progress(v: &RunView, job: &JobCard, step: u64) -> String {
    let tokens = job
        .tokens_per_step
        .map(|t| format!("{} tokens seen", fmt::short(t * step as f64)));
    let eta = match (job.total_steps, v.last_step().and_then(|s| s.step_time)) {
        (Some(total), Some(t)) if v.phase().alive() => Some(format!(
            "ETA {}",
            fmt::eta(total.saturating_sub(step) as f64 * t)
        )),
        _ => None,
    };
    [tokens, eta]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ")
}

fn chart(v: &RunView, job: &JobCard) -> ChartData {
    ChartData {
        loss: v
            .points()
            .iter()
            .filter_map(|q| q.loss.map(|l| (q.step as f64, l)))
            .collect(),
        val: v
            .validations()
            .iter()
            .map(|&(s, l)| (s as f64, l))
            .collect(),
        resumed_at: (job.start_step > 0).then_some(job.start_step as f64),
    }
}

fn sparks(pts: &[StepPoint]) -> Vec<Spark> {
    let from = pts.len().saturating_sub(SPARK_POINTS);
    let recent = &pts[from..];
    let series =
        |f: fn(&StepPoint) -> Option<f64>| -> Vec<f64> { recent.iter().filter_map(f).collect() };
    let spark = |name: &str, values: Vec<f64>, now: String, min_span, unit| Spark {
        name: name.into(),
        now,
        values,
        min_span,
        unit,
    };
    let last = |v: &[f64]| v.last().copied();
    let tps = series(|q| q.tps);
    let mfu = series(|q| q.mfu);
    let lr = series(|q| q.lr);
    let mut out = Vec::new();
    if !tps.is_empty() {
        let now = last(&tps).map_or("-".into(), |t| fmt::commas(t.round() as u64));
        out.push(spark("tok/s/gpu", tps, now, 0.2, SparkUnit::Count));
    }
    if !mfu.is_empty() {
        let now = last(&mfu).map_or("-".into(), |m| format!("{:.1}%", m * 100.0));
        out.push(spark("MFU", mfu, now, 0.2, SparkUnit::Percent));
    }
    let now = last(&lr).map_or("-".into(), |l| format!("{l:.2e}"));
    out.push(spark("lr", lr, now, 2.0, SparkUnit::Scientific));
    out
}

fn gpus(v: &RunView, job: &JobCard) -> GpuData {
    let t = v.telemetry(HEATMAP_GPUS);
    let mem = job.gpu_memory_gib.unwrap_or(0.0);
    let hottest = if t.temp_max > 0.0 {
        format!(" · hottest {:.0}°C (rank {})", t.temp_max, t.hottest)
    } else {
        String::new()
    };
    GpuData {
        cells: t
            .gpus
            .iter()
            .map(|g| GpuCell {
                util: g.util,
                temp_c: g.temp_c,
                slow: g.slow,
            })
            .collect(),
        per_node: job.gpus_per_node,
        nodes: job.nodes,
        summary: format!(
            "util {:.0}% · mem {:.1}/{:.0} GiB{hottest}",
            100.0 * t.util_avg,
            t.mem_avg,
            mem
        ),
    }
}

/// The last checkpoint, restarts, and the latest incidents.
fn footer(v: &RunView, job: &JobCard, now: f64) -> Vec<String> {
    let mut out = vec![match v.last_checkpoint() {
        Some(c) => format!(
            "last checkpoint: step {} · {} ago{}",
            c.step,
            fmt::eta(now - c.at),
            job.checkpoint_bytes
                .map_or(String::new(), |b| format!(" · {}", fmt::bytes(b)))
        ),
        None => "no checkpoint saved by this job yet".into(),
    }];
    if v.restarts() > 0 {
        out.push(format!("worker restarts: {}", v.restarts()));
    }
    let recent: Vec<&(f64, view::Incident)> = v.incidents().collect();
    for (at, i) in recent.iter().rev().take(INCIDENTS_SHOWN) {
        out.push(format!("{} ago: {}", fmt::eta(now - at), i.describe()));
    }
    out
}
