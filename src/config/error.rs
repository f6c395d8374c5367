//! What can be wrong with a configuration: a value (from the file or a flag), or the file.

/// A value that is not allowed, saying what is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// A word that is not one of a fixed set.
    #[error("unknown {what} `{value}`: allowed {allowed}")]
    Unknown {
        /// What the word names (`theme`, `layout`).
        what: &'static str,
        /// The word given.
        value: String,
        /// The words allowed, comma-separated.
        allowed: String,
    },
    /// A number or duration outside its bounds.
    #[error("{value} is out of range: allowed {allowed}")]
    OutOfRange {
        /// The value given, as shown.
        value: String,
        /// The bounds, in words.
        allowed: String,
    },
    /// Text that is not a value of the kind asked for.
    #[error("`{value}`: {expected}")]
    Malformed {
        /// The text given.
        value: String,
        /// What a value looks like.
        expected: String,
    },
}

impl ValueError {
    /// Text that is not a value of the kind asked for.
    pub fn malformed(value: &str, expected: impl Into<String>) -> ValueError {
        ValueError::Malformed {
            value: value.to_string(),
            expected: expected.into(),
        }
    }
}

/// A configuration problem, shown as one line naming the file and, where known, line and key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file does not parse or a value is out of range.
    #[error("{0}")]
    Invalid(String),
    /// The file cannot be read.
    #[error("{path}: {source}")]
    Unreadable {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}
