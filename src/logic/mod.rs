//! The pure core: no browser, no clock, no I/O. Everything here runs and is tested natively.
//!
//! Data flows one way: raw JSON → [`config`] → [`machine`] (events in, effects out, time passed
//! in) → [`view`] (plain data the shell renders).
//!
//! Diagnosis: measurements → [`evidence`] → [`verdict::diagnose`] → [`steps::steps`] and
//! [`report::diagnostic_report`], with [`status_page`] reading the site's status JSON and
//! [`environment`] the visitor's OS and browser.

pub mod backoff;
pub mod brand;
pub mod catalog;
pub mod config;
pub mod election;
pub mod environment;
pub mod evidence;
pub mod json;
pub mod machine;
pub mod messages;
pub mod report;
pub mod request;
pub mod retry_after;
pub mod rng;
pub mod site_status;
pub mod status_page;
pub mod steps;
pub mod text;
pub mod url;
pub mod verdict;
pub mod view;

/// `x.fract() == 0.0` without std (`fract` is std's, not core's, and the page build has no std:
/// src/lib.rs): a finite whole number. Every finite `f64` of magnitude 2^52 or more is whole; below
/// that the cast to `i64` is exact.
pub(crate) fn is_whole(x: f64) -> bool {
    if x.abs() >= 4_503_599_627_370_496.0 {
        return x.is_finite();
    }
    x as i64 as f64 == x
}

/// `f64::sqrt` without std (it is std's, not core's; see [`is_whole`]), correctly rounded like
/// std's: the integer square root of the mantissa to 55 bits, with the remainder kept as a
/// sticky bit, so the conversion back to `f64` rounds to nearest exactly once.
pub(crate) fn sqrt(x: f64) -> f64 {
    if !(x > 0.0 && x < f64::INFINITY) {
        // ±0 and +∞ are their own roots; negatives and NaN have none.
        return if x == 0.0 || x == f64::INFINITY {
            x
        } else {
            f64::NAN
        };
    }
    if x < f64::MIN_POSITIVE {
        // Subnormal: scale by 2^108 first and the root back by 2^-54 (both exact).
        return sqrt(x * f64::from_bits((1023 + 108) << 52)) * f64::from_bits((1023 - 54) << 52);
    }
    let bits = x.to_bits();
    // x = rest · 2^exponent with an even exponent; rest < 2^54.
    let mut rest = (bits & ((1 << 52) - 1)) | (1 << 52);
    let mut exponent = (bits >> 52) as i64 - 1075;
    if exponent & 1 != 0 {
        rest <<= 1;
        exponent -= 1;
    }
    // Bit by bit, as fdlibm's: the remainder is doubled each step instead of the radicand
    // being widened, so everything fits a `u64` (`u128` arithmetic costs the wasm several
    // times the code). `root` ends with 55 bits, `rest` non-zero when the root is inexact.
    let (mut root, mut twice, mut bit) = (0u64, 0u64, 1u64 << 54);
    while bit != 0 {
        let trial = twice + bit;
        if trial <= rest {
            twice = trial + bit;
            rest -= trial;
            root += bit;
        }
        rest += rest;
        bit >>= 1;
    }
    let jammed = (root << 1) | u64::from(rest != 0);
    jammed as f64 * f64::from_bits(((exponent / 2 - 28 + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    #[test]
    fn sqrt_is_std_sqrt() {
        // Every draw of `machine::warm_up_slot`, then the edges, then a spread of bit patterns.
        for k in 0..1u64 << 20 {
            let u = k as f64 / (1u64 << 20) as f64;
            assert_eq!(super::sqrt(u).to_bits(), u.sqrt().to_bits(), "{u}");
        }
        for x in [
            0.0,
            -0.0,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            0.25,
            2.0,
            0.05,
            1.0,
        ] {
            assert_eq!(super::sqrt(x).to_bits(), x.sqrt().to_bits(), "{x}");
        }
        for x in [-1.0, f64::NEG_INFINITY, f64::NAN] {
            assert!(super::sqrt(x).is_nan());
        }
        assert_eq!(super::sqrt(f64::INFINITY), f64::INFINITY);
        let mut bits = 0x1234_5678_9abc_def0u64;
        for _ in 0..200_000 {
            bits = bits
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let x = f64::from_bits(bits >> 1);
            if !x.is_nan() {
                assert_eq!(super::sqrt(x).to_bits(), x.sqrt().to_bits(), "{x:e}");
            }
        }
    }

    #[test]
    fn is_whole_is_fract_zero() {
        for x in [
            0.0,
            -0.0,
            1.0,
            -3.0,
            0.5,
            -0.5,
            1e300,
            4503599627370495.5,
            9007199254740993.0,
            1e-300,
        ] {
            assert_eq!(super::is_whole(x), x.fract() == 0.0, "{x}");
        }
        for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(!super::is_whole(x));
        }
    }
}
