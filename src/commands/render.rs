//! `render`: the frame the window shows at a simulated time, as a PNG file.

use crate::cli::RenderArgs;
use crate::error::{AppError, UsageError};
use crate::present::png::write_png;
use crate::settings::{Settings, fixed_start};

/// `render`: one frame to a PNG file.
pub fn run(s: &Settings, args: &RenderArgs) -> Result<(), AppError> {
    let (w, h) = (args.size.0 as usize, args.size.1 as usize);
    let synced = args.wall.map(|wall| s.synced(wall));
    let s = synced.as_ref().unwrap_or(s);
    let mut p = s.pipeline(fixed_start(), w, h);
    let at = match (args.wall, s.sync_epoch) {
        (Some(wall), Some(_)) => s.elapsed_since_epoch(wall).mul_f64(s.config.speed),
        (Some(_), None) => return Err(UsageError::WallWithoutEpoch.into()),
        (None, _) => args.at,
    };
    let frame = p.frame_at(at, w, h);
    write_png(&frame, &args.output)?;
    note!(
        "trainsaver: wrote {} ({}x{}, seed {}, t={:.1}s)",
        args.output.display(),
        w,
        h,
        s.seed,
        at.as_secs_f64()
    );
    Ok(())
}
