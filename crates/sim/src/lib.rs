//! The seeded simulation of a training cluster: clock-driven, pure (no I/O, no formatting).
//!
//! [`Simulation::advance`] hands out the typed [`Event`]s due up to a simulated time. Events are
//! generated in chunks independent of how time is requested, so the same seed gives the same
//! events whether it is advanced once or frame by frame. How an event reads on a console is
//! decided by a log style outside this crate.

pub mod catalog;
pub mod cluster;
mod draws;
mod emit;
pub mod event;
pub mod framework;
pub mod plan;
mod setup;
pub mod tomlerr;
pub mod train;

use std::sync::Arc;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use self::catalog::{Catalog, Collectives, DatasetKind};
pub use self::cluster::Cluster;
use self::emit::Emitter;
pub use self::event::{Event, NcclLine, RunTotals, StepStats, Timed};
pub use self::framework::{Framework, Scaler, SetupPhase};
pub use self::plan::{GPUS_PER_NODE, JobKind, Precision, RunPlan};
use self::setup::Start;
use self::train::{Outcome, Trainer};

/// Mixed into the seed for the join point's own generator ("joined" in ASCII).
const JOIN_SALT: u64 = 0x6a6f_696e_6564;

/// Where a job is.
#[derive(Debug)]
enum Stage {
    /// Part `n` of the framework's setup, for this start.
    Setup(usize, Start),
    /// The training loop.
    Train,
}

/// The simulated cluster and its event stream.
pub struct Simulation {
    catalog: Arc<Catalog>,
    cluster: Arc<Cluster>,
    rng: ChaCha8Rng,
    out: Emitter,
    run_index: u64,
    trainer: Trainer,
    stage: Stage,
    /// The framework every run uses, or `None` for a different one each run.
    framework: Option<Framework>,
}

impl Simulation {
    /// A simulation of seed `seed` at time zero whose runs cycle through the frameworks.
    pub fn new(seed: u64, catalog: Arc<Catalog>) -> Self {
        Self::with_framework(seed, catalog, None)
    }

    /// A simulation of seed `seed` at time zero whose runs all use `framework` (`None`: a
    /// different one each run).
    pub fn with_framework(seed: u64, catalog: Arc<Catalog>, framework: Option<Framework>) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (cluster, plan) = Self::first_plan(&mut rng, &catalog, framework);
        let mut out = Emitter::default();
        out.emit(Event::RunStarted {
            run: 0,
            plan: Arc::new(plan.clone()),
        });
        let trainer = Trainer::new(plan, &mut rng);
        Simulation {
            catalog,
            cluster,
            rng,
            out,
            run_index: 0,
            trainer,
            stage: Stage::Setup(0, Start::default()),
            framework,
        }
    }

    /// The team's cluster and the first job's plan, as a simulation of this generator draws
    /// them.
    fn first_plan(
        rng: &mut ChaCha8Rng,
        catalog: &Catalog,
        framework: Option<Framework>,
    ) -> (Arc<Cluster>, RunPlan) {
        let cluster = Arc::new(Cluster::draw(rng, catalog));
        let plan = RunPlan::draw(rng, catalog, &cluster, Self::framework_of(framework, 0));
        (cluster, plan)
    }

    fn framework_of(fixed: Option<Framework>, run: u64) -> Framework {
        fixed.unwrap_or(Framework::ALL[(run % Framework::ALL.len() as u64) as usize])
    }

    /// Where a screen that shows the job "already running" joins the simulation of `seed`: a
    /// seeded moment in the first run, 8 minutes to 6 hours in, so the screen is full of its
    /// history from the start. Drawn from the first plan alone (no events are generated) and
    /// from a generator of its own, so that the events do not depend on it.
    pub fn join_point(seed: u64, catalog: &Catalog, framework: Option<Framework>) -> Duration {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (_, plan) = Self::first_plan(&mut rng, catalog, framework);
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ JOIN_SALT);
        let job = (plan.end_step - plan.start_step) as f64 * plan.step_time();
        let secs = rng.random_range(0.15..0.7) * job;
        Duration::from_secs_f64(secs.clamp(8.0 * 60.0, 6.0 * 3600.0))
    }

    /// Appends every event due at or before `until` to `events`.
    pub fn advance(&mut self, until: Duration, events: &mut Vec<Timed>) {
        loop {
            while let Some(t) = self.out.queue.front() {
                if t.at > until {
                    return;
                }
                events.extend(self.out.queue.pop_front());
            }
            self.generate();
        }
    }

    /// When the next event is due (for sleeping until then).
    pub fn next_due(&mut self) -> Duration {
        loop {
            if let Some(t) = self.out.queue.front() {
                return t.at;
            }
            self.generate();
        }
    }

    /// The plan of the run being generated (the first run's, before any event is handed out).
    pub fn plan(&self) -> &RunPlan {
        &self.trainer.plan
    }

    /// Runs started so far, counting the current one.
    pub fn runs(&self) -> u64 {
        self.run_index + 1
    }

    /// Generates the next chunk of events.
    fn generate(&mut self) {
        match self.stage {
            Stage::Setup(i, start) => {
                let phases = self.trainer.plan.framework.setup();
                let start = Start {
                    began: if i == 0 || start.restart && start.began == 0.0 {
                        self.out.job
                    } else {
                        start.began
                    },
                    ..start
                };
                setup::run(
                    phases[i],
                    &mut self.out,
                    &self.trainer.plan,
                    &start,
                    &mut self.rng,
                );
                self.stage = if i + 1 < phases.len() {
                    Stage::Setup(i + 1, start)
                } else {
                    Stage::Train
                };
            }
            Stage::Train => match self.trainer.step(&mut self.out, &mut self.rng) {
                Outcome::Continue => {}
                Outcome::Restart { resume, repeated } => {
                    // Fresh workers run the whole start again, all but the launcher's prompt.
                    let start = Start {
                        restart: true,
                        resume,
                        repeated,
                        began: self.out.job,
                    };
                    self.stage = Stage::Setup(1, start);
                }
                Outcome::Ended => self.next_run(),
            },
        }
    }

    fn next_run(&mut self) {
        self.run_index += 1;
        let previous = self.trainer.plan.model.name.clone();
        let framework = Self::framework_of(self.framework, self.run_index);
        // Another model each run, when the catalog has more than one.
        let draw =
            |rng: &mut ChaCha8Rng| RunPlan::draw(rng, &self.catalog, &self.cluster, framework);
        let mut plan = draw(&mut self.rng);
        for _ in 0..8 {
            if plan.model.name != previous || self.catalog.models.len() < 2 {
                break;
            }
            plan = draw(&mut self.rng);
        }
        self.out.emit(Event::RunStarted {
            run: self.run_index,
            plan: Arc::new(plan.clone()),
        });
        self.trainer = Trainer::new(plan, &mut self.rng);
        self.stage = Stage::Setup(0, Start::default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(seed: u64, secs: u64) -> Vec<Timed> {
        let mut sim = Simulation::new(seed, Arc::new(Catalog::builtin()));
        let mut v = Vec::new();
        sim.advance(Duration::from_secs(secs), &mut v);
        v
    }

    #[test]
    fn same_seed_same_events_however_time_is_asked() {
        let once = events(9, 300);
        let mut sim = Simulation::new(9, Arc::new(Catalog::builtin()));
        let mut stepped = Vec::new();
        for ms in (0..=300_000).step_by(16) {
            sim.advance(Duration::from_millis(ms), &mut stepped);
        }
        assert_eq!(once, stepped);
        assert_ne!(once, events(10, 300));
    }

    #[test]
    fn clocks_never_run_backwards() {
        let ev = events(3, 3600);
        assert!(matches!(ev[0].event, Event::RunStarted { run: 0, .. }));
        assert!(ev.windows(2).all(|w| w[0].at <= w[1].at));
        assert!(
            ev.iter()
                .any(|t| matches!(t.event, Event::StepFinished { .. }))
        );
    }

    #[test]
    fn a_restarted_job_prints_the_nccl_version_it_printed_before() {
        let (mut restarted, mut versions) = (0, std::collections::HashSet::new());
        for seed in 0..40 {
            let mut sim = Simulation::new(seed, Arc::new(Catalog::builtin()));
            let mut ev = Vec::new();
            sim.advance(Duration::from_secs(200 * 3600), &mut ev);
            // Versions per job (a RunStarted begins one); a restart's set-up repeats it.
            let mut job: Vec<&str> = Vec::new();
            for t in ev.iter().chain([&ev[0]]) {
                match &t.event {
                    Event::RunStarted { .. } => {
                        restarted += usize::from(job.len() > 1);
                        assert!(job.windows(2).all(|w| w[0] == w[1]), "seed {seed}: {job:?}");
                        job.clear();
                    }
                    Event::NcclBootstrap { version } => {
                        job.push(version);
                        versions.insert(*version);
                    }
                    _ => {}
                }
            }
        }
        assert!(restarted > 0, "no job restarted: the rule was never tried");
        assert!(
            versions.len() > 2,
            "one version for every plan: {versions:?}"
        );
    }

    #[test]
    fn every_job_of_a_simulation_runs_on_one_cluster() {
        let mut sim = Simulation::new(4, Arc::new(Catalog::builtin()));
        let mut ev = Vec::new();
        sim.advance(Duration::from_secs(400 * 3600), &mut ev);
        let clusters: Vec<Arc<Cluster>> = ev
            .iter()
            .filter_map(|t| match &t.event {
                Event::RunStarted { plan, .. } => Some(plan.cluster.clone()),
                _ => None,
            })
            .collect();
        assert!(clusters.len() >= 2, "only {} jobs", clusters.len());
        assert!(clusters.iter().all(|c| c == &clusters[0]));
    }
}
