//! Resuming: loading a checkpoint (or finding none) and the steps done again.

use term::{Color, Style, StyledLine};

use crate::fmt::bytes;
use crate::level::Level;
use crate::writer::Writer;

/// `Resuming from checkpoint DIR`.
pub fn checkpoint_loading(w: &mut Writer, step: u64) {
    let msg = format!(
        "Resuming from checkpoint {}",
        w.style().checkpoint_dir(w, step)
    );
    w.log(Level::Info, &msg);
}

/// The plain script reads its DCP checkpoint through a tqdm over the rank files.
pub fn checkpoint_progress(w: &mut Writer, frac: f64, files_done: u32, files: u32) {
    let line = StyledLine::new()
        .push(
            format!("Loading checkpoint shards: {:>3.0}%|", frac * 100.0),
            Style::PLAIN,
        )
        .fill((frac * 1e6) as u64, 1_000_000, Style::fg(Color::CYAN))
        .push(
            format!("| {files_done}/{files} [__*_0.distcp]"),
            Style::PLAIN,
        );
    w.live(vec![line]);
}

/// `Loaded checkpoint step-N (SIZE) in S s; resuming at step N+1`.
pub fn checkpoint_loaded(w: &mut Writer, step: u64, secs: f64) {
    w.clear_live(&[]);
    let p = w.plan();
    let dir = w.style().checkpoint_dir(w, step);
    let name = dir.rsplit('/').next().unwrap_or(&dir);
    let msg = format!(
        "Loaded checkpoint {name} ({}) in {secs:.1} s; resuming at step {}",
        bytes(p.weight_bytes() + p.optimizer_bytes()),
        step + 1
    );
    w.log(Level::Info, &msg);
}

/// Training from scratch at the launch, or a restart with nothing saved yet.
pub fn no_checkpoint(w: &mut Writer, restart: bool) {
    if restart {
        w.log(Level::Warn, "No checkpoint found; restarting from step 1");
        return;
    }
    let msg = format!(
        "No checkpoint under {}; initialising weights (std 0.02) and training from scratch",
        w.plan().ckpt_dir
    );
    w.log(Level::Info, &msg);
}

/// `N steps will be repeated`.
pub fn steps_repeated(w: &mut Writer, steps: u64) {
    w.log(Level::Info, &format!("{steps} steps will be repeated"));
}
