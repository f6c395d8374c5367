//! The catalog of models, GPUs and datasets: embedded TOML, overridable from the config directory.

use std::path::Path;

use serde::Deserialize;

use crate::config::tomlerr;

const MODELS: &str = include_str!("../../data/models.toml");
const GPUS: &str = include_str!("../../data/gpus.toml");
const DATASETS: &str = include_str!("../../data/datasets.toml");

/// A model architecture.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// Shown name.
    pub name: String,
    /// Family, which picks tokenizer quirks and checkpoint layout.
    pub family: String,
    /// Total parameters.
    pub params: u64,
    /// Parameters used per token (MoE); defaults to `params`.
    pub active_params: Option<u64>,
    /// Routed experts per MoE layer.
    pub experts: Option<u32>,
    /// Experts per token.
    pub top_k: Option<u32>,
    /// Transformer layers.
    pub layers: u32,
    /// Hidden size.
    pub hidden: u32,
    /// Attention heads.
    pub heads: u32,
    /// Key/value heads.
    pub kv_heads: u32,
    /// Feed-forward size.
    pub ffn: u32,
    /// Vocabulary size.
    pub vocab: u32,
    /// Maximum context length.
    pub context: u32,
    /// Tokenizer class name; derived from the family when absent.
    pub tokenizer: Option<String>,
    /// Peak learning rate.
    pub lr: f64,
}

impl ModelSpec {
    /// The tokenizer class: as given, else the family's usual one, else SentencePiece.
    pub fn tokenizer_class(&self) -> &str {
        if let Some(t) = &self.tokenizer {
            return t;
        }
        match self.family.as_str() {
            "llama2" | "mistral" | "mixtral" => "LlamaTokenizer",
            "llama3" | "falcon" => "PreTrainedTokenizerFast",
            "qwen2" => "Qwen2Tokenizer",
            "gemma2" => "GemmaTokenizer",
            "gpt2" => "GPT2Tokenizer",
            "deepseek3" => "LlamaTokenizerFast",
            _ => "SentencePieceTokenizer",
        }
    }

    /// Parameters that do work for each token.
    pub fn active(&self) -> u64 {
        self.active_params.unwrap_or(self.params)
    }
}

/// An accelerator model.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GpuSpec {
    /// Short name.
    pub name: String,
    /// Name as torch prints it.
    pub torch_name: String,
    /// Memory torch reports, GiB.
    pub memory_gib: f64,
    /// Dense bf16 peak, TFLOPS.
    pub peak_tflops: f64,
    /// All-reduce bus bandwidth within a node, GB/s.
    pub node_busbw: f64,
    /// All-reduce bus bandwidth across nodes, GB/s.
    pub net_busbw: f64,
    /// PCI bus numbers of the board's GPUs.
    pub bus_ids: Vec<String>,
    /// Collective library, NCCL or RCCL.
    pub collectives: String,
    /// Intra-node transport as NCCL names it.
    pub link: String,
}

/// A training corpus.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DatasetSpec {
    /// Name as loaded.
    pub name: String,
    /// Tokens in the corpus.
    pub tokens: f64,
    /// Documents in the corpus.
    pub documents: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelsFile {
    model: Vec<ModelSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GpusFile {
    gpu: Vec<GpuSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DatasetsFile {
    dataset: Vec<DatasetSpec>,
}

/// Everything the simulation draws runs from.
#[derive(Clone, Debug, PartialEq)]
pub struct Catalog {
    /// Models.
    pub models: Vec<ModelSpec>,
    /// Accelerators.
    pub gpus: Vec<GpuSpec>,
    /// Corpora.
    pub datasets: Vec<DatasetSpec>,
}

/// A catalog file problem, formatted as one line naming file, line and field.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DataError(pub String);

/// Where in the TOML source the n-th `[[table]]` header starts (for semantic errors).
fn table_offset(src: &str, table: &str, n: usize) -> usize {
    let header = format!("[[{table}]]");
    src.match_indices(&header).nth(n).map_or(0, |(i, _)| i)
}

fn field_error(file: &str, src: &str, table: &str, n: usize, field: &str, msg: &str) -> DataError {
    let start = table_offset(src, table, n);
    let end = src[start + 1..]
        .find("[[")
        .map_or(src.len(), |i| start + 1 + i);
    let key_off = src[start..end]
        .lines()
        .scan(start, |off, l| {
            let here = *off;
            *off += l.len() + 1;
            Some((here, l))
        })
        .find(|(_, l)| l.split('=').next().map(str::trim) == Some(field))
        .map_or(start, |(o, _)| o);
    let (line, col) = tomlerr::line_col(src, key_off);
    DataError(format!(
        "{file}:{line}:{col}: [[{table}]] #{} field `{field}`: {msg}",
        n + 1
    ))
}

fn parse<T: for<'de> Deserialize<'de>>(file: &str, src: &str) -> Result<T, DataError> {
    toml::from_str(src).map_err(|e| DataError(tomlerr::describe(file, src, &e)))
}

fn check_models(file: &str, src: &str, models: &[ModelSpec]) -> Result<(), DataError> {
    if models.is_empty() {
        return Err(DataError(format!("{file}: no [[model]] entries")));
    }
    for (i, m) in models.iter().enumerate() {
        let bad = |field: &str, msg: &str| Err(field_error(file, src, "model", i, field, msg));
        if m.params < 1_000_000 {
            return bad("params", "must be at least 1000000");
        }
        if m.active() > m.params {
            return bad("active_params", "must not exceed params");
        }
        for (field, v) in [
            ("layers", m.layers),
            ("hidden", m.hidden),
            ("heads", m.heads),
            ("kv_heads", m.kv_heads),
            ("ffn", m.ffn),
            ("vocab", m.vocab),
            ("context", m.context),
        ] {
            if v == 0 {
                return bad(field, "must be greater than 0");
            }
        }
        if m.vocab < 256 {
            return bad("vocab", "must be at least 256");
        }
        if m.heads % m.kv_heads != 0 {
            return bad("kv_heads", "must divide heads");
        }
        if m.experts.is_some() != m.top_k.is_some() {
            return bad("top_k", "experts and top_k go together");
        }
        if !(m.lr > 0.0 && m.lr < 0.1) {
            return bad("lr", "must be between 0 and 0.1");
        }
    }
    Ok(())
}

fn check_gpus(file: &str, src: &str, gpus: &[GpuSpec]) -> Result<(), DataError> {
    if gpus.is_empty() {
        return Err(DataError(format!("{file}: no [[gpu]] entries")));
    }
    for (i, g) in gpus.iter().enumerate() {
        let bad = |field: &str, msg: &str| Err(field_error(file, src, "gpu", i, field, msg));
        if !(g.memory_gib >= 8.0 && g.memory_gib <= 4096.0) {
            return bad("memory_gib", "must be between 8 and 4096");
        }
        if !(g.peak_tflops > 1.0 && g.peak_tflops < 100_000.0) {
            return bad("peak_tflops", "must be between 1 and 100000");
        }
        if !(g.node_busbw > 0.0 && g.net_busbw > 0.0) {
            return bad("node_busbw", "bandwidths must be greater than 0");
        }
        if g.bus_ids.len() != 8
            || !g
                .bus_ids
                .iter()
                .all(|b| b.len() == 2 && u8::from_str_radix(b, 16).is_ok())
        {
            return bad("bus_ids", "must be 8 two-digit hex strings such as \"1b\"");
        }
        if g.collectives != "NCCL" && g.collectives != "RCCL" {
            return bad("collectives", "must be \"NCCL\" or \"RCCL\"");
        }
    }
    Ok(())
}

fn check_datasets(file: &str, src: &str, sets: &[DatasetSpec]) -> Result<(), DataError> {
    if sets.is_empty() {
        return Err(DataError(format!("{file}: no [[dataset]] entries")));
    }
    for (i, d) in sets.iter().enumerate() {
        let bad = |field: &str, msg: &str| Err(field_error(file, src, "dataset", i, field, msg));
        if !(d.tokens >= 1.0e8 && d.tokens.is_finite()) {
            return bad("tokens", "must be at least 1e8");
        }
        if !(d.documents >= 1.0e6 && d.documents < d.tokens) {
            return bad("documents", "must be at least 1e6 and fewer than tokens");
        }
    }
    Ok(())
}

/// Reads `dir/name` if it exists, else the embedded text; returns (file name shown, source).
fn source(
    dir: Option<&Path>,
    name: &str,
    embedded: &'static str,
) -> Result<(String, String), DataError> {
    if let Some(path) = dir.map(|d| d.join(name))
        && path.exists()
    {
        let src = std::fs::read_to_string(&path)
            .map_err(|e| DataError(format!("{}: {e}", path.display())))?;
        return Ok((path.display().to_string(), src));
    }
    Ok((format!("data/{name} (built in)"), embedded.to_string()))
}

impl Catalog {
    /// The built-in catalog.
    pub fn builtin() -> Catalog {
        Catalog::load(None).expect("built-in data is valid")
    }

    /// The catalog with any of `dir/{models,gpus,datasets}.toml` replacing the built-in file.
    pub fn load(dir: Option<&Path>) -> Result<Catalog, DataError> {
        let (f, s) = source(dir, "models.toml", MODELS)?;
        let models = parse::<ModelsFile>(&f, &s)?.model;
        check_models(&f, &s, &models)?;
        let (f, s) = source(dir, "gpus.toml", GPUS)?;
        let gpus = parse::<GpusFile>(&f, &s)?.gpu;
        check_gpus(&f, &s, &gpus)?;
        let (f, s) = source(dir, "datasets.toml", DATASETS)?;
        let datasets = parse::<DatasetsFile>(&f, &s)?.dataset;
        check_datasets(&f, &s, &datasets)?;
        Ok(Catalog {
            models,
            gpus,
            datasets,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_is_valid_and_rich() {
        let c = Catalog::builtin();
        assert!(c.models.len() >= 10 && c.gpus.len() >= 5 && c.datasets.len() >= 8);
        assert!(c.models.iter().any(|m| m.experts.is_some()));
        assert!(c.models.iter().any(|m| m.params > 400_000_000_000));
    }

    fn dir_with(name: &str, text: &str) -> tempdir::Dir {
        let d = tempdir::Dir::new();
        std::fs::write(d.path().join(name), text).unwrap();
        d
    }

    #[test]
    fn tokenizer_follows_family() {
        let mut m = Catalog::builtin().models[0].clone();
        m.tokenizer = None;
        for (family, class) in [
            ("llama2", "LlamaTokenizer"),
            ("llama3", "PreTrainedTokenizerFast"),
            ("gpt2", "GPT2Tokenizer"),
            ("qwen2", "Qwen2Tokenizer"),
            ("gemma2", "GemmaTokenizer"),
            ("olmo", "SentencePieceTokenizer"),
        ] {
            m.family = family.into();
            assert_eq!(m.tokenizer_class(), class);
        }
    }

    #[test]
    fn override_replaces_builtin() {
        let d = dir_with(
            "datasets.toml",
            "[[dataset]]\nname = \"mine\"\ntokens = 1e10\ndocuments = 2e6\n",
        );
        let c = Catalog::load(Some(d.path())).unwrap();
        assert_eq!(c.datasets.len(), 1);
        assert_eq!(c.datasets[0].name, "mine");
    }

    #[test]
    fn malformed_entry_names_file_line_and_field() {
        let d = dir_with(
            "gpus.toml",
            "[[gpu]]\nname = \"X\"\ntorch_name = \"X\"\nmemory_gib = 2.0\npeak_tflops = 100.0\nnode_busbw = 1.0\nnet_busbw = 1.0\nbus_ids = [\"01\",\"02\",\"03\",\"04\",\"05\",\"06\",\"07\",\"08\"]\ncollectives = \"NCCL\"\nlink = \"P2P\"\n",
        );
        let e = Catalog::load(Some(d.path())).unwrap_err().0;
        assert!(
            e.contains("gpus.toml:4:1:") && e.contains("`memory_gib`"),
            "{e}"
        );

        let d = dir_with("models.toml", "[[model]]\nname = \"x\"\nparams = \"big\"\n");
        let e = Catalog::load(Some(d.path())).unwrap_err().0;
        assert!(
            e.contains("models.toml:3:") && e.contains("key `model.params`"),
            "{e}"
        );
    }

    /// A throwaway directory removed on drop.
    mod tempdir {
        pub struct Dir(std::path::PathBuf);
        impl Dir {
            pub fn new() -> Dir {
                use std::sync::atomic::{AtomicU32, Ordering};
                static N: AtomicU32 = AtomicU32::new(0);
                let p = std::env::temp_dir().join(format!(
                    "trainsaver-data-{}-{}",
                    std::process::id(),
                    N.fetch_add(1, Ordering::Relaxed)
                ));
                std::fs::create_dir_all(&p).unwrap();
                Dir(p)
            }
            pub fn path(&self) -> &std::path::Path {
                &self.0
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }
}
