//! The run view: what a viewer of a training log can know at this moment (the job and its
//! phase, steps and their numbers, validations, checkpoints saved, incidents and restarts,
//! and the GPU telemetry a monitoring stack beside the log would show).
//!
//! It is fed [`Observation`]s: the simulated run's events turned into what they tell a
//! viewer, or the lines of a real log parsed. It knows nothing of the simulation, so the
//! dashboard drawn from it can only say what the log has said.

mod observation;
mod phase;
pub mod read;
mod run;
mod series;
mod telemetry;

pub use observation::{Incident, JobCard, Observation, StepPoint};
pub use phase::Phase;
pub use read::LogReader;
pub use run::{Checkpoint, RunView};
pub use series::Series;
pub use telemetry::{GpuSample, Telemetry};
