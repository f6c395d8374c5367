//! Which input ends the saver: grace period, pointer-motion threshold, kiosk chord. No window code.

use std::time::Duration;

use crate::config::Chord;

/// How a window reacts to input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputMode {
    /// Preview window: a key press or click closes it.
    Preview,
    /// Screensaver: any key, button, wheel, touch or real pointer movement ends it.
    Saver,
    /// Lobby display: only the exit chord ends it.
    Kiosk,
    /// Drawn inside a host's window (XScreenSaver, preview panes): the host handles input.
    Embedded,
}

/// Modifier state at a key press.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mods {
    /// Control held.
    pub ctrl: bool,
    /// Alt held.
    pub alt: bool,
    /// Shift held.
    pub shift: bool,
    /// Super held.
    pub logo: bool,
}

/// Input events, as far as exiting is concerned.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// A key went down; `synthetic` for keys already held when focus arrived.
    Key {
        /// The key, lower case.
        key: String,
        /// Modifiers held.
        mods: Mods,
        /// Sent by the system on focus, not typed.
        synthetic: bool,
    },
    /// A mouse button went down.
    Button,
    /// The wheel turned.
    Wheel,
    /// A touch began.
    Touch,
    /// The pointer is at this position (window coordinates).
    Pointer(f64, f64),
}

/// How long the pointer must stay within the threshold of where it rests before that place
/// becomes the new resting place: slow drift and jitter never add up to a move.
pub const POINTER_SETTLE: Duration = Duration::from_secs(1);

/// Where the pointer rests, and since when.
#[derive(Clone, Copy, Debug)]
struct Anchor {
    x: f64,
    y: f64,
    since: Duration,
}

/// Decides when input ends the program.
#[derive(Debug)]
pub struct InputPolicy {
    mode: InputMode,
    grace: Duration,
    threshold: f64,
    chord: Chord,
    anchor: Option<Anchor>,
}

impl InputPolicy {
    /// A policy; `grace` ignores input right after start, `threshold` is how far, in pixels,
    /// the pointer must get from where it rested to count as the user moving the mouse.
    pub fn new(mode: InputMode, grace: Duration, threshold: f64, chord: Chord) -> Self {
        InputPolicy {
            mode,
            grace,
            threshold,
            chord,
            anchor: None,
        }
    }

    /// Where the pointer was when the window appeared (global pixels), where the platform can
    /// tell (X11); then even the first motion event counts, a single jump or warp included.
    pub fn set_pointer_start(&mut self, x: f64, y: f64) {
        self.anchor = Some(Anchor {
            x,
            y,
            since: Duration::ZERO,
        });
    }

    /// A pointer report: true when it is a real move away from where the pointer rested.
    fn pointer_moved(&mut self, x: f64, y: f64, now: Duration) -> bool {
        let rest = Anchor { x, y, since: now };
        // Mapping and going fullscreen report positions too: during the grace period they
        // only say where the pointer is.
        if now < self.grace {
            self.anchor = Some(rest);
            return false;
        }
        let Some(a) = self.anchor else {
            self.anchor = Some(rest);
            return false;
        };
        if ((x - a.x).powi(2) + (y - a.y).powi(2)).sqrt() >= self.threshold {
            return true;
        }
        if now.saturating_sub(a.since) >= POINTER_SETTLE {
            self.anchor = Some(rest);
        }
        false
    }

    /// Whether `input`, arriving `since_start` after the window appeared, ends the program.
    pub fn should_exit(&mut self, input: &Input, since_start: Duration) -> bool {
        match self.mode {
            InputMode::Embedded => false,
            InputMode::Kiosk => matches!(input, Input::Key { key, mods, synthetic: false }
                if *key == self.chord.key
                    && mods.ctrl == self.chord.ctrl
                    && mods.alt == self.chord.alt
                    && mods.shift == self.chord.shift
                    && mods.logo == self.chord.logo),
            InputMode::Preview => matches!(
                input,
                Input::Key {
                    synthetic: false,
                    ..
                } | Input::Button
            ),
            InputMode::Saver => {
                if let Input::Pointer(x, y) = *input {
                    return self.pointer_moved(x, y, since_start);
                }
                if since_start < self.grace {
                    return false;
                }
                !matches!(
                    input,
                    Input::Key {
                        synthetic: true,
                        ..
                    }
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LATE: Duration = Duration::from_secs(2);

    fn saver() -> InputPolicy {
        InputPolicy::new(
            InputMode::Saver,
            Duration::from_millis(500),
            10.0,
            Chord::parse("ctrl+alt+q").unwrap(),
        )
    }

    fn key(k: &str, ctrl: bool, alt: bool) -> Input {
        Input::Key {
            key: k.into(),
            mods: Mods {
                ctrl,
                alt,
                ..Mods::default()
            },
            synthetic: false,
        }
    }

    #[test]
    fn saver_exits_on_any_real_input_after_grace() {
        for input in [
            key("a", false, false),
            key("shift", false, false),
            Input::Button,
            Input::Wheel,
            Input::Touch,
        ] {
            assert!(
                !saver().should_exit(&input, Duration::from_millis(100)),
                "{input:?} in grace"
            );
            assert!(saver().should_exit(&input, LATE), "{input:?}");
        }
        let synthetic = Input::Key {
            key: "a".into(),
            mods: Mods::default(),
            synthetic: true,
        };
        assert!(!saver().should_exit(&synthetic, LATE));
    }

    #[test]
    fn pointer_needs_real_travel() {
        let mut p = saver();
        assert!(!p.should_exit(&Input::Pointer(0.0, 0.0), LATE));
        assert!(
            !p.should_exit(&Input::Pointer(2.0, 0.0), LATE),
            "a 2 px jitter stays"
        );
        assert!(
            p.should_exit(&Input::Pointer(50.0, 0.0), LATE),
            "a 50 px move exits"
        );
        // Motion during the grace period never counts.
        let mut p = saver();
        assert!(!p.should_exit(&Input::Pointer(0.0, 0.0), Duration::ZERO));
        assert!(!p.should_exit(&Input::Pointer(500.0, 0.0), Duration::from_millis(100)));
        assert!(!p.should_exit(&Input::Pointer(502.0, 0.0), LATE));
    }

    #[test]
    fn one_jump_or_warp_from_a_known_start_exits() {
        for (x, y) in [(120.0, 100.0), (500.0, 300.0)] {
            let mut p = saver();
            p.set_pointer_start(100.0, 100.0);
            assert!(
                p.should_exit(&Input::Pointer(x, y), LATE),
                "jump to {x},{y}"
            );
        }
        // A start position reported again during the grace period is no move.
        let mut p = saver();
        p.set_pointer_start(100.0, 100.0);
        assert!(!p.should_exit(&Input::Pointer(100.0, 100.0), Duration::from_millis(50)));
        assert!(!p.should_exit(&Input::Pointer(103.0, 100.0), LATE));
    }

    #[test]
    fn jitter_and_slow_drift_never_add_up() {
        let mut p = saver();
        p.set_pointer_start(100.0, 100.0);
        // One pixel back and forth every second for ten minutes.
        for s in 1..600u64 {
            let x = 100.0 + if s % 2 == 0 { 1.0 } else { -1.0 };
            let at = Duration::from_secs(s) + LATE;
            assert!(!p.should_exit(&Input::Pointer(x, 100.0), at), "second {s}");
        }
        // A desk that creeps 4 px every 1.5 s, 300 px in all.
        let mut p = saver();
        p.set_pointer_start(0.0, 0.0);
        for i in 1..75u32 {
            let at = LATE + Duration::from_millis(1500) * i;
            assert!(
                !p.should_exit(&Input::Pointer(4.0 * i as f64, 0.0), at),
                "step {i}"
            );
        }
        // Then 14 px at once is the user.
        let at = LATE + Duration::from_millis(1500) * 74 + Duration::from_millis(200);
        assert!(p.should_exit(&Input::Pointer(310.0, 0.0), at));
    }

    #[test]
    fn kiosk_exits_only_on_the_chord() {
        let mut k = InputPolicy::new(
            InputMode::Kiosk,
            Duration::ZERO,
            10.0,
            Chord::parse("Ctrl+Alt+Q").unwrap(),
        );
        assert!(!k.should_exit(&key("q", false, false), LATE));
        assert!(!k.should_exit(&key("q", true, false), LATE));
        assert!(!k.should_exit(&Input::Button, LATE));
        assert!(!k.should_exit(&Input::Pointer(900.0, 900.0), LATE));
        assert!(k.should_exit(&key("q", true, true), LATE));
    }

    #[test]
    fn embedded_never_exits_and_preview_ignores_motion() {
        let mut e = InputPolicy::new(
            InputMode::Embedded,
            Duration::ZERO,
            10.0,
            Chord::parse("q").unwrap(),
        );
        assert!(
            !e.should_exit(&Input::Button, LATE) && !e.should_exit(&key("q", false, false), LATE)
        );
        let mut p = InputPolicy::new(
            InputMode::Preview,
            Duration::ZERO,
            10.0,
            Chord::parse("q").unwrap(),
        );
        assert!(
            !p.should_exit(&Input::Pointer(0.0, 0.0), LATE)
                && !p.should_exit(&Input::Pointer(500.0, 0.0), LATE)
        );
        assert!(p.should_exit(&Input::Button, LATE));
    }
}
