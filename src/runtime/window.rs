//! Window runtime: preview window, fullscreen saver on chosen monitors, kiosk, or drawn inside
//! a host's window; frames go through the GPU (pixels) or CPU (softbuffer) presenter.

use std::sync::Arc;
use std::time::{Duration, Instant};

use winit::application::ApplicationHandler;
use winit::dpi::{LogicalSize, PhysicalPosition, PhysicalSize};
use winit::event::{ElementState, MouseScrollDelta, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop, EventLoopProxy};
use winit::keyboard::{Key, ModifiersState, NamedKey};
use winit::monitor::MonitorHandle;
use winit::window::{Fullscreen, Window, WindowAttributes, WindowId};

use crate::config::{Monitors, Presenter};
use crate::pipeline::{Out, Pipeline};
use crate::present::surface::{
    CpuSurface, GpuSurface, Kind, Stream, Surface, SurfaceError, Update, hardware_gpu_possible,
};
use crate::runtime::clock_watch::ClockWatch;
use crate::runtime::input::{Input, InputPolicy, Mods};
use crate::runtime::night::{Light, Schedule};
use crate::runtime::origin::Origin;
use crate::session::Session;
use raster::RenderReport;

/// Where the windows go.
#[derive(Clone, Debug)]
pub enum Placement {
    /// One ordinary window of this logical size.
    Window(u32, u32),
    /// Borderless fullscreen on these monitors.
    Fullscreen(Monitors),
    /// A child of this foreign X11 window, following its size.
    Embed(u32),
}

/// How the runtime behaves.
pub struct RuntimeOptions {
    /// Window title.
    pub title: String,
    /// Where windows go.
    pub placement: Placement,
    /// Which input ends the program.
    pub policy: InputPolicy,
    /// Presenter choice.
    pub presenter: Presenter,
    /// Upper bound on frames per second.
    pub max_fps: u32,
    /// Hide the pointer over the windows.
    pub hide_cursor: bool,
    /// Wall-clock time already elapsed in the run when the windows open (synchronised screens).
    pub elapsed: Duration,
    /// Night-time dimming and blanking.
    pub schedule: Schedule,
    /// The session windows open in.
    pub session: Session,
    /// Synchronised with other screens: the run's moment follows the wall clock alone.
    pub synced: bool,
}

/// Why the runtime ended other than by the user.
#[derive(Debug, thiserror::Error)]
pub enum WindowError {
    /// No display to open windows on.
    #[error("cannot open a window: {0} (is DISPLAY or WAYLAND_DISPLAY set?)")]
    EventLoop(String),
    /// The process is short of something the event loop needs (file descriptors).
    #[error("cannot start the window runtime: {0}")]
    Resources(String),
    /// Neither presenter works: exit code 3.
    #[error(
        "no way to draw: {0}. Install a Vulkan or OpenGL driver (Debian/Ubuntu: mesa-vulkan-drivers) or run inside an X11 or Wayland session"
    )]
    NoPresenter(String),
    /// The host window to draw in is not usable.
    #[cfg(all(unix, not(target_os = "macos")))]
    #[error("host window: {0}")]
    Host(#[from] super::x11::X11Error),
    /// Something else failed while drawing.
    #[error("{0}")]
    Graphics(String),
}

/// A monitor's place on the desktop: x, y, width, height (physical pixels).
pub type Rect = (i32, i32, u32, u32);

/// Events sent to the loop from other threads.
#[derive(Debug, Clone)]
pub enum UserEvent {
    /// SIGTERM / SIGINT.
    Quit,
    /// The host window changed size.
    ParentResized(u32, u32),
    /// The host window is gone.
    ParentGone,
    /// The X screen's monitors changed (RandR): here they are now, the primary first.
    Screens(Vec<Rect>),
}

/// Builds the pipeline for view `index` at an output size.
pub type Factory<'a> = Box<dyn FnMut(usize, usize, usize) -> Pipeline + 'a>;

struct View {
    window: Arc<Window>,
    surface: Box<dyn Surface>,
    pipeline: Pipeline,
    size: (u32, u32),
    focused: bool,
    /// Attempts left at taking focus ourselves (each opens an X connection; give up eventually).
    focus_tries: u8,
    animating: bool,
    last_draw: Option<Instant>,
    /// The next present must upload everything (new surface, expose).
    force: bool,
    /// A redraw we asked for is pending (others come from the system: expose).
    requested: bool,
    /// Top-left corner on the desktop, to make pointer positions global across monitors.
    origin: (f64, f64),
    /// Showing black for the blank schedule (nothing more to draw until it ends).
    blanked: bool,
    /// The monitor it covers, when the platform names it (Wayland outputs come and go).
    monitor: Option<MonitorHandle>,
    /// The last frame went to a presenter keeping no frame (the window held the picture).
    streamed: bool,
}

impl View {
    /// Renders the frame for simulated time `t` and sends what changed to the window.
    fn render_and_show(&mut self, t: Duration) -> Result<(RenderReport, Shown), SurfaceError> {
        if let Some(out) = self.surface.stream() {
            if !self.streamed {
                // The frame kept so far is gone: the window's picture is all there is.
                self.pipeline.invalidate();
                self.streamed = true;
            }
            stream_frame(&mut self.pipeline, out, t)
        } else {
            if self.streamed {
                self.pipeline.invalidate();
                self.streamed = false;
            }
            let report = self.pipeline.render_into(self.surface.frame_mut(), t);
            let update = Update {
                damage: self.pipeline.damage(),
                moved: self.pipeline.moved(),
                painted: self.pipeline.painted(),
            };
            let changed = !update.damage.is_empty() || self.force;
            // Nothing changed: no present, no upload.
            let sent = if changed {
                self.surface.present(update).map(|()| Shown::Sent)
            } else {
                Ok(Shown::Nothing)
            };
            sent.map(|s| (report, s))
        }
    }

    /// After a failed present: a GPU presenter whose adapter or device was lost gives way to
    /// the CPU presenter; any other failure ends the runtime.
    fn fall_back_to_cpu(&mut self, e: impl std::fmt::Display) -> Result<(), WindowError> {
        if self.surface.kind() != Kind::Gpu {
            return Err(WindowError::Graphics(format!(
                "presenting a frame failed: {e}"
            )));
        }
        note!("trainsaver: warning: GPU presenter failed ({e}); switching to the cpu presenter");
        let (w, h) = self.size;
        let (iw, ih) = self.pipeline.internal_size();
        let c = cpu_surface(self.window.clone(), w, h, iw as u32, ih as u32).map_err(|ce| {
            WindowError::NoPresenter(format!("gpu presenter: {e}; cpu presenter: {ce}"))
        })?;
        self.surface = c;
        self.force = true;
        self.requested = true;
        self.window.request_redraw();
        Ok(())
    }
}

struct App<'a> {
    factory: Factory<'a>,
    opts: RuntimeOptions,
    views: Vec<View>,
    /// Where the run's time starts on the monotonic clock.
    origin: Origin,
    /// When the first frame was shown: the input grace period counts from here.
    shown: Option<Instant>,
    modifiers: ModifiersState,
    error: Option<WindowError>,
    started: bool,
    /// The host window was destroyed (or we are quitting): touch no window again.
    gone: bool,
    /// The wall clock against the monotonic one, looked at once a second.
    clock: ClockWatch,
    /// When the clock and the outputs were last looked at.
    looked: Instant,
    /// No window manager runs: fullscreen windows cover their monitors themselves.
    unmanaged: bool,
}

/// The CPU presenter for a window: on X11 PutImage from the internal frame (no second copy
/// of the screen in memory), elsewhere, or when the X11 window's format does not suit it,
/// softbuffer. `TRAINSAVER_SOFTBUFFER=1` picks softbuffer on X11 too (to compare them).
fn cpu_surface(
    window: Arc<Window>,
    w: u32,
    h: u32,
    iw: u32,
    ih: u32,
) -> Result<Box<dyn Surface>, SurfaceError> {
    #[cfg(all(unix, not(target_os = "macos")))]
    if std::env::var_os("TRAINSAVER_SOFTBUFFER").is_none_or(|v| v != "1")
        && let Ok(s) = crate::present::xwire::WireSurface::new(&window, w, h, iw, ih)
    {
        return Ok(Box::new(s));
    }
    Ok(Box::new(CpuSurface::new(window, w, h, iw, ih)?))
}

fn surface_for(
    window: &Arc<Window>,
    choice: Presenter,
    w: u32,
    h: u32,
    iw: u32,
    ih: u32,
) -> Result<Box<dyn Surface>, WindowError> {
    let cpu = || cpu_surface(window.clone(), w, h, iw, ih);
    let gpu_err = match choice {
        Presenter::Cpu => {
            return cpu().map_err(|e| WindowError::NoPresenter(e.to_string()));
        }
        Presenter::Auto if !hardware_gpu_possible() => {
            "gpu presenter: no GPU device on this machine".to_string()
        }
        Presenter::Gpu | Presenter::Auto => match GpuSurface::new(window.clone(), w, h, iw, ih) {
            // pixels uploads the whole frame every present: on a software adapter the CPU
            // presenter, which uploads only changed rows, is far cheaper.
            Ok(g) if choice == Presenter::Auto && g.is_software() => match cpu() {
                Ok(c) => return Ok(c),
                Err(_) => return Ok(Box::new(g)),
            },
            Ok(g) => return Ok(Box::new(g)),
            Err(e) => e.to_string(),
        },
    };
    match cpu() {
        Ok(c) => {
            if choice == Presenter::Gpu {
                note!("trainsaver: warning: {gpu_err}; using the cpu presenter");
            }
            Ok(c)
        }
        Err(cpu_err) => Err(WindowError::NoPresenter(format!("{gpu_err}; {cpu_err}"))),
    }
}

/// What a draw sent to the window.
enum Shown {
    /// Nothing had changed.
    Nothing,
    /// The changes.
    Sent,
    /// The changes, but part of the picture was lost on the way.
    Lost,
}

/// Renders a frame straight to a presenter that keeps none.
fn stream_frame(
    p: &mut Pipeline,
    out: &mut dyn Stream,
    t: Duration,
) -> Result<(RenderReport, Shown), SurfaceError> {
    let report = p.render_streamed(t, |piece| match piece {
        Out::Shift(s) => out.shift(s),
        Out::Pixels { at, pixels } => out.put(at, pixels),
    })?;
    if p.damage().is_empty() {
        return Ok((report, Shown::Nothing));
    }
    Ok(match out.finish()? {
        true => (report, Shown::Lost),
        false => (report, Shown::Sent),
    })
}

fn key_name(key: &Key) -> String {
    match key {
        Key::Character(c) => c.to_lowercase(),
        Key::Named(NamedKey::Escape) => "escape".into(),
        Key::Named(NamedKey::Enter) => "enter".into(),
        Key::Named(NamedKey::Space) => "space".into(),
        Key::Named(n) => format!("{n:?}").to_lowercase(),
        _ => "unidentified".into(),
    }
}

impl App<'_> {
    fn fail(&mut self, el: &ActiveEventLoop, e: WindowError) {
        if self.error.is_none() {
            self.error = Some(e);
        }
        el.exit();
    }

    fn sim_time(&self, speed: f64, now: Instant) -> Duration {
        self.origin.run_time(now, speed)
    }

    fn chosen_monitors(
        &self,
        el: &ActiveEventLoop,
        which: &Monitors,
    ) -> Vec<Option<MonitorHandle>> {
        let all: Vec<MonitorHandle> = el.available_monitors().collect();
        let picked: Vec<MonitorHandle> = match which {
            Monitors::All => all.clone(),
            Monitors::Primary => el
                .primary_monitor()
                .or_else(|| all.first().cloned())
                .into_iter()
                .collect(),
            Monitors::List(ix) => {
                for &i in ix.iter().filter(|&&i| i >= all.len()) {
                    note!(
                        "trainsaver: warning: monitor {i} does not exist ({} found); skipped",
                        all.len()
                    );
                }
                ix.iter().filter_map(|&i| all.get(i).cloned()).collect()
            }
        };
        if picked.is_empty() {
            // No monitor list (some virtual servers): one fullscreen window on the current one.
            vec![None]
        } else {
            picked.into_iter().map(Some).collect()
        }
    }

    /// A borderless fullscreen window's attributes, on `m` (or where its position puts it);
    /// without a window manager nobody honours the fullscreen request, so the window covers
    /// the monitor itself, as XScreenSaver's own windows do.
    fn fullscreen_attrs(&self, m: Option<&MonitorHandle>) -> WindowAttributes {
        let mut a = Window::default_attributes()
            .with_title(self.opts.title.clone())
            .with_decorations(false)
            .with_resizable(true)
            .with_fullscreen(Some(Fullscreen::Borderless(m.cloned())));
        if let Some(m) = m {
            a = a.with_position(m.position()).with_inner_size(m.size());
        }
        #[cfg(all(unix, not(target_os = "macos")))]
        if self.unmanaged {
            use winit::platform::x11::WindowAttributesExtX11;
            a = a.with_override_redirect(true);
        }
        a
    }

    fn create_views(&mut self, el: &ActiveEventLoop) -> Result<(), WindowError> {
        let base = Window::default_attributes().with_title(self.opts.title.clone());
        type Spec = (WindowAttributes, (f64, f64), Option<MonitorHandle>);
        let mut specs: Vec<Spec> = Vec::new();
        match self.opts.placement.clone() {
            Placement::Window(w, h) => specs.push((
                base.with_inner_size(LogicalSize::new(w, h))
                    .with_resizable(true),
                (0.0, 0.0),
                None,
            )),
            Placement::Fullscreen(which) => {
                #[cfg(all(unix, not(target_os = "macos")))]
                {
                    self.unmanaged = !super::x11::wm_present();
                }
                for m in self.chosen_monitors(el, &which) {
                    let origin = m.as_ref().map_or((0.0, 0.0), |m| {
                        (f64::from(m.position().x), f64::from(m.position().y))
                    });
                    specs.push((self.fullscreen_attrs(m.as_ref()), origin, m));
                }
            }
            Placement::Embed(parent) => {
                #[cfg(all(unix, not(target_os = "macos")))]
                {
                    use winit::platform::x11::WindowAttributesExtX11;
                    let (w, h) = super::x11::window_size(parent)?;
                    specs.push((
                        base.with_decorations(false)
                            .with_inner_size(PhysicalSize::new(w.max(1), h.max(1)))
                            .with_embed_parent_window(parent as _),
                        (0.0, 0.0),
                        None,
                    ));
                }
                #[cfg(not(all(unix, not(target_os = "macos"))))]
                return Err(WindowError::Graphics(format!(
                    "drawing inside window {parent} is only supported on X11 here"
                )));
            }
        }
        for (attrs, origin, monitor) in specs {
            self.add_view(el, attrs, origin, monitor)?;
        }
        Ok(())
    }

    /// Opens one window with its pipeline and surface.
    fn add_view(
        &mut self,
        el: &ActiveEventLoop,
        attrs: WindowAttributes,
        origin: (f64, f64),
        monitor: Option<MonitorHandle>,
    ) -> Result<(), WindowError> {
        let window = Arc::new(
            el.create_window(attrs)
                .map_err(|e| WindowError::Graphics(format!("cannot create a window: {e}")))?,
        );
        if self.opts.hide_cursor {
            window.set_cursor_visible(false);
        }
        let phys = window.inner_size();
        let (w, h) = (phys.width.max(1), phys.height.max(1));
        let mut pipeline = (self.factory)(self.views.len(), w as usize, h as usize);
        pipeline.set_scale_factor(window.scale_factor());
        pipeline.resize(w as usize, h as usize);
        let (iw, ih) = pipeline.internal_size();
        let surface = surface_for(&window, self.opts.presenter, w, h, iw as u32, ih as u32)?;
        window.request_redraw();
        self.views.push(View {
            window,
            surface,
            pipeline,
            size: (w, h),
            focused: false,
            focus_tries: 20,
            animating: false,
            last_draw: None,
            force: true,
            requested: true,
            origin,
            blanked: false,
            monitor,
            streamed: false,
        });
        Ok(())
    }

    /// The X screen's monitors changed (a resized screen, a monitor plugged in or out): the
    /// windows move and resize to cover the chosen ones, new ones get a window, windows of
    /// monitors gone close.
    fn on_screens(&mut self, el: &ActiveEventLoop, rects: Vec<Rect>) {
        let Placement::Fullscreen(which) = self.opts.placement.clone() else {
            return;
        };
        let target: Vec<Rect> = match which {
            Monitors::All => rects,
            Monitors::Primary => rects.into_iter().take(1).collect(),
            Monitors::List(ix) => ix.iter().filter_map(|&i| rects.get(i).copied()).collect(),
        };
        if target.is_empty() {
            return;
        }
        for (i, &(x, y, w, h)) in target.iter().enumerate() {
            let place = PhysicalPosition::new(x, y);
            let size = PhysicalSize::new(w.max(1), h.max(1));
            if let Some(v) = self.views.get_mut(i) {
                v.window.set_outer_position(place);
                let _ = v.window.request_inner_size(size);
                v.origin = (f64::from(x), f64::from(y));
                continue;
            }
            let a = self
                .fullscreen_attrs(None)
                .with_position(place)
                .with_inner_size(size);
            if let Err(e) = self.add_view(el, a, (f64::from(x), f64::from(y)), None) {
                self.fail(el, e);
                return;
            }
        }
        self.views.truncate(target.len());
    }

    /// Wayland outputs that appeared get a window (when every monitor is covered); windows
    /// of outputs that went away close. winit lists the outputs live but sends no event.
    fn follow_outputs(&mut self, el: &ActiveEventLoop) {
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            use winit::platform::wayland::ActiveEventLoopExtWayland;
            if !el.is_wayland() {
                return;
            }
        }
        if !matches!(self.opts.placement, Placement::Fullscreen(Monitors::All))
            || self.views.iter().all(|v| v.monitor.is_none())
        {
            return;
        }
        // An output just announced has no name or size yet: it is taken on the next look.
        let now: Vec<MonitorHandle> = el
            .available_monitors()
            .filter(|m| m.size().width > 0 && m.name().is_some())
            .collect();
        if now.is_empty() {
            return;
        }
        for m in &now {
            if self.views.iter().any(|v| v.monitor.as_ref() == Some(m)) {
                continue;
            }
            let origin = (f64::from(m.position().x), f64::from(m.position().y));
            let a = self.fullscreen_attrs(Some(m));
            if let Err(e) = self.add_view(el, a, origin, Some(m.clone())) {
                self.fail(el, e);
                return;
            }
        }
        self.views
            .retain(|v| v.monitor.as_ref().is_none_or(|m| now.contains(m)));
    }

    fn view_index(&self, id: WindowId) -> Option<usize> {
        self.views.iter().position(|v| v.window.id() == id)
    }

    fn draw(&mut self, el: &ActiveEventLoop, i: usize) {
        let now = Instant::now();
        let t = self.sim_time(self.views[i].pipeline.speed(), now);
        let v = &mut self.views[i];
        if !v.requested {
            // The system asked (expose): the window lost its contents.
            v.force = true;
        }
        v.requested = false;
        if !v.focused && v.focus_tries > 0 {
            v.focus_tries -= 1;
            #[cfg(all(unix, not(target_os = "macos")))]
            {
                v.focused = super::x11::take_focus_without_wm(&v.window);
            }
            #[cfg(not(all(unix, not(target_os = "macos"))))]
            {
                v.focused = true;
            }
        }
        let (w, h) = v.size;
        if w == 0 || h == 0 {
            return;
        }
        let light = self.opts.schedule.at(chrono::Local::now().time());
        let blank = light == Light::Blank;
        if blank && v.blanked && !v.force {
            return; // already black
        }
        v.blanked = blank;
        v.pipeline.set_brightness(match light {
            Light::Normal => 1.0,
            Light::Dim(l) => l,
            Light::Blank => 0.0,
        });
        v.pipeline.step_to(t);
        if v.force {
            v.pipeline.invalidate();
        }
        let shown = v.render_and_show(t);
        let (report, shown) = match shown {
            Ok(r) => r,
            Err(e) => {
                if let Err(fatal) = v.fall_back_to_cpu(e) {
                    self.fail(el, fatal);
                }
                return;
            }
        };
        v.animating = report.animating;
        v.last_draw = Some(now);
        match shown {
            Shown::Nothing => return,
            Shown::Sent => v.force = false,
            Shown::Lost => {
                // A scroll copied a covered part of the window: draw everything again.
                v.force = true;
                v.requested = true;
                v.window.request_redraw();
            }
        }
        if self.shown.is_none() {
            self.shown = Some(now);
            // For benches/latency.py: the moment the first frame went to the display server.
            if std::env::var_os("TRAINSAVER_TRACE").is_some() {
                note!("trainsaver: first frame presented");
            }
            // Knowing where the pointer starts lets its very first move count; only an X11
            // window can ask (under Wayland, XWayland's pointer is somewhere else).
            #[cfg(all(unix, not(target_os = "macos")))]
            if super::x11::xid(&self.views[i].window).is_some()
                && let Some((x, y)) = super::x11::pointer_position()
            {
                self.opts.policy.set_pointer_start(x, y);
            }
        }
    }

    fn resize(&mut self, el: &ActiveEventLoop, i: usize, w: u32, h: u32) {
        let v = &mut self.views[i];
        v.size = (w, h);
        if w == 0 || h == 0 {
            return; // minimised: nothing to draw until it comes back
        }
        v.pipeline.resize(w as usize, h as usize);
        let (iw, ih) = v.pipeline.internal_size();
        if let Err(e) = v.surface.resize(w, h, iw as u32, ih as u32) {
            self.fail(
                el,
                WindowError::Graphics(format!("cannot resize to {w}x{h}: {e}")),
            );
            return;
        }
        v.force = true;
        v.requested = true;
        v.window.request_redraw();
    }

    /// Follows a change of the machine's clock (see [`ClockWatch`]): after a jump forward the
    /// job has run on and the run skips ahead (bounded, as a far join); after one back the job
    /// keeps its pace and the timestamps read the wall, except on synchronised screens, which
    /// start afresh at the wall's moment so they agree with screens started since; a DST change
    /// moves only the timestamps.
    fn follow_clock(&mut self) {
        let change = self.clock.check();
        if let Some(o) = change.offset {
            for v in &mut self.views {
                v.pipeline.shift_wall(f64::from(o));
            }
        }
        let Some(j) = change.jump else { return };
        let by = Duration::from_secs_f64(j.abs());
        if j > 0.0 {
            self.origin.skip(by);
        } else if self.opts.synced {
            self.origin.rewind(by);
            for (i, v) in self.views.iter_mut().enumerate() {
                let (w, h) = v.size;
                let mut p = (self.factory)(i, w.max(1) as usize, h.max(1) as usize);
                p.set_scale_factor(v.window.scale_factor());
                p.resize(w.max(1) as usize, h.max(1) as usize);
                v.pipeline = p;
            }
        } else {
            for v in &mut self.views {
                v.pipeline.shift_wall(j);
            }
        }
        for v in &mut self.views {
            v.force = true;
            v.requested = true;
            v.window.request_redraw();
        }
    }

    fn input(&mut self, el: &ActiveEventLoop, input: Input) {
        let since = self.shown.map_or(Duration::ZERO, |s| s.elapsed());
        if self.shown.is_some() && self.opts.policy.should_exit(&input, since) {
            el.exit();
        }
    }
}

impl ApplicationHandler<UserEvent> for App<'_> {
    fn resumed(&mut self, el: &ActiveEventLoop) {
        if self.started {
            return;
        }
        self.started = true;
        if let Err(e) = self.create_views(el) {
            self.fail(el, e);
        }
    }

    fn user_event(&mut self, el: &ActiveEventLoop, event: UserEvent) {
        match event {
            UserEvent::Quit | UserEvent::ParentGone => {
                self.gone = true;
                el.exit();
            }
            UserEvent::ParentResized(w, h) => {
                for v in &self.views {
                    let _ = v
                        .window
                        .request_inner_size(PhysicalSize::new(w.max(1), h.max(1)));
                }
            }
            UserEvent::Screens(rects) => self.on_screens(el, rects),
        }
    }

    fn window_event(&mut self, el: &ActiveEventLoop, id: WindowId, event: WindowEvent) {
        if self.gone {
            return;
        }
        let Some(i) = self.view_index(id) else { return };
        match event {
            WindowEvent::CloseRequested => el.exit(),
            WindowEvent::Destroyed => {
                self.gone = true;
                el.exit();
            }
            WindowEvent::ModifiersChanged(m) => self.modifiers = m.state(),
            WindowEvent::KeyboardInput {
                event,
                is_synthetic,
                ..
            } if event.state == ElementState::Pressed => {
                let m = self.modifiers;
                let input = Input::Key {
                    key: key_name(&event.logical_key),
                    mods: Mods {
                        ctrl: m.control_key(),
                        alt: m.alt_key(),
                        shift: m.shift_key(),
                        logo: m.super_key(),
                    },
                    synthetic: is_synthetic,
                };
                self.input(el, input);
            }
            WindowEvent::MouseInput {
                state: ElementState::Pressed,
                ..
            } => self.input(el, Input::Button),
            WindowEvent::MouseWheel { delta, .. } => {
                let moved = match delta {
                    MouseScrollDelta::LineDelta(x, y) => x != 0.0 || y != 0.0,
                    MouseScrollDelta::PixelDelta(p) => p.x != 0.0 || p.y != 0.0,
                };
                if moved {
                    self.input(el, Input::Wheel);
                }
            }
            WindowEvent::Touch(_) => self.input(el, Input::Touch),
            WindowEvent::CursorMoved { position, .. } => {
                // Positions from different monitors' windows are made global before measuring.
                let (ox, oy) = self.views[i].origin;
                self.input(el, Input::Pointer(position.x + ox, position.y + oy));
            }
            WindowEvent::Resized(size) => self.resize(el, i, size.width, size.height),
            WindowEvent::ScaleFactorChanged { scale_factor, .. } => {
                self.views[i].pipeline.set_scale_factor(scale_factor);
                let size = self.views[i].window.inner_size();
                self.resize(el, i, size.width, size.height);
            }
            WindowEvent::Focused(true) => self.views[i].focused = true,
            WindowEvent::RedrawRequested => self.draw(el, i),
            _ => {}
        }
    }

    fn about_to_wait(&mut self, el: &ActiveEventLoop) {
        if self.gone {
            return;
        }
        let now = Instant::now();
        if now.saturating_duration_since(self.looked) >= Duration::from_secs(1) {
            self.looked = now;
            self.follow_clock();
            self.follow_outputs(el);
        }
        // Sleep until some view has output due, a cursor blink or an effect frame, never
        // drawing any view more often than max_fps.
        let now = Instant::now();
        let frame = Duration::from_secs_f64(1.0 / self.opts.max_fps.max(1) as f64);
        let mut next: Option<Instant> = None;
        for i in 0..self.views.len() {
            let speed = self.views[i].pipeline.speed();
            let t = self.sim_time(speed, now);
            let v = &mut self.views[i];
            if v.size.0 == 0 || v.size.1 == 0 || v.requested {
                continue;
            }
            let due = v.pipeline.next_due(t);
            let mut wake = if v.blanked {
                // Black until the blank period ends: look at the clock twice a minute.
                now + Duration::from_secs(30)
            } else if v.animating {
                now
            } else {
                self.origin.instant_of(due, speed)
            };
            if let Some(last) = v.last_draw {
                wake = wake.max(last + frame);
            }
            if wake <= now {
                v.requested = true;
                v.window.request_redraw();
            } else {
                next = Some(next.map_or(wake, |n: Instant| n.min(wake)));
            }
        }
        // Wake at least every two seconds to look at the wall clock (a resume from suspend
        // moves it without any event arriving).
        let clock_due = now + Duration::from_secs(2);
        el.set_control_flow(ControlFlow::WaitUntil(
            next.map_or(clock_due, |t| t.min(clock_due)),
        ));
    }
}

/// An event loop; X11 directly when there is no live Wayland display but an X11 one.
fn event_loop(session: &Session) -> Result<EventLoop<UserEvent>, winit::error::EventLoopError> {
    let mut b = EventLoop::<UserEvent>::with_user_event();
    #[cfg(all(unix, not(target_os = "macos")))]
    if session.windows_on_x11() {
        use winit::platform::x11::EventLoopBuilderExtX11;
        b.with_x11();
    }
    b.build()
}

/// Sends SIGTERM, SIGINT and SIGHUP into the loop as [`UserEvent::Quit`], so the saver ends
/// the way it ends on a key (windows closed, the lock released).
fn forward_signals(proxy: EventLoopProxy<UserEvent>) {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    // Fails only when the process cannot install handlers; then the default applies.
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP]) else {
        return;
    };
    std::thread::spawn(move || {
        for _ in signals.forever() {
            if proxy.send_event(UserEvent::Quit).is_err() {
                break;
            }
        }
    });
}

/// Runs windows until the user (or a signal, or the host) ends them.
pub fn run(factory: Factory<'_>, opts: RuntimeOptions) -> Result<(), WindowError> {
    let elapsed = opts.elapsed;
    #[cfg(unix)]
    super::fds::ensure_headroom().map_err(|e| WindowError::Resources(e.to_string()))?;
    // winit panics where it cannot make its event loop's descriptors; say it in one line.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let built = std::panic::catch_unwind(|| event_loop(&opts.session));
    std::panic::set_hook(hook);
    let event_loop = match built {
        Ok(r) => r.map_err(|e| WindowError::EventLoop(e.to_string()))?,
        Err(p) => {
            let why = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_string()))
                .unwrap_or_else(|| "the event loop could not be created".into());
            return Err(WindowError::Resources(why));
        }
    };
    forward_signals(event_loop.create_proxy());
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        use winit::platform::x11::EventLoopExtX11;
        if event_loop.is_x11() {
            super::x11::quiet_xlib_io_errors();
        }
    }
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        use winit::platform::x11::EventLoopExtX11;
        if matches!(opts.placement, Placement::Fullscreen(_)) && event_loop.is_x11() {
            let proxy = event_loop.create_proxy();
            // Without RandR the screen is taken as it is.
            let _ = super::x11::watch_screens(move |rects| {
                proxy.send_event(UserEvent::Screens(rects)).is_ok()
            });
        }
    }
    #[cfg(all(unix, not(target_os = "macos")))]
    if let Placement::Embed(parent) = opts.placement {
        let proxy = event_loop.create_proxy();
        super::x11::watch_parent(parent, move |e| {
            let ev = match e {
                super::x11::ParentEvent::Resized(w, h) => UserEvent::ParentResized(w, h),
                super::x11::ParentEvent::Gone => UserEvent::ParentGone,
            };
            proxy.send_event(ev).is_ok()
        })?;
    }
    let mut app = App {
        factory,
        opts,
        views: Vec::new(),
        origin: Origin::new(Instant::now(), elapsed),
        shown: None,
        modifiers: ModifiersState::empty(),
        error: None,
        started: false,
        gone: false,
        clock: ClockWatch::start(),
        looked: Instant::now(),
        unmanaged: false,
    };
    event_loop
        .run_app(&mut app)
        .map_err(|e| WindowError::Graphics(format!("event loop failed: {e}")))?;
    match app.error.take() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
