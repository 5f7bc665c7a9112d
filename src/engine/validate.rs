//! Checksum validators applied to regex matches.
//!
//! A rule's regex finds candidates ("18 digits", "13–19 digits", …); the
//! validator named in the rule's `validator = "..."` field then decides whether
//! a candidate is a real instance: a resident ID with a correct check
//! character and a real birth date, a card number that passes Luhn, and so on.
//! This is what keeps order numbers and timestamps from being reported as
//! personal data.
//!
//! Every validator ignores separators (ASCII whitespace, `-`, `.`, and for
//! robustness their full-width / Unicode dash forms), folds full-width ASCII
//! forms (`０`–`９`, `Ａ`–`Ｚ`, `＋`) to ASCII, and never allocates: at most
//! 24 significant characters are copied to a stack buffer (longer matches are
//! rejected), so each check costs O(length of the match) with a small constant.

/// Which validator a rule names in its `validator = "..."` field.
///
/// Deserialises from / serialises to the snake_case names returned by
/// [`Validator::as_str`]. Copy-sized; dispatch through [`Validator::check`]
/// is a single `match`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Validator {
    /// Mainland resident identity card number (GB 11643-1999), see [`cn_resident_id`].
    CnResidentId,
    /// Payment card number with a Luhn mod-10 check digit, see [`luhn`].
    Luhn,
    /// Mainland mobile phone number, see [`cn_mobile`].
    CnMobile,
    /// Unified social credit code (GB 32100-2015), see [`uscc`].
    Uscc,
}

impl Validator {
    /// The name used in rule files (`"cn_resident_id"`, `"luhn"`,
    /// `"cn_mobile"`, `"uscc"`). Free: returns a static string.
    pub fn as_str(self) -> &'static str {
        match self {
            Validator::CnResidentId => "cn_resident_id",
            Validator::Luhn => "luhn",
            Validator::CnMobile => "cn_mobile",
            Validator::Uscc => "uscc",
        }
    }

    /// Checks a matched string; separators (spaces, '-', '.' and full-width
    /// forms are already folded to ASCII by the caller) may be present and
    /// must be ignored. Returns true when the match is a real instance.
    ///
    /// Costs one pass over `matched` plus the chosen validator's arithmetic;
    /// no allocation. [`Validator::CnResidentId`] additionally reads the
    /// system clock once when every other check has passed.
    pub fn check(self, matched: &str) -> bool {
        match self {
            Validator::CnResidentId => cn_resident_id(matched),
            Validator::Luhn => luhn(matched),
            Validator::CnMobile => cn_mobile(matched),
            Validator::Uscc => uscc(matched),
        }
    }
}

/// Longest run of significant (non-separator) characters any validator
/// accepts; longer matches are rejected without further work.
const MAX_SIGNIFICANT: usize = 24;

/// Copies the significant characters of `s` into `buf`: ASCII letters,
/// digits and `+` are kept, full-width forms folded, and everything else
/// that is not a letter or digit (spaces, dashes, dots, `*`, `·`, zero-width
/// characters: separators and evaders' noise) is skipped. Returns `None`
/// when a non-ASCII letter or digit remains or there are more than
/// [`MAX_SIGNIFICANT`] of them. A masked number (`139****5678`) keeps too
/// few digits to pass any validator.
fn significant<'b>(s: &str, buf: &'b mut [u8; MAX_SIGNIFICANT]) -> Option<&'b [u8]> {
    let mut len = 0;
    for c in s.chars() {
        let c = fold_width(c);
        if c.is_ascii_alphanumeric() || c == '+' {
            // significant
        } else if c.is_alphanumeric() {
            // A Han character or another script's letter or digit: not a number.
            return None;
        } else {
            // Separators and noise evaders put between digits: spaces,
            // dashes, dots, `*`, `·`, zero-width characters.
            continue;
        }
        *buf.get_mut(len)? = c as u8;
        len += 1;
    }
    Some(&buf[..len])
}

/// Maps full-width ASCII forms (U+FF01–U+FF5E) to ASCII; other characters unchanged.
fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Value of an ASCII decimal digit (caller has checked `is_ascii_digit`).
fn digit(b: u8) -> u32 {
    u32::from(b.wrapping_sub(b'0'))
}

/// Decimal value of a run of ASCII digits (caller has checked them).
fn number(digits: &[u8]) -> u32 {
    digits.iter().fold(0, |n, &b| n * 10 + digit(b))
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// Checks a mainland resident identity number (GB 11643-1999).
///
/// Accepts exactly 18 significant characters: 17 digits and a check
/// character (digit, `x` or `X`) equal to `"10X98765432"[Σ dᵢ·wᵢ mod 11]`
/// with weights 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2. The first two digits must
/// be a province-level code (11–15, 21–23, 31–37, 41–46, 50–54, 61–65, 71,
/// 81, 82, 83) and digits 7–14 a real calendar date (Gregorian leap years)
/// from 1900-01-01 up to today in China Standard Time (UTC+8). If the system
/// clock reads before 1970 the upper bound is not applied. The old 15-digit
/// format is rejected.
///
/// Cost: one pass over `s`, ~17 multiply-adds, and one `SystemTime::now()`
/// call, made only when every other check has passed.
pub fn cn_resident_id(s: &str) -> bool {
    let mut buf = [0; MAX_SIGNIFICANT];
    let Some(b) = significant(s, &mut buf) else {
        return false;
    };
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    if !is_province(number(&b[..2])) {
        return false;
    }
    let sum: u32 = b[..17]
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(&c, w)| digit(c) * w)
        .sum();
    if b[17].to_ascii_uppercase() != ID_CHECK[(sum % 11) as usize] {
        return false;
    }
    let (year, month, day) = (number(&b[6..10]), number(&b[10..12]), number(&b[12..14]));
    if !is_calendar_date(year, month, day) {
        return false;
    }
    let ymd = year * 10_000 + month * 100 + day;
    (19_000_101..=today_yyyymmdd()).contains(&ymd)
}

/// Province-level administrative division codes valid as the first two
/// digits of a resident ID (81–83 are the Hong Kong, Macao and Taiwan
/// residence-permit codes).
fn is_province(code: u32) -> bool {
    matches!(
        code,
        11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81..=83
    )
}

/// True when `year-month-day` exists in the proleptic Gregorian calendar.
fn is_calendar_date(year: u32, month: u32, day: u32) -> bool {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days_in_month).contains(&day)
}

/// Today's date in China Standard Time as `YYYYMMDD`, or `u32::MAX` when the
/// system clock reads before the Unix epoch.
fn today_yyyymmdd() -> u32 {
    const CST_OFFSET_SECS: u64 = 8 * 3600;
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(since_epoch) => {
            let days = (since_epoch.as_secs() + CST_OFFSET_SECS) / 86_400;
            let (y, m, d) = civil_from_days(days);
            y.saturating_mul(10_000).saturating_add(m * 100 + d)
        }
        Err(_) => u32::MAX,
    }
}

/// Converts days since 1970-01-01 to a Gregorian (year, month, day)
/// (Howard Hinnant's `civil_from_days`, restricted to non-negative days).
fn civil_from_days(days: u64) -> (u32, u32, u32) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097; // day of era, 0..=146096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // 0..=399
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // 0..=365, March-based
    let mp = (5 * doy + 2) / 153; // 0..=11, March = 0
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (
        u32::try_from(year).unwrap_or(u32::MAX),
        month as u32,
        day as u32,
    )
}

/// Checks a payment card number with the Luhn mod-10 algorithm.
///
/// Accepts 13 to 19 significant digits whose Luhn sum (every second digit
/// from the right doubled, digits of products added) is divisible by 10.
/// Strings made of a single repeated digit (`0000000000000000` passes Luhn)
/// are rejected as placeholders.
///
/// Cost: one pass over `s` and one over its digits; no allocation.
pub fn luhn(s: &str) -> bool {
    let mut buf = [0; MAX_SIGNIFICANT];
    let Some(b) = significant(s, &mut buf) else {
        return false;
    };
    if !(13..=19).contains(&b.len()) || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    if b.iter().all(|&c| c == b[0]) {
        return false;
    }
    let sum: u32 = b
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &c)| {
            let d = digit(c);
            match (i % 2 == 1, d * 2) {
                (false, _) => d,
                (true, twice) if twice > 9 => twice - 9,
                (true, twice) => twice,
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Checks a mainland China mobile number.
///
/// Accepts an optional country prefix `+86`, `0086` or `86`, then exactly 11
/// digits starting with `1` whose first three digits are an allocated mobile
/// prefix: 13x, 145–149, 150–153, 155–159, 162, 165–167, 170–178, 18x,
/// 190–193, 195–199. There is no checksum, so this only filters out
/// impossible prefixes.
///
/// Cost: one pass over `s`; no allocation.
pub fn cn_mobile(s: &str) -> bool {
    let mut buf = [0; MAX_SIGNIFICANT];
    let Some(b) = significant(s, &mut buf) else {
        return false;
    };
    let number = match b {
        [b'+', b'8', b'6', rest @ ..] => rest,
        [b'0', b'0', b'8', b'6', rest @ ..] | [b'8', b'6', rest @ ..] if rest.len() == 11 => rest,
        _ => b,
    };
    match number {
        [b'1', second, third, ..] if number.len() == 11 => {
            number.iter().all(u8::is_ascii_digit) && is_mobile_prefix(digit(*second), digit(*third))
        }
        _ => false,
    }
}

/// True when `1<second><third>` is an allocated mainland mobile prefix.
fn is_mobile_prefix(second: u32, third: u32) -> bool {
    match second {
        3 | 8 => true,
        4 => (5..=9).contains(&third),
        5 | 9 => third != 4,
        6 => matches!(third, 2 | 5..=7),
        7 => third <= 8,
        _ => false,
    }
}

const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Value (0–30) of a character in the USCC alphabet, case-insensitive.
fn uscc_value(c: u8) -> Option<u32> {
    let upper = c.to_ascii_uppercase();
    USCC_ALPHABET
        .iter()
        .position(|&a| a == upper)
        .and_then(|p| u32::try_from(p).ok())
}

/// Checks a unified social credit code (统一社会信用代码, GB 32100-2015).
///
/// Accepts exactly 18 significant characters from
/// `0123456789ABCDEFGHJKLMNPQRTUWXY` (case-insensitive; I, O, S, V, Z never
/// occur), with characters 3–8 (the administrative region code) digits, and
/// a last character equal to the alphabet entry at `(31 − Σ vᵢ·wᵢ mod 31) mod
/// 31`, weights 1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28. The
/// registration-authority and entity-type characters are not checked.
/// `000000000000000000` passes the checksum and is rejected as a placeholder.
///
/// Cost: one pass over `s` plus ~18 alphabet look-ups; no allocation.
pub fn uscc(s: &str) -> bool {
    let mut buf = [0; MAX_SIGNIFICANT];
    let Some(b) = significant(s, &mut buf) else {
        return false;
    };
    if b.len() != 18 || !b[2..8].iter().all(u8::is_ascii_digit) || b.iter().all(|&c| c == b'0') {
        return false;
    }
    let mut sum = 0;
    for (&c, w) in b[..17].iter().zip(USCC_WEIGHTS) {
        match uscc_value(c) {
            Some(v) => sum += v * w,
            None => return false,
        }
    }
    uscc_value(b[17]) == Some((31 - sum % 31) % 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    // ---- resident ID ----------------------------------------------------

    #[test]
    fn resident_id_valid() {
        // The GB 11643 sample: 110105 19491231 002 X.
        // Σ = 1·7+1·9+0·10+1·5+0·8+5·4+1·2+9·1+4·6+9·3+1·7+2·9+3·10+1·5+0·8+0·4+2·2
        //   = 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2 → 'X'.
        assert!(cn_resident_id("11010519491231002X"));
        assert!(cn_resident_id("11010519491231002x"), "lower-case x");
        assert!(cn_resident_id("110105 19491231 002X"), "spaces ignored");
        assert!(cn_resident_id("110105-19491231-002X"), "dashes ignored");
        // Leap day 1996-02-29, Shenzhen 440308: Σ = 299, 299 mod 11 = 2 → 'X'.
        assert!(cn_resident_id("44030819960229123X"));
        // Leap day 2000-02-29 (divisible by 400), Nanjing 320102: Σ = 141, mod 11 = 9 → '3'.
        assert!(cn_resident_id("320102200002290013"));
        // Lower bound 1900-01-01: Σ = 68, 68 mod 11 = 2 → 'X'.
        assert!(cn_resident_id("11010519000101001X"));
        // Full-width digits are folded.
        assert!(cn_resident_id("１１０１０５１９４９１２３１００２Ｘ"));
    }

    #[test]
    fn resident_id_invalid() {
        assert!(!cn_resident_id("110105194912310021"), "wrong check digit");
        assert!(!cn_resident_id("110105194912310020"), "wrong check digit");
        // 1990-02-30 with a correct check character (Σ = 178 → 'X').
        assert!(!cn_resident_id("31011519900230001X"), "no 30 February");
        // 2099-01-01 with a correct check character (Σ = 212 → '9').
        assert!(!cn_resident_id("440308209901010019"), "future birth date");
        // 1900 is not a leap year (Σ = 139 → '5').
        assert!(!cn_resident_id("110105190002290025"), "1900-02-29");
        // Province 99 with a correct check character (Σ = 295 → '3').
        assert!(!cn_resident_id("990105194912310023"), "bad province");
        assert!(!cn_resident_id("00010519491231002X"), "bad province");
        assert!(!cn_resident_id("11010519491231002"), "17 chars");
        assert!(!cn_resident_id("11010519491231002X1"), "19 chars");
        assert!(!cn_resident_id("110105491231002"), "old 15-digit format");
        assert!(
            !cn_resident_id("1101051949123100XX"),
            "X only as the last char"
        );
        assert!(
            !cn_resident_id("11010519491231002Y"),
            "check must be digit or X"
        );
        assert!(!cn_resident_id("110105194913310024"), "month 13");
        assert!(!cn_resident_id(""), "empty");
        assert!(
            !cn_resident_id("身份证11010519491231002X"),
            "non-ASCII text"
        );
    }

    #[test]
    fn calendar_helpers() {
        assert!(is_calendar_date(2024, 2, 29));
        assert!(!is_calendar_date(2023, 2, 29));
        assert!(!is_calendar_date(2100, 2, 29));
        assert!(is_calendar_date(2000, 2, 29));
        assert!(!is_calendar_date(2024, 4, 31));
        assert!(!is_calendar_date(2024, 0, 1));
        assert!(!is_calendar_date(2024, 1, 0));
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        let today = today_yyyymmdd();
        assert!(today > 20_250_101 && today < 22_000_101, "clock: {today}");
    }

    // ---- Luhn -------------------------------------------------------------

    #[test]
    fn luhn_valid() {
        assert!(luhn("4111111111111111"));
        assert!(luhn("4111 1111 1111 1111"));
        assert!(luhn("4111-1111-1111-1111"));
        assert!(luhn("4222222222222"), "13-digit Visa test number");
        assert!(luhn("5500000000000004"), "Mastercard test number");
        // 19-digit UnionPay-style number, constructed. From the right, doubled
        // positions 8,6,4,2,1,0,2,2,2 → 7,3,8,4,2,0,4,4,4 = 36; undoubled
        // 9,7,5,3,1,0,1,0,2,6 = 34; 36 + 34 = 70 ≡ 0 (mod 10).
        assert!(luhn("6222021001123456789"));
        // 16-digit UnionPay-style: 622588012345678 + check digit 3.
        assert!(luhn("6225880123456783"));
    }

    #[test]
    fn luhn_invalid() {
        assert!(!luhn("4111111111111112"), "wrong check digit");
        assert!(!luhn("6222021001123456788"), "wrong check digit");
        assert!(
            !luhn("0000000000000000"),
            "all zeros passes Luhn but is a placeholder"
        );
        assert!(!luhn("5555555555555555555"), "repeated digit");
        assert!(!luhn("411111111118"), "12 digits");
        assert!(!luhn("41111111111111111113"), "20 digits");
        assert!(!luhn("4111a11111111111"), "letter");
        assert!(!luhn(""), "empty");
    }

    // ---- mobile -----------------------------------------------------------

    #[test]
    fn mobile_valid() {
        for n in [
            "13812345678",
            "+86 138 1234 5678",
            "+8613812345678",
            "008613812345678",
            "8613812345678",
            "138-1234-5678",
            "14512345678",
            "15012345678",
            "15912345678",
            "16212345678",
            "16712345678",
            "17012345678",
            "17812345678",
            "18012345678",
            "19012345678",
            "19912345678",
            "＋８６ １３８１２３４５６７８",
        ] {
            assert!(cn_mobile(n), "{n}");
        }
    }

    #[test]
    fn mobile_invalid() {
        for n in [
            "12012345678",
            "10012345678",
            "23812345678",
            "14012345678",
            "14412345678",
            "15412345678",
            "16012345678",
            "16312345678",
            "16812345678",
            "17912345678",
            "19412345678",
            "1381234567",
            "138123456789",
            "+8513812345678",
            "+86 120 1234 5678",
            "0085213812345678",
            "86138123456789",
            "1381234567a",
            "+13812345678",
            "",
        ] {
            assert!(!cn_mobile(n), "{n}");
        }
    }

    // ---- USCC -------------------------------------------------------------

    #[test]
    fn uscc_valid() {
        // Commonly cited code. Values 9,1,3,5,0,1,0,0,M=21,0,0,0,1,0,0,Y=30,4 ·
        // weights: 9+3+27+135+0+26+0+0+420+0+0+0+8+0+0+900+112 = 1640;
        // 1640 mod 31 = 28; (31 − 28) mod 31 = 3 → '3'.
        assert!(uscc("91350100M000100Y43"));
        assert!(uscc("91350100m000100y43"), "case-insensitive");
        assert!(uscc("9135 0100 M000 100Y 43"), "spaces ignored");
        // Constructed: Σ = 96, 96 mod 31 = 3, 31 − 3 = 28 → 'W' (letter check).
        assert!(uscc("91110000100000001W"));
        // Constructed: Σ = 1334, mod 31 = 1, 31 − 1 = 30 → 'Y' (largest value).
        assert!(uscc("9144030071526726DY"));
        // Constructed: Σ = 2945 = 95·31, so the check is (31 − 0) mod 31 = 0 → '0'.
        assert!(uscc("91310115MA1K3QRT50"));
        // Constructed: Σ = 278, mod 31 = 30, 31 − 30 = 1 → '1'.
        assert!(uscc("121000004000001241"));
    }

    #[test]
    fn uscc_invalid() {
        assert!(!uscc("91350100M000100Y44"), "wrong check");
        assert!(!uscc("91350100M000100Y4"), "17 chars");
        assert!(!uscc("91350100M000100Y430"), "19 chars");
        assert!(!uscc("91350100I000100Y43"), "I is not in the alphabet");
        assert!(!uscc("91350100O000100Y43"), "O is not in the alphabet");
        assert!(!uscc("9131011SMA1K3QRT50"), "S in the region code");
        assert!(!uscc("9135A100M000100Y43"), "letter in the region code");
        assert!(!uscc("000000000000000000"), "placeholder");
        assert!(!uscc("91310115MA1K3QRT5Z"), "Z is not in the alphabet");
    }

    // ---- dispatch -----------------------------------------------------------

    #[test]
    fn validator_names_and_dispatch() {
        let all = [
            (
                Validator::CnResidentId,
                "cn_resident_id",
                "11010519491231002X",
            ),
            (Validator::Luhn, "luhn", "4111111111111111"),
            (Validator::CnMobile, "cn_mobile", "13812345678"),
            (Validator::Uscc, "uscc", "91350100M000100Y43"),
        ];
        for (v, name, good) in all {
            assert_eq!(v.as_str(), name);
            assert!(v.check(good), "{name} {good}");
            assert!(!v.check("12345"), "{name}");
        }
        assert!(!Validator::Luhn.check("11010519491231002X"));
        assert!(!Validator::CnResidentId.check("4111111111111111"));
    }

    #[test]
    fn validator_serde_names() {
        let v: Validator = serde_json::from_str("\"cn_resident_id\"").expect("known name");
        assert_eq!(v, Validator::CnResidentId);
        assert_eq!(
            serde_json::to_string(&Validator::CnMobile).expect("serialise"),
            "\"cn_mobile\""
        );
        assert!(serde_json::from_str::<Validator>("\"CnMobile\"").is_err());
    }

    #[test]
    fn overlong_input_is_rejected_cheaply() {
        let long = "1".repeat(10_000);
        for v in [
            Validator::CnResidentId,
            Validator::Luhn,
            Validator::CnMobile,
            Validator::Uscc,
        ] {
            assert!(!v.check(&long));
        }
    }
}
