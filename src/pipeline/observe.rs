//! What each simulated event tells a viewer: the simulation's events turned into the run
//! view's observations, at their moment. A parsed real log feeds the same view.

use std::sync::Arc;

use sim::{Event, GPUS_PER_NODE, RunPlan, StepStats};
use view::{Incident, JobCard, Observation, Phase, StepPoint};

/// Points of the curve before a resume that the tracker is given (it kept the whole run).
const EARLIER_POINTS: u64 = 400;
/// Validations before a resume that the tracker is given at most.
const EARLIER_VALIDATIONS: u64 = 40;

/// Turns events into observations; keeps the plan the events refer to.
#[derive(Default)]
pub struct Observer {
    plan: Option<Arc<RunPlan>>,
}

/// What a monitoring stack knows of a job from its plan.
pub fn card(p: &RunPlan) -> JobCard {
    JobCard {
        job_id: Some(p.job_id.to_string()),
        model: Some(p.model.name.clone()),
        nodes: p.nodes,
        gpus_per_node: GPUS_PER_NODE,
        gpu: Some(p.gpu.name.clone()),
        gpu_memory_gib: Some(p.gpu.memory_gib),
        memory_gib: Some(p.memory_gib()),
        precision: Some(p.precision.name().to_string()),
        parallelism: Some(format!("dp{} tp{} pp{}", p.dp(), p.tp, p.pp)),
        dataset: Some(p.dataset.name.clone()),
        total_steps: Some(p.total_steps),
        start_step: p.start_step,
        tokens_per_step: Some(p.tokens_per_step()),
        checkpoint_bytes: Some(p.weight_bytes() + p.optimizer_bytes()),
    }
}

/// A logged step's numbers.
fn point(s: &StepStats, p: &RunPlan) -> StepPoint {
    StepPoint {
        step: s.step,
        loss: Some(s.loss),
        lr: Some(s.lr),
        grad_norm: Some(s.grad_norm),
        tps: Some(s.tps),
        mfu: Some(s.mfu),
        step_time: Some(s.step_time),
        memory_gib: Some(p.memory_gib()),
    }
}

/// A deterministic wobble in -1..1 for a step, so the reconstructed curve is not smooth.
fn wobble(seed: u64, step: u64) -> f64 {
    let x = (seed ^ step.wrapping_mul(0x9E37_79B9_7F4A_7C15)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    ((x >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
}

/// The run's curve before this job resumed it, as the tracker logged it: the plan's loss
/// curve at the logging steps, and its validations.
fn earlier(p: &RunPlan) -> Observation {
    let end = p.start_step;
    let every = end.div_ceil(EARLIER_POINTS).max(1);
    let seed = u64::from(p.job_id);
    let points = (1..=end)
        .step_by(every as usize)
        .map(|step| StepPoint {
            step,
            loss: Some(p.loss_curve(step) * (1.0 + 0.012 * wobble(seed, step))),
            lr: Some(p.lr(step - 1)),
            ..StepPoint::default()
        })
        .collect();
    let vals = (end / p.val_every).min(EARLIER_VALIDATIONS);
    let val_stride = (end / p.val_every).div_ceil(vals.max(1)).max(1) * p.val_every;
    let validations = (1..=vals)
        .map(|i| i * val_stride)
        .filter(|&s| s <= end)
        .map(|s| (s, p.loss_curve(s) + 0.03 + 0.01 * wobble(seed ^ 1, s)))
        .collect();
    Observation::Earlier {
        points,
        validations,
    }
}

impl Observer {
    /// Hands what `ev` tells a viewer to `out`, in order.
    pub fn observe(&mut self, ev: &Event, mut out: impl FnMut(Observation)) {
        match ev {
            // The next job is known from its launch on: until the prompt shows, the screen
            // still shows the last one.
            Event::RunStarted { plan, .. } => {
                self.plan = Some(plan.clone());
                return;
            }
            Event::Launch => {
                if let Some(plan) = &self.plan {
                    out(Observation::Job(card(plan)));
                    if plan.start_step > 0 {
                        out(earlier(plan));
                    }
                }
                return;
            }
            Event::OomRetry { plan, .. } => {
                self.plan = Some(plan.clone());
                out(Observation::JobRevised(card(plan)));
                return;
            }
            _ => {}
        }
        let Some(p) = self.plan.clone() else { return };
        if let Some(o) = phase_of(ev, &p) {
            out(Observation::Phase(o));
        }
        if let Some(o) = fact_of(ev, &p) {
            out(o);
        }
    }
}

/// The phase an event starts or updates, if any.
fn phase_of(ev: &Event, p: &RunPlan) -> Option<Phase> {
    Some(match *ev {
        Event::WeightsProgress { frac, .. } => Phase::LoadingWeights { frac },
        Event::WeightsLoaded { .. } => Phase::Launching,
        Event::Tokenizer | Event::DatasetLoading => Phase::LoadingData,
        Event::ProcessGroupInit { .. } => Phase::InitNccl,
        Event::CheckpointLoading { .. } => Phase::LoadingCheckpoint { frac: 0.0 },
        Event::CheckpointProgress { frac, .. } => Phase::LoadingCheckpoint { frac },
        Event::TrainingStarted { .. } | Event::OomRecovered => Phase::Training,
        // The tools with a validation bar draw it as validation starts.
        Event::ValidationStarted => Phase::Validating {
            done: 0,
            total: p.val_batches,
        },
        Event::ValidationProgress { done, total } => Phase::Validating { done, total },
        Event::ValidationFinished { .. } | Event::CheckpointSaved { .. } => Phase::Training,
        Event::CheckpointStarted { step } => Phase::Saving { step },
        Event::Hang => Phase::Hung,
        Event::OutOfMemory { .. } | Event::WatchdogTimeout { .. } | Event::WorkerFailed { .. } => {
            Phase::Crashed
        }
        Event::WorkerGroupRestart { restart, max, .. } => Phase::Restarting {
            attempt: restart,
            max,
        },
        Event::RunFinished { .. } => Phase::Finished,
        Event::TimeLimit => Phase::Cancelled,
        Event::JobFailed { .. } => Phase::Failed,
        Event::RunGap => Phase::Queued,
        _ => return None,
    })
}

/// The fact an event reports, if any.
fn fact_of(ev: &Event, p: &RunPlan) -> Option<Observation> {
    Some(match *ev {
        Event::StepFinished {
            ref stats, logged, ..
        } => {
            if logged {
                Observation::Step(point(stats, p))
            } else {
                Observation::Busy
            }
        }
        Event::ValidationFinished { step, loss, .. } => Observation::Validation { step, loss },
        Event::CheckpointSaved { step, .. } => Observation::CheckpointSaved { step },
        Event::Straggler { rank, reported } => Observation::Incident(Incident::Straggler {
            rank,
            factor: reported,
        }),
        Event::StragglerRecovered { .. } => Observation::StragglerGone,
        Event::LossSpike { step, .. } => Observation::Incident(Incident::LossSpike { step }),
        Event::OutOfMemory { rank, .. } => Observation::Incident(Incident::OutOfMemory { rank }),
        Event::WatchdogTimeout { rank, .. } => {
            Observation::Incident(Incident::CollectiveTimeout { rank })
        }
        Event::Fp16Overflow { step, .. } => Observation::Incident(Incident::Overflow { step }),
        _ => return None,
    })
}
