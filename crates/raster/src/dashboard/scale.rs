//! The arithmetic of charts as experiment trackers draw them: a y range robust to spikes,
//! round tick values, and the debiased exponential smoothing TensorBoard and W&B apply.

/// The value at quantile `q` (0-1) of `v` (which it sorts).
pub fn quantile(v: &mut [f64], q: f64) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    (n > 0).then(|| v[((n - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize])
}

/// A y range for `values` that spikes do not stretch: the 1st to 99th percentile, widened by a
/// margin, and at least `min_span` of the middle value wide (so noise of a few percent looks
/// like a few percent).
pub fn robust_range(values: impl Iterator<Item = f64>, min_span: f64) -> Option<(f64, f64)> {
    let mut v: Vec<f64> = values.filter(|x| x.is_finite()).collect();
    let lo = quantile(&mut v, 0.01)?;
    let hi = quantile(&mut v, 0.99)?;
    let mid = quantile(&mut v, 0.5)?;
    let margin = ((hi - lo) * 0.08).max(1e-12);
    let (mut lo, mut hi) = (lo - margin, hi + margin);
    let want = (mid.abs() * min_span).max(1e-9);
    if hi - lo < want {
        let c = (hi + lo) / 2.0;
        lo = c - want / 2.0;
        hi = c + want / 2.0;
    }
    Some((lo, hi))
}

/// Round tick positions covering `lo..=hi`, about `n` of them (steps of 1, 2 or 5 times a
/// power of ten).
pub fn ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) || n == 0 {
        return Vec::new();
    }
    let raw = (hi - lo) / n as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() * step;
    let mut out = Vec::new();
    let mut t = first;
    while t <= hi + step * 1e-9 && out.len() < 4 * n + 2 {
        out.push(t);
        t += step;
    }
    out
}

/// A step count for an axis: `0`, `750`, `12k`, `1.5M`.
pub fn step_label(v: f64) -> String {
    let a = v.abs();
    let (d, s) = if a >= 1e6 {
        (1e6, "M")
    } else if a >= 1e3 {
        (1e3, "k")
    } else {
        return format!("{v:.0}");
    };
    let x = v / d;
    if (x - x.round()).abs() < 1e-9 {
        format!("{x:.0}{s}")
    } else {
        format!("{x:.1}{s}")
    }
}

/// The debiased exponential moving average TensorBoard draws over a series (`weight` near 1
/// is smoother); the first points are not dragged towards zero.
pub fn smooth(values: &[f64], weight: f64) -> Vec<f64> {
    let mut last = 0.0;
    let mut debias = 1.0;
    values
        .iter()
        .map(|&x| {
            last = last * weight + (1.0 - weight) * x;
            debias *= weight;
            last / (1.0 - debias).max(1e-12)
        })
        .collect()
}

/// The smoothing weight for a series of `n` points: a window of about 1% of the points, never
/// so long that the line lags behind the curve's fall.
pub fn smoothing_for(n: usize) -> f64 {
    (1.0 - 12.0 / n.max(1) as f64).clamp(0.6, 0.8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spikes_do_not_stretch_the_range() {
        let mut v: Vec<f64> = (0..1000).map(|i| 2.0 + (i % 10) as f64 * 0.01).collect();
        v[500] = 9.0;
        let (lo, hi) = robust_range(v.iter().copied(), 0.0).unwrap();
        assert!(lo > 1.9 && hi < 2.2, "{lo} {hi}");
        // Flat noise of ±2% fills a fifth of a range at least ±10% wide, not all of it.
        let flat: Vec<f64> = (0..100).map(|i| 100.0 + (i % 5) as f64 - 2.0).collect();
        let (lo, hi) = robust_range(flat.iter().copied(), 0.2).unwrap();
        assert!(hi - lo >= 20.0 - 1e-9, "{lo} {hi}");
        assert_eq!(robust_range(std::iter::empty(), 0.1), None);
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(ticks(0.0, 10.0, 5), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        let t = ticks(1.93, 3.59, 4);
        assert!(
            t.iter().all(|x| (x * 2.0 - (x * 2.0).round()).abs() < 1e-9),
            "{t:?}"
        );
        assert!(t.first().unwrap() >= &1.93 && t.last().unwrap() <= &3.59);
        assert!(ticks(1.0, 1.0, 4).is_empty());
        assert_eq!(step_label(12_000.0), "12k");
        assert_eq!(step_label(1_500_000.0), "1.5M");
        assert_eq!(step_label(750.0), "750");
    }

    #[test]
    fn smoothing_is_debiased_and_follows_the_trend() {
        let s = smooth(&[3.0, 3.0, 3.0], 0.9);
        assert!(s.iter().all(|x| (x - 3.0).abs() < 1e-9), "{s:?}");
        let noisy: Vec<f64> = (0..200)
            .map(|i| if i % 2 == 0 { 1.0 } else { 3.0 })
            .collect();
        let s = smooth(&noisy, 0.9);
        assert!((s[199] - 2.0).abs() < 0.2);
    }
}
