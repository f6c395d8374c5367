//! Small scanners over log text: the number after a key, a `n/total` pair, a percentage.

/// The number that follows `key` in `line` (spaces skipped; thousands commas, exponents and a
/// trailing unit allowed: `loss:  3.41270`, `tps: 6,512`, `lr 3.31e-5`, `mem 73.7G`).
pub fn num_after(line: &str, key: &str) -> Option<f64> {
    let at = line.find(key)? + key.len();
    number(&line[at..])
}

/// The number just before `suffix` in `line` (`996 tok/s/gpu`, `8.23s/step`).
pub fn num_before(line: &str, suffix: &str) -> Option<f64> {
    let at = line.find(suffix)?;
    let head = line[..at].trim_end();
    let start = head
        .rfind(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .map_or(0, |i| i + 1);
    number(&head[start..])
}

/// The number at the start of `s` after spaces.
pub fn number(s: &str) -> Option<f64> {
    let s = s.trim_start();
    let end = s
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_digit()
                || c == '.'
                || c == ','
                || ((c == '-' || c == '+') && (i == 0 || s[..i].ends_with(['e', 'E'])))
                || ((c == 'e' || c == 'E') && i > 0))
        })
        .map_or(s.len(), |(i, _)| i);
    let text = s[..end]
        .trim_end_matches(['e', 'E', '.', ','])
        .replace(',', "");
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// `n/total` after `key` (`step 236656/310000`, `iteration     2000/  476837`).
pub fn ratio_after(line: &str, key: &str) -> Option<(u64, u64)> {
    let at = line.find(key)? + key.len();
    ratio(&line[at..])
}

/// `n/total` at the start of `s` after spaces.
pub fn ratio(s: &str) -> Option<(u64, u64)> {
    let (a, b) = s.trim_start().split_once('/')?;
    let n = a.trim().replace(',', "").parse().ok()?;
    let digits: String = b
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect();
    Some((n, digits.parse().ok()?))
}

/// A tqdm bar's `NN%|` and its `n/total`.
pub fn tqdm(line: &str) -> Option<(f64, u64, u64)> {
    let bar = line.find("%|")?;
    let pct = line[..bar]
        .rsplit(|c: char| !(c.is_ascii_digit() || c == '.'))
        .next()?
        .parse::<f64>()
        .ok()?;
    let after = &line[bar + 2..];
    let close = after.find('|')?;
    let (n, total) = ratio(&after[close + 1..])?;
    Some((pct / 100.0, n, total))
}

/// What follows a tqdm bar's `[elapsed<remaining, rate]` on its line, if anything: a logger
/// writing while the bar was on screen.
pub fn after_bar(line: &str) -> Option<&str> {
    let bar = line.find("%|")?;
    let open = bar + line[bar..].find(" [")?;
    let close = open + line[open..].find(']')?;
    let rest = &line[close + 1..];
    (!rest.trim().is_empty()).then_some(rest)
}

/// The seconds per iteration a tqdm bar shows (`6.69s/it`, `2.50it/s`).
pub fn tqdm_rate(line: &str) -> Option<f64> {
    let open = line.rfind('[')?;
    let inside = &line[open..];
    if let Some(i) = inside.find("s/it") {
        return number(inside[..i].rsplit([',', ' ']).next()?);
    }
    let i = inside.find("it/s")?;
    number(inside[..i].rsplit([',', ' ']).next()?).map(|r| 1.0 / r.max(1e-9))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_their_log_forms() {
        assert_eq!(num_after("loss:  3.41270  grad", "loss:"), Some(3.4127));
        assert_eq!(num_after("tps: 6,512  tflops", "tps:"), Some(6512.0));
        assert_eq!(num_after("| lr 3.31e-5 | gnorm", "lr "), Some(3.31e-5));
        assert_eq!(
            num_after("lm loss: 2.412345E+00 |", "lm loss:"),
            Some(2.412345)
        );
        assert_eq!(num_after("mem 73.7G | 8.23s/step", "mem "), Some(73.7));
        assert_eq!(num_after("MFU 35.7% |", "MFU "), Some(35.7));
        assert_eq!(num_after("x", "loss"), None);
        assert_eq!(
            num_before("| 1,014 tok/s/gpu |", " tok/s/gpu"),
            Some(1014.0)
        );
        assert_eq!(num_before("| 8.23s/step", "s/step"), Some(8.23));
        assert_eq!(
            ratio_after(" iteration     2000/  476837 |", "iteration"),
            Some((2000, 476_837))
        );
        let bar = " 42%|████▏     | 820/1953 [1:31:27<2:06:21,  6.69s/it]";
        assert_eq!(tqdm(bar), Some((0.42, 820, 1953)));
        assert_eq!(tqdm_rate(bar), Some(6.69));
        assert_eq!(tqdm_rate("| 3/10 [00:01<00:03,  2.00it/s]"), Some(0.5));
    }
}
