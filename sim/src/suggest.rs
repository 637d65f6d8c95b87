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

/// The candidate a word is a near miss of: the did-you-mean rule above,
/// and fewer edits than half the word's length (so that short ids such as
/// `a` and `c` are not taken for typos of each other). Ids that differ only
/// in digits at the same places (`gmiau-2021`, `gmiau-2022`) are different
/// things, not typos.
pub fn near_miss<'a>(word: &str, candidates: &'a [String]) -> Option<&'a String> {
    let limit = (word.chars().count() / 3).max(2);
    let digits_only = |a: &str, b: &str| {
        a.len() == b.len()
            && a.bytes().zip(b.bytes()).all(|(x, y)| x == y || (x.is_ascii_digit() && y.is_ascii_digit()))
    };
    // `legal-aid-exit-wave-2029` beside `legal-aid-exit-wave`: a variant named
    // on purpose (the longer id is the shorter plus `-` or `_` and more).
    let variant = |a: &str, b: &str| {
        let (short, long) = if a.len() < b.len() { (a, b) } else { (b, a) };
        long.strip_prefix(short).is_some_and(|rest| rest.starts_with(['-', '_']))
    };
    candidates
        .iter()
        .filter(|c| {
            c.len().abs_diff(word.len()) <= limit && c.as_str() != word && !digits_only(word, c) && !variant(word, c)
        })
        .map(|c| (distance(word, c), c))
        .filter(|(d, _)| *d <= limit && 2 * *d < word.chars().count())
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
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

    #[test]
    fn near_misses_are_typos_not_short_or_numbered_ids() {
        let ids: Vec<String> = ["alpha", "a", "gmiau-2021", "london"].iter().map(|s| s.to_string()).collect();
        assert_eq!(near_miss("alpah", &ids).map(String::as_str), Some("alpha"));
        assert_eq!(near_miss("londn", &ids).map(String::as_str), Some("london"));
        assert_eq!(near_miss("c", &ids), None);
        assert_eq!(near_miss("gmiau-2022", &ids), None);
        assert_eq!(near_miss("gmaiu-2021", &ids).map(String::as_str), Some("gmiau-2021"));
        assert_eq!(near_miss("london-2", &ids), None);
    }
}
