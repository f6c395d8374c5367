//! The RGBA frame every stage after the grid draws into.

/// Bytes per pixel of every frame (RGBA8).
pub const BPP: usize = 4;

/// An owned RGBA frame, as written to PNG.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// RGBA8 pixels, row-major.
    pub data: Vec<u8>,
}

impl Frame {
    /// A black frame.
    pub fn new(width: usize, height: usize) -> Self {
        Frame {
            width,
            height,
            data: vec![0; width * height * BPP],
        }
    }

    /// The pixel at (x, y).
    pub fn pixel(&self, x: usize, y: usize) -> [u8; 4] {
        let i = (y * self.width + x) * BPP;
        [
            self.data[i],
            self.data[i + 1],
            self.data[i + 2],
            self.data[i + 3],
        ]
    }
}
