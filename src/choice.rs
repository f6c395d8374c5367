//! Parsing a word from a fixed set (config values, flags), with one error shape for all of them.

/// The value named `s` among `options`, or an error listing what is allowed.
pub fn choose<T: Copy>(what: &str, s: &str, options: &[(&str, T)]) -> Result<T, String> {
    options
        .iter()
        .find(|(n, _)| *n == s)
        .map(|&(_, v)| v)
        .ok_or_else(|| {
            let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
            format!("unknown {what} `{s}`: allowed {}", names.join(", "))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_or_lists_the_choices() {
        let opts = [("a", 1), ("b", 2)];
        assert_eq!(choose("letter", "b", &opts), Ok(2));
        assert_eq!(
            choose("letter", "c", &opts),
            Err("unknown letter `c`: allowed a, b".into())
        );
    }
}
