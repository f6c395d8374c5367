//! Reading state back: published weights through `from_pretrained`, the job's own
//! checkpoint through DCP, or neither.

use term::{Color, Style};

use crate::fmt::bytes;
use crate::level::Level;
use crate::writer::Writer;

/// The bar over the files being read, as it stands.
pub fn load_bar(w: &mut Writer) {
    if let Some(b) = &w.progress.load {
        let line = b.line(w.job(), Style::fg(Color::CYAN), "");
        w.live(vec![line]);
    }
}

/// The weights are in: tqdm leaves its bar, the script logs a summary under it.
pub fn weights_loaded(w: &mut Writer, secs: f64, rate: f64) {
    load_bar(w);
    w.settle();
    let p = w.plan();
    let msg = format!(
        "Loaded {} shards ({}) in {:.1} s ({}/s)",
        p.shards,
        bytes(p.weight_bytes()),
        secs,
        bytes(rate)
    );
    w.log(Level::Info, &msg);
}

/// `Resuming from checkpoint DIR`.
pub fn checkpoint_loading(w: &mut Writer, step: u64) {
    let msg = format!(
        "Resuming from checkpoint {}",
        w.style().checkpoint_dir(w, step)
    );
    w.log(Level::Info, &msg);
}

/// `Loaded checkpoint step-N (SIZE) in S s; resuming at step N+1`, the bar gone.
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
