//! How a funding round's budget becomes whole posts (docs/scenario.md,
//! "Funding rounds").
//!
//! The budget is split between regions in proportion to the allocation's
//! weights; each region's share buys `share / price` posts, a fraction. The
//! whole parts are bought first; then, while the money left buys a post in
//! some region with a positive weight, the next post goes to the region
//! whose fraction was largest (the largest-remainder rule; ties to the
//! region listed first). So no round leaves a whole post's money unspent in
//! a region it allocates to. A £1m round in four equal shares at £150,000 a
//! post buys 6 posts (1.67 each: one each, then two more), not 4.

use crate::scenario::{Allocation, Scenario};

/// The most posts one round creates in one region of one run.
pub const MAX_ROUND_POSTS_PER_REGION: u32 = 100_000;

/// Whole posts bought in each region: `budget` split by `weights` (equally
/// when every weight is zero), each region's posts at `prices[r]`. A region
/// whose price is not positive (local authorities paying everything) gets
/// none: the funder's money is not what pays for them, and its share is not
/// spent elsewhere.
pub fn whole_posts(budget: f64, weights: &[f64], prices: &[f64]) -> Vec<u32> {
    let n = weights.len();
    let mut posts = vec![0u32; n];
    if n == 0 || !(budget > 0.0) {
        return posts;
    }
    let total: f64 = weights.iter().map(|w| w.max(0.0)).sum();
    let weight = |r: usize| if total > 0.0 { weights[r].max(0.0) / total } else { 1.0 / n as f64 };
    let buys = |r: usize| weight(r) > 0.0 && prices[r] > 0.0;
    let cap = f64::from(MAX_ROUND_POSTS_PER_REGION);
    // Exact (fractional) posts, and their whole parts.
    let exact: Vec<f64> =
        (0..n).map(|r| if buys(r) { (budget * weight(r) / prices[r]).min(cap) } else { 0.0 }).collect();
    // The money left after the whole parts, in the regions that buy posts
    // (a region whose posts cost the funder nothing spends none of its share).
    let mut left = 0.0;
    for r in (0..n).filter(|&r| buys(r)) {
        // A relative tolerance of 10⁻⁹, so that a share of exactly k prices buys k.
        let k = (exact[r] * (1.0 + 1e-9)).floor().min(cap);
        posts[r] = k as u32;
        left += (budget * weight(r) - k * prices[r]).max(0.0);
    }
    loop {
        let mut best: Option<usize> = None;
        for r in 0..n {
            let fits = buys(r) && prices[r] <= left * (1.0 + 1e-9) && posts[r] < MAX_ROUND_POSTS_PER_REGION;
            // Ties (to within rounding: 10⁻⁹ of a post) go to the region listed first.
            let ahead = |b: usize| exact[r] - f64::from(posts[r]) > exact[b] - f64::from(posts[b]) + 1e-9;
            if fits && best.is_none_or(ahead) {
                best = Some(r);
            }
        }
        let Some(r) = best else { break };
        posts[r] += 1;
        left -= prices[r];
    }
    posts
}

/// What a round buys at its expected price, for `validate` and the manifest:
/// posts by region and the money left over.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundPreview {
    /// `(region index, posts)` for each region the allocation names, in
    /// region order; empty for the `"unmet"` rule, whose weights depend on
    /// each run.
    pub posts: Vec<(usize, u32)>,
    /// The budget at its typical value.
    pub budget: f64,
    /// Money not spent on whole posts (fixed shares only).
    pub unspent: f64,
    /// Posts bought over all regions (for `"unmet"`, with demand at start as weights, a guide).
    pub total: u32,
}

/// What one post costs the funder in each region, for a round starting
/// `start` months after the scenario's start and lasting `term_months`, at
/// expected values (the mean of a distribution, the number of a fixed
/// value): `(1 − match) × annual_cost × (1 + wage_growth)^y × term / 12`,
/// `y` the round's model year. The price [`preview`] and `validate` use,
/// and the unit of `fundscape optimise`.
pub fn expected_prices(s: &Scenario, start: i32, term_months: u32) -> Vec<f64> {
    let wage = (1.0 + s.wage_growth.typical()).powi(start / 12);
    s.regions
        .iter()
        .map(|g| {
            (1.0 - g.local_authority.match_share.typical())
                * s.posts.annual_cost.typical()
                * wage
                * f64::from(term_months)
                / 12.0
        })
        .collect()
}

/// The posts round `i` of `s` buys at its expected price: typical values of
/// the budget, post cost, match and wage growth (the mean of a distribution,
/// the number of a fixed value), wages grown to the round's model year.
pub fn preview(s: &Scenario, i: usize) -> RoundPreview {
    let r = &s.rounds[i];
    let budget = r.budget.typical();
    let prices = expected_prices(s, r.start, r.term_months);
    let (weights, fixed): (Vec<f64>, bool) = match &r.allocation {
        Allocation::Shares(shares) => {
            let mut w = vec![0.0; s.regions.len()];
            shares.iter().for_each(|&(k, x)| w[k] = x);
            (w, true)
        }
        Allocation::Unmet => (s.regions.iter().map(|g| g.demand.typical()).collect(), false),
    };
    let bought = whole_posts(budget, &weights, &prices);
    let spent: f64 = bought.iter().zip(&prices).map(|(n, p)| f64::from(*n) * p.max(0.0)).sum();
    RoundPreview {
        posts: if fixed {
            (0..bought.len()).filter(|&k| weights[k] > 0.0).map(|k| (k, bought[k])).collect()
        } else {
            Vec::new()
        },
        budget,
        unspent: if fixed { (budget - spent).max(0.0) } else { 0.0 },
        total: bought.iter().sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_equal_shares_of_a_million_at_150k_buy_six_posts() {
        let posts = whole_posts(1_000_000.0, &[0.25; 4], &[150_000.0; 4]);
        assert_eq!(posts, vec![2, 2, 1, 1]);
        assert_eq!(posts.iter().sum::<u32>(), 6);
    }

    #[test]
    fn exact_multiples_buy_exactly_and_leftovers_go_to_the_largest_remainder() {
        assert_eq!(whole_posts(300.0, &[1.0, 2.0], &[100.0, 100.0]), vec![1, 2]);
        // 0.4 and 0.6 of 250 at 100: 1.0 and 1.5 → one each, then the 50 left buys nothing.
        assert_eq!(whole_posts(250.0, &[0.4, 0.6], &[100.0, 100.0]), vec![1, 1]);
        // 0.3 / 0.7 of 500 at 100: 1.5 and 3.5 → 1 and 3, then 100 left: a tie broken to the first.
        assert_eq!(whole_posts(500.0, &[0.3, 0.7], &[100.0, 100.0]), vec![2, 3]);
        // A tie that rounding breaks the wrong way: 0.4 and 0.1 of £1m at
        // £150k leave 2/3 of a post each (0.1's a hair more in floating
        // point); the one post the rest buys goes to the first.
        assert_eq!(whole_posts(1_000_000.0, &[0.4, 0.35, 0.15, 0.1], &[150_000.0; 4]), vec![3, 2, 1, 0]);
    }

    #[test]
    fn no_whole_posts_money_is_left_in_a_region_it_allocates_to() {
        // Different prices (match funding): the leftover buys in the cheaper region.
        let prices = [120.0, 50.0, 80.0];
        let weights = [0.2, 0.5, 0.3];
        let budget = 1000.0;
        let posts = whole_posts(budget, &weights, &prices);
        let spent: f64 = posts.iter().zip(&prices).map(|(n, p)| f64::from(*n) * p).sum();
        assert!(spent <= budget + 1e-9);
        assert!(budget - spent < 50.0, "left {} unspent with posts {posts:?}", budget - spent);
    }

    #[test]
    fn zero_weights_and_free_posts_get_nothing() {
        assert_eq!(whole_posts(1000.0, &[0.0, 1.0], &[100.0, 100.0]), vec![0, 10]);
        assert_eq!(whole_posts(1000.0, &[0.5, 0.5], &[0.0, 100.0]), vec![0, 5]);
        assert_eq!(whole_posts(0.0, &[1.0], &[100.0]), vec![0]);
        assert_eq!(whole_posts(1000.0, &[0.0, 0.0], &[100.0, 100.0]), vec![5, 5]);
    }

    proptest::proptest! {
        #[test]
        fn spends_within_budget_and_leaves_less_than_the_cheapest_post(
            budget in 0.0f64..1e7,
            weights in proptest::collection::vec(0.0f64..1.0, 1..8),
            price in 1_000.0f64..200_000.0,
        ) {
            let prices: Vec<f64> = (0..weights.len()).map(|k| price * (1.0 + k as f64 / 10.0)).collect();
            let posts = whole_posts(budget, &weights, &prices);
            let spent: f64 = posts.iter().zip(&prices).map(|(n, p)| f64::from(*n) * p).sum();
            proptest::prop_assert!(spent <= budget * (1.0 + 1e-9) + 1e-6);
            let total: f64 = weights.iter().sum();
            let cheapest = (0..weights.len())
                .filter(|&k| total == 0.0 || weights[k] > 0.0)
                .map(|k| prices[k])
                .fold(f64::INFINITY, f64::min);
            proptest::prop_assert!(budget - spent < cheapest * (1.0 + 1e-9));
        }
    }
}
