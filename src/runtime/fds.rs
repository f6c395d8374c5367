//! File descriptors for the window runtime: winit panics when it cannot create its event loop's
//! descriptors (`EMFILE`), so the runtime raises its soft limit to the hard one and checks the
//! headroom before it starts.

/// Descriptors the event loop, the display connection, surfaces and helper connections take.
const NEEDED: u64 = 48;

/// Why the runtime cannot start.
#[derive(Debug)]
pub struct TooFew {
    /// Descriptors open.
    pub open: u64,
    /// The limit after raising the soft limit as far as allowed.
    pub limit: u64,
}

impl std::fmt::Display for TooFew {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "too few file descriptors: {} of the limit of {} are open and a window needs about {NEEDED} more (raise it with `ulimit -n`)",
            self.open, self.limit
        )
    }
}

/// Raises the soft limit to the hard one and checks that enough descriptors are left.
pub fn ensure_headroom() -> Result<(), TooFew> {
    let mut rl = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) } != 0 {
        return Ok(());
    }
    if rl.rlim_cur < rl.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: rl.rlim_max,
            rlim_max: rl.rlim_max,
        };
        // SAFETY: setrlimit reads the struct; raising the soft limit up to the hard one is
        // always allowed. The event loop uses epoll, never select, so high descriptors are fine.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            rl = raised;
        }
    }
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return Ok(());
    };
    // The directory listing holds one descriptor of its own while it is read.
    let open = (dir.count() as u64).saturating_sub(1);
    #[allow(clippy::unnecessary_cast)] // rlim_t is not u64 everywhere
    let limit = rl.rlim_cur as u64;
    if limit.saturating_sub(open) < NEEDED {
        return Err(TooFew { open, limit });
    }
    Ok(())
}
