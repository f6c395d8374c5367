//! The X11 cpu presenter against a real X server: what the window shows after scrolls copied
//! by the server, streamed rows and a covered part is what the rasterizer drew.

use crate::common::Xvfb;
use raster::{FontSet, Frame, Piece, Rasterizer, Rect, Shift, THEMES};
use term::{Color, Grid, Style, StyledLine, TermOp};
use trainsaver::{Stream, Surface, Update, WireSurface};
use x11rb::protocol::xproto::{ConnectionExt as _, ImageFormat};
use x11rb::rust_connection::RustConnection;

/// Each window's size; two side by side, the streamed one left.
const W: usize = 640;
const H: usize = 480;

/// What window `win` shows, as RGB.
fn window_pixels(conn: &RustConnection, win: u32) -> Vec<[u8; 3]> {
    let img = conn
        .get_image(ImageFormat::Z_PIXMAP, win, 0, 0, W as u16, H as u16, !0)
        .unwrap()
        .reply()
        .unwrap();
    crate::common::rgb_of(&img.data)
}

/// Rows of the window (`ys`) that differ from `frame` scaled by `f`, as a count.
fn differing(shown: &[[u8; 3]], frame: &Frame, f: usize, ys: std::ops::Range<usize>) -> usize {
    ys.flat_map(|y| (0..W).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let p = frame.pixel(x / f, y / f);
            shown[y * W + x] != [p[0], p[1], p[2]]
        })
        .count()
}

/// Some lines to scroll through: words, colours, bars.
fn line(i: usize) -> TermOp {
    let words = [
        "loss 2.41",
        "█▉▊ 41%",
        "NCCL INFO Ring 03",
        "step",
        "grad_norm 0.93",
    ];
    let text = format!(
        "{i:04} {} {}",
        words[i % words.len()],
        "=".repeat(i * 7 % 40)
    );
    let color = Color::Indexed((i % 7 + 1) as u8);
    TermOp::Print(StyledLine::new().push(&text, Style::fg(color)))
}

fn scrolls_and_covered_parts_show_what_was_drawn(scale: usize, shm: bool) {
    let Some(x) = Xvfb::start_with((2 * W) as u16, H as u16, 24, &["-bs"]) else {
        return;
    };
    let conn = x.connect();
    let streamed_win = x.create_window(&conn, (0, 0, W as u16, H as u16), false);
    let framed_win = x.create_window(&conn, (W as i16, 0, W as u16, H as u16), false);
    let (iw, ih) = (W / scale, H / scale);
    let name = x.name();
    let open = |win| {
        let s = WireSurface::on_xid(
            Some(&name),
            win,
            (W as u32, H as u32),
            (iw as u32, ih as u32),
        )
        .expect("the X11 presenter takes a 24-bit window");
        // Xvfb on the same machine shares memory: the test must reach that path.
        assert!(s.shares_memory(), "no shared memory with a local Xvfb");
        if shm { s } else { s.without_shm() }
    };
    let (mut streamed, mut framed) = (open(streamed_win), open(framed_win));
    let raster = || Rasterizer::new(FontSet::bundled(11.0), THEMES[0].clone(), 3);
    let (mut rs, mut rf, mut reference) = (raster(), raster(), raster());
    let (cols, rows) = reference.grid_size(iw, ih);
    let mut grid = Grid::new(cols, rows, 10);
    let mut band = Vec::new();
    let mut lost_seen = 0;
    let (mut gs, mut gf) = (grid.clone(), grid.clone());
    // Whole-width rows of the internal frame.
    let whole = |y: usize, h: usize| Rect { x: 0, y, w: iw, h };
    let mut cover = None;
    for step in 0..40 {
        // A window over the lower half of both for a while: scrolls then copy covered rows.
        if step == 12 {
            let c = x.create_window(
                &conn,
                (0, (H / 2) as i16, (2 * W) as u16, (H / 2) as u16),
                true,
            );
            cover = Some(c);
        }
        if step == 26 {
            conn.destroy_window(cover.take().unwrap()).unwrap();
            x11rb::wrapper::ConnectionExt::sync(&conn).unwrap();
            // The runtime's answer to the expose this causes: everything again.
            rs.invalidate();
            rf.invalidate();
        }
        for k in 0..(step % 3 + 1) {
            let op = line(step * 3 + k);
            grid.apply(&op);
            gs.apply(&op);
            gf.apply(&op);
        }
        let frame = reference.render_frame(&mut grid, iw, ih, false);
        // Streamed: no frame kept; a lost part means drawing everything again.
        let mut draw = |rs: &mut Rasterizer, gs: &mut Grid| {
            rs.render_streamed(gs, (iw, ih), false, &mut band, |p| match p {
                Piece::Moved(m) => streamed.shift(Shift {
                    src: whole(m.rows.start, m.rows.len()),
                    to: m.to,
                }),
                Piece::Rows { y, pixels } => {
                    streamed.put(whole(y, pixels.len() / (iw * 4)), pixels)
                }
            })
            .unwrap();
            streamed.finish().unwrap()
        };
        if draw(&mut rs, &mut gs) {
            lost_seen += 1;
            rs.invalidate();
            assert!(!draw(&mut rs, &mut gs), "a full repaint copies nothing");
        }
        // Framed: the frame is kept in the presenter, scrolls copied, lost parts re-sent.
        let rep = rf.render(&mut gf, framed.frame_mut(), iw, ih, false);
        let all = |v: &[std::ops::Range<usize>]| -> Vec<Rect> {
            v.iter().map(|r| whole(r.start, r.len())).collect()
        };
        let (damage, painted) = (all(&rep.damaged), all(&rep.painted));
        let moved = rep.moved.as_ref().map(|m| Shift {
            src: whole(m.rows.start, m.rows.len()),
            to: m.to,
        });
        framed
            .present(Update {
                damage: &damage,
                moved,
                painted: &painted,
            })
            .unwrap();
        x11rb::wrapper::ConnectionExt::sync(&conn).unwrap();
        let visible = if cover.is_some() { 0..H / 2 } else { 0..H };
        for (what, win) in [("streamed", streamed_win), ("framed", framed_win)] {
            let shown = window_pixels(&conn, win);
            let bad = differing(&shown, &frame, scale, visible.clone());
            assert_eq!(
                bad, 0,
                "step {step}, scale {scale}: {what} window differs in {bad} pixels"
            );
        }
    }
    assert!(
        lost_seen > 0,
        "a scroll under the cover never reported a lost part"
    );
}

#[test]
fn scrolls_and_covered_parts_show_what_was_drawn_at_full_size() {
    scrolls_and_covered_parts_show_what_was_drawn(1, true);
}

#[test]
fn scrolls_and_covered_parts_show_what_was_drawn_scaled() {
    scrolls_and_covered_parts_show_what_was_drawn(2, true);
}

#[test]
fn scrolls_and_covered_parts_show_what_was_drawn_over_the_socket() {
    scrolls_and_covered_parts_show_what_was_drawn(1, false);
    scrolls_and_covered_parts_show_what_was_drawn(2, false);
}
