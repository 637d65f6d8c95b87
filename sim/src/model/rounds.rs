//! Funding rounds (model.md §3): a funder's budget from a date, split
//! between regions and turned into new vacant posts.

/// Splits `budget` between regions in proportion to `weights` (equally when
/// every weight is zero). The parts sum to the budget.
pub fn allocate(budget: f64, weights: &[f64]) -> Vec<f64> {
    let total: f64 = weights.iter().map(|w| w.max(0.0)).sum();
    if weights.is_empty() {
        return Vec::new();
    }
    if total > 0.0 {
        weights.iter().map(|w| budget * w.max(0.0) / total).collect()
    } else {
        vec![budget / weights.len() as f64; weights.len()]
    }
}

/// Whole posts that `money` buys at `price` each (a relative tolerance of
/// 10⁻⁹ so that a budget of exactly n prices buys n). A price of zero (local
/// authorities paying everything) buys none: the funder's money is not what
/// pays for them.
pub fn posts_bought(money: f64, price: f64) -> u32 {
    if !(price > 0.0) || !(money > 0.0) {
        return 0;
    }
    (money / price * (1.0 + 1e-9)).floor().min(100_000.0) as u32
}

/// The posts a round buys in each region: its budget split by `weights`,
/// each region's part buying whole posts at `prices[r]` (what the funder
/// pays for one post over the term).
pub(super) fn posts_by_region(budget: f64, weights: &[f64], prices: &[f64], out: &mut Vec<u32>) {
    out.clear();
    out.extend(allocate(budget, weights).into_iter().zip(prices).map(|(money, &price)| posts_bought(money, price)));
}
