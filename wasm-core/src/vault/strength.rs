//! A rough guess of how hard an account password is to guess, for the sign-up form's meter
//! and the CLI's warning. It only advises: the one rule the server and clients enforce is the
//! 10-character minimum (Argon2id at 64 MiB makes each guess expensive, but a password that
//! is a common one, a keyboard walk or one character repeated falls to a short list first).
//!
//! The estimate is the bits a brute force over the characters used would need, cut down for
//! what a guesser tries first: repeated characters, runs like `1234`/`abcd`/`qwerty`, and a
//! short list of the most common passwords.

/// How strong a password looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strength {
    /// Guessed from a short list (common, a run, one character repeated).
    VeryWeak,
    /// Few characters of one kind.
    Weak,
    /// Acceptable for an account behind Argon2id, better longer.
    Fair,
    /// Long, or varied.
    Strong,
    /// A passphrase of several words, or long and varied.
    VeryStrong,
}

impl Strength {
    /// 0 (very weak) to 4 (very strong): a meter's value.
    pub fn score(self) -> u8 {
        self as u8
    }

    /// The word people see.
    pub fn word(self) -> &'static str {
        match self {
            Self::VeryWeak => "Very weak",
            Self::Weak => "Weak",
            Self::Fair => "Fair",
            Self::Strong => "Strong",
            Self::VeryStrong => "Very strong",
        }
    }

    /// What to do about it.
    pub fn advice(self) -> &'static str {
        match self {
            Self::VeryWeak => {
                "this is among the first passwords a guesser tries: use four or more unrelated words"
            }
            Self::Weak => "add length: four or more unrelated words are easy to remember",
            Self::Fair => "longer is better: another word or two makes it much harder to guess",
            Self::Strong | Self::VeryStrong => "a good password: keep it in your password manager",
        }
    }
}

/// Passwords seen most often in leaks (10 characters or more: shorter ones are refused).
const COMMON: &[&str] = &[
    "1234567890",
    "0123456789",
    "123456789a",
    "qwertyuiop",
    "1q2w3e4r5t",
    "password12",
    "password123",
    "password1234",
    "iloveyou12",
    "qwerty1234",
    "qwerty123456",
    "1qaz2wsx3edc",
    "abcdefghij",
    "letmein123",
    "welcome123",
    "administrator",
    "passw0rd123",
    "changeme123",
    "football123",
    "baseball123",
];

/// Keyboard rows and the alphabet: runs along them are guessed early.
const RUNS: &[&str] = &[
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
];

/// How many characters of `p` (lowercased) belong to a run of 3 or more along [`RUNS`],
/// forwards or backwards.
fn run_chars(p: &[char]) -> usize {
    let follows = |a: char, b: char| {
        RUNS.iter().any(|row| {
            let row: Vec<char> = row.chars().collect();
            row.windows(2)
                .any(|w| (w[0] == a && w[1] == b) || (w[1] == a && w[0] == b))
        })
    };
    let mut counted = 0;
    let mut i = 0;
    while i < p.len() {
        let mut j = i;
        while j + 1 < p.len() && follows(p[j], p[j + 1]) {
            j += 1;
        }
        if j - i + 1 >= 3 {
            counted += j - i + 1;
        }
        i = j + 1;
    }
    counted
}

/// The estimate for `password`.
pub fn estimate(password: &str) -> Strength {
    let lower: Vec<char> = password.to_lowercase().chars().collect();
    if lower.is_empty() || COMMON.contains(&password.to_lowercase().as_str()) {
        return Strength::VeryWeak;
    }
    let mut distinct = lower.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() <= 2 {
        return Strength::VeryWeak;
    }
    let has = |f: fn(&char) -> bool| password.chars().any(|c| f(&c));
    let mut alphabet = 0.0_f64;
    if has(char::is_ascii_lowercase) {
        alphabet += 26.0;
    }
    if has(char::is_ascii_uppercase) {
        alphabet += 26.0;
    }
    if has(char::is_ascii_digit) {
        alphabet += 10.0;
    }
    if has(|c| !c.is_ascii_alphanumeric()) {
        alphabet += 33.0;
    }
    // Characters a guesser gets cheaply: those of runs, and repeats beyond the distinct set.
    let runs = run_chars(&lower);
    let effective = (lower.len().saturating_sub(runs) as f64).min(distinct.len() as f64 * 1.5)
        + runs as f64 * 0.25;
    let bits = effective * alphabet.max(10.0).log2();
    match bits {
        b if b < 30.0 => Strength::VeryWeak,
        b if b < 45.0 => Strength::Weak,
        b if b < 60.0 => Strength::Fair,
        b if b < 80.0 => Strength::Strong,
        _ => Strength::VeryStrong,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_repeated_and_runs_are_very_weak() {
        for p in [
            "password123",
            "Password123",
            "aaaaaaaaaaaa",
            "abababababab",
            "1234567890",
            "qwertyuiop",
            "abcdefghijkl",
        ] {
            assert_eq!(estimate(p), Strength::VeryWeak, "{p}");
        }
    }

    #[test]
    fn length_and_variety_raise_it() {
        assert!(estimate("sunflowers") <= Strength::Weak);
        assert!(estimate("Sunfl0wer!s") >= Strength::Fair);
        assert!(estimate("correct horse battery staple") >= Strength::VeryStrong);
        assert!(estimate("tR9#kq2!Lm7@") >= Strength::Strong);
        assert!(estimate("sunflowers") < estimate("sunflowers meadow"));
    }

    #[test]
    fn words_and_advice_say_what_to_do() {
        assert_eq!(Strength::VeryWeak.score(), 0);
        assert_eq!(Strength::VeryStrong.score(), 4);
        assert!(Strength::Weak.advice().contains("words"));
        assert_eq!(Strength::Fair.word(), "Fair");
    }
}
