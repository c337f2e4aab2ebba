//! "Did you mean ...?" suggestions for misspelled names and units.
//!
//! Used by the unit parser and by scenario validation (unknown compartment, link or species
//! names). The distance is `strsim`'s optimal-string-alignment variant of Damerau-Levenshtein
//! (insertions, deletions, substitutions and swaps of two neighbours each cost 1), compared
//! case-insensitively so that `mmhg` finds `mmHg`.

/// Edit distance between `a` and `b`, counted in Unicode scalar values, ignoring case.
///
/// Insertions, deletions, substitutions and transpositions of two adjacent characters each
/// cost 1 (optimal string alignment distance, `strsim::osa_distance`: unlike full
/// Damerau-Levenshtein, a swapped pair is not edited again, which is what a typo is).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let lower = |s: &str| -> String { s.chars().flat_map(char::to_lowercase).collect() };
    strsim::osa_distance(&lower(a), &lower(b))
}

/// Longest input or candidate (in characters) that suggestions are computed for. Names are
/// short; a longer one is no misspelling to guess at, and the edit distance costs the product
/// of the two lengths, so hostile input (a name of thousands of characters checked against
/// thousands of names) would otherwise take seconds.
pub const MAX_SUGGEST_LEN: usize = 64;

/// The candidate closest to `input`, if it is close enough to be a plausible misspelling.
///
/// "Close enough" means an edit distance (see [`edit_distance`]) of at most one third of the
/// longer of the two names, and at least 1; so `mmhgg` suggests `mmHg` and `prk_tunel`
/// suggests `prk_tunnel`, while `kg` suggests nothing among pressure units. A
/// case-insensitive exact match (distance 0) always wins. Ties go to the candidate listed
/// first. Returns `None` for an empty input or when nothing is close, and for names longer
/// than [`MAX_SUGGEST_LEN`] characters. The cost is bounded: O(MAX_SUGGEST_LEN²) per
/// candidate of a length within reach, O(1) per other candidate (plus the exact match test).
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let input = input.trim();
    if input.is_empty() || input.len() > 4 * MAX_SUGGEST_LEN {
        return None;
    }
    let input_len = input.chars().count();
    if input_len > MAX_SUGGEST_LEN {
        return None;
    }
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == input {
            // Exact match: nothing to suggest would be odd, but it is the best answer.
            return Some(candidate);
        }
        // Bytes bound characters from above and below (1 to 4 bytes each): skip what is
        // far too long before counting anything.
        if candidate.len() > 4 * MAX_SUGGEST_LEN {
            continue;
        }
        let candidate_len = candidate.chars().count();
        if candidate_len > MAX_SUGGEST_LEN {
            continue;
        }
        let longest = input_len.max(candidate_len);
        let allowed = (longest / 3).max(1);
        // The distance is at least the difference in length.
        if input_len.abs_diff(candidate_len) > allowed {
            continue;
        }
        let distance = edit_distance(input, candidate);
        if distance > allowed {
            continue;
        }
        match best {
            Some((d, _)) if d <= distance => {}
            _ => best = Some((distance, candidate)),
        }
    }
    best.map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("mmhgg", "mmHg"), 1);
        assert_eq!(edit_distance("tunnle", "tunnel"), 1); // one swap
        assert_eq!(edit_distance("µm", "um"), 1);
    }

    #[test]
    fn suggestions() {
        let units = [
            "Pa", "kPa", "MPa", "bar", "mbar", "atm", "psi", "mmHg", "torr",
        ];
        assert_eq!(did_you_mean("mmhgg", units), Some("mmHg"));
        assert_eq!(did_you_mean("mpa", units), Some("MPa"));
        assert_eq!(did_you_mean("tor", units), Some("torr"));
        assert_eq!(did_you_mean("psii", units), Some("psi"));
        assert_eq!(did_you_mean("kg", units), None);
        assert_eq!(did_you_mean("", units), None);
        assert_eq!(did_you_mean("   ", units), None);
        let names = ["prk_tunnel", "zvezda_pro", "vacuum"];
        assert_eq!(did_you_mean("prk_tunel", names), Some("prk_tunnel"));
        assert_eq!(did_you_mean("vaccum", names), Some("vacuum"));
        assert_eq!(did_you_mean("node_7", names), None);
        assert_eq!(did_you_mean("x", std::iter::empty()), None);
    }

    #[test]
    fn issue7_long_names_get_no_suggestion_and_cost_nothing() {
        let long = "n".repeat(8000);
        let one_off = format!("{long}x");
        // Names this long are never compared (the edit distance would cost 64 million cells
        // per pair); short names still are.
        assert_eq!(did_you_mean(&one_off, [long.as_str(), "prk"]), None);
        assert_eq!(did_you_mean("prj", [long.as_str(), "prk"]), Some("prk"));
    }
}
