//! The simulation's operation stream: deterministic by seed, independent of how time is requested.

use crate::common;

use std::time::Duration;

use sim::Framework as Flavor;
use term::TermOp;

fn sim(seed: u64, flavor: Flavor) -> trainsaver::Feed {
    common::sim(seed, flavor, 0)
}

fn ops_until(seed: u64, t: Duration) -> Vec<TermOp> {
    let mut ops = Vec::new();
    sim(seed, Flavor::Ddp).advance(t, &mut ops);
    ops
}

#[test]
fn same_seed_same_stream() {
    let t = Duration::from_secs(600);
    let a = ops_until(42, t);
    assert!(a.len() > 150, "only {} ops in 10 minutes", a.len());
    assert_eq!(a, ops_until(42, t));
    assert_ne!(a, ops_until(43, t));
}

#[test]
fn chunking_does_not_change_the_stream() {
    let end = Duration::from_secs(300);
    let whole = ops_until(9, end);
    let mut s = sim(9, Flavor::Ddp);
    let mut pieces = Vec::new();
    let mut t = Duration::ZERO;
    while t < end {
        t = (t + Duration::from_millis(33)).min(end);
        s.advance(t, &mut pieces);
    }
    assert_eq!(whole, pieces);
}

#[test]
fn timestamps_come_from_the_injected_start() {
    let text = common::printed(&ops_until(5, Duration::from_secs(20)));
    assert!(
        text.iter().any(|l| l.starts_with("[2026-01-01 09:00:")),
        "{text:#?}"
    );
}

#[test]
fn progress_bars_are_rewritten_in_place() {
    // Seed 4 opens on a fine-tune, which loads its weights under a bar.
    let ops = ops_until(4, Duration::from_secs(180));
    let rewrites = ops
        .iter()
        .filter(|op| matches!(op, TermOp::Rewrite(l) if l.text().contains('%')))
        .count();
    assert!(rewrites > 20, "only {rewrites} bar rewrites");
}

/// A screen sleeps until `next_due`: nothing may appear before it, and at it the log or
/// the run view almost always moves on (an event that changes neither wakes it for nothing).
#[test]
fn nothing_appears_before_next_due() {
    let mut s = sim(3, Flavor::Ddp);
    let mut ops = Vec::new();
    let (mut printed, mut idle_wakeups) = (0, 0);
    for _ in 0..400 {
        let due = s.next_due();
        let rev = s.view().revision();
        if let Some(before) = due.checked_sub(Duration::from_millis(1)) {
            s.advance(before, &mut ops);
            assert!(
                ops.is_empty() && s.view().revision() == rev,
                "early at {due:?}"
            );
        }
        s.advance(due, &mut ops);
        idle_wakeups += usize::from(ops.is_empty() && s.view().revision() == rev);
        printed += ops.len();
        ops.clear();
    }
    assert!(printed > 100, "only {printed} operations");
    assert!(
        idle_wakeups < 20,
        "{idle_wakeups} of 400 wake-ups changed nothing"
    );
}

#[test]
fn another_rank_sees_the_same_run_on_its_own_console() {
    let t = Duration::from_secs(240);
    let ops_of = |rank: u32| {
        let mut ops = Vec::new();
        common::sim(42, Flavor::Torchtitan, rank).advance(t, &mut ops);
        ops
    };
    let (a, b) = (ops_of(0), ops_of(9));
    assert_eq!(a.len(), b.len(), "same run, same number of operations");
    let text = |op: &TermOp| match op {
        TermOp::Print(l) | TermOp::Rewrite(l) => l.text(),
        other => format!("{other:?}"),
    };
    let mut differing = 0;
    for (x, y) in a.iter().zip(&b) {
        let (x, y) = (text(x), text(y));
        if x != y {
            differing += 1;
            assert!(
                y.contains("[rank9]") || y.contains(":9:") || y.contains("[1] NCCL"),
                "not rank-specific: {y}"
            );
        }
    }
    assert!(
        differing > 10,
        "rank 9's console should differ in its rank lines"
    );
}
