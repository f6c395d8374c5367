//! Small draws every part of the simulation shares: a uniform choice and noise fixed per step.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// A uniformly chosen element.
pub(crate) fn pick<'a, T>(rng: &mut ChaCha8Rng, v: &'a [T]) -> &'a T {
    &v[rng.random_range(0..v.len())]
}

/// A number in 0..1 from a seed and a step: noise that is the same whenever the step is run.
pub(crate) fn step_noise(seed: u64, step: u64, salt: u64) -> f64 {
    let mut x =
        seed ^ step.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt.wrapping_mul(0xD6E8_FEB8_6659_FD93);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((x ^ (x >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}
