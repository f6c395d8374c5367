//! `config path|init|check`: where the config file is, a documented one to start from, and
//! a check of a file (with the catalog and the font it names).

use std::path::PathBuf;

use crate::cli::{Common, ConfigAction};
use crate::config::{self, Config, DEFAULT_TOML, load_catalog, load_faces};
use crate::error::{AppError, IoFailure};

/// `config path|init|check`.
pub fn run(common: &Common, action: &ConfigAction) -> Result<(), AppError> {
    let default = || config::default_path().ok_or(AppError::NoConfigDir);
    match action {
        ConfigAction::Path => {
            out!("{}", default()?.display())?;
            Ok(())
        }
        ConfigAction::Init => {
            let path = common.config.clone().map_or_else(default, Ok)?;
            if path.symlink_metadata().is_ok() {
                return Err(AppError::Exists(path.display().to_string()));
            }
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| IoFailure::new(dir.display().to_string(), e))?;
            }
            // create_new: never through a symlink (dangling or not) someone left there.
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .and_then(|mut f| std::io::Write::write_all(&mut f, DEFAULT_TOML.as_bytes()))
                .map_err(|e| IoFailure::new(path.display().to_string(), e))?;
            out!("wrote {}", path.display())?;
            Ok(())
        }
        ConfigAction::Check { file } => {
            let path: PathBuf = match file.clone().or_else(|| common.config.clone()) {
                Some(p) => p,
                None => default()?,
            };
            let config = Config::load(&path, false)?;
            let data_dir = config::config_dir().map(|d| d.join("data"));
            load_catalog(data_dir.as_deref())?;
            load_faces(config.font.as_deref())?;
            out!("{}: ok", path.display())?;
            Ok(())
        }
    }
}
