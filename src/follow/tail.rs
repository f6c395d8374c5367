//! Following a file as `tail -F` does: it may grow, be truncated, be rotated (renamed away and
//! created again) or appear only later; a pipe or FIFO (`-` is stdin) is read on its own
//! thread so a silent writer blocks nothing. Reads are bounded: a poll takes at most
//! [`CHUNK`] bytes, and opening a big file starts at its last [`OPENING`] bytes.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, TryRecvError};

/// Bytes taken per poll.
pub const CHUNK: usize = 256 * 1024;
/// Bytes of a file's end read when it is opened: more than any screen shows.
pub const OPENING: u64 = 256 * 1024;

/// What a poll found besides bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Nothing to say.
    Quiet,
    /// The file is not there (yet, or any more).
    Missing,
    /// The file was opened (first, or after a rotation).
    Opened,
    /// The file shrank: it is read again from its start.
    Truncated,
    /// The stream ended (a pipe's writer closed it).
    Ended,
}

/// A followed file or stream.
pub enum Tail {
    /// A regular file, by path.
    File(FileTail),
    /// Stdin, or a FIFO: chunks from a reader thread.
    Stream {
        /// What the thread read.
        rx: Receiver<Vec<u8>>,
        /// The writer closed it.
        ended: bool,
    },
}

/// A regular file being followed.
pub struct FileTail {
    path: PathBuf,
    file: Option<File>,
    /// Device and inode of the open file: a new one at the path is a rotation.
    id: (u64, u64),
    offset: u64,
}

/// Reads `src` on a thread into a bounded channel.
fn stream(mut src: impl Read + Send + 'static) -> Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::sync_channel(8);
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match src.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            }
        }
    });
    rx
}

impl Tail {
    /// Follows `path` (`-`: stdin).
    pub fn open(path: &Path) -> Tail {
        if path == Path::new("-") {
            return Tail::Stream {
                rx: stream(std::io::stdin()),
                ended: false,
            };
        }
        if std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo()) {
            // Opening a FIFO waits for a writer: the thread does that too.
            let p = path.to_path_buf();
            let (tx, rx) = mpsc::sync_channel(8);
            std::thread::spawn(move || {
                let Ok(f) = File::open(&p) else { return };
                for chunk in stream(f) {
                    if tx.send(chunk).is_err() {
                        break;
                    }
                }
            });
            return Tail::Stream { rx, ended: false };
        }
        Tail::File(FileTail {
            path: path.to_path_buf(),
            file: None,
            id: (0, 0),
            offset: 0,
        })
    }

    /// Takes what arrived since the last poll (at most [`CHUNK`] bytes) into `out`.
    pub fn poll(&mut self, out: &mut Vec<u8>) -> Event {
        match self {
            Tail::File(f) => f.poll(out),
            Tail::Stream { rx, ended } => {
                if *ended {
                    return Event::Ended;
                }
                while out.len() < CHUNK {
                    match rx.try_recv() {
                        Ok(chunk) => out.extend_from_slice(&chunk),
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Disconnected) => {
                            *ended = true;
                            return if out.is_empty() {
                                Event::Ended
                            } else {
                                Event::Quiet
                            };
                        }
                    }
                }
                Event::Quiet
            }
        }
    }
}

impl FileTail {
    fn poll(&mut self, out: &mut Vec<u8>) -> Event {
        let at_path = std::fs::metadata(&self.path).ok();
        if self.file.is_none() {
            let Some(meta) = at_path else {
                return Event::Missing;
            };
            let Ok(f) = File::open(&self.path) else {
                return Event::Missing;
            };
            self.id = (meta.dev(), meta.ino());
            // A big file opens on its last stretch, from a line's start.
            self.offset = meta.len().saturating_sub(OPENING);
            self.file = Some(f);
            if self.offset > 0 {
                self.skip_partial_line();
            }
            self.read(out);
            return Event::Opened;
        }
        let Some(file) = self.file.as_mut() else {
            return Event::Missing;
        };
        let len = file.metadata().map_or(0, |m| m.len());
        if len < self.offset {
            self.offset = 0;
            return Event::Truncated;
        }
        if len > self.offset {
            self.read(out);
            return Event::Quiet;
        }
        // Read to its end: a different file at the path now is the rotated-in one.
        let moved = at_path
            .as_ref()
            .is_none_or(|m| (m.dev(), m.ino()) != self.id);
        if moved {
            self.file = None;
            if at_path.is_some() {
                return self.poll(out);
            }
            return Event::Missing;
        }
        Event::Quiet
    }

    /// Reads what the file has past the offset, at most [`CHUNK`] bytes.
    fn read(&mut self, out: &mut Vec<u8>) {
        let Some(file) = self.file.as_mut() else {
            return;
        };
        let len = file.metadata().map_or(0, |m| m.len());
        let want = (len.saturating_sub(self.offset) as usize).min(CHUNK);
        if want == 0 {
            return;
        }
        let start = out.len();
        out.resize(start + want, 0);
        let got = file
            .seek(SeekFrom::Start(self.offset))
            .and_then(|_| file.read(&mut out[start..]))
            .unwrap_or(0);
        out.truncate(start + got);
        self.offset += got as u64;
    }

    /// Moves the offset past the partial line the opening seek landed in.
    fn skip_partial_line(&mut self) {
        let Some(f) = self.file.as_mut() else { return };
        let mut buf = vec![0u8; 64 * 1024];
        if f.seek(SeekFrom::Start(self.offset)).is_err() {
            return;
        }
        let n = f.read(&mut buf).unwrap_or(0);
        if let Some(i) = buf[..n].iter().position(|&b| b == b'\n') {
            self.offset += i as u64 + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn drain(t: &mut Tail) -> (String, Vec<Event>) {
        let mut all = Vec::new();
        let mut events = Vec::new();
        for _ in 0..50 {
            let mut out = Vec::new();
            let e = t.poll(&mut out);
            if e != Event::Quiet && events.last() != Some(&e) {
                events.push(e);
            }
            all.extend(out);
        }
        (String::from_utf8_lossy(&all).into_owned(), events)
    }

    #[test]
    fn a_file_is_followed_through_growth_truncation_rotation_and_late_appearance() {
        let dir = std::env::temp_dir().join(format!("trainsaver-tail-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("job.out");
        let mut t = Tail::open(&path);
        assert_eq!(drain(&mut t).1, [Event::Missing]);
        std::fs::write(&path, "one\n").unwrap();
        assert_eq!(drain(&mut t), ("one\n".to_string(), vec![Event::Opened]));
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(b"two\n").unwrap();
        assert_eq!(drain(&mut t).0, "two\n");
        // Truncated in place (`> job.out`), then written again.
        std::fs::write(&path, "").unwrap();
        assert_eq!(drain(&mut t).1, [Event::Truncated]);
        std::fs::write(&path, "three\n").unwrap();
        assert_eq!(drain(&mut t).0, "three\n");
        // Rotated: renamed away, a new file created at the path.
        std::fs::rename(&path, dir.join("job.out.1")).unwrap();
        std::fs::write(&path, "four\n").unwrap();
        assert_eq!(drain(&mut t), ("four\n".to_string(), vec![Event::Opened]));
        // A big file opens on its last stretch, at a line's start.
        let big = dir.join("big.out");
        let line = "x".repeat(99) + "\n";
        std::fs::write(&big, line.repeat(10_000)).unwrap();
        let mut t = Tail::open(&big);
        let (text, _) = drain(&mut t);
        assert!(
            text.len() as u64 <= OPENING && text.len() > 100_000,
            "{}",
            text.len()
        );
        assert!(text.starts_with('x') && text.ends_with("x\n"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
