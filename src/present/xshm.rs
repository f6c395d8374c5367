//! A small shared-memory segment (MIT-SHM) the X11 presenter converts pixels into, so the X
//! server reads them from memory instead of the socket: no copy through the kernel, no waiting
//! on a full socket. A band, not a window-sized image: pixels go through it as through a ring,
//! and before writing over what a request still refers to, the writer waits until the server
//! has read it.

use std::fs::File;
use std::os::fd::{FromRawFd, OwnedFd};

use x11rb::connection::{Connection, RequestConnection};
use x11rb::protocol::shm::{self, ConnectionExt as _};
use x11rb::rust_connection::RustConnection;

/// The shared band and the server's name for it.
pub struct ShmBand {
    seg: shm::Seg,
    map: memmap2::MmapMut,
    /// Where the next pixels go.
    pos: usize,
    /// The memory's file, kept open for the mapping's sake.
    _file: File,
}

impl ShmBand {
    /// A band of `bytes` shared with the server behind `conn`, or None when it cannot share
    /// memory (a remote display, MIT-SHM older than 1.2, no memfd): PutImage then goes over
    /// the socket.
    pub fn new(conn: &RustConnection, bytes: usize) -> Option<ShmBand> {
        conn.extension_information(shm::X11_EXTENSION_NAME).ok()??;
        let v = conn.shm_query_version().ok()?.reply().ok()?;
        if (v.major_version, v.minor_version) < (1, 2) {
            return None; // no file descriptor passing
        }
        // SAFETY: memfd_create takes a NUL-terminated name and flags; it returns a new file
        // descriptor that nothing else owns, or -1.
        let fd = unsafe { libc::memfd_create(c"trainsaver-band".as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return None;
        }
        // SAFETY: `fd` is a fresh descriptor owned by nothing else.
        let file = File::from(unsafe { OwnedFd::from_raw_fd(fd) });
        file.set_len(bytes as u64).ok()?;
        // SAFETY: the file is ours alone (a memfd never named on disk); the server only reads
        // it, and only while we wait for it (`read_done`), so no one changes it under the map.
        let map = unsafe { memmap2::MmapMut::map_mut(&file) }.ok()?;
        let seg = conn.generate_id().ok()?;
        let shared = OwnedFd::from(file.try_clone().ok()?);
        conn.shm_attach_fd(seg, shared, true).ok()?.check().ok()?;
        Some(ShmBand {
            seg,
            map,
            pos: 0,
            _file: file,
        })
    }

    /// Bytes it holds.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Room for `len` bytes (at most [`len`](Self::len)): their offset, and whether the
    /// server must first have read everything sent so far (the ring wrapped).
    pub fn slot(&mut self, len: usize) -> (usize, bool) {
        if self.pos + len > self.map.len() {
            self.pos = len;
            return (0, true);
        }
        self.pos += len;
        (self.pos - len, false)
    }

    /// Bytes `at` of its memory, to write pixels into (a [`slot`](Self::slot)).
    pub fn bytes_mut(&mut self, at: std::ops::Range<usize>) -> &mut [u8] {
        &mut self.map[at]
    }

    /// The server's name for it.
    pub fn seg(&self) -> shm::Seg {
        self.seg
    }
}
