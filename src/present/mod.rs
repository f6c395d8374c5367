//! Presenters: where frames and lines end up (a window's surface, a PNG file, a terminal).

pub mod ansi;
pub mod gif;
pub mod png;
pub mod surface;
#[cfg(all(unix, not(target_os = "macos")))]
mod xshm;
#[cfg(all(unix, not(target_os = "macos")))]
pub mod xwire;
