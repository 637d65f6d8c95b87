//! Funding rounds (model.md §3): a funder's budget from a date, split
//! between regions and turned into new vacant posts.

/// The posts a round buys in each region: its budget split by `weights`
/// into whole posts at `prices[r]` (what the funder pays for one post over
/// the term) by the largest-remainder rule of [`crate::rounds`].
pub(super) fn posts_by_region(budget: f64, weights: &[f64], prices: &[f64], out: &mut Vec<u32>) {
    out.clear();
    out.extend(crate::rounds::whole_posts(budget, weights, prices));
}
