//! The catalog of models, GPUs and datasets, parsed from TOML text (the built-in files are
//! embedded; the app may hand over the user's overrides). No file access here.

use serde::Deserialize;

use crate::tomlerr;

const MODELS: &str = include_str!("../data/models.toml");
const GPUS: &str = include_str!("../data/gpus.toml");
const DATASETS: &str = include_str!("../data/datasets.toml");

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
    /// Safetensors files of the published weights.
    pub shards: Option<u32>,
    /// The tokenizer's own `vocab_size`, where the embedding is larger (padded, special tokens).
    pub tokenizer_vocab: Option<u32>,
    /// torchtitan's model name and flavor (`llama3 8B`), for the models torchtitan ships.
    pub torchtitan: Option<String>,
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

    /// Its Hugging Face Hub id (`meta-llama/Llama-3.1-8B`): the family's organisation and
    /// the name as published (Llama 2's base models are the `-hf` conversions).
    pub fn hub_id(&self) -> String {
        let org = match self.family.as_str() {
            "llama2" | "llama3" => "meta-llama",
            "mistral" | "mixtral" => "mistralai",
            "qwen2" => "Qwen",
            "gemma2" => "google",
            "falcon" => "tiiuae",
            "deepseek3" => "deepseek-ai",
            "gpt2" => "openai-community",
            _ => return self.name.clone(),
        };
        if self.family == "llama2" {
            let size = self.name.trim_start_matches("Llama-2-").to_lowercase();
            return format!("{org}/Llama-2-{size}-hf");
        }
        format!("{org}/{}", self.name)
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
    /// Collective library.
    pub collectives: Collectives,
    /// Intra-node transport as NCCL names it.
    pub link: String,
    /// The RDMA devices NCCL uses, one per GPU (DGX H100: mlx5_0, 3, 4, 5, 6, 9, 10, 11).
    #[serde(default = "default_hcas")]
    pub hcas: Vec<String>,
    /// The devices' link layer: RoCE (Ethernet) rather than InfiniBand.
    #[serde(default)]
    pub roce: bool,
}

fn default_hcas() -> Vec<String> {
    [0, 3, 4, 5, 6, 9, 10, 11]
        .map(|i| format!("mlx5_{i}"))
        .to_vec()
}

/// The collective communication library a GPU vendor ships.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
pub enum Collectives {
    /// NVIDIA's NCCL (CUDA).
    #[serde(rename = "NCCL")]
    Nccl,
    /// AMD's RCCL, NCCL's ROCm port (HIP).
    #[serde(rename = "RCCL")]
    Rccl,
}

impl Collectives {
    /// The GPU runtime torch names in its errors (`CUDA out of memory`, `HIP out of memory`).
    pub fn runtime(self) -> &'static str {
        match self {
            Collectives::Nccl => "CUDA",
            Collectives::Rccl => "HIP",
        }
    }
}

/// What a dataset is for.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DatasetKind {
    /// A web corpus pretraining reads part of, once.
    #[default]
    Pretrain,
    /// An instruction set fine-tunes make whole passes over.
    Sft,
}

impl DatasetKind {
    /// The name the catalog files use.
    pub fn name(self) -> &'static str {
        match self {
            DatasetKind::Pretrain => "pretrain",
            DatasetKind::Sft => "sft",
        }
    }
}

/// A training corpus.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DatasetSpec {
    /// Name as loaded.
    pub name: String,
    /// Tokens in the corpus.
    pub tokens: f64,
    /// Documents in the corpus (samples, for an instruction set).
    pub documents: f64,
    /// Pretraining corpus or instruction set.
    #[serde(default)]
    pub kind: DatasetKind,
}

impl DatasetSpec {
    /// Whether this is an instruction set for fine-tuning.
    pub fn is_sft(&self) -> bool {
        self.kind == DatasetKind::Sft
    }
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

/// A catalog file problem, shown as one line naming file, line and field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataError {
    /// The TOML does not parse or has a wrong type; the text holds line, column and key.
    #[error("{0}")]
    Syntax(String),
    /// An entry parses but breaks a rule.
    #[error("{file}:{line}:{col}: [[{table}]] #{entry} field `{field}`: {rule}")]
    Field {
        /// File name as shown.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// Table name (`model`, `gpu`, `dataset`).
        table: &'static str,
        /// 1-based entry number.
        entry: usize,
        /// Field name.
        field: String,
        /// What is allowed.
        rule: String,
    },
    /// A file has no entries at all.
    #[error("{file}: no [[{table}]] entries")]
    Empty {
        /// File name as shown.
        file: String,
        /// Table name.
        table: &'static str,
    },
}

/// One catalog file's text and the name errors show for it.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    /// Name shown in errors (a path, or `data/models.toml (built in)`).
    pub name: &'a str,
    /// TOML text.
    pub text: &'a str,
}

/// The three catalog files, in the order [`Catalog::parse`] takes them.
pub const FILES: [&str; 3] = ["models.toml", "gpus.toml", "datasets.toml"];

/// Where in the TOML source the n-th `[[table]]` header starts (for semantic errors).
fn table_offset(src: &str, table: &str, n: usize) -> usize {
    let header = format!("[[{table}]]");
    src.match_indices(&header).nth(n).map_or(0, |(i, _)| i)
}

fn field_error(
    file: &str,
    src: &str,
    table: &'static str,
    n: usize,
    field: &str,
    msg: &str,
) -> DataError {
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
    DataError::Field {
        file: file.to_string(),
        line,
        col,
        table,
        entry: n + 1,
        field: field.to_string(),
        rule: msg.to_string(),
    }
}

fn parse<T: for<'de> Deserialize<'de>>(file: &str, src: &str) -> Result<T, DataError> {
    toml::from_str(src).map_err(|e| DataError::Syntax(tomlerr::describe(file, src, &e)))
}

fn check_models(file: &str, src: &str, models: &[ModelSpec]) -> Result<(), DataError> {
    if models.is_empty() {
        return Err(DataError::Empty {
            file: file.to_string(),
            table: "model",
        });
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
        match (m.experts, m.top_k) {
            (Some(e), Some(k)) if k == 0 || k > e => {
                return bad("top_k", "must be from 1 to experts");
            }
            (Some(_), None) | (None, Some(_)) => {
                return bad("top_k", "experts and top_k go together");
            }
            _ => {}
        }
        if m.active() < 1_000_000 {
            return bad("active_params", "must be at least 1000000");
        }
        if !(m.lr > 0.0 && m.lr < 0.1) {
            return bad("lr", "must be between 0 and 0.1");
        }
    }
    Ok(())
}

fn check_gpus(file: &str, src: &str, gpus: &[GpuSpec]) -> Result<(), DataError> {
    if gpus.is_empty() {
        return Err(DataError::Empty {
            file: file.to_string(),
            table: "gpu",
        });
    }
    for (i, g) in gpus.iter().enumerate() {
        let bad = |field: &str, msg: &str| Err(field_error(file, src, "gpu", i, field, msg));
        if !(g.memory_gib >= 8.0 && g.memory_gib <= 4096.0) {
            return bad("memory_gib", "must be between 8 and 4096");
        }
        if !(g.peak_tflops > 1.0 && g.peak_tflops < 100_000.0) {
            return bad("peak_tflops", "must be between 1 and 100000");
        }
        for (field, v) in [("node_busbw", g.node_busbw), ("net_busbw", g.net_busbw)] {
            if !(1.0..=10_000.0).contains(&v) {
                return bad(field, "must be from 1 to 10000 (GB/s)");
            }
        }
        if g.bus_ids.len() != 8
            || !g
                .bus_ids
                .iter()
                .all(|b| b.len() == 2 && u8::from_str_radix(b, 16).is_ok())
        {
            return bad("bus_ids", "must be 8 two-digit hex strings such as \"1b\"");
        }
        if g.hcas.is_empty() || g.hcas.len() > 16 {
            return bad("hcas", "must name 1 to 16 RDMA devices such as \"mlx5_0\"");
        }
    }
    Ok(())
}

fn check_datasets(file: &str, src: &str, sets: &[DatasetSpec]) -> Result<(), DataError> {
    if sets.is_empty() {
        return Err(DataError::Empty {
            file: file.to_string(),
            table: "dataset",
        });
    }
    for (i, d) in sets.iter().enumerate() {
        let bad = |field: &str, msg: &str| Err(field_error(file, src, "dataset", i, field, msg));
        // Instruction sets are small; corpora are not.
        let (min_tokens, min_docs) = if d.is_sft() {
            (1.0e6, 1.0e3)
        } else {
            (1.0e8, 1.0e6)
        };
        if !(d.tokens >= min_tokens && d.tokens.is_finite()) {
            return bad(
                "tokens",
                &format!(
                    "must be at least {min_tokens:e} for kind \"{}\"",
                    d.kind.name()
                ),
            );
        }
        if !(d.documents >= min_docs && d.documents < d.tokens) {
            return bad(
                "documents",
                &format!(
                    "must be at least {min_docs:e} and fewer than tokens for kind \"{}\"",
                    d.kind.name()
                ),
            );
        }
    }
    Ok(())
}

impl Catalog {
    /// The built-in catalog.
    pub fn builtin() -> Catalog {
        let [m, g, d] = FILES.map(|f| format!("data/{f} (built in)"));
        Catalog::parse(
            Source {
                name: &m,
                text: MODELS,
            },
            Source {
                name: &g,
                text: GPUS,
            },
            Source {
                name: &d,
                text: DATASETS,
            },
        )
        .expect("built-in data is valid")
    }

    /// The embedded text of a catalog file named in [`FILES`].
    pub fn builtin_text(file: &str) -> Option<&'static str> {
        match file {
            "models.toml" => Some(MODELS),
            "gpus.toml" => Some(GPUS),
            "datasets.toml" => Some(DATASETS),
            _ => None,
        }
    }

    /// Parses and checks the three catalog files.
    pub fn parse(models: Source, gpus: Source, datasets: Source) -> Result<Catalog, DataError> {
        let m = parse::<ModelsFile>(models.name, models.text)?.model;
        check_models(models.name, models.text, &m)?;
        let g = parse::<GpusFile>(gpus.name, gpus.text)?.gpu;
        check_gpus(gpus.name, gpus.text, &g)?;
        let d = parse::<DatasetsFile>(datasets.name, datasets.text)?.dataset;
        check_datasets(datasets.name, datasets.text, &d)?;
        Ok(Catalog {
            models: m,
            gpus: g,
            datasets: d,
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

    fn with(file: &str, text: &str) -> Result<Catalog, DataError> {
        let names = FILES.map(ToString::to_string);
        let src = |i: usize| Source {
            name: &names[i],
            text: if FILES[i] == file {
                text
            } else {
                Catalog::builtin_text(FILES[i]).unwrap()
            },
        };
        Catalog::parse(src(0), src(1), src(2))
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
        let c = with(
            "datasets.toml",
            "[[dataset]]\nname = \"mine\"\ntokens = 1e10\ndocuments = 2e6\n",
        )
        .unwrap();
        assert_eq!(c.datasets.len(), 1);
        assert_eq!(c.datasets[0].name, "mine");
    }

    #[test]
    fn impossible_numbers_are_refused() {
        let models = Catalog::builtin_text("models.toml").unwrap();
        let moe = models.replacen("top_k = 2", "top_k = 99", 1);
        assert_ne!(
            moe, models,
            "the built-in catalog has an MoE model with top_k = 2"
        );
        let e = with("models.toml", &moe).unwrap_err().to_string();
        assert!(e.contains("`top_k`: must be from 1 to experts"), "{e}");
        let gpus = Catalog::builtin_text("gpus.toml").unwrap();
        let first = gpus.find("node_busbw = ").unwrap();
        let end = first + gpus[first..].find('\n').unwrap();
        for bad in ["inf", "1e-12", "nan"] {
            let text = format!("{}node_busbw = {bad}{}", &gpus[..first], &gpus[end..]);
            let e = with("gpus.toml", &text).unwrap_err().to_string();
            assert!(
                e.contains("`node_busbw`: must be from 1 to 10000"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn malformed_entry_names_file_line_and_field() {
        let e = with(
            "gpus.toml",
            "[[gpu]]\nname = \"X\"\ntorch_name = \"X\"\nmemory_gib = 2.0\npeak_tflops = 100.0\nnode_busbw = 1.0\nnet_busbw = 1.0\nbus_ids = [\"01\",\"02\",\"03\",\"04\",\"05\",\"06\",\"07\",\"08\"]\ncollectives = \"NCCL\"\nlink = \"P2P\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("gpus.toml:4:1:") && e.contains("`memory_gib`"),
            "{e}"
        );
        let e = with("models.toml", "[[model]]\nname = \"x\"\nparams = \"big\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("models.toml:3:") && e.contains("key `model.params`"),
            "{e}"
        );
        assert_eq!(
            with("models.toml", "model = []\n").unwrap_err(),
            DataError::Empty {
                file: "models.toml".into(),
                table: "model"
            }
        );
    }
}
