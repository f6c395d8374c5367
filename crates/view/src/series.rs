//! Bounded histories: however long a run goes, memory stays fixed and the whole run stays
//! visible (older points are thinned uniformly).

/// Points kept at most; when full, every other point goes and the stride doubles.
pub const MAX_POINTS: usize = 2048;

/// A bounded series of points in the order they came, thinned uniformly when long.
#[derive(Clone, Debug)]
pub struct Series<T> {
    points: Vec<T>,
    /// Keep every n-th point pushed (doubles each time the buffer fills).
    stride: u64,
    seen: u64,
}

impl<T> Default for Series<T> {
    fn default() -> Self {
        Series {
            points: Vec::new(),
            stride: 1,
            seen: 0,
        }
    }
}

impl<T> Series<T> {
    /// Adds a point (kept if it falls on the current stride).
    pub fn push(&mut self, p: T) {
        self.seen += 1;
        if !(self.seen - 1).is_multiple_of(self.stride) {
            return;
        }
        self.points.push(p);
        if self.points.len() >= MAX_POINTS {
            let mut i = 0;
            self.points.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.stride *= 2;
        }
    }

    /// Drops the points after the first `n`.
    pub fn truncate(&mut self, n: usize) {
        self.points.truncate(n);
    }

    /// The points kept, oldest first.
    pub fn points(&self) -> &[T] {
        &self.points
    }

    /// The newest point kept.
    pub fn last(&self) -> Option<&T> {
        self.points.last()
    }

    /// Whether nothing was kept.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_bounded_and_spans_the_run() {
        let mut s = Series::default();
        for i in 1..=100_000u64 {
            s.push(i);
        }
        assert!(s.points().len() < MAX_POINTS);
        assert_eq!(s.points()[0], 1);
        assert!(*s.last().unwrap() > 99_000);
        assert!(s.points().windows(2).all(|w| w[0] < w[1]));
        let gaps: Vec<u64> = s.points().windows(2).map(|w| w[1] - w[0]).collect();
        assert!(gaps.iter().all(|&g| g == gaps[0]), "thinned uniformly");
    }
}
