//! One-line errors for TOML files: file, line, column and key.

/// Line and column (1-based) of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// The dotted key of the assignment on the line holding `offset`, with its table header.
pub fn key_at(src: &str, offset: usize) -> Option<String> {
    let offset = offset.min(src.len());
    let line_start = src[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = src[line_start..].lines().next().unwrap_or("");
    let key = line.split('=').next()?.trim().trim_matches('"');
    if key.is_empty() || key.starts_with('[') || !line.contains('=') {
        return None;
    }
    let table = src[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|h| h.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    Some(match table {
        Some(t) if !t.is_empty() => format!("{t}.{key}"),
        _ => key.to_string(),
    })
}

/// Formats a TOML deserialization error as `file:line:col: key `k`: message`.
pub fn describe(file: &str, src: &str, err: &toml::de::Error) -> String {
    let msg = err.message().trim().replace('\n', " ");
    match err.span() {
        Some(span) => {
            let (line, col) = line_col(src, span.start);
            match key_at(src, span.start) {
                Some(key) => format!("{file}:{line}:{col}: key `{key}`: {msg}"),
                None => format!("{file}:{line}:{col}: {msg}"),
            }
        }
        None => format!("{file}: {msg}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_line_column_and_key() {
        let src = "a = 1\n[window]\n  speed = \"x\"\n";
        let off = src.find("\"x\"").unwrap();
        assert_eq!(line_col(src, off), (3, 11));
        assert_eq!(key_at(src, off).as_deref(), Some("window.speed"));
        assert_eq!(key_at(src, 0).as_deref(), Some("a"));
    }
}
