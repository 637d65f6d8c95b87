//! "Did you mean" hints for near-miss names.

/// Levenshtein distance between two strings, by characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// `"; did you mean `x`?"` for the closest candidate within a third of the
/// word's length (at least 2 edits), or an empty string.
pub fn did_you_mean(word: &str, candidates: &[String]) -> String {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .iter()
        .map(|c| (distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_and_only_near_ones() {
        let ids: Vec<String> = ["north-west", "north-east", "london"].iter().map(|s| s.to_string()).collect();
        assert_eq!(did_you_mean("north-wets", &ids), "; did you mean `north-west`?");
        assert_eq!(did_you_mean("londn", &ids), "; did you mean `london`?");
        assert_eq!(did_you_mean("scotland", &ids), "");
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
