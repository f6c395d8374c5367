//! Golden snapshots of the first lines of a fixed run in every log style.

use crate::common;

use std::time::Duration;

use logs::Flavor;
use trainsaver::present::ansi::AnsiWriter;

/// The settled plain-text lines of seed 42 in a flavor, as `tty` prints them through a pipe.
fn first_lines(flavor: Flavor, secs: u64, n: usize) -> String {
    let mut sim = common::sim(42, flavor, 0);
    let mut ops = Vec::new();
    sim.advance(Duration::from_secs(secs), &mut ops);
    let mut w = AnsiWriter::new(Vec::new(), false, false);
    for op in &ops {
        w.write(op).unwrap();
    }
    w.finish().unwrap();
    let text = String::from_utf8(w.into_inner()).unwrap();
    text.lines().take(n).map(|l| format!("{l}\n")).collect()
}

#[test]
fn first_lines_of_each_flavor() {
    for flavor in Flavor::CONCRETE {
        let text = first_lines(flavor, 240, 80);
        assert!(
            text.lines().count() >= 60,
            "{flavor}: only {} lines",
            text.lines().count()
        );
        common::check_golden_text(&format!("first_lines_{}.txt", flavor.name()), &text);
    }
}
