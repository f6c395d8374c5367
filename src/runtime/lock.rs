//! One saver per display: an OS file lock (flock) held for the life of the process, keyed by
//! the canonical display name, in a directory only this user can write.
//!
//! The kernel releases the lock when the process ends in any way (exit, crash, SIGKILL, its X
//! server dying), so there is no stale lock to recover and no pid to trust; the file itself stays
//! and is reused.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// A held lock; released when dropped or when the process ends.
#[derive(Debug)]
pub struct InstanceLock {
    _file: File,
}

/// Result of trying to take the lock.
#[derive(Debug)]
pub enum Lock {
    /// This process holds it now.
    Acquired(InstanceLock),
    /// Another process holds it.
    Held {
        /// Its pid, as it wrote it (informational).
        pid: Option<u32>,
    },
}

/// The lock directory or file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Creating, opening or locking failed.
    #[error("{path}: {source}")]
    Io {
        /// The path involved.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The directory exists but another user could plant or remove locks in it.
    #[error(
        "{path}: not a private directory of this user (owner uid {uid}, mode {mode:o}); remove it"
    )]
    NotPrivate {
        /// The directory.
        path: String,
        /// Its owner.
        uid: u32,
        /// Its permission bits.
        mode: u32,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> LockError + '_ {
    move |source| LockError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The directory for locks: `$XDG_RUNTIME_DIR/trainsaver` when that is set and usable, else
/// `/tmp/trainsaver-UID`; created with mode 0700 and refused unless it is ours and private.
pub fn lock_dir() -> Result<PathBuf, LockError> {
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    let dir = match std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
        Some(d) if d.is_absolute() && d.is_dir() => d.join("trainsaver"),
        _ => std::env::temp_dir().join(format!("trainsaver-{uid}")),
    };
    private_dir(&dir, uid)?;
    Ok(dir)
}

fn private_dir(dir: &Path, uid: u32) -> Result<(), LockError> {
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io(dir)(e)),
    }
    // symlink_metadata: a link planted in /tmp must not redirect the lock elsewhere.
    let meta = std::fs::symlink_metadata(dir).map_err(io(dir))?;
    let mode = meta.mode() & 0o7777;
    if !meta.is_dir() || meta.uid() != uid || mode & 0o077 != 0 {
        return Err(LockError::NotPrivate {
            path: dir.display().to_string(),
            uid: meta.uid(),
            mode,
        });
    }
    Ok(())
}

/// A file-name key naming one display however it is spelled: `:0`, `:0.0` and `unix:0` are
/// the same X server (`x11-0`); a Wayland socket keeps its name (`wayland-wayland-1`).
pub fn display_key(wayland: Option<&str>, x11: Option<&str>) -> String {
    let safe = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    if let Some(w) = wayland.filter(|w| !w.is_empty()) {
        let name = Path::new(w)
            .file_name()
            .map_or(w.into(), |n| n.to_string_lossy());
        return format!("wayland-{}", safe(&name));
    }
    let Some(d) = x11.filter(|d| !d.is_empty()) else {
        return "default".into();
    };
    let (host, rest) = d.rsplit_once(':').unwrap_or(("", d));
    let number = rest.split('.').next().unwrap_or(rest);
    match host {
        "" | "unix" => format!("x11-{}", safe(number)),
        h => format!("x11-{}-{}", safe(h), safe(number)),
    }
}

/// Takes the lock named `key` in `dir` without waiting.
pub fn acquire_in(dir: &Path, key: &str) -> Result<Lock, LockError> {
    let path = dir.join(format!("{key}.lock"));
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
        .map_err(io(&path))?;
    match file.try_lock() {
        Ok(()) => {
            // The pid is only for the "already running" message.
            let _ = file.set_len(0);
            let _ = write!(file, "{}", std::process::id());
            Ok(Lock::Acquired(InstanceLock { _file: file }))
        }
        Err(TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = file.rewind();
            let _ = file.read_to_string(&mut text);
            Ok(Lock::Held {
                pid: text.trim().parse().ok(),
            })
        }
        Err(TryLockError::Error(e)) => Err(io(&path)(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("trainsaver-lock-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn one_holder_at_a_time_and_released_on_drop() {
        let dir = scratch("hold");
        std::fs::create_dir_all(&dir).unwrap();
        let Lock::Acquired(first) = acquire_in(&dir, "x11-7").unwrap() else {
            panic!("first lock refused");
        };
        match acquire_in(&dir, "x11-7").unwrap() {
            Lock::Held { pid } => assert_eq!(pid, Some(std::process::id())),
            Lock::Acquired(_) => panic!("two holders"),
        }
        // Another display is independent.
        assert!(matches!(
            acquire_in(&dir, "x11-8").unwrap(),
            Lock::Acquired(_)
        ));
        drop(first);
        assert!(matches!(
            acquire_in(&dir, "x11-7").unwrap(),
            Lock::Acquired(_)
        ));
        // A file left with garbage or a dead pid is no obstacle: only the OS lock counts.
        std::fs::write(dir.join("x11-9.lock"), "1\n").unwrap();
        assert!(matches!(
            acquire_in(&dir, "x11-9").unwrap(),
            Lock::Acquired(_)
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn spellings_of_one_display_share_a_key() {
        let k = |d: &str| display_key(None, Some(d));
        assert_eq!(k(":211"), "x11-211");
        assert_eq!(k(":211.0"), "x11-211");
        assert_eq!(k("unix:211"), "x11-211");
        assert_eq!(k("unix:211.1"), "x11-211");
        assert_eq!(k("remote:10.0"), "x11-remote-10");
        assert_ne!(k(":1"), k(":11"));
        assert_eq!(
            display_key(Some("/run/user/1000/wayland-1"), Some(":0")),
            "wayland-wayland-1"
        );
        assert_eq!(display_key(None, None), "default");
        assert_eq!(k("../../etc/x:0"), "x11-.._.._etc_x-0");
    }

    #[test]
    fn the_lock_directory_must_be_private() {
        // SAFETY: getuid has no preconditions.
        let uid = unsafe { libc::getuid() };
        let dir = scratch("private");
        private_dir(&dir, uid).unwrap();
        let mode = std::fs::metadata(&dir).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o700);
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(matches!(
            private_dir(&dir, uid),
            Err(LockError::NotPrivate { .. })
        ));
        let _ = std::fs::remove_dir_all(&dir);
        // A planted symlink is refused, not followed.
        let target = scratch("target");
        std::fs::create_dir_all(&target).unwrap();
        std::os::unix::fs::symlink(&target, &dir).unwrap();
        assert!(private_dir(&dir, uid).is_err());
        let _ = std::fs::remove_file(&dir);
        let _ = std::fs::remove_dir_all(&target);
    }
}
