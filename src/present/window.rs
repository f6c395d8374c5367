//! Window presenter: a winit window showing the pipeline's frames through pixels (GPU).

use std::sync::Arc;
use std::time::{Duration, Instant};

use pixels::{Pixels, SurfaceTexture};
use winit::application::ApplicationHandler;
use winit::dpi::LogicalSize;
use winit::event::{ElementState, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::window::{Window, WindowId};

use crate::app::pipeline::Pipeline;

/// How the preview window is set up.
#[derive(Clone, Debug)]
pub struct WindowOptions {
    /// Window title.
    pub title: String,
    /// Initial inner size in logical pixels.
    pub size: (u32, u32),
    /// Upper bound on frames per second.
    pub max_fps: u32,
}

/// Why the window ended other than by the user.
#[derive(Debug, thiserror::Error)]
pub enum WindowError {
    /// No event loop (no display).
    #[error("cannot open a window: {0} (is DISPLAY or WAYLAND_DISPLAY set?)")]
    EventLoop(String),
    /// The window or its GPU surface could not be made or drawn.
    #[error("{0}")]
    Graphics(String),
}

struct Surface {
    window: Arc<Window>,
    pixels: Pixels<'static>,
    size: (usize, usize),
}

struct App {
    pipeline: Pipeline,
    opts: WindowOptions,
    surface: Option<Surface>,
    /// Wall-clock instant of simulated time zero (the injected clock for this runtime).
    epoch: Instant,
    last_draw: Option<Instant>,
    error: Option<WindowError>,
    /// Keyboard focus is settled (given by us or by a window manager).
    focused: bool,
    /// An effect (afterglow) wants more frames even without new output.
    animating: bool,
}

impl App {
    fn sim_time(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.epoch)
            .mul_f64(self.pipeline.speed)
    }

    fn wall(&self, sim: Duration) -> Instant {
        self.epoch + sim.div_f64(self.pipeline.speed)
    }

    fn fail(&mut self, el: &ActiveEventLoop, e: WindowError) {
        self.error = Some(e);
        el.exit();
    }

    fn create(&mut self, el: &ActiveEventLoop) -> Result<Surface, WindowError> {
        let attrs = Window::default_attributes()
            .with_title(self.opts.title.clone())
            .with_inner_size(LogicalSize::new(self.opts.size.0, self.opts.size.1))
            .with_resizable(true);
        let window = Arc::new(
            el.create_window(attrs)
                .map_err(|e| WindowError::Graphics(format!("cannot create the window: {e}")))?,
        );
        let phys = window.inner_size();
        let (w, h) = (phys.width.max(1), phys.height.max(1));
        self.pipeline.set_scale_factor(window.scale_factor());
        self.pipeline.resize(w as usize, h as usize);
        let (iw, ih) = self.pipeline.internal_size();
        let texture = SurfaceTexture::new(w, h, window.clone());
        // The buffer is the internal frame; pixels scales it up to the surface by integers.
        let pixels = Pixels::new(iw as u32, ih as u32, texture).map_err(|e| {
            WindowError::Graphics(format!(
                "cannot start GPU rendering: {e} (install Vulkan drivers, e.g. mesa-vulkan-drivers)"
            ))
        })?;
        Ok(Surface {
            window,
            pixels,
            size: (w as usize, h as usize),
        })
    }

    fn draw(&mut self, el: &ActiveEventLoop) {
        if !self.focused
            && let Some(s) = &self.surface
        {
            // Once mapped; retried on later frames until the server accepts it.
            #[cfg(all(unix, not(target_os = "macos")))]
            {
                self.focused = super::x11::take_focus_without_wm(&s.window);
            }
            #[cfg(not(all(unix, not(target_os = "macos"))))]
            {
                let _ = s;
                self.focused = true;
            }
        }
        let now = Instant::now();
        let t = self.sim_time(now);
        self.pipeline.step_to(t);
        let Some(s) = self.surface.as_mut() else {
            return;
        };
        let (w, h) = s.size;
        if w == 0 || h == 0 {
            return;
        }
        let report = self.pipeline.render_into(s.pixels.frame_mut(), t);
        self.animating = report.animating;
        self.last_draw = Some(now);
        if let Err(e) = s.pixels.render() {
            self.fail(
                el,
                WindowError::Graphics(format!("presenting a frame failed: {e}")),
            );
        }
    }

    fn resize(&mut self, el: &ActiveEventLoop, w: u32, h: u32) {
        let Some(s) = self.surface.as_mut() else {
            return;
        };
        s.size = (w as usize, h as usize);
        if w == 0 || h == 0 {
            return; // minimised: nothing to draw until it comes back
        }
        self.pipeline.resize(w as usize, h as usize);
        let (iw, ih) = self.pipeline.internal_size();
        let r = s
            .pixels
            .resize_surface(w, h)
            .and_then(|_| s.pixels.resize_buffer(iw as u32, ih as u32));
        if let Err(e) = r {
            self.fail(
                el,
                WindowError::Graphics(format!("cannot resize to {w}x{h}: {e}")),
            );
            return;
        }
        self.pipeline.raster.invalidate();
        s.window.request_redraw();
    }
}

impl ApplicationHandler for App {
    fn resumed(&mut self, el: &ActiveEventLoop) {
        if self.surface.is_some() {
            return;
        }
        match self.create(el) {
            Ok(s) => {
                s.window.request_redraw();
                self.surface = Some(s);
            }
            Err(e) => self.fail(el, e),
        }
    }

    fn window_event(&mut self, el: &ActiveEventLoop, _id: WindowId, event: WindowEvent) {
        match event {
            WindowEvent::CloseRequested => el.exit(),
            WindowEvent::KeyboardInput {
                event,
                is_synthetic: false,
                ..
            } if event.state == ElementState::Pressed => el.exit(),
            WindowEvent::MouseInput {
                state: ElementState::Pressed,
                ..
            } => el.exit(),
            WindowEvent::Resized(size) => self.resize(el, size.width, size.height),
            WindowEvent::Focused(true) => self.focused = true,
            WindowEvent::ScaleFactorChanged { scale_factor, .. } => {
                self.pipeline.set_scale_factor(scale_factor);
                if let Some(s) = &self.surface {
                    let size = s.window.inner_size();
                    self.resize(el, size.width, size.height);
                }
            }
            WindowEvent::RedrawRequested => self.draw(el),
            _ => {}
        }
    }

    fn about_to_wait(&mut self, el: &ActiveEventLoop) {
        let Some(s) = self.surface.as_ref() else {
            return;
        };
        // Sleep until the simulation has output due or the cursor blinks, but never draw
        // more often than max_fps.
        let now = Instant::now();
        let t = self.sim_time(now);
        let due = self
            .pipeline
            .sim
            .next_due()
            .min(self.pipeline.next_blink(t));
        let mut wake = self.wall(due);
        if let Some(last) = self.last_draw {
            wake = wake.max(last + Duration::from_secs_f64(1.0 / self.opts.max_fps as f64));
        }
        if wake <= now {
            s.window.request_redraw();
            el.set_control_flow(ControlFlow::Wait);
        } else {
            el.set_control_flow(ControlFlow::WaitUntil(wake));
        }
    }
}

/// An event loop; X11 directly when no Wayland display is set (avoids libwayland's noise).
fn event_loop() -> Result<EventLoop<()>, winit::error::EventLoopError> {
    #[cfg(all(unix, not(target_os = "macos")))]
    if std::env::var_os("WAYLAND_DISPLAY").is_none() && std::env::var_os("DISPLAY").is_some() {
        use winit::platform::x11::EventLoopBuilderExtX11;
        return EventLoop::builder().with_x11().build();
    }
    EventLoop::new()
}

/// Opens the window and runs until the user closes it, presses a key or clicks.
pub fn run_window(pipeline: Pipeline, opts: WindowOptions) -> Result<(), WindowError> {
    let event_loop = event_loop().map_err(|e| WindowError::EventLoop(e.to_string()))?;
    let mut app = App {
        pipeline,
        opts,
        surface: None,
        epoch: Instant::now(),
        last_draw: None,
        error: None,
        focused: false,
        animating: false,
    };
    event_loop
        .run_app(&mut app)
        .map_err(|e| WindowError::Graphics(format!("event loop failed: {e}")))?;
    match app.error.take() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
