//! The run's numbers over time, kept for dashboards: bounded however long the run goes.

use crate::event::StepStats;

/// Most points kept per series; older halves are thinned out when full.
const MAX_POINTS: usize = 2048;

/// History of the current run.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// Training points, oldest first (thinned uniformly when long).
    pub points: Vec<StepStats>,
    /// Validation losses as (step, loss).
    pub val: Vec<(u64, f64)>,
    /// Last checkpoint as (step, job seconds when saved).
    pub last_ckpt: Option<(u64, f64)>,
    /// Keep every n-th point (doubles each time the buffer fills).
    stride: u64,
    seen: u64,
}

impl History {
    /// Records a training step.
    pub fn push(&mut self, p: StepStats) {
        self.stride = self.stride.max(1);
        self.seen += 1;
        if !(self.seen - 1).is_multiple_of(self.stride) {
            return;
        }
        self.points.push(p);
        if self.points.len() >= MAX_POINTS {
            // Keep every other point: the whole run stays visible at half the resolution.
            let mut i = 0;
            self.points.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.stride *= 2;
        }
    }

    /// Records a validation result.
    pub fn push_val(&mut self, step: u64, loss: f64) {
        self.val.push((step, loss));
        if self.val.len() > MAX_POINTS {
            self.val.remove(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_stays_bounded_and_spans_the_run() {
        let mut h = History::default();
        for s in 1..=100_000u64 {
            h.push(StepStats {
                step: s,
                loss: 1.0,
                lr: 0.0,
                grad_norm: 0.0,
                tps: 0.0,
                tflops: 0.0,
                mfu: 0.0,
                step_time: 1.0,
            });
        }
        assert!(h.points.len() < MAX_POINTS);
        assert_eq!(h.points[0].step, 1);
        assert!(h.points.last().unwrap().step > 99_000);
        assert!(h.points.windows(2).all(|w| w[0].step < w[1].step));
    }
}
