//! Block elements, box drawing and braille drawn as exact rectangles, so bars and frames are
//! seamless at any cell size whatever the font does with them.

use std::ops::Range;

/// A filled rectangle inside a cell, in pixels from the cell's top-left corner, with coverage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellRect {
    /// Columns covered.
    pub xs: Range<usize>,
    /// Rows covered.
    pub ys: Range<usize>,
    /// Coverage 0-255 (shades are partial).
    pub alpha: u8,
}

/// Line weights of a box-drawing character's four arms: 0 none, 1 light, 2 heavy, 3 double.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Arms {
    left: u8,
    right: u8,
    up: u8,
    down: u8,
}

const fn arms(left: u8, right: u8, up: u8, down: u8) -> Option<Arms> {
    Some(Arms {
        left,
        right,
        up,
        down,
    })
}

fn box_arms(c: char) -> Option<Arms> {
    match c {
        '─' => arms(1, 1, 0, 0),
        '━' => arms(2, 2, 0, 0),
        '│' => arms(0, 0, 1, 1),
        '┃' => arms(0, 0, 2, 2),
        '┌' | '╭' => arms(0, 1, 0, 1),
        '┐' | '╮' => arms(1, 0, 0, 1),
        '└' | '╰' => arms(0, 1, 1, 0),
        '┘' | '╯' => arms(1, 0, 1, 0),
        '├' => arms(0, 1, 1, 1),
        '┤' => arms(1, 0, 1, 1),
        '┬' => arms(1, 1, 0, 1),
        '┴' => arms(1, 1, 1, 0),
        '┼' => arms(1, 1, 1, 1),
        '┏' => arms(0, 2, 0, 2),
        '┓' => arms(2, 0, 0, 2),
        '┗' => arms(0, 2, 2, 0),
        '┛' => arms(2, 0, 2, 0),
        '═' => arms(3, 3, 0, 0),
        '║' => arms(0, 0, 3, 3),
        '╔' => arms(0, 3, 0, 3),
        '╗' => arms(3, 0, 0, 3),
        '╚' => arms(0, 3, 3, 0),
        '╝' => arms(3, 0, 3, 0),
        '╠' => arms(0, 3, 3, 3),
        '╣' => arms(3, 0, 3, 3),
        '╦' => arms(3, 3, 0, 3),
        '╩' => arms(3, 3, 3, 0),
        '╬' => arms(3, 3, 3, 3),
        '╴' => arms(1, 0, 0, 0),
        '╶' => arms(0, 1, 0, 0),
        '╵' => arms(0, 0, 1, 0),
        '╷' => arms(0, 0, 0, 1),
        _ => None,
    }
}

fn eighths(c: char) -> Option<(u8, u8, u8, u8, u8)> {
    match c {
        '▀' => Some((0, 0, 8, 4, 255)),
        '▁'..='█' => {
            let k = (c as u32 - '▀' as u32) as u8; // 1..=8 eighths from the bottom
            Some((0, 8 - k, 8, 8, 255))
        }
        '▉'..='▏' => {
            let k = 8 - (c as u32 - '█' as u32) as u8; // ▉ = 7/8 ... ▏ = 1/8 from the left
            Some((0, 0, k, 8, 255))
        }
        '▐' => Some((4, 0, 8, 8, 255)),
        '░' => Some((0, 0, 8, 8, 64)),
        '▒' => Some((0, 0, 8, 8, 128)),
        '▓' => Some((0, 0, 8, 8, 192)),
        '▔' => Some((0, 0, 8, 1, 255)),
        '▕' => Some((7, 0, 8, 8, 255)),
        _ => None,
    }
}

/// The rectangles drawing `c` in a `w` x `h` cell, if it is drawn geometrically.
pub fn cell_rects(c: char, w: usize, h: usize) -> Option<Vec<CellRect>> {
    let scale = |e: u8, size: usize| (e as usize * size + 4) / 8;
    if let Some((x0, y0, x1, y1, alpha)) = eighths(c) {
        return Some(vec![CellRect {
            xs: scale(x0, w)..scale(x1, w),
            ys: scale(y0, h)..scale(y1, h),
            alpha,
        }]);
    }
    if let Some(a) = box_arms(c) {
        return Some(box_rects(a, w, h));
    }
    if ('\u{2800}'..='\u{28FF}').contains(&c) {
        return Some(braille_rects(c as u32 - 0x2800, w, h));
    }
    None
}

/// Stroke spans across a line centred on `center`: one for light and heavy, two for double.
fn strokes(center: usize, t: usize, weight: u8) -> Vec<Range<usize>> {
    let mut v = Vec::with_capacity(2);
    match weight {
        1 => v.push(center - t / 2..center - t / 2 + t),
        2 => v.push(center.saturating_sub(t)..center + t),
        3 => {
            v.push(center.saturating_sub(t + t / 2 + 1)..center.saturating_sub(t / 2 + 1));
            v.push(center + t / 2 + 1..center + t + t / 2 + 1);
        }
        _ => {}
    }
    v
}

fn box_rects(a: Arms, w: usize, h: usize) -> Vec<CellRect> {
    let t = (w / 8).max(1); // light stroke
    let (cx, cy) = (w / 2, h / 2);
    let mut out = Vec::new();
    let mut push = |xs: Range<usize>, ys: Range<usize>| {
        if xs.start < xs.end && ys.start < ys.end {
            out.push(CellRect { xs, ys, alpha: 255 });
        }
    };
    let hstrokes = |weight: u8| strokes(cy, t, weight);
    let vstrokes = |weight: u8| strokes(cx, t, weight);
    // Arms reach past the centre just as far as the crossing strokes are wide, so corners close
    // without overshooting.
    let half = |weight: u8| match weight {
        1 => t - t / 2,
        2 => t,
        3 => t + t / 2 + 1,
        _ => 0,
    };
    let vext = half(a.up.max(a.down));
    let hext = half(a.left.max(a.right));
    for ys in hstrokes(a.left) {
        push(0..(cx + vext).min(w), ys);
    }
    for ys in hstrokes(a.right) {
        push(cx.saturating_sub(vext)..w, ys);
    }
    for xs in vstrokes(a.up) {
        push(xs, 0..(cy + hext).min(h));
    }
    for xs in vstrokes(a.down) {
        push(xs, cy.saturating_sub(hext)..h);
    }
    out
}

fn braille_rects(bits: u32, w: usize, h: usize) -> Vec<CellRect> {
    // Dot order: 1-3 down the left column, 4-6 down the right, then 7 and 8 at the bottom.
    const POS: [(usize, usize); 8] = [
        (0, 0),
        (0, 1),
        (0, 2),
        (1, 0),
        (1, 1),
        (1, 2),
        (0, 3),
        (1, 3),
    ];
    let d = (w / 4).max(1);
    POS.iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, &(col, row))| {
            let x = w * (2 * col + 1) / 4 - d / 2;
            let y = h * (2 * row + 1) / 8 - d / 2;
            CellRect {
                xs: x..(x + d).min(w),
                ys: y..(y + d).min(h),
                alpha: 255,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn width(c: char) -> usize {
        let r = cell_rects(c, 8, 16).unwrap();
        r[0].xs.end - r[0].xs.start
    }

    #[test]
    fn eighths_grow_from_the_left() {
        let widths: Vec<usize> = "▏▎▍▌▋▊▉█".chars().map(width).collect();
        assert_eq!(widths, vec![1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn lower_blocks_grow_from_the_bottom() {
        assert_eq!(cell_rects('▁', 8, 16).unwrap()[0].ys, 14..16);
        assert_eq!(cell_rects('▄', 8, 16).unwrap()[0].ys, 8..16);
        assert_eq!(cell_rects('a', 8, 16), None);
    }

    #[test]
    fn box_lines_meet_the_cell_edges() {
        let covers = |c: char, x: usize, y: usize| {
            cell_rects(c, 10, 20)
                .unwrap()
                .iter()
                .any(|r| r.xs.contains(&x) && r.ys.contains(&y))
        };
        assert!(covers('─', 0, 10) && covers('─', 9, 10) && !covers('─', 5, 0));
        assert!(covers('│', 5, 0) && covers('│', 5, 19));
        assert!(covers('┌', 9, 10) && covers('┌', 5, 19) && !covers('┌', 0, 10));
        assert!(covers('┼', 0, 10) && covers('┼', 5, 0));
        assert_eq!(
            cell_rects('═', 10, 20).unwrap().len(),
            4,
            "double lines are two strokes per arm"
        );
    }

    #[test]
    fn braille_dots_follow_the_bits() {
        assert!(cell_rects('\u{2800}', 10, 20).unwrap().is_empty());
        assert_eq!(cell_rects('⣿', 10, 20).unwrap().len(), 8);
        let one = cell_rects('⠁', 10, 20).unwrap();
        assert!(
            one[0].xs.start < 5 && one[0].ys.start < 5,
            "dot 1 is top left"
        );
    }
}
