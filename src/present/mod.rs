//! Presenters: where frames and lines end up (a window, a PNG file, a terminal).

pub mod ansi;
pub mod png;
pub mod surface;
pub mod window;
#[cfg(all(unix, not(target_os = "macos")))]
pub mod x11;
