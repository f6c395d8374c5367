//! tqdm's progress bars as tqdm draws them (tqdm/std.py, v4.67): `elapsed` is the time since
//! the bar was created; the rate is an exponential moving average of Δn/Δt over refreshes
//! (`smoothing=0.3`, bias-corrected, the `EMA` class of tqdm/utils.py), falling back to
//! `(n - initial) / elapsed`; `remaining = (total - n) / rate`; the default `bar_format` is
//! `{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}{postfix}]`.

use term::{Style, StyledLine};

use crate::fmt::{clock, tqdm_rate};

/// tqdm's default smoothing.
const SMOOTHING: f64 = 0.3;

/// tqdm's bias-corrected exponential moving average.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Ema {
    last: f64,
    calls: i32,
}

impl Ema {
    fn push(&mut self, x: f64) {
        self.last = SMOOTHING * x + (1.0 - SMOOTHING) * self.last;
        self.calls += 1;
    }

    fn value(&self) -> Option<f64> {
        (self.calls > 0).then(|| self.last / (1.0 - (1.0 - SMOOTHING).powi(self.calls)))
    }
}

/// One bar's state.
#[derive(Clone, Debug, PartialEq)]
pub struct Tqdm {
    /// Text before the percentage (`Epoch 1/3`), or none.
    pub desc: Option<String>,
    /// Iterations in all.
    pub total: u64,
    /// Where the bar started (`initial=`).
    pub initial: u64,
    /// Iterations done.
    pub n: u64,
    /// Job seconds when it was created.
    start: f64,
    /// Job seconds of the last refresh.
    last_t: f64,
    /// `n` at the last refresh.
    last_n: u64,
    dn: Ema,
    dt: Ema,
}

impl Tqdm {
    /// A bar created at job seconds `now`, starting at `initial` of `total`.
    pub fn new(desc: Option<String>, total: u64, initial: u64, now: f64) -> Tqdm {
        Tqdm {
            desc,
            total,
            initial,
            n: initial,
            start: now,
            last_t: now,
            last_n: initial,
            dn: Ema::default(),
            dt: Ema::default(),
        }
    }

    /// The bar moves to `n` at job seconds `now` (a refresh, as `update()` makes one).
    pub fn update(&mut self, n: u64, now: f64) {
        let (dn, dt) = (n.saturating_sub(self.last_n), now - self.last_t);
        if dn > 0 && dt > 0.0 {
            self.dn.push(dn as f64);
            self.dt.push(dt);
        }
        self.n = n;
        self.last_n = n;
        self.last_t = now;
    }

    /// Iterations per second, as tqdm estimates it at `now`.
    pub fn rate(&self, now: f64) -> Option<f64> {
        match (self.dn.value(), self.dt.value()) {
            (Some(dn), Some(dt)) if dt > 0.0 => Some(dn / dt),
            _ => {
                let elapsed = now - self.start;
                (elapsed > 0.0 && self.n > self.initial)
                    .then(|| (self.n - self.initial) as f64 / elapsed)
            }
        }
    }

    /// The bar at `now`, its bar part filling the width, in `style`; `postfix` goes after
    /// the rate (`loss=1.96, lr=3.31e-5`).
    pub fn line(&self, now: f64, style: Style, postfix: &str) -> StyledLine {
        let frac = if self.total > 0 {
            self.n as f64 / self.total as f64
        } else {
            0.0
        };
        let desc = self
            .desc
            .as_ref()
            .map_or(String::new(), |d| format!("{d}: "));
        let rate = self.rate(now);
        let remaining = match rate {
            Some(r) if r > 0.0 => clock(self.total.saturating_sub(self.n) as f64 / r),
            _ => "?".into(),
        };
        let rate_fmt = rate.map_or("?it/s".into(), |r| tqdm_rate(1.0 / r));
        let postfix = if postfix.is_empty() {
            String::new()
        } else {
            format!(", {postfix}")
        };
        StyledLine::plain(format!("{desc}{:3.0}%|", frac * 100.0))
            .fill(self.n, self.total, style)
            .push(
                format!(
                    "| {}/{} [{}<{remaining}, {rate_fmt}{postfix}]",
                    self.n,
                    self.total,
                    clock(now - self.start)
                ),
                Style::PLAIN,
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elapsed_grows_and_the_rate_is_smoothed() {
        let mut b = Tqdm::new(Some("Epoch 1/1".into()), 100, 40, 1000.0);
        let first = b.line(1000.0, Style::PLAIN, "").text();
        assert!(first.starts_with("Epoch 1/1:  40%|"), "{first}");
        assert!(first.ends_with("| 40/100 [00:00<?, ?it/s]"), "{first}");
        // Steps of 2 s: 0.5 it/s, printed as 2.00s/it; remaining from it.
        for k in 1..=10 {
            b.update(40 + k, 1000.0 + 2.0 * k as f64);
        }
        let l = b.line(1020.0, Style::PLAIN, "loss=1.2").text();
        assert!(
            l.ends_with("| 50/100 [00:20<01:40,  2.00s/it, loss=1.2]"),
            "{l}"
        );
        // A slow step moves the estimate only part of the way (smoothing 0.3).
        b.update(51, 1030.0);
        let r = 1.0 / b.rate(1030.0).unwrap();
        assert!(r > 2.5 && r < 6.0, "{r}");
    }

    #[test]
    fn a_jump_on_the_first_update_makes_a_fast_rate_that_settles() {
        // The HF Trainer's bar is created at 0 and updated by the global step on resume.
        let mut b = Tqdm::new(None, 10_000, 0, 0.0);
        b.update(5000, 4.0);
        assert!(b.rate(4.0).unwrap() > 1000.0);
        for k in 1..=30 {
            b.update(5000 + k, 4.0 + 4.0 * k as f64);
        }
        let secs_per_it = 1.0 / b.rate(124.0).unwrap();
        assert!((secs_per_it - 4.0).abs() < 0.5, "{secs_per_it}");
    }
}
