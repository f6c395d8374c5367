//! Log styles of real training frameworks: typed simulation events in, terminal operations out.
//!
//! A [`Console`] writes each event through the [`LogStyle`](style::LogStyle) of the run's
//! framework: one module per style (`ddp`, `torchtitan`, `megatron`, `hf_trainer`), the
//! wording every tool shares in the trait's default methods (`style`, `shared`), and the one
//! place styles are listed (`styles`). Adding a style is adding a module and its line there.

mod console;
mod ddp;
mod dispatch;
pub mod fmt;
mod hf_trainer;
mod level;
mod megatron;
mod progress;
mod shared;
mod style;
mod styles;
mod torchtitan;
mod tqdm;
mod writer;

pub use console::{Console, ConsoleConfig};
pub use level::{Level, META};
