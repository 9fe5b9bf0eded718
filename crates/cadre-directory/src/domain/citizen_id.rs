//! The 18-character PRC resident identity number (公民身份号码, GB 11643-1999).
//!
//! Layout: a 6-digit address code, an 8-digit birth date `YYYYMMDD`, a 3-digit sequence
//! whose parity gives the gender, and a check character computed with ISO 7064 MOD 11-2.

use std::fmt;

use chrono::{Datelike, NaiveDate};

/// The gender encoded in the sequence part of a citizen id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    /// Odd 17th digit.
    Male,
    /// Even 17th digit.
    Female,
}

/// A validated citizen id: always 18 ASCII characters, the check character an uppercase `X` when it
/// is ten.
///
/// There is deliberately no `Display`: the full number is personal data, and callers that log or
/// show it should reach for [`CitizenId::masked`] unless they mean to expose it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CitizenId(String);

/// Why a string is not a valid citizen id. Variants are listed in the order the checks run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CitizenIdError {
    /// Not 18 characters after trimming (or a component given to [`CitizenId::compose`] would not fit).
    Length,
    /// The first 17 characters are not all ASCII digits, or the last is neither a digit nor `X`.
    NotDigits,
    /// Characters 7..=14 are not a real calendar date in or after 1900.
    BadBirthDate,
    /// The check character does not match the first 17 digits.
    CheckDigit {
        /// The check character the first 17 digits call for.
        expected: char,
        /// The check character the input carried (uppercased).
        found: char,
    },
}

impl CitizenIdError {
    /// A stable machine-readable reason code, used in error details sent to clients.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Length => "CITIZEN_ID_LENGTH",
            Self::NotDigits => "CITIZEN_ID_NOT_DIGITS",
            Self::BadBirthDate => "CITIZEN_ID_BIRTH_DATE",
            Self::CheckDigit { .. } => "CITIZEN_ID_CHECK_DIGIT",
        }
    }
}

impl fmt::Display for CitizenIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length => f.write_str("citizen id must be 18 characters"),
            Self::NotDigits => f.write_str("citizen id must be 17 digits followed by a digit or X"),
            Self::BadBirthDate => f.write_str("citizen id does not contain a valid birth date"),
            Self::CheckDigit { expected, found } => {
                write!(f, "citizen id check character is {found}, expected {expected}")
            }
        }
    }
}

impl std::error::Error for CitizenIdError {}

/// ISO 7064 MOD 11-2 weights for positions 1..=17, i.e. 2^(18 - i) mod 11.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// The check character indexed by the weighted sum mod 11.
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The earliest birth year accepted: nobody alive and in service was born earlier, and a year before
/// 1900 in an id is far more likely a typing error than a record.
const MIN_BIRTH_YEAR: i32 = 1900;

/// The check character for the first 17 digits of an id, or `None` unless `first17` is exactly 17 ASCII
/// digits.
pub fn check_char(first17: &str) -> Option<char> {
    if first17.len() != WEIGHTS.len() {
        return None;
    }
    let mut sum = 0u32;
    for (byte, weight) in first17.bytes().zip(WEIGHTS) {
        if !byte.is_ascii_digit() {
            return None;
        }
        sum += u32::from(byte - b'0') * weight;
    }
    // `sum % 11` is below 11 = CHECK_CHARS.len(), so the lookup always succeeds.
    CHECK_CHARS.get((sum % 11) as usize).copied()
}

/// Parses `YYYYMMDD` (already known to be ASCII digits) into a date no earlier than [`MIN_BIRTH_YEAR`].
fn parse_birth(digits: &str) -> Option<NaiveDate> {
    let year: i32 = digits.get(0..4)?.parse().ok()?;
    let month: u32 = digits.get(4..6)?.parse().ok()?;
    let day: u32 = digits.get(6..8)?.parse().ok()?;
    if year < MIN_BIRTH_YEAR {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day)
}

impl CitizenId {
    /// Parses and validates an id. Surrounding whitespace is ignored and a lowercase `x` check
    /// character is accepted and stored uppercase, because both are common in hand-typed and
    /// spreadsheet-imported records.
    pub fn parse(s: &str) -> Result<Self, CitizenIdError> {
        let s = s.trim();
        if s.chars().count() != 18 {
            return Err(CitizenIdError::Length);
        }
        let mut normalized = String::with_capacity(18);
        for (index, c) in s.chars().enumerate() {
            match c {
                '0'..='9' => normalized.push(c),
                'x' | 'X' if index == 17 => normalized.push('X'),
                _ => return Err(CitizenIdError::NotDigits),
            }
        }
        // From here on the string is 18 ASCII bytes, so byte ranges are character ranges.
        let birth_digits = normalized.get(6..14).ok_or(CitizenIdError::Length)?;
        if parse_birth(birth_digits).is_none() {
            return Err(CitizenIdError::BadBirthDate);
        }
        let first17 = normalized.get(..17).ok_or(CitizenIdError::Length)?;
        let expected = check_char(first17).ok_or(CitizenIdError::NotDigits)?;
        let found = normalized.chars().last().ok_or(CitizenIdError::Length)?;
        if expected != found {
            return Err(CitizenIdError::CheckDigit { expected, found });
        }
        Ok(Self(normalized))
    }

    /// Builds a valid id from a 6-digit region code, a birth date and a sequence number below 1000
    /// (odd for a man, even for a woman); used by the demo generator and tests.
    ///
    /// A region that is not six characters or a sequence above 999 is [`CitizenIdError::Length`]
    /// (the id would not be 18 characters), a non-digit region is [`CitizenIdError::NotDigits`], and
    /// a birth year outside 1900..=9999 is [`CitizenIdError::BadBirthDate`].
    pub fn compose(region: &str, birth: NaiveDate, sequence: u16) -> Result<Self, CitizenIdError> {
        if region.chars().count() != 6 || sequence > 999 {
            return Err(CitizenIdError::Length);
        }
        if !region.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CitizenIdError::NotDigits);
        }
        if !(MIN_BIRTH_YEAR..=9999).contains(&birth.year()) {
            return Err(CitizenIdError::BadBirthDate);
        }
        let first17 = format!("{region}{}{sequence:03}", birth.format("%Y%m%d"));
        let check = check_char(&first17).ok_or(CitizenIdError::NotDigits)?;
        Self::parse(&format!("{first17}{check}"))
    }

    /// The full 18-character id.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The birth date encoded in characters 7..=14.
    pub fn birth_date(&self) -> NaiveDate {
        self.0
            .get(6..14)
            .and_then(parse_birth)
            .expect("the only constructor, parse, rejects ids without a valid birth date")
    }

    /// The gender encoded by the parity of the 17th digit.
    pub fn gender(&self) -> Gender {
        match self.0.as_bytes().get(16) {
            // ASCII '0' is even, so the byte's parity is the digit's parity.
            Some(digit) if digit % 2 == 1 => Gender::Male,
            _ => Gender::Female,
        }
    }

    /// The id with birth date and sequence hidden (first 6, eight `*`, last 4), for display and logs.
    pub fn masked(&self) -> String {
        // `parse` guarantees 18 ASCII bytes, so both ranges are in bounds.
        let head = self.0.get(..6).unwrap_or_default();
        let tail = self.0.get(14..).unwrap_or_default();
        format!("{head}********{tail}")
    }

    /// The 6-digit administrative region code of the place the id was issued.
    pub fn region_code(&self) -> &str {
        self.0.get(..6).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test dates are valid")
    }

    // Hand-computed vectors (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, "10X98765432"):
    //
    // 11010519491231002X: 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167, 167 mod 11 = 2 -> 'X'.
    // 510199198001010010: 35+9+0+5+72+36+2+9+48+0+0+9+0+5+0+0+2 = 232, 232 mod 11 = 1 -> '0'.
    // 110101199003070038: 7+9+0+5+0+4+2+9+54+0+0+27+0+35+0+0+6 = 158, 158 mod 11 = 4 -> '8'.
    // 510199200002291256: 35+9+0+5+72+36+4+0+0+0+0+18+20+45+8+8+10 = 270, 270 mod 11 = 6 -> '6'.
    // 440524188001010014: 28+36+0+25+16+16+2+8+48+0+0+9+0+5+0+0+2 = 195, 195 mod 11 = 8 -> '4';
    //   the check character is right but the 1880 birth year is before 1900, so it is rejected.

    #[test]
    fn accepts_hand_computed_ids() {
        let cases = [
            ("11010519491231002X", date(1949, 12, 31), Gender::Female),
            ("510199198001010010", date(1980, 1, 1), Gender::Male),
            ("110101199003070038", date(1990, 3, 7), Gender::Male),
            ("510199200002291256", date(2000, 2, 29), Gender::Male),
        ];
        for (raw, birth, gender) in cases {
            let id = CitizenId::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(id.as_str(), raw);
            assert_eq!(id.birth_date(), birth, "{raw}");
            assert_eq!(id.gender(), gender, "{raw}");
        }
    }

    #[test]
    fn check_char_matches_hand_computation() {
        assert_eq!(check_char("11010519491231002"), Some('X'));
        assert_eq!(check_char("51019919800101001"), Some('0'));
        assert_eq!(check_char("11010119900307003"), Some('8'));
        assert_eq!(check_char("51019920000229125"), Some('6'));
        assert_eq!(check_char("44052418800101001"), Some('4'));
    }

    #[test]
    fn check_char_rejects_malformed_input() {
        assert_eq!(check_char("1101051949123100"), None);
        assert_eq!(check_char("110105194912310021"), None);
        assert_eq!(check_char("1101051949123100A"), None);
        assert_eq!(check_char("１1010519491231002"), None);
        assert_eq!(check_char(""), None);
    }

    #[test]
    fn lowercase_x_and_whitespace_are_normalized() {
        let id = CitizenId::parse("  11010519491231002x\t").expect("valid id with lowercase x");
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn wrong_check_digit_names_expected_and_found() {
        let err = CitizenId::parse("110105194912310021").expect_err("wrong check digit");
        assert_eq!(err, CitizenIdError::CheckDigit { expected: 'X', found: '1' });
        assert_eq!(err.reason(), "CITIZEN_ID_CHECK_DIGIT");
        assert_eq!(err.to_string(), "citizen id check character is 1, expected X");
    }

    #[test]
    fn birth_before_1900_is_rejected_even_with_a_correct_check_char() {
        assert_eq!(CitizenId::parse("440524188001010014"), Err(CitizenIdError::BadBirthDate));
    }

    #[test]
    fn impossible_dates_are_rejected() {
        // 17 digits chosen so that only the date is wrong; append the correct check char.
        for first17 in ["51019919900230001", "51019919901301001", "51019919900100001", "51019919000229001"] {
            let check = check_char(first17).expect("17 digits");
            let err = CitizenId::parse(&format!("{first17}{check}")).expect_err(first17);
            assert_eq!(err, CitizenIdError::BadBirthDate, "{first17}");
            assert_eq!(err.reason(), "CITIZEN_ID_BIRTH_DATE");
        }
    }

    #[test]
    fn wrong_length_is_rejected() {
        for raw in ["", "11010519491231002", "11010519491231002XX", "   "] {
            let err = CitizenId::parse(raw).expect_err(raw);
            assert_eq!(err, CitizenIdError::Length, "{raw:?}");
            assert_eq!(err.reason(), "CITIZEN_ID_LENGTH");
        }
    }

    #[test]
    fn letters_and_non_ascii_digits_are_rejected() {
        for raw in [
            "1101051949123100AX",
            "X10105194912310021",
            "11010519491231002Y",
            "11010519491231002Ｘ",
            "１10105194912310021",
            "110105-94912310021",
        ] {
            let err = CitizenId::parse(raw).expect_err(raw);
            assert_eq!(err, CitizenIdError::NotDigits, "{raw}");
            assert_eq!(err.reason(), "CITIZEN_ID_NOT_DIGITS");
        }
    }

    #[test]
    fn masked_and_region_code() {
        // 7+9+0+5+0+20+2+9+24+27+7+18+0+20+0+0+2 = 150, 150 mod 11 = 7 -> '5'.
        let id = CitizenId::parse("110105194912040015").expect("valid id");
        assert_eq!(id.masked(), "110105********0015");
        assert_eq!(id.region_code(), "110105");
        assert_eq!(id.gender(), Gender::Male);
    }

    #[test]
    fn compose_builds_the_hand_computed_ids() {
        let id = CitizenId::compose("110105", date(1949, 12, 31), 2).expect("valid parts");
        assert_eq!(id.as_str(), "11010519491231002X");
        let id = CitizenId::compose("510199", date(2000, 2, 29), 125).expect("valid parts");
        assert_eq!(id.as_str(), "510199200002291256");
    }

    #[test]
    fn compose_rejects_bad_parts() {
        let birth = date(1980, 1, 1);
        assert_eq!(CitizenId::compose("51019", birth, 1), Err(CitizenIdError::Length));
        assert_eq!(CitizenId::compose("5101990", birth, 1), Err(CitizenIdError::Length));
        assert_eq!(CitizenId::compose("510199", birth, 1000), Err(CitizenIdError::Length));
        assert_eq!(CitizenId::compose("51019a", birth, 1), Err(CitizenIdError::NotDigits));
        assert_eq!(CitizenId::compose("51019９", birth, 1), Err(CitizenIdError::NotDigits));
        assert_eq!(CitizenId::compose("510199", date(1899, 12, 31), 1), Err(CitizenIdError::BadBirthDate));
        assert_eq!(CitizenId::compose("510199", date(10000, 1, 1), 1), Err(CitizenIdError::BadBirthDate));
    }

    #[test]
    fn compose_round_trips_through_parse() {
        // A spread of births over 1900..2040 (including leap days) and every sequence parity.
        let mut birth = date(1900, 1, 1);
        let end = date(2040, 12, 31);
        let mut sequence: u16 = 0;
        let mut checked = 0;
        while birth <= end {
            let id = CitizenId::compose("510199", birth, sequence).expect("valid parts");
            let parsed = CitizenId::parse(id.as_str()).expect("composed ids parse");
            assert_eq!(parsed, id);
            assert_eq!(parsed.birth_date(), birth);
            let gender = if sequence % 2 == 1 { Gender::Male } else { Gender::Female };
            assert_eq!(parsed.gender(), gender, "{}", id.as_str());
            assert_eq!(parsed.region_code(), "510199");
            sequence = (sequence + 37) % 1000;
            birth = birth + chrono::Days::new(11);
            checked += 1;
        }
        assert!(checked > 4_000);
        for leap_day in [date(1904, 2, 29), date(2000, 2, 29), date(2024, 2, 29)] {
            let id = CitizenId::compose("510199", leap_day, 999).expect("valid parts");
            assert_eq!(CitizenId::parse(id.as_str()).map(|p| p.birth_date()), Ok(leap_day));
        }
    }

    #[test]
    fn every_check_character_is_reachable_and_validated() {
        // Sequences 0..=120 shift the weighted sum through every residue mod 11, so each entry of the
        // table, including 'X', is produced and then verified by parse.
        let mut seen = std::collections::BTreeSet::new();
        for sequence in 0..=120 {
            let id = CitizenId::compose("510199", date(1985, 6, 15), sequence).expect("valid parts");
            seen.insert(id.as_str().chars().last().expect("18 chars"));
        }
        assert_eq!(seen.len(), 11);
    }
}
