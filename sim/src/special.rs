//! Special functions for exact distribution functions: the logarithm of the
//! gamma function and the regularised incomplete beta function, which is the
//! distribution function of a Beta (and so of a PERT) value. Used once per
//! scenario to tabulate whole-month vacancy lengths, never per draw.

/// `ln Γ(x)` for `x > 0`: Lanczos' approximation (g = 7, nine terms),
/// relative error about 1e-15; below ½ by the reflection formula.
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Γ(x)Γ(1 − x) = π / sin(πx), for 0 < x < ½.
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The regularised incomplete beta function `I_x(a, b)`, that is
/// `P(B ≤ x)` for `B ~ Beta(a, b)`, for `a, b > 0`: the continued fraction
/// (modified Lentz), on the side of `x` where it converges fast, with the
/// symmetry `I_x(a, b) = 1 − I_{1−x}(b, a)` on the other. Accurate to about
/// 1e-14 for the shapes of a PERT value (both in [1, 5]).
pub fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

/// The continued fraction of the incomplete beta function.
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let nonzero = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / nonzero(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=500 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let even = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / nonzero(1.0 + even * d);
        c = nonzero(1.0 + even / c);
        h *= d * c;
        let odd = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / nonzero(1.0 + odd * d);
        c = nonzero(1.0 + odd / c);
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_matches_factorials_and_the_half() {
        let mut factorial = 1.0f64;
        for n in 1..=20 {
            // Γ(n) = (n − 1)!
            assert!((ln_gamma(f64::from(n)) - factorial.ln()).abs() < 1e-13 * factorial.ln().max(1.0), "n = {n}");
            factorial *= f64::from(n);
        }
        // Γ(½) = √π, Γ(3/2) = √π / 2.
        let root_pi = std::f64::consts::PI.sqrt();
        assert!((ln_gamma(0.5) - root_pi.ln()).abs() < 1e-14);
        assert!((ln_gamma(1.5) - (root_pi / 2.0).ln()).abs() < 1e-14);
        assert!((ln_gamma(0.25) - 3.625_609_908_221_908f64.ln()).abs() < 1e-14);
    }

    /// Against the closed forms the incomplete beta function has for whole
    /// or unit shapes: `I_x(a, 1) = x^a`, `I_x(1, b) = 1 − (1 − x)^b`,
    /// `I_x(2, 2) = 3x² − 2x³`, `I_x(2, 3) = 6x² − 8x³ + 3x⁴`.
    #[test]
    fn incomplete_beta_matches_closed_forms() {
        for i in 0..=200 {
            let x = f64::from(i) / 200.0;
            for a in [1.0, 1.5, 2.0 + 1.0 / 11.0, 4.2, 5.0] {
                assert!((incomplete_beta(a, 1.0, x) - x.powf(a)).abs() < 1e-14, "a = {a}, x = {x}");
                assert!((incomplete_beta(1.0, a, x) - (1.0 - (1.0 - x).powf(a))).abs() < 1e-14, "b = {a}, x = {x}");
            }
            let x2 = x * x;
            assert!((incomplete_beta(2.0, 2.0, x) - (3.0 * x2 - 2.0 * x2 * x)).abs() < 1e-14);
            assert!((incomplete_beta(2.0, 3.0, x) - (6.0 * x2 - 8.0 * x2 * x + 3.0 * x2 * x2)).abs() < 1e-14);
        }
    }

    /// Non-whole shapes against a numerical integral of the density
    /// (`x^(a−1)(1−x)^(b−1)/B(a, b)`, composite Simpson's rule on a fine grid
    /// after substituting `x = t^k` to smooth the power at zero), and the
    /// symmetry `I_x(a, b) = 1 − I_{1−x}(b, a)`.
    #[test]
    fn incomplete_beta_matches_the_integral_of_the_density() {
        let (a, b) = (1.0 + 12.0 / 11.0, 1.0 + 32.0 / 11.0); // pert(1, 4, 12)
        let ln_b = ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b);
        for x in [0.01, 0.1, 0.25, 0.4, 0.6, 0.9, 0.99] {
            // ∫₀ˣ f(u) du with u = x·s, s ∈ [0, 1]; the integrand s^(a−1) is
            // smooth enough for Simpson at this resolution (a − 1 ≈ 1.09).
            let n = 20_000;
            let f = |s: f64| {
                let u = x * s;
                if u <= 0.0 {
                    0.0
                } else {
                    ((a - 1.0) * u.ln() + (b - 1.0) * (1.0 - u).ln() - ln_b).exp() * x
                }
            };
            let h = 1.0 / f64::from(n);
            let mut sum = f(0.0) + f(1.0);
            for k in 1..n {
                sum += f(f64::from(k) * h) * if k % 2 == 1 { 4.0 } else { 2.0 };
            }
            let integral = sum * h / 3.0;
            let got = incomplete_beta(a, b, x);
            assert!((got - integral).abs() < 1e-9, "x = {x}: {got} against {integral}");
            assert!((got - (1.0 - incomplete_beta(b, a, 1.0 - x))).abs() < 1e-14, "symmetry at {x}");
        }
    }
}
