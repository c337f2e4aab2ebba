//! A structure-aware mutator for scenario files.
//!
//! A scenario is split into RON tokens (strings, numbers, identifiers, punctuation, trivia);
//! a mutation works on tokens and on balanced `( )` / `[ ]` groups, so most mutants still
//! parse and reach the validator and the integrator, where the interesting failures are.
//! A small share of cases are arbitrary bytes or byte flips, for the lexer and the UTF-8
//! handling.

use rand::seq::IndexedRandom;
use rand::{Rng, RngExt};

/// One token of a RON text, as a byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    Number,
    Ident,
    Open,
    Close,
    Punct,
    Trivia,
}

#[derive(Debug, Clone, Copy)]
pub struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

/// Split `src` into tokens. Never fails: unknown bytes become punctuation.
pub fn tokenize(src: &[u8]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < src.len() {
        let c = src[i];
        let start = i;
        let kind = if c.is_ascii_whitespace() {
            while i < src.len() && src[i].is_ascii_whitespace() {
                i += 1;
            }
            Kind::Trivia
        } else if c == b'/' && src.get(i + 1) == Some(&b'/') {
            while i < src.len() && src[i] != b'\n' {
                i += 1;
            }
            Kind::Trivia
        } else if c == b'"' {
            i += 1;
            while i < src.len() && src[i] != b'"' {
                if src[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(src.len());
            Kind::Str
        } else if c.is_ascii_digit()
            || (c == b'-' && src.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            i += 1;
            // Digits, letters (exponents, suffixes), dots; a sign only right after an exponent.
            let continues = |b: u8, prev: u8| match b {
                b'+' | b'-' => matches!(prev, b'e' | b'E'),
                _ => b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_'),
            };
            while i < src.len() && continues(src[i], src[i - 1]) {
                i += 1;
            }
            Kind::Number
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < src.len() && (src[i].is_ascii_alphanumeric() || src[i] == b'_') {
                i += 1;
            }
            Kind::Ident
        } else {
            i += 1;
            match c {
                b'(' | b'[' | b'{' => Kind::Open,
                b')' | b']' | b'}' => Kind::Close,
                _ => Kind::Punct,
            }
        };
        out.push(Token {
            kind,
            start,
            end: i,
        });
    }
    out
}

/// Numbers that find edges: zero, signs, denormals, overflow, exact integers, NaN spellings.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "0.0",
    "1",
    "-1",
    "2",
    "0.5",
    "1e-300",
    "5e-324",
    "-5e-324",
    "1e308",
    "-1e308",
    "1e309",
    "1e20",
    "-1e20",
    "9007199254740993",
    "3",
    "100",
    "1e-9",
    "0.999999999",
    "1.000000001",
    "NaN",
    "inf",
    "-inf",
    "1e",
    "1.2.3",
    "0x10",
    "18446744073709551616",
];

/// Units, right and wrong for every field, and broken spellings.
const UNITS: &[&str] = &[
    "Pa",
    "kPa",
    "mmHg",
    "psi",
    "atm",
    "bar",
    "m3",
    "L",
    "ft3",
    "m2",
    "mm2",
    "cm2",
    "in2",
    "K",
    "degC",
    "degF",
    "s",
    "min",
    "h",
    "day",
    "kg",
    "g",
    "lb",
    "kg/s",
    "kg/day",
    "lb/day",
    "g/s",
    "m3/s",
    "W",
    "W/K",
    "Pa.s",
    "1/Pa",
    "",
    "mm Hg",
    "m^3",
    "%",
    "day day",
    "kg/day/day",
];

/// Pick a balanced group `open..=close` (token indices), if the text has one.
fn random_group<R: Rng>(rng: &mut R, toks: &[Token]) -> Option<(usize, usize)> {
    let opens: Vec<usize> = (0..toks.len())
        .filter(|&i| toks[i].kind == Kind::Open)
        .collect();
    let &open = opens.choose(rng)?;
    let mut depth = 0usize;
    for (j, t) in toks.iter().enumerate().skip(open) {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => {
                depth -= 1;
                if depth == 0 {
                    return Some((open, j));
                }
            }
            _ => {}
        }
    }
    None
}

fn token_of<R: Rng>(rng: &mut R, toks: &[Token], kind: Kind) -> Option<usize> {
    let idx: Vec<usize> = (0..toks.len()).filter(|&i| toks[i].kind == kind).collect();
    idx.choose(rng).copied()
}

fn replace(src: &[u8], start: usize, end: usize, with: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(src.len() + with.len());
    v.extend_from_slice(&src[..start]);
    v.extend_from_slice(with);
    v.extend_from_slice(&src[end..]);
    v
}

/// A string literal's new content: another literal of the corpus, a quantity with a hostile
/// number or a wrong unit, or an odd name.
fn new_string<R: Rng>(rng: &mut R, corpus: &[Vec<u8>]) -> Vec<u8> {
    match rng.random_range(0..9) {
        0 | 1 => {
            // A literal from any corpus file (names of other items, other units).
            let file = &corpus[rng.random_range(0..corpus.len())];
            let toks = tokenize(file);
            match token_of(rng, &toks, Kind::Str) {
                Some(i) => file[toks[i].start..toks[i].end].to_vec(),
                None => b"\"x\"".to_vec(),
            }
        }
        2..=4 => format!(
            "\"{} {}\"",
            NUMBERS.choose(rng).unwrap_or(&"1"),
            UNITS.choose(rng).unwrap_or(&"Pa")
        )
        .into_bytes(),
        5 => {
            let n = [0usize, 1, 64, 255, 256, 4096, 8000][rng.random_range(0..7)];
            let c = ['a', 'x', '_', 'é', '.', ' '][rng.random_range(0..6)];
            format!("\"{}\"", c.to_string().repeat(n)).into_bytes()
        }
        6 => b"\"\\u{0}\\n\\\"\"".to_vec(),
        7 => format!("\"{}\"", NUMBERS.choose(rng).unwrap_or(&"0")).into_bytes(),
        _ => b"\"\"".to_vec(),
    }
}

/// One mutation of `src`.
fn mutate_once<R: Rng>(rng: &mut R, src: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let toks = tokenize(src);
    if toks.is_empty() {
        return corpus[rng.random_range(0..corpus.len())].clone();
    }
    match rng.random_range(0..24) {
        // Physical values scaled within their unit: these mostly pass validation and push
        // the integrator to extremes (near-vacuum, huge holes, tiny volumes, long runs).
        16..=21 => match token_of(rng, &toks, Kind::Str) {
            // An unterminated string at the end of the text is a lone quote: no content.
            Some(i) if toks[i].end - toks[i].start >= 2 => {
                let s =
                    String::from_utf8_lossy(&src[toks[i].start + 1..toks[i].end - 1]).into_owned();
                let mut parts = s.splitn(2, ' ');
                let (num, unit) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                match num.parse::<f64>() {
                    Ok(x) => {
                        let f = 10f64.powf(rng.random_range(-4.0..4.0));
                        let y = if rng.random_ratio(1, 8) {
                            -x * f
                        } else {
                            x * f
                        };
                        let with = format!("\"{y:e} {unit}\"");
                        replace(src, toks[i].start, toks[i].end, with.trim_end().as_bytes())
                    }
                    Err(_) => src.to_vec(),
                }
            }
            _ => src.to_vec(),
        },
        // Values: the bulk, since they reach the validator and the integrator.
        0..=3 => match token_of(rng, &toks, Kind::Str) {
            Some(i) => replace(src, toks[i].start, toks[i].end, &new_string(rng, corpus)),
            None => src.to_vec(),
        },
        4..=5 => match token_of(rng, &toks, Kind::Number) {
            Some(i) => {
                let n = NUMBERS.choose(rng).unwrap_or(&"0");
                replace(src, toks[i].start, toks[i].end, n.as_bytes())
            }
            None => src.to_vec(),
        },
        6 => {
            // Swap an identifier (a field name, an enum variant) for another of the corpus.
            let file = &corpus[rng.random_range(0..corpus.len())];
            let other = tokenize(file);
            match (
                token_of(rng, &toks, Kind::Ident),
                token_of(rng, &other, Kind::Ident),
            ) {
                (Some(i), Some(j)) => replace(
                    src,
                    toks[i].start,
                    toks[i].end,
                    &file[other[j].start..other[j].end],
                ),
                _ => src.to_vec(),
            }
        }
        7 => match random_group(rng, &toks) {
            // Delete a group (a compartment, a link, an element).
            Some((a, b)) => replace(src, toks[a].start, toks[b].end, b""),
            None => src.to_vec(),
        },
        8 => match random_group(rng, &toks) {
            // Duplicate a group in place (duplicate names, repeated items), n times.
            Some((a, b)) => {
                let g = &src[toks[a].start..toks[b].end];
                let n = [1usize, 2, 50, 1000][rng.random_range(0..4)];
                let mut with = Vec::with_capacity((g.len() + 2) * (n + 1));
                for _ in 0..=n {
                    with.extend_from_slice(g);
                    with.extend_from_slice(b", ");
                }
                with.truncate(with.len() - 2);
                replace(src, toks[a].start, toks[b].end, &with)
            }
            None => src.to_vec(),
        },
        9 => {
            // Splice a group of another scenario over a group of this one.
            let file = &corpus[rng.random_range(0..corpus.len())];
            let other = tokenize(file);
            match (random_group(rng, &toks), random_group(rng, &other)) {
                (Some((a, b)), Some((c, d))) => replace(
                    src,
                    toks[a].start,
                    toks[b].end,
                    &file[other[c].start..other[d].end],
                ),
                _ => src.to_vec(),
            }
        }
        10 => {
            // Delete a run of tokens.
            let i = rng.random_range(0..toks.len());
            let j = (i + rng.random_range(1..8)).min(toks.len() - 1);
            replace(src, toks[i].start, toks[j].end, b"")
        }
        11 => {
            // Deep nesting around a value.
            let i = rng.random_range(0..toks.len());
            let depth = [2usize, 64, 200, 5000][rng.random_range(0..4)];
            let (o, c) = if rng.random_bool(0.5) {
                (b'(', b')')
            } else {
                (b'[', b']')
            };
            let mut with = vec![o; depth];
            with.extend_from_slice(&src[toks[i].start..toks[i].end]);
            with.extend(std::iter::repeat_n(c, depth));
            replace(src, toks[i].start, toks[i].end, &with)
        }
        12 => {
            // Truncate.
            let cut = rng.random_range(0..=src.len());
            src[..cut].to_vec()
        }
        13 => {
            // Insert punctuation.
            let at = toks[rng.random_range(0..toks.len())].start;
            let p = [
                ",", ")", "(", "]", "[", ":", "\"", "//", "/*", "r#\"", "#", "\u{0}",
            ][rng.random_range(0..12)];
            replace(src, at, at, p.as_bytes())
        }
        14 => {
            // Flip bytes (invalid UTF-8 included).
            let mut v = src.to_vec();
            for _ in 0..rng.random_range(1..4) {
                let i = rng.random_range(0..v.len());
                v[i] = rng.random();
            }
            v
        }
        15 => {
            // Change a duration or interval to an extreme one by editing the number of a
            // quantity string in place.
            match token_of(rng, &toks, Kind::Str) {
                Some(i) => {
                    let s = &src[toks[i].start..toks[i].end];
                    let unit = String::from_utf8_lossy(s)
                        .trim_matches('"')
                        .split_whitespace()
                        .nth(1)
                        .unwrap_or("s")
                        .to_string();
                    let n = ["1e-12", "1e12", "0.001", "1e6", "3650"][rng.random_range(0..5)];
                    replace(
                        src,
                        toks[i].start,
                        toks[i].end,
                        format!("\"{n} {unit}\"").as_bytes(),
                    )
                }
                None => src.to_vec(),
            }
        }
        _ => match token_of(rng, &toks, Kind::Number) {
            // A bare number (a Cd, an exponent, a count) scaled.
            Some(i) => {
                match String::from_utf8_lossy(&src[toks[i].start..toks[i].end]).parse::<f64>() {
                    Ok(x) => {
                        let y = x * 10f64.powf(rng.random_range(-3.0..3.0));
                        replace(src, toks[i].start, toks[i].end, format!("{y:e}").as_bytes())
                    }
                    Err(_) => src.to_vec(),
                }
            }
            None => src.to_vec(),
        },
    }
}

/// A fuzz input: a corpus file with 1 to 4 mutations, or (rarely) arbitrary bytes.
/// `valid` lists the corpus files that load.
pub fn generate<R: Rng>(rng: &mut R, corpus: &[Vec<u8>], valid: &[usize]) -> Vec<u8> {
    if corpus.is_empty() || rng.random_ratio(1, 50) {
        let n = rng.random_range(0..512);
        return (0..n).map(|_| rng.random()).collect();
    }
    // Three cases in four start from a file that loads, so most mutants reach a run.
    let mut v = match valid.choose(rng) {
        Some(&i) if rng.random_ratio(3, 4) => corpus[i].clone(),
        _ => corpus[rng.random_range(0..corpus.len())].clone(),
    };
    let k = [1, 1, 1, 1, 2, 2, 3, 4][rng.random_range(0..8)];
    for _ in 0..k {
        v = mutate_once(rng, &v, corpus);
        // Keep inputs bounded: a mutant never grows past 2 MB.
        v.truncate(2 << 20);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_cover_the_text_exactly() {
        let src = br#"Scenario(name: "a b", x: -1.5e-3, y: [1, 2], // c
        z: Some(Orifice(area: "1 mm2")))"#;
        let toks = tokenize(src);
        let mut at = 0;
        for t in &toks {
            assert_eq!(t.start, at);
            at = t.end;
        }
        assert_eq!(at, src.len());
        let strs: Vec<&[u8]> = toks
            .iter()
            .filter(|t| t.kind == Kind::Str)
            .map(|t| &src[t.start..t.end])
            .collect();
        assert_eq!(strs, vec![&b"\"a b\""[..], &b"\"1 mm2\""[..]]);
        assert!(toks
            .iter()
            .any(|t| t.kind == Kind::Number && &src[t.start..t.end] == b"-1.5e-3"));
    }

    #[test]
    fn mutants_of_degenerate_texts_never_panic() {
        use rand::SeedableRng;
        // A lone quote at the end (an unterminated string of length 1), empty groups, bare
        // punctuation: the corners a 1M-case campaign found in the mutator itself.
        let corpus: Vec<Vec<u8>> = vec![
            b"Scenario(\"".to_vec(),
            b"\"".to_vec(),
            b"()[]".to_vec(),
            b"x: \"1 m3\", y: -2e".to_vec(),
        ];
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(3);
        for _ in 0..20_000 {
            let _ = generate(&mut rng, &corpus, &[0, 3]);
        }
    }
}
