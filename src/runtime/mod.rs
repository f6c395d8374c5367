//! Running on a display: the window event loop, input rules, night schedule, the lock that
//! keeps one saver per display, and the clocks a live screen follows.

pub mod clock_watch;
#[cfg(unix)]
pub mod fds;
pub mod input;
pub mod lock;
pub mod night;
pub mod origin;
pub mod window;
#[cfg(all(unix, not(target_os = "macos")))]
pub mod x11;
