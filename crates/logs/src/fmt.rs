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

/// `H:MM:SS` (or `M:SS` under an hour), as tqdm prints elapsed and remaining time.
pub fn clock(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
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

/// A bar `width` cells wide filled to `frac` with eighth-block resolution.
pub fn bar(frac: f64, width: usize) -> String {
    const PARTIAL: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    let eighths = (frac.clamp(0.0, 1.0) * (width * 8) as f64).round() as usize;
    let full = eighths / 8;
    let mut s = String::with_capacity(width * 3);
    for _ in 0..full {
        s.push('█');
    }
    if full < width {
        s.push(PARTIAL[eighths % 8]);
        for _ in full + 1..width {
            s.push(' ');
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

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
