//! The catalog files: the user's `data/*.toml` overrides where present, else the built-in ones.

use std::path::Path;

use sim::Catalog;
use sim::catalog::{DataError, FILES, Source};

/// A catalog that could not be read or parsed.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A file exists but cannot be read.
    #[error("{path}: {source}")]
    Unreadable {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A file does not hold a valid catalog.
    #[error(transparent)]
    Invalid(#[from] DataError),
}

/// The catalog with any of `dir/{models,gpus,datasets}.toml` replacing the built-in file.
pub fn load_catalog(dir: Option<&Path>) -> Result<Catalog, CatalogError> {
    let mut texts = Vec::with_capacity(FILES.len());
    for name in FILES {
        let builtin = Catalog::builtin_text(name).expect("known catalog file");
        let path = dir.map(|d| d.join(name)).filter(|p| p.exists());
        texts.push(match path {
            Some(p) => {
                let text =
                    super::read_text_file(&p).map_err(|source| CatalogError::Unreadable {
                        path: p.display().to_string(),
                        source,
                    })?;
                (p.display().to_string(), text)
            }
            None => (format!("data/{name} (built in)"), builtin.to_string()),
        });
    }
    let src = |i: usize| Source {
        name: &texts[i].0,
        text: &texts[i].1,
    };
    Ok(Catalog::parse(src(0), src(1), src(2))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_file_replaces_builtin_and_errors_name_it() {
        let dir = std::env::temp_dir().join(format!("trainsaver-cat-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("datasets.toml"),
            "[[dataset]]\nname = \"mine\"\ntokens = 1e10\ndocuments = 2e6\n",
        )
        .unwrap();
        let c = load_catalog(Some(&dir)).unwrap();
        assert_eq!(c.datasets[0].name, "mine");
        assert_eq!(c.models, Catalog::builtin().models);
        std::fs::write(dir.join("models.toml"), "[[model]]\nname = 3\n").unwrap();
        let e = load_catalog(Some(&dir)).unwrap_err().to_string();
        assert!(
            e.contains("models.toml:2:") && e.contains("`model.name`"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
