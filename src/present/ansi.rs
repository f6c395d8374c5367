//! ANSI presenter: writes terminal operations to a real terminal or a pipe.

use std::collections::VecDeque;
use std::io::{self, Write};

use term::{Color, MAX_LIVE_ROWS, Style, StyledLine, TermOp};

/// Escape sequence that turns line wrapping off, so long lines cannot break cursor movement.
pub const WRAP_OFF: &str = "\x1b[?7l";
/// Escape sequences restoring a clean terminal: attributes reset, wrapping back on.
pub const RESTORE: &str = "\x1b[0m\x1b[?7h";

/// Writes the SGR sequence for a style.
fn sgr(out: &mut String, s: Style) {
    let mut codes: Vec<String> = vec!["0".into()];
    if s.bold {
        codes.push("1".into());
    }
    if s.dim {
        codes.push("2".into());
    }
    let color = |c: Color, base: u8, bright: u8, ext: u8| -> Option<String> {
        match c {
            Color::Default => None,
            Color::Indexed(i @ 0..=7) => Some(format!("{}", base + i)),
            Color::Indexed(i @ 8..=15) => Some(format!("{}", bright + i - 8)),
            Color::Indexed(i) => Some(format!("{ext};5;{i}")),
            Color::Rgb(r, g, b) => Some(format!("{ext};2;{r};{g};{b}")),
        }
    };
    codes.extend(color(s.fg, 30, 90, 38));
    codes.extend(color(s.bg, 40, 100, 48));
    out.push_str("\x1b[");
    out.push_str(&codes.join(";"));
    out.push('m');
}

/// A styled line as ANSI text on a terminal `cols` wide (`None`: unknown, a bar gets tqdm's
/// default width), attributes reset at the end.
pub fn ansi_line(line: &StyledLine, cols: Option<usize>) -> String {
    let mut s = String::new();
    let mut current = None;
    for (ch, style) in line.cells_at(cols) {
        if current != Some(style) {
            if style == Style::PLAIN {
                s.push_str("\x1b[0m");
            } else {
                sgr(&mut s, style);
            }
            current = Some(style);
        }
        s.push(ch);
    }
    if current.is_some() {
        s.push_str("\x1b[0m");
    }
    s
}

/// The width of the terminal on standard output, if it is one.
pub fn terminal_cols() -> Option<usize> {
    // SAFETY: TIOCGWINSZ fills the winsize struct it is given and reads nothing else.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0;
    (ok && ws.ws_col > 0).then_some(ws.ws_col as usize)
}

/// Writes terminal operations as a terminal program would.
///
/// On a terminal, rewrites use carriage return and erase-line; through a pipe, a line is printed
/// once it can no longer change (more than [`MAX_LIVE_ROWS`] rows above the cursor) or at the end.
pub struct AnsiWriter<W: Write> {
    out: W,
    tty: bool,
    color: bool,
    /// Pipe mode: rows that may still change, oldest first, and the cursor's index in them.
    pending: VecDeque<StyledLine>,
    cursor: usize,
    /// Terminal width bars are sized to (`None` through a pipe).
    cols: Option<usize>,
}

impl<W: Write> AnsiWriter<W> {
    /// A writer; `tty` selects in-place rewriting, `color` ANSI colours.
    pub fn new(out: W, tty: bool, color: bool) -> Self {
        AnsiWriter {
            out,
            tty,
            color,
            pending: VecDeque::new(),
            cursor: 0,
            cols: None,
        }
    }

    /// Sizes progress bars to a terminal this wide, as tqdm does.
    pub fn with_cols(mut self, cols: Option<usize>) -> Self {
        self.cols = cols;
        self
    }

    /// Prepares the terminal (wrapping off, so a rewritten row is always one row).
    pub fn begin(&mut self) -> io::Result<()> {
        if self.tty {
            self.out.write_all(WRAP_OFF.as_bytes())?;
        }
        Ok(())
    }

    fn text(&self, line: &StyledLine) -> String {
        if self.color {
            ansi_line(line, self.cols)
        } else {
            line.cells_at(self.cols).map(|(c, _)| c).collect()
        }
    }

    /// Writes one operation.
    pub fn write(&mut self, op: &TermOp) -> io::Result<()> {
        if self.tty {
            let s = match op {
                TermOp::Print(l) => format!("\r\x1b[2K{}\n", self.text(l)),
                TermOp::Rewrite(l) => format!("\r\x1b[2K{}", self.text(l)),
                TermOp::MoveUp(n) => format!("\r\x1b[{n}A"),
                TermOp::Clear => "\x1b[2J\x1b[H".to_string(),
            };
            return self.out.write_all(s.as_bytes());
        }
        match op {
            TermOp::Print(l) | TermOp::Rewrite(l) => {
                if self.cursor == self.pending.len() {
                    self.pending.push_back(l.clone());
                } else {
                    self.pending[self.cursor] = l.clone();
                }
                if matches!(op, TermOp::Print(_)) {
                    self.cursor += 1;
                }
                while self.cursor >= MAX_LIVE_ROWS {
                    let l = self.pending.pop_front().expect("cursor within pending");
                    self.cursor -= 1;
                    let t = self.text(&l);
                    writeln!(self.out, "{t}")?;
                }
            }
            TermOp::MoveUp(n) => self.cursor = self.cursor.saturating_sub(*n),
            TermOp::Clear => {
                self.flush_pending()?;
            }
        }
        Ok(())
    }

    fn flush_pending(&mut self) -> io::Result<()> {
        while let Some(l) = self.pending.pop_front() {
            let t = self.text(&l);
            writeln!(self.out, "{t}")?;
        }
        self.cursor = 0;
        Ok(())
    }

    /// Ends output: prints what is pending (pipe) or restores the terminal (tty).
    pub fn finish(&mut self) -> io::Result<()> {
        if self.tty {
            self.out.write_all(format!("{RESTORE}\n").as_bytes())?;
        } else {
            // A trailing empty row is only where the cursor waits, not output.
            while self.pending.back().is_some_and(|l| l.spans.is_empty()) {
                self.pending.pop_back();
            }
            self.flush_pending()?;
        }
        self.out.flush()
    }

    /// Flushes the underlying writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// The underlying writer.
    pub fn into_inner(self) -> W {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops() -> Vec<TermOp> {
        let p = |s: &str| StyledLine::plain(s);
        vec![
            TermOp::Print(p("a")),
            TermOp::Rewrite(p("bar 10%")),
            TermOp::Rewrite(p("bar 50%")),
            TermOp::Print(p("bar 100%")),
            TermOp::Print(p("b")),
        ]
    }

    #[test]
    fn pipe_prints_settled_lines_once() {
        let mut w = AnsiWriter::new(Vec::new(), false, false);
        for op in ops() {
            w.write(&op).unwrap();
        }
        w.finish().unwrap();
        assert_eq!(
            String::from_utf8(w.into_inner()).unwrap(),
            "a\nbar 100%\nb\n"
        );
    }

    #[test]
    fn tty_rewrites_in_place() {
        let mut w = AnsiWriter::new(Vec::new(), true, true);
        w.begin().unwrap();
        for op in ops() {
            w.write(&op).unwrap();
        }
        w.finish().unwrap();
        let s = String::from_utf8(w.into_inner()).unwrap();
        assert!(s.starts_with(WRAP_OFF));
        assert!(
            s.contains("\r\x1b[2K\x1b[0mbar 50%\x1b[0m\r\x1b[2K\x1b[0mbar 100%"),
            "{s:?}"
        );
        assert!(s.ends_with(&format!("{RESTORE}\n")));
    }

    #[test]
    fn colours_become_sgr() {
        let l = StyledLine::new().push("ok", Style::fg(Color::GREEN).bold());
        assert_eq!(ansi_line(&l, None), "\x1b[0;1;32mok\x1b[0m");
        let l = StyledLine::new().push("x", Style::fg(Color::Rgb(1, 2, 3)));
        assert_eq!(ansi_line(&l, None), "\x1b[0;38;2;1;2;3mx\x1b[0m");
    }
}
