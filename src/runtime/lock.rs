//! One saver per display: a lock file in the runtime directory, recovered when its owner died.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A held lock, removed on drop.
#[derive(Debug)]
pub struct InstanceLock {
    path: PathBuf,
}

/// Result of trying to take the lock.
#[derive(Debug)]
pub enum Lock {
    /// This process holds it now.
    Acquired(InstanceLock),
    /// A live process holds it.
    Held {
        /// Its pid.
        pid: u32,
    },
}

impl Drop for InstanceLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The runtime directory: `$XDG_RUNTIME_DIR` when usable, else the temp directory.
pub fn runtime_dir() -> PathBuf {
    std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|d| d.is_dir())
        .unwrap_or_else(std::env::temp_dir)
}

fn alive(pid: u32) -> bool {
    pid != 0 && Path::new(&format!("/proc/{pid}")).exists()
}

/// Takes the lock for a display (e.g. `:0`) in `dir`; a lock whose process is gone is replaced.
pub fn acquire_in(dir: &Path, display: &str) -> Result<Lock, String> {
    let safe: String = display
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let path = dir.join(format!("trainsaver-{safe}.lock"));
    for _ in 0..2 {
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut f) => {
                writeln!(f, "{}", std::process::id())
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                return Ok(Lock::Acquired(InstanceLock { path }));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let pid = std::fs::read_to_string(&path)
                    .ok()
                    .and_then(|s| s.trim().parse::<u32>().ok())
                    .unwrap_or(0);
                if alive(pid) && pid != std::process::id() {
                    return Ok(Lock::Held { pid });
                }
                // Stale: its owner died without removing it.
                let _ = std::fs::remove_file(&path);
            }
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
    }
    Err(format!("{}: could not take the lock", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_refused_and_stale_locks_recovered() {
        let dir = std::env::temp_dir().join(format!("trainsaver-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let first = acquire_in(&dir, ":7").unwrap();
        assert!(matches!(first, Lock::Acquired(_)));
        // The same process asking again counts as stale (it cannot be its own rival).
        let path = dir.join("trainsaver-_7.lock");
        std::fs::write(&path, "1\n").unwrap(); // pid 1 is always alive
        assert!(matches!(
            acquire_in(&dir, ":7").unwrap(),
            Lock::Held { pid: 1 }
        ));
        std::fs::write(&path, "999999999\n").unwrap(); // no such process
        let again = acquire_in(&dir, ":7").unwrap();
        assert!(matches!(again, Lock::Acquired(_)));
        drop(again);
        assert!(!path.exists(), "lock removed on drop");
        drop(first);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
