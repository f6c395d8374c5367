//! `list`: what the config accepts, from the tables it is validated against: themes and log
//! styles (built in), and the models, GPUs and datasets of the catalog in use (built in, or the
//! config directory's `data/*.toml`).

use crate::cli::ListWhat;
use crate::config::Flavor;
use crate::error::AppError;
use crate::settings::Settings;

/// Prints one table.
pub fn run(s: &Settings, what: ListWhat) -> Result<(), AppError> {
    let rows = match what {
        ListWhat::Themes => themes(),
        ListWhat::Styles => styles(),
        ListWhat::Models => models(s),
        ListWhat::Gpus => gpus(s),
        ListWhat::Datasets => datasets(s),
    };
    let mut text = String::new();
    for r in rows {
        text.push_str(r.trim_end());
        text.push('\n');
    }
    super::write_stdout(text.as_bytes())
}

fn themes() -> Vec<String> {
    raster::THEMES
        .iter()
        .map(|t| {
            let look = if t.retro {
                "retro (glow, scanlines)"
            } else {
                "flat"
            };
            format!("{:<16} {look}", t.name)
        })
        .collect()
}

fn styles() -> Vec<String> {
    Flavor::all()
        .into_iter()
        .map(|(name, f)| {
            let what = match f.framework() {
                Some(fw) => match fw {
                    sim::Framework::Ddp => "a plain PyTorch DDP/FSDP training script",
                    sim::Framework::Torchtitan => "torchtitan v0.2.0",
                    sim::Framework::Megatron => "Megatron-LM core_v0.13.0",
                    sim::Framework::HfTrainer => "Hugging Face Trainer (transformers 4.57.1)",
                },
                None => "a different style for each job",
            };
            format!("{name:<12} {what}")
        })
        .collect()
}

fn models(s: &Settings) -> Vec<String> {
    let mut rows = vec![format!(
        "{:<20} {:>8} {:>7} {:>7} {:>8}  torchtitan",
        "name", "params", "layers", "hidden", "experts"
    )];
    rows.extend(s.catalog.models.iter().map(|m| {
        format!(
            "{:<20} {:>7.1}B {:>7} {:>7} {:>8}  {}",
            m.name,
            m.params as f64 / 1e9,
            m.layers,
            m.hidden,
            m.experts.map_or("-".to_string(), |e| e.to_string()),
            m.torchtitan.as_deref().unwrap_or("-")
        )
    }));
    rows
}

fn gpus(s: &Settings) -> Vec<String> {
    let mut rows = vec![format!(
        "{:<14} {:>9} {:>12}  {:<6} {}",
        "name", "memory", "bf16 TFLOPS", "stack", "as torch names it"
    )];
    rows.extend(s.catalog.gpus.iter().map(|g| {
        format!(
            "{:<14} {:>5.1} GiB {:>12.0}  {:<6} {}",
            g.name,
            g.memory_gib,
            g.peak_tflops,
            g.collectives.runtime(),
            g.torch_name
        )
    }));
    rows
}

fn datasets(s: &Settings) -> Vec<String> {
    let mut rows = vec![format!("{:<40} {:<8} {:>9}", "name", "kind", "tokens")];
    rows.extend(s.catalog.datasets.iter().map(|d| {
        format!(
            "{:<40} {:<8} {:>8.1}B",
            d.name,
            d.kind.name(),
            d.tokens / 1e9
        )
    }));
    rows
}
