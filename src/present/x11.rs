//! X11 details winit does not cover: taking keyboard focus when no window manager gives it.

use winit::raw_window_handle::{HasWindowHandle, RawWindowHandle};
use winit::window::Window;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{AtomEnum, ConnectionExt as _, InputFocus};

/// The X11 window id behind a winit window, if it is one.
pub fn xid(window: &Window) -> Option<u32> {
    match window.window_handle().ok()?.as_raw() {
        RawWindowHandle::Xlib(h) => Some(h.window as u32),
        RawWindowHandle::Xcb(h) => Some(h.window.get()),
        _ => None,
    }
}

/// Whether an EWMH window manager runs on the display (it then manages focus itself).
fn wm_running(conn: &impl Connection, root: u32) -> bool {
    let Ok(atom) = conn.intern_atom(true, b"_NET_SUPPORTING_WM_CHECK") else {
        return false;
    };
    let Ok(atom) = atom.reply() else { return false };
    if atom.atom == 0 {
        return false;
    }
    conn.get_property(false, root, atom.atom, AtomEnum::WINDOW, 0, 1)
        .ok()
        .and_then(|c| c.reply().ok())
        .is_some_and(|r| r.value_len > 0)
}

/// Gives the window keyboard focus when no window manager would, so key presses reach it.
/// Returns true when focus was set (or a window manager handles it).
pub fn take_focus_without_wm(window: &Window) -> bool {
    let Some(id) = xid(window) else { return true };
    let Ok((conn, screen)) = x11rb::connect(None) else {
        return false;
    };
    let root = conn.setup().roots[screen].root;
    if wm_running(&conn, root) {
        return true;
    }
    let ok = conn
        .set_input_focus(InputFocus::POINTER_ROOT, id, x11rb::CURRENT_TIME)
        .ok()
        .and_then(|c| c.check().ok())
        .is_some();
    let _ = conn.flush();
    ok
}
