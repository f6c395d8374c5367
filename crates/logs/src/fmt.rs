//! Number, size, duration and progress-bar formatting shared by every log style.

/// `1234567` -> `1,234,567`.
pub fn commas(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Decimal bytes with a unit: `16.06 GB`.
pub fn bytes(v: f64) -> String {
    const UNITS: [&str; 6] = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut v = v.max(0.0);
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{v:.0} {}", UNITS[u])
    } else {
        format!("{v:.2} {}", UNITS[u])
    }
}

/// Large counts in short form: `8.03B`, `405.9B`, `1.20T`, `32.0K`.
pub fn short(v: f64) -> String {
    let (d, s) = if v >= 1e12 {
        (1e12, "T")
    } else if v >= 1e9 {
        (1e9, "B")
    } else if v >= 1e6 {
        (1e6, "M")
    } else if v >= 1e3 {
        (1e3, "K")
    } else {
        return format!("{v:.0}");
    };
    let x = v / d;
    if x >= 100.0 {
        format!("{x:.1}{s}")
    } else {
        format!("{x:.2}{s}")
    }
}

/// `H:MM:SS` (or `MM:SS` under an hour), as tqdm prints elapsed and remaining time
/// (`format_interval` truncates to whole seconds).
pub fn clock(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    let (h, m, s) = (s / 3600, (s / 60) % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// `3d 04h12m`, `4h12m`, `12m30s`, `42s` for ETAs.
pub fn eta(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    let (d, h, m, sec) = (s / 86400, (s / 3600) % 24, (s / 60) % 60, s % 60);
    if d > 0 {
        format!("{d}d {h:02}h{m:02}m")
    } else if h > 0 {
        format!("{h}h{m:02}m")
    } else if m > 0 {
        format!("{m}m{sec:02}s")
    } else {
        format!("{sec}s")
    }
}

/// A tqdm bar `width` cells wide (the terminal crate's, which sized bars also use).
pub use term::bar;

/// Python's `repr(float)`: the shortest digits that round-trip, fixed notation between 1e-4
/// and 1e16 (always with a `.`), else `d.ddde-05` style (CPython `float_repr_style = 'short'`).
pub fn py_repr(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "nan".into()
        } else if v > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let sci = format!("{v:e}");
    let (mant, exp) = sci.split_once('e').expect("{:e} has an exponent");
    let exp: i32 = exp.parse().expect("integer exponent");
    if v != 0.0 && !(-4..16).contains(&exp) {
        return format!("{mant}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    let fixed = format!("{v}");
    if fixed.contains('.') {
        fixed
    } else {
        format!("{fixed}.0")
    }
}

/// Python's `repr(round(v, places))`.
pub fn py_round(v: f64, places: i32) -> String {
    let k = 10f64.powi(places);
    py_repr((v * k).round() / k)
}

/// A float32 value (a tensor's `.item()`) as Python prints the double it becomes.
pub fn py_f32(v: f64) -> String {
    py_repr(v as f32 as f64)
}

/// Python's `format(v, '.{prec}e')` / `'.{prec}E'`: the exponent has a sign and two digits
/// (`9.890e+14`, `1.825991E+00`), where Rust's `{:e}` prints `9.890e14`.
pub fn py_exp(v: f64, prec: usize, upper: bool) -> String {
    let s = format!("{v:.prec$e}");
    let (mant, exp) = s.split_once('e').expect("{:e} has an exponent");
    let exp: i32 = exp.parse().expect("integer exponent");
    let e = if upper { 'E' } else { 'e' };
    format!(
        "{mant}{e}{}{:02}",
        if exp < 0 { '-' } else { '+' },
        exp.abs()
    )
}

/// tqdm's rate (`tqdm/std.py`, format_meter): `{1/rate:5.2f}s/it` when an iteration takes
/// more than a second, else `{rate:5.2f}it/s`.
pub fn tqdm_rate(secs_per_it: f64) -> String {
    if secs_per_it > 1.0 {
        format!("{secs_per_it:5.2}s/it")
    } else {
        format!("{:5.2}it/s", 1.0 / secs_per_it.max(1e-9))
    }
}

/// tqdm's number format for postfix values (`format_num`): `{:.3g}` with the exponent's zero
/// dropped, unless Python's own `str` is shorter.
pub fn tqdm_num(v: f64) -> String {
    let g = py_g3(v).replace("e+0", "e+").replace("e-0", "e-");
    let plain = py_repr(v);
    if g.len() < plain.len() { g } else { plain }
}

/// Python's `'{:.3g}'.format(v)`.
fn py_g3(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return py_repr(v);
    }
    let exp = v.abs().log10().floor() as i32;
    if !(-4..3).contains(&exp) {
        let s = py_exp(v, 2, false);
        let (m, e) = s.split_once('e').expect("exponent");
        let m = m.trim_end_matches('0').trim_end_matches('.');
        return format!("{m}e{e}");
    }
    let decimals = (2 - exp).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_float_formats() {
        // Values and their Python 3 repr / format output.
        for (v, want) in [
            (2.119, "2.119"),
            (37.657958984375, "37.657958984375"),
            (4.5833333333333334e-05, "4.5833333333333334e-05"),
            (0.25, "0.25"),
            (3.0, "3.0"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0, "0.0"),
        ] {
            assert_eq!(py_repr(v), want, "{v}");
        }
        assert_eq!(py_round(2.34560001, 4), "2.3456");
        assert_eq!(py_round(0.0049, 2), "0.0");
        assert_eq!(py_f32(1.2345678806304932), "1.2345678806304932");
        assert_eq!(py_exp(9.89e14, 3, false), "9.890e+14");
        assert_eq!(py_exp(1.825991, 6, true), "1.825991E+00");
        assert_eq!(py_exp(8.6e-6, 6, true), "8.600000E-06");
        assert_eq!(tqdm_rate(6.03), " 6.03s/it");
        assert_eq!(tqdm_rate(0.5), " 2.00it/s");
        assert_eq!(tqdm_num(3.445), "3.44");
        assert_eq!(tqdm_num(2.94e-4), "0.000294");
        assert_eq!(tqdm_num(183900.0), "1.84e+5");
        assert_eq!(tqdm_num(12.0), "12");
    }

    #[test]
    fn formats() {
        assert_eq!(commas(8030261248), "8,030,261,248");
        assert_eq!(commas(999), "999");
        assert_eq!(bytes(16.06e9), "16.06 GB");
        assert_eq!(short(8.03e9), "8.03B");
        assert_eq!(short(405.85e9), "405.9B");
        assert_eq!(clock(3725.0), "1:02:05");
        assert_eq!(clock(65.0), "01:05");
        assert_eq!(eta(93784.0), "1d 02h03m");
    }

    #[test]
    fn bars_have_fixed_width_and_eighths() {
        for i in 0..=80 {
            let b = bar(i as f64 / 80.0, 10);
            assert_eq!(b.chars().count(), 10, "{b:?}");
        }
        assert_eq!(bar(0.5, 4), "██  ");
        assert_eq!(bar(1.0 / 32.0, 4), "▏   ");
        assert_eq!(bar(1.0, 3), "███");
    }
}
