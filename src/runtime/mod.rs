//! Running on a display: the window event loop, input rules, night schedule and the lock that
//! keeps one saver per display.

pub mod input;
pub mod lock;
pub mod night;
pub mod window;
#[cfg(all(unix, not(target_os = "macos")))]
pub mod x11;
