//! The seeded simulation of a training cluster: clock-driven, no I/O.
//!
//! [`Simulation::advance`] hands out the terminal operations due up to a simulated time. Output
//! is generated in chunks independent of how time is requested, so the same seed gives the same
//! operations whether it is advanced once or frame by frame.

pub mod data;
pub mod flavor;
pub mod fmt;
pub mod metrics;
pub mod out;
pub mod plan;
pub mod setup;
pub mod train;

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use self::data::Catalog;
use self::flavor::{Flavor, LogFormat};
use self::out::Out;
pub use self::out::Timed;
use self::plan::RunPlan;
use self::train::Trainer;
use crate::term::TermOp;

/// Where a run is.
#[derive(Debug)]
enum Stage {
    /// Setup phase `n` of [`SETUP`].
    Setup(usize),
    /// The training loop.
    Train,
}

type Phase = fn(&mut Out, &RunPlan, &mut ChaCha8Rng);

/// The setup phases in order.
const SETUP: [Phase; 5] = [
    setup::launch,
    setup::load_model,
    setup::load_data,
    setup::init_dist,
    setup::allreduce_test,
];

/// Settings fixed for a simulation.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Seed of everything random.
    pub seed: u64,
    /// Wall-clock time of the first log line (injected; never read from the OS here).
    pub start: NaiveDateTime,
    /// Log style, or `Rotate`.
    pub flavor: Flavor,
    /// Whose console is shown: rank-specific lines (NCCL, prefixes) follow it; the run is the same.
    pub rank: u32,
}

/// The simulated cluster and its output stream.
pub struct Simulation {
    cfg: SimConfig,
    catalog: Arc<Catalog>,
    rng: ChaCha8Rng,
    out: Out,
    run_index: u64,
    trainer: Trainer,
    stage: Stage,
}

impl Simulation {
    /// A simulation at time zero.
    pub fn new(cfg: SimConfig, catalog: Arc<Catalog>) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        let plan = RunPlan::draw(&mut rng, &catalog);
        let out = Out::new(LogFormat::new(cfg.flavor.for_run(0), cfg.start).with_rank(cfg.rank));
        Simulation {
            cfg,
            catalog,
            rng,
            out,
            run_index: 0,
            trainer: Trainer::new(plan),
            stage: Stage::Setup(0),
        }
    }

    /// Appends every operation due at or before `until` to `ops`.
    pub fn advance(&mut self, until: Duration, ops: &mut Vec<TermOp>) {
        loop {
            while let Some(t) = self.out.queue.front() {
                if t.at > until {
                    return;
                }
                ops.push(self.out.queue.pop_front().expect("front exists").op);
            }
            self.generate();
        }
    }

    /// Like [`advance`](Self::advance) but keeps each operation's time.
    pub fn advance_timed(&mut self, until: Duration, ops: &mut Vec<Timed>) {
        loop {
            while let Some(t) = self.out.queue.front() {
                if t.at > until {
                    return;
                }
                ops.push(self.out.queue.pop_front().expect("front exists"));
            }
            self.generate();
        }
    }

    /// When the next operation is due (for sleeping until then).
    pub fn next_due(&mut self) -> Duration {
        while self.out.queue.is_empty() {
            self.generate();
        }
        self.out.queue.front().expect("queue filled").at
    }

    /// The current run's plan.
    pub fn plan(&self) -> &RunPlan {
        &self.trainer.plan
    }

    /// The training loop state of the current run.
    pub fn trainer(&self) -> &Trainer {
        &self.trainer
    }

    /// Job-clock seconds of the newest generated output (for "minutes ago" on dashboards).
    pub fn job_seconds(&self) -> f64 {
        self.out.job
    }

    /// Runs started so far, counting the current one.
    pub fn runs(&self) -> u64 {
        self.run_index + 1
    }

    /// Generates the next chunk of output.
    fn generate(&mut self) {
        match self.stage {
            Stage::Setup(i) => {
                SETUP[i](&mut self.out, &self.trainer.plan, &mut self.rng);
                self.stage = if i + 1 < SETUP.len() {
                    Stage::Setup(i + 1)
                } else {
                    Stage::Train
                };
            }
            Stage::Train => {
                if self.trainer.step(&mut self.out, &mut self.rng) {
                    self.next_run();
                }
            }
        }
    }

    fn next_run(&mut self) {
        self.run_index += 1;
        let previous = self.trainer.plan.model.name.clone();
        // Another model each run, when the catalog has more than one.
        let mut plan = RunPlan::draw(&mut self.rng, &self.catalog);
        for _ in 0..8 {
            if plan.model.name != previous || self.catalog.models.len() < 2 {
                break;
            }
            plan = RunPlan::draw(&mut self.rng, &self.catalog);
        }
        self.out.log = LogFormat::new(self.cfg.flavor.for_run(self.run_index), self.cfg.start)
            .with_rank(self.cfg.rank);
        self.trainer = Trainer::new(plan);
        self.stage = Stage::Setup(0);
    }
}
