//! A followed log's bytes as a terminal shows them: vte parses them (UTF-8, ANSI colours,
//! carriage returns, cursor moves), and the rows come out as the grid's operations: a finished
//! line is printed, a line being rewritten in place (tqdm's `\r`) is rewritten, `ESC [ A`
//! moves up into a bar's rows. Only colours and the row being written are taken from the
//! stream; titles, resizes, queries and anything else a program may send are dropped, so
//! nothing reaches the real terminal in `tty` mode.

use term::{Color, Style, StyledLine, TermOp};

/// Cells a row keeps: what the grid keeps of a line (the rest of an endless line is dropped).
const MAX_CELLS: usize = term::MAX_LINE_CELLS;
/// Rows a cursor-up may climb (the live rows under the log).
const MAX_UP: usize = term::MAX_LIVE_ROWS - 1;

/// The terminal state of a followed stream.
pub struct Vt {
    parser: vte::Parser,
    row: Row,
}

/// The row being written and what it makes.
struct Row {
    cells: Vec<(char, Style)>,
    col: usize,
    style: Style,
    /// The row changed since it was last shown.
    dirty: bool,
    /// Operations made, and the text of each finished or rewritten row (for the log reader).
    ops: Vec<TermOp>,
    lines: Vec<String>,
}

impl Vt {
    /// A terminal at the start of a stream.
    pub fn new() -> Vt {
        Vt {
            parser: vte::Parser::new(),
            row: Row {
                cells: Vec::new(),
                col: 0,
                style: Style::PLAIN,
                dirty: false,
                ops: Vec::new(),
                lines: Vec::new(),
            },
        }
    }

    /// Feeds bytes; hands out the operations they make and the text of the rows finished (or,
    /// for a row rewritten in place, its latest state).
    pub fn feed(&mut self, bytes: &[u8], mut op: impl FnMut(TermOp), mut line: impl FnMut(&str)) {
        self.parser.advance(&mut self.row, bytes);
        // A row left unfinished (a bar, a prompt) shows as it stands.
        if self.row.dirty {
            self.row.show();
        }
        for o in self.row.ops.drain(..) {
            op(o);
        }
        for l in self.row.lines.drain(..) {
            line(&l);
        }
    }
}

impl Default for Vt {
    fn default() -> Self {
        Vt::new()
    }
}

impl Row {
    fn styled(&self) -> StyledLine {
        let mut l = StyledLine::new();
        for &(c, s) in &self.cells {
            l.append(c.to_string(), s);
        }
        l
    }

    fn text(&self) -> String {
        self.cells
            .iter()
            .map(|c| c.0)
            .collect::<String>()
            .trim_end()
            .to_string()
    }

    /// Shows the row as it stands, staying on it.
    fn show(&mut self) {
        let l = self.styled();
        self.ops.push(TermOp::Rewrite(l));
        self.lines.push(self.text());
        self.dirty = false;
    }

    /// Ends the row and moves to the next.
    fn newline(&mut self) {
        let l = self.styled();
        let text = self.text();
        self.ops.push(TermOp::Print(l));
        self.lines.push(text);
        self.cells.clear();
        self.col = 0;
        self.dirty = false;
    }

    fn erase_line(&mut self, mode: u16) {
        match mode {
            0 => self.cells.truncate(self.col),
            1 => {
                for c in self.cells.iter_mut().take(self.col + 1) {
                    *c = (' ', Style::PLAIN);
                }
            }
            _ => self.cells.clear(),
        }
        self.dirty = true;
    }

    fn sgr(&mut self, params: &vte::Params) {
        let mut it = params.iter().map(|p| p.first().copied().unwrap_or(0));
        let mut any = false;
        while let Some(p) = it.next() {
            any = true;
            let s = &mut self.style;
            match p {
                0 => *s = Style::PLAIN,
                1 => s.bold = true,
                2 => s.dim = true,
                22 => {
                    s.bold = false;
                    s.dim = false;
                }
                30..=37 => s.fg = Color::Indexed((p - 30) as u8),
                39 => s.fg = Color::Default,
                40..=47 => s.bg = Color::Indexed((p - 40) as u8),
                49 => s.bg = Color::Default,
                90..=97 => s.fg = Color::Indexed((p - 90 + 8) as u8),
                100..=107 => s.bg = Color::Indexed((p - 100 + 8) as u8),
                38 | 48 => {
                    let c = match it.next() {
                        Some(5) => it.next().map(|n| Color::Indexed(n.min(255) as u8)),
                        Some(2) => {
                            let mut ch = || it.next().unwrap_or(0).min(255) as u8;
                            Some(Color::Rgb(ch(), ch(), ch()))
                        }
                        _ => None,
                    };
                    if let Some(c) = c {
                        if p == 38 {
                            s.fg = c;
                        } else {
                            s.bg = c;
                        }
                    }
                }
                _ => {}
            }
        }
        if !any {
            self.style = Style::PLAIN;
        }
    }
}

impl vte::Perform for Row {
    fn print(&mut self, c: char) {
        if self.col >= MAX_CELLS {
            return;
        }
        while self.cells.len() < self.col {
            self.cells.push((' ', Style::PLAIN));
        }
        if self.col < self.cells.len() {
            self.cells[self.col] = (c, self.style);
        } else {
            self.cells.push((c, self.style));
        }
        self.col += 1;
        self.dirty = true;
    }

    fn execute(&mut self, byte: u8) {
        match byte {
            b'\n' | 0x0b | 0x0c => self.newline(),
            b'\r' => self.col = 0,
            0x08 => self.col = self.col.saturating_sub(1),
            b'\t' => self.col = ((self.col / 8 + 1) * 8).min(MAX_CELLS),
            _ => {}
        }
    }

    fn csi_dispatch(&mut self, params: &vte::Params, inter: &[u8], _ignore: bool, action: char) {
        if !inter.is_empty() {
            return;
        }
        let n = |d: u16| {
            params
                .iter()
                .next()
                .and_then(|p| p.first().copied())
                .filter(|&v| v != 0)
                .unwrap_or(d)
        };
        match action {
            'm' => self.sgr(params),
            'K' => self.erase_line(n(0).min(2)),
            'A' => {
                if self.dirty {
                    self.show();
                }
                let up = usize::from(n(1)).min(MAX_UP);
                self.ops.push(TermOp::MoveUp(up));
                self.cells.clear();
                self.col = 0;
            }
            'C' => self.col = (self.col + usize::from(n(1))).min(MAX_CELLS),
            'D' => self.col = self.col.saturating_sub(usize::from(n(1))),
            'G' => self.col = usize::from(n(1) - 1).min(MAX_CELLS),
            'J' if n(0) == 2 || n(0) == 3 => {
                self.ops.push(TermOp::Clear);
                self.cells.clear();
                self.col = 0;
                self.dirty = false;
            }
            // Everything else (scroll regions, modes, queries, window operations) is ignored.
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(bytes: &[u8]) -> (Vec<TermOp>, Vec<String>) {
        let mut vt = Vt::new();
        let (mut ops, mut lines) = (Vec::new(), Vec::new());
        vt.feed(bytes, |o| ops.push(o), |l| lines.push(l.to_string()));
        (ops, lines)
    }

    fn texts(ops: &[TermOp]) -> Vec<String> {
        ops.iter()
            .map(|o| match o {
                TermOp::Print(l) => format!("P {}", l.text()),
                TermOp::Rewrite(l) => format!("R {}", l.text()),
                TermOp::MoveUp(n) => format!("U {n}"),
                TermOp::Clear => "C".into(),
            })
            .collect()
    }

    #[test]
    fn lines_bars_and_colours_come_through_as_a_terminal_shows_them() {
        let cases: &[(&[u8], &[&str])] = &[
            (b"hello\nworld\n", &["P hello", "P world"]),
            // tqdm: the bar rewritten in place, then finished by a newline.
            (
                b" 10%|#| 1/10\r 20%|##| 2/10\r100%|###| 10/10\n",
                &["P 100%|###| 10/10"],
            ),
            (b"partial", &["R partial"]),
            // Erase to the end of the line after a shorter rewrite.
            (b"abcdef\rxy\x1b[K\n", &["P xy"]),
            // Two bars: down with a newline, back up with ESC [ A.
            (
                b"epoch\nstep 1\x1b[A\rEPOCH\n",
                &["P epoch", "R step 1", "U 1", "P EPOCH"],
            ),
            (b"a\tb\n", &["P a       b"]),
        ];
        for (bytes, want) in cases {
            let (ops, _) = run(bytes);
            assert_eq!(texts(&ops), *want, "{:?}", String::from_utf8_lossy(bytes));
        }
        let (ops, lines) = run(b"\x1b[31mred\x1b[0m \x1b[38;2;180;60;0morange\x1b[39m\n");
        let TermOp::Print(l) = &ops[0] else { panic!() };
        assert_eq!(l.spans[0].style.fg, Color::Indexed(1));
        let orange = l
            .spans
            .iter()
            .find(|s| s.text.starts_with("orange"))
            .unwrap();
        assert_eq!(orange.style.fg, Color::Rgb(180, 60, 0));
        assert_eq!(lines, ["red orange"]);
    }

    #[test]
    fn hostile_and_broken_input_stays_on_its_row() {
        // A title, a resize, a query, a bell, a scroll region and invalid UTF-8.
        let (ops, lines) =
            run(b"\x1b]0;owned\x07\x1b[8;100;300t\x1b[6n\x1b[c\x07\x1b[1;2r\xff\xfeok\n");
        assert_eq!(texts(&ops), ["P \u{fffd}\u{fffd}ok"]);
        assert_eq!(lines.len(), 1);
        // An endless line keeps the grid's width and the rest is dropped.
        let long = vec![b'x'; 100_000];
        let (ops, _) = run(&long);
        let TermOp::Rewrite(l) = &ops[0] else {
            panic!()
        };
        assert_eq!(l.text().chars().count(), MAX_CELLS);
        // Binary garbage makes no panic and no more rows than it has newlines.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let junk: Vec<u8> = (0..50_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let rows = junk
            .iter()
            .filter(|&&b| matches!(b, b'\n' | 0x0b | 0x0c))
            .count();
        let (ops, _) = run(&junk);
        let printed = ops.iter().filter(|o| matches!(o, TermOp::Print(_))).count();
        assert!(printed <= rows, "{printed} rows from {rows} newlines");
    }
}
