//! Arguments screensaver hosts pass: XScreenSaver's single-dash flags and Windows `.scr` forms,
//! rewritten into trainsaver's own flags before normal parsing.

use std::ffi::OsString;

/// Rewrites host conventions into ordinary flags; other arguments pass through unchanged.
///
/// - `-root`, `-window-id ID` (XScreenSaver) become `--root`, `--window-id ID`.
/// - Windows: `/s` -> `--fullscreen`; `/p HWND` or `/p:HWND` -> `--window-id HWND`;
///   `/c`, `/c:HWND` -> `config path`; no arguments when run as `NAME.scr` -> `config path`.
///   Matched case-insensitively, as hosts send `/S` and `/p:1234`.
pub fn normalize(args: Vec<OsString>) -> Vec<OsString> {
    let mut it = args.into_iter();
    let Some(program) = it.next() else {
        return Vec::new();
    };
    let rest: Vec<OsString> = it.collect();
    let is_scr = program.to_string_lossy().to_lowercase().ends_with(".scr");
    let mut out = vec![program];
    if rest.is_empty() && is_scr {
        out.extend(["config", "path"].map(OsString::from));
        return out;
    }
    let mut i = 0;
    while i < rest.len() {
        let a = rest[i].to_string_lossy().to_string();
        // Split the original, then lower-case only the flag: lower-casing can change byte
        // lengths (`İ`), so offsets from a lowered copy do not fit the original.
        let (flag, inline) = match a.split_once(':') {
            Some((f, v)) if f.starts_with('/') => (f.to_lowercase(), Some(v.to_string())),
            _ => (a.to_lowercase(), None),
        };
        match flag.as_str() {
            "-root" => out.push("--root".into()),
            "-window-id" => out.push("--window-id".into()),
            "/s" => out.push("--fullscreen".into()),
            "/p" => {
                out.push("--window-id".into());
                match inline {
                    Some(v) => out.push(v.into()),
                    None if i + 1 < rest.len() => {
                        i += 1;
                        out.push(rest[i].clone());
                    }
                    None => {}
                }
            }
            "/c" => out.extend(["config", "path"].map(OsString::from)),
            _ => out.push(rest[i].clone()),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(args: &[&str]) -> Vec<String> {
        normalize(args.iter().map(OsString::from).collect())
            .into_iter()
            .map(|s| s.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn unusual_text_passes_through_unharmed() {
        assert_eq!(n(&["t", "/İ:x"]), ["t", "/İ:x"]);
        assert_eq!(n(&["t", "/P:İ"]), ["t", "--window-id", "İ"]);
        assert_eq!(n(&["t", "İİİ"]), ["t", "İİİ"]);
    }

    #[test]
    fn xscreensaver_flags() {
        assert_eq!(n(&["t", "-root"]), ["t", "--root"]);
        assert_eq!(
            n(&["t", "-window-id", "0x400007"]),
            ["t", "--window-id", "0x400007"]
        );
        assert_eq!(n(&["t", "--window-id", "12"]), ["t", "--window-id", "12"]);
    }

    #[test]
    fn windows_forms_any_case() {
        assert_eq!(n(&["saver.scr", "/s"]), ["saver.scr", "--fullscreen"]);
        assert_eq!(n(&["saver.scr", "/S"]), ["saver.scr", "--fullscreen"]);
        assert_eq!(
            n(&["saver.scr", "/p", "1234"]),
            ["saver.scr", "--window-id", "1234"]
        );
        assert_eq!(
            n(&["saver.scr", "/P:5678"]),
            ["saver.scr", "--window-id", "5678"]
        );
        assert_eq!(n(&["saver.scr", "/c"]), ["saver.scr", "config", "path"]);
        assert_eq!(n(&["saver.scr", "/c:99"]), ["saver.scr", "config", "path"]);
        assert_eq!(n(&["TRAINSAVER.SCR"]), ["TRAINSAVER.SCR", "config", "path"]);
        assert_eq!(n(&["trainsaver"]), ["trainsaver"]);
        assert_eq!(
            n(&["t", "render", "-o", "/tmp/x.png"]),
            ["t", "render", "-o", "/tmp/x.png"]
        );
    }
}
