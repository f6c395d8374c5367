//! The run view itself: it applies observations in order and answers what a viewer of the
//! log knows now.

use std::collections::VecDeque;

use crate::observation::{Incident, JobCard, Observation, StepPoint};
use crate::phase::Phase;
use crate::series::Series;
use crate::telemetry::{Inputs, Telemetry};

/// Incidents remembered for panels.
const INCIDENTS_KEPT: usize = 8;
/// Validations and checkpoints remembered (thinned like the step series beyond that).
const MARKS_KEPT: usize = 512;

/// A checkpoint the log reported saved.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Checkpoint {
    /// Its step.
    pub step: u64,
    /// When the log said so (the feed's clock, seconds).
    pub at: f64,
}

/// What a viewer of the log knows now.
#[derive(Clone, Debug, Default)]
pub struct RunView {
    job: Option<JobCard>,
    runs: u64,
    phase: Option<Phase>,
    phase_at: f64,
    points: Series<StepPoint>,
    validations: Vec<(u64, f64)>,
    checkpoints: Vec<Checkpoint>,
    last: Option<StepPoint>,
    /// Steps seen run (logged or not): telemetry moves with them.
    ticks: u64,
    straggler: Option<(u32, f64)>,
    incidents: VecDeque<(f64, Incident)>,
    restarts: u32,
    revision: u64,
    at: f64,
}

impl RunView {
    /// An empty view: no job yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies what was learnt at `at` (seconds on the feed's clock).
    pub fn apply(&mut self, at: f64, obs: Observation) {
        self.at = at;
        self.revision += 1;
        match obs {
            Observation::Job(card) => self.start_job(at, card),
            Observation::JobRevised(card) => self.job = Some(card),
            Observation::Earlier {
                points,
                validations,
            } => {
                for p in points {
                    self.points.push(p);
                }
                for v in validations {
                    push_bounded(&mut self.validations, v);
                }
            }
            Observation::Phase(p) => self.set_phase(at, p),
            Observation::Step(p) => self.step(at, p),
            Observation::Busy => {
                self.ticks += 1;
                self.set_phase(at, Phase::Training);
            }
            Observation::Validation { step, loss } => {
                push_bounded(&mut self.validations, (step, loss))
            }
            Observation::CheckpointSaved { step } => {
                push_bounded(&mut self.checkpoints, Checkpoint { step, at })
            }
            Observation::StragglerGone => self.straggler = None,
            Observation::Incident(i) => {
                if let Incident::Straggler { rank, factor } = i {
                    self.straggler = Some((rank, factor));
                }
                self.incidents.push_back((at, i));
                while self.incidents.len() > INCIDENTS_KEPT {
                    self.incidents.pop_front();
                }
            }
        }
    }

    fn start_job(&mut self, at: f64, card: JobCard) {
        let runs = self.runs + 1;
        let revision = self.revision;
        *self = RunView {
            job: Some(card),
            runs,
            revision,
            at,
            ..RunView::default()
        };
        self.set_phase(at, Phase::Launching);
    }

    fn set_phase(&mut self, at: f64, p: Phase) {
        if let Phase::Restarting { .. } = p
            && !matches!(self.phase, Some(Phase::Restarting { .. }))
        {
            self.restarts += 1;
        }
        // A phase that only refines the current one keeps its start time.
        let same_kind = self
            .phase
            .is_some_and(|q| std::mem::discriminant(&q) == std::mem::discriminant(&p));
        if !same_kind {
            self.phase_at = at;
        }
        self.phase = Some(p);
    }

    fn step(&mut self, at: f64, p: StepPoint) {
        // After a restart from a checkpoint the steps come again: the tracker's curve is
        // rewound to where they resume.
        let keep = self
            .points
            .points()
            .iter()
            .position(|q| q.step >= p.step)
            .unwrap_or(self.points.points().len());
        self.points.truncate(keep);
        self.validations.retain(|&(s, _)| s < p.step);
        self.points.push(p);
        self.last = Some(p);
        self.ticks += 1;
        self.set_phase(at, Phase::Training);
    }

    /// The job on screen, once its launch was seen.
    pub fn job(&self) -> Option<&JobCard> {
        self.job.as_ref()
    }

    /// Jobs seen so far.
    pub fn runs(&self) -> u64 {
        self.runs
    }

    /// The job's phase (queued before any job).
    pub fn phase(&self) -> Phase {
        self.phase.unwrap_or(Phase::Queued)
    }

    /// When the current phase began (the feed's clock, seconds).
    pub fn phase_since(&self) -> f64 {
        self.phase_at
    }

    /// The last logged step.
    pub fn last_step(&self) -> Option<&StepPoint> {
        self.last.as_ref()
    }

    /// Logged steps of the run, oldest first, including what the tracker kept from before a
    /// resume (thinned uniformly when long).
    pub fn points(&self) -> &[StepPoint] {
        self.points.points()
    }

    /// Validation results as (step, loss), oldest first.
    pub fn validations(&self) -> &[(u64, f64)] {
        &self.validations
    }

    /// Checkpoints the log reported saved, oldest first.
    pub fn checkpoints(&self) -> &[Checkpoint] {
        &self.checkpoints
    }

    /// The last checkpoint saved.
    pub fn last_checkpoint(&self) -> Option<&Checkpoint> {
        self.checkpoints.last()
    }

    /// Worker restarts in this job.
    pub fn restarts(&self) -> u32 {
        self.restarts
    }

    /// Recent incidents with when they were reported, oldest first.
    pub fn incidents(&self) -> impl Iterator<Item = &(f64, Incident)> {
        self.incidents.iter()
    }

    /// The rank reported straggling now, with its slowdown.
    pub fn straggler(&self) -> Option<(u32, f64)> {
        self.straggler
    }

    /// Bumped by every observation: what is shown may have changed.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// When the last observation came (the feed's clock, seconds).
    pub fn at(&self) -> f64 {
        self.at
    }

    /// GPU telemetry now: the first `shown` GPUs in full, aggregates over all.
    pub fn telemetry(&self, shown: usize) -> Telemetry {
        let Some(job) = &self.job else {
            return Telemetry::default();
        };
        let seed = job
            .job_id
            .as_deref()
            .unwrap_or("")
            .bytes()
            .fold(self.runs, |h, b| h.rotate_left(7) ^ u64::from(b));
        Inputs {
            phase: self.phase(),
            job,
            tick: self.ticks,
            seed,
            straggler: self.straggler,
        }
        .telemetry(shown)
    }
}

/// Appends to a list of marks, halving it (every other one) when it is full.
fn push_bounded<T>(v: &mut Vec<T>, x: T) {
    v.push(x);
    if v.len() > MARKS_KEPT {
        let mut i = 0;
        v.retain(|_| {
            i += 1;
            i % 2 == 0 || i == 1
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card() -> JobCard {
        JobCard {
            job_id: Some("123".into()),
            nodes: 1,
            gpus_per_node: 8,
            total_steps: Some(100),
            ..JobCard::default()
        }
    }

    fn point(step: u64, loss: f64) -> StepPoint {
        StepPoint {
            step,
            loss: Some(loss),
            ..StepPoint::default()
        }
    }

    #[test]
    fn a_job_goes_through_its_phases() {
        let mut v = RunView::new();
        assert_eq!(v.phase(), Phase::Queued);
        v.apply(1.0, Observation::Job(card()));
        assert_eq!(v.phase(), Phase::Launching);
        v.apply(2.0, Observation::Phase(Phase::InitNccl));
        v.apply(3.0, Observation::Step(point(1, 3.0)));
        assert_eq!(v.phase(), Phase::Training);
        assert_eq!(v.last_step().map(|p| p.step), Some(1));
        v.apply(
            4.0,
            Observation::Phase(Phase::Validating { done: 1, total: 4 }),
        );
        v.apply(
            5.0,
            Observation::Phase(Phase::Validating { done: 2, total: 4 }),
        );
        assert_eq!(
            v.phase_since(),
            4.0,
            "progress within a phase keeps its start"
        );
        v.apply(6.0, Observation::Validation { step: 1, loss: 2.9 });
        v.apply(7.0, Observation::CheckpointSaved { step: 1 });
        assert_eq!(v.last_checkpoint().map(|c| (c.step, c.at)), Some((1, 7.0)));
        v.apply(
            8.0,
            Observation::Phase(Phase::Restarting { attempt: 1, max: 3 }),
        );
        assert_eq!(v.restarts(), 1);
        v.apply(9.0, Observation::Job(card()));
        assert!(v.points().is_empty() && v.validations().is_empty());
        assert_eq!((v.runs(), v.restarts()), (2, 0));
    }

    #[test]
    fn repeated_steps_rewind_the_curve() {
        let mut v = RunView::new();
        v.apply(0.0, Observation::Job(card()));
        for s in 1..=10 {
            v.apply(s as f64, Observation::Step(point(s, 3.0)));
        }
        v.apply(10.5, Observation::Validation { step: 8, loss: 2.8 });
        v.apply(11.0, Observation::Step(point(6, 3.1)));
        let steps: Vec<u64> = v.points().iter().map(|p| p.step).collect();
        assert_eq!(steps, [1, 2, 3, 4, 5, 6]);
        assert!(v.validations().is_empty());
    }

    #[test]
    fn marks_stay_bounded() {
        let mut v = Vec::new();
        for i in 0..10_000u64 {
            push_bounded(&mut v, i);
        }
        assert!(v.len() <= MARKS_KEPT);
        assert_eq!(v[0], 0);
        assert!(v.windows(2).all(|w| w[0] < w[1]));
    }
}
