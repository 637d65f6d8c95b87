//! The demand-noise correlation matrix (model.md §4): a positive
//! semi-definite check and a Cholesky factor that also works when the matrix
//! is singular (ρ = 1).

use nalgebra::{DMatrix, SymmetricEigen};

/// Why a correlation matrix was rejected.
#[derive(Debug, Clone, PartialEq)]
pub struct NotPsd {
    pub min_eigenvalue: f64,
    /// Indices of the regions that carry the offending direction.
    pub regions: Vec<usize>,
}

const TOLERANCE: f64 = 1e-9;

/// Checks that the symmetric `n × n` matrix `m` (row-major) is positive
/// semi-definite.
///
/// # Errors
/// [`NotPsd`] with the most negative eigenvalue and the regions whose
/// entries in its eigenvector are large (at least a fifth of the largest).
pub fn check_psd(m: &[f64], n: usize) -> Result<(), NotPsd> {
    let matrix = DMatrix::from_row_slice(n, n, m);
    let eigen = SymmetricEigen::new(matrix);
    let (k, min) =
        eigen
            .eigenvalues
            .iter()
            .copied()
            .enumerate()
            .fold((0, f64::INFINITY), |best, (i, v)| if v < best.1 { (i, v) } else { best });
    if min >= -TOLERANCE {
        return Ok(());
    }
    let v = eigen.eigenvectors.column(k);
    let largest = v.iter().fold(0.0f64, |a, x| a.max(x.abs()));
    let regions = (0..n).filter(|&i| v[i].abs() >= 0.2 * largest).collect();
    Err(NotPsd { min_eigenvalue: min, regions })
}

/// Lower-triangular `L` with `L Lᵀ = m` for a positive semi-definite `m`
/// (row-major). Columns whose pivot vanishes (a singular matrix) are zero, so
/// perfectly correlated regions share one normal draw.
pub fn cholesky_psd(m: &[f64], n: usize) -> Vec<f64> {
    let mut l = vec![0.0; n * n];
    for j in 0..n {
        let mut d = m[j * n + j];
        for k in 0..j {
            d -= l[j * n + k] * l[j * n + k];
        }
        let pivot = if d > 1e-12 { d.sqrt() } else { 0.0 };
        l[j * n + j] = pivot;
        for i in j + 1..n {
            if pivot == 0.0 {
                l[i * n + j] = 0.0;
                continue;
            }
            let mut s = m[i * n + j];
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            l[i * n + j] = s / pivot;
        }
    }
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reconstruct(l: &[f64], n: usize) -> Vec<f64> {
        let mut m = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                m[i * n + j] = (0..n).map(|k| l[i * n + k] * l[j * n + k]).sum();
            }
        }
        m
    }

    #[test]
    fn factor_reproduces_a_positive_definite_matrix() {
        let m = [1.0, 0.5, 0.3, 0.5, 1.0, 0.8, 0.3, 0.8, 1.0];
        assert!(check_psd(&m, 3).is_ok());
        let back = reconstruct(&cholesky_psd(&m, 3), 3);
        for (a, b) in m.iter().zip(&back) {
            assert!((a - b).abs() < 1e-12);
        }
    }

    #[test]
    fn singular_matrix_with_rho_one_is_valid_and_factored() {
        let m = [1.0, 1.0, 0.5, 1.0, 1.0, 0.5, 0.5, 0.5, 1.0];
        assert!(check_psd(&m, 3).is_ok());
        let back = reconstruct(&cholesky_psd(&m, 3), 3);
        for (a, b) in m.iter().zip(&back) {
            assert!((a - b).abs() < 1e-9, "{back:?}");
        }
    }

    #[test]
    fn inconsistent_pairs_are_rejected_naming_the_regions() {
        // a and b move together, b and c together, but a and c opposite.
        let m = [1.0, 0.9, -0.9, 0.9, 1.0, 0.9, -0.9, 0.9, 1.0];
        let err = check_psd(&m, 3).unwrap_err();
        assert!(err.min_eigenvalue < -0.5);
        assert_eq!(err.regions, vec![0, 1, 2]);
    }
}
