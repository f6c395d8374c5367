//! Golden snapshots of the first lines of a fixed run in every log style.

use crate::common;

use std::time::Duration;

use sim::Framework as Flavor;
use trainsaver::AnsiWriter;

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
    for flavor in Flavor::ALL {
        let text = first_lines(flavor, 240, 80);
        assert!(
            text.lines().count() >= 60,
            "{flavor}: only {} lines",
            text.lines().count()
        );
        common::check_golden_text(&format!("first_lines_{}.txt", flavor.name()), &text);
    }
}

/// A compact name of a style: `fg=2 bold`, `fg=#102030 dim`, or `plain`.
fn style_name(s: &term::Style) -> String {
    let color = |c: term::Color| match c {
        term::Color::Default => None,
        term::Color::Indexed(i) => Some(i.to_string()),
        term::Color::Rgb(r, g, b) => Some(format!("#{r:02x}{g:02x}{b:02x}")),
    };
    let mut parts = Vec::new();
    if let Some(c) = color(s.fg) {
        parts.push(format!("fg={c}"));
    }
    if let Some(c) = color(s.bg) {
        parts.push(format!("bg={c}"));
    }
    if s.bold {
        parts.push("bold".into());
    }
    if s.dim {
        parts.push("dim".into());
    }
    if parts.is_empty() {
        "plain".into()
    } else {
        parts.join(" ")
    }
}

/// The visible grid as text, each row followed by its style runs (`cols start-end: style`).
fn grid_snapshot(g: &term::Grid) -> String {
    let mut out = String::new();
    for r in 0..g.rows() {
        let row = g.row(r);
        let text: String = row.iter().map(|c| c.ch).collect();
        out.push_str(&format!("{r:02}|{}\n", text.trim_end()));
        let mut start = 0;
        for i in 1..=row.len() {
            let end_of_run = i == row.len() || row[i].style != row[start].style;
            if end_of_run {
                let blank = row[start..i].iter().all(|c| c.ch == ' ');
                if !(blank || row[start].style == term::Style::PLAIN) {
                    out.push_str(&format!(
                        "  | {}-{}: {}\n",
                        start,
                        i - 1,
                        style_name(&row[start].style)
                    ));
                }
                start = i;
            }
        }
    }
    out
}

/// The screen of seed 42 in each style, 100x30 cells, with styles: a format or colour change
/// shows up as a readable diff. Taken mid-training, with the step lines and the bars.
#[test]
fn styled_screen_of_each_flavor() {
    for flavor in Flavor::ALL {
        let mut console = common::sim(42, flavor, 0);
        let mut ops = Vec::new();
        console.advance(Duration::from_secs(1200), &mut ops);
        let mut g = term::Grid::new(100, 30, 0);
        g.apply_all(&ops);
        let snap = grid_snapshot(&g);
        assert!(snap.lines().count() >= 30, "{flavor}: screen not full");
        // Megatron prints plain text, as the real tool does; the others colour their lines.
        if flavor != Flavor::Megatron {
            assert!(snap.contains("  | "), "{flavor}: no styled run on screen");
        }
        common::check_golden_text(&format!("screen_{}.txt", flavor.name()), &snap);
    }
}
