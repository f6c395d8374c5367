//! Block elements drawn as exact rectangles, so progress bars are seamless at any cell size.

/// A filled part of a cell, in eighths of its width and height, with a coverage level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockShape {
    /// Left edge in eighths of the cell width.
    pub x0: u8,
    /// Top edge in eighths of the cell height.
    pub y0: u8,
    /// Right edge in eighths.
    pub x1: u8,
    /// Bottom edge in eighths.
    pub y1: u8,
    /// Coverage 0-255 (shades are partial).
    pub alpha: u8,
}

const fn shape(x0: u8, y0: u8, x1: u8, y1: u8, alpha: u8) -> Option<BlockShape> {
    Some(BlockShape {
        x0,
        y0,
        x1,
        y1,
        alpha,
    })
}

/// The rectangle for a block element character, if it is one drawn geometrically.
pub fn block_shape(c: char) -> Option<BlockShape> {
    match c {
        '▀' => shape(0, 0, 8, 4, 255),
        '▁'..='█' => {
            let k = c as u32 - '▀' as u32; // 1..=8 eighths from the bottom
            shape(0, 8 - k as u8, 8, 8, 255)
        }
        '▉'..='▏' => {
            let k = 8 - (c as u32 - '█' as u32); // ▉ = 7/8 ... ▏ = 1/8 from the left
            shape(0, 0, k as u8, 8, 255)
        }
        '▐' => shape(4, 0, 8, 8, 255),
        '░' => shape(0, 0, 8, 8, 64),
        '▒' => shape(0, 0, 8, 8, 128),
        '▓' => shape(0, 0, 8, 8, 192),
        '▔' => shape(0, 0, 8, 1, 255),
        '▕' => shape(7, 0, 8, 8, 255),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eighths_grow_from_the_left() {
        let widths: Vec<u8> = "▏▎▍▌▋▊▉█"
            .chars()
            .map(|c| block_shape(c).unwrap().x1)
            .collect();
        assert_eq!(widths, vec![1, 2, 3, 4, 5, 6, 7, 8]);
        assert!("▏▎▍▌▋▊▉█".chars().all(|c| block_shape(c).unwrap().x0 == 0));
    }

    #[test]
    fn lower_blocks_grow_from_the_bottom() {
        assert_eq!(block_shape('▁').unwrap().y0, 7);
        assert_eq!(block_shape('▄').unwrap().y0, 4);
        assert_eq!(block_shape('a'), None);
    }
}
