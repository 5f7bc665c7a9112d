//! Which evasions one hit needed: a small set of flags plus the number of
//! noise characters skipped.
//!
//! Deliberate evasion is evidence, so every hit records how its text
//! differed from the keyword or pattern it matched: full-width forms,
//! traditional characters, look-alikes, odd letter case, invisible
//! characters, noise skipped between characters, pinyin spellings, repeated
//! characters, Chinese numerals read as digits. Reports show the labels
//! (`full_width`, `skipped:3`, …) in the order of [`Transforms::labels`].
//!
//! Cost: a `Copy` value of four bytes; labels are built only for findings.

/// A set of transformations a hit needed. Empty means it matched as published.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Transforms {
    bits: u16,
    skipped: u16,
}

impl Transforms {
    /// Full-width Latin letters, digits or symbols (`ＱＱ`).
    pub const FULL_WIDTH: u16 = 1;
    /// Traditional characters folded to simplified (`賭博`).
    pub const TRADITIONAL: u16 = 1 << 1;
    /// A look-alike: Cyrillic/Greek or another UTS #39 confusable, a
    /// circled, parenthesised, superscript or styled letter or digit, or a
    /// CJK look-alike from the engine's table.
    pub const LOOK_ALIKE: u16 = 1 << 2;
    /// Odd letter case (`vX`, `wEiXin`); ordinary capitals are not evasion.
    pub const CASE: u16 = 1 << 3;
    /// Zero-width or other invisible characters inside the match.
    pub const INVISIBLE: u16 = 1 << 4;
    /// A pinyin spelling of (part of) a keyword (`dubo`, `du博`).
    pub const PINYIN: u16 = 1 << 5;
    /// Repeated characters (`赌赌赌博`).
    pub const REPEAT: u16 = 1 << 6;
    /// Chinese numerals read as digits (`一三八…`).
    pub const NUMERAL: u16 = 1 << 7;

    const NAMES: [(u16, &'static str); 8] = [
        (Self::FULL_WIDTH, "full_width"),
        (Self::TRADITIONAL, "traditional"),
        (Self::LOOK_ALIKE, "look_alike"),
        (Self::CASE, "case"),
        (Self::INVISIBLE, "invisible"),
        (Self::PINYIN, "pinyin"),
        (Self::REPEAT, "repeat"),
        (Self::NUMERAL, "numeral"),
    ];

    /// No transformation.
    pub const fn none() -> Transforms {
        Transforms {
            bits: 0,
            skipped: 0,
        }
    }

    /// The set with the given flags (the `Transforms::*` constants, or-ed).
    pub const fn of(bits: u16) -> Transforms {
        Transforms { bits, skipped: 0 }
    }

    /// Adds flags.
    #[inline]
    pub fn insert(&mut self, bits: u16) {
        self.bits |= bits;
    }

    /// Removes flags.
    #[inline]
    pub fn remove(&mut self, bits: u16) {
        self.bits &= !bits;
    }

    /// Counts `n` more noise characters skipped.
    #[inline]
    pub fn add_skipped(&mut self, n: usize) {
        self.skipped = self
            .skipped
            .saturating_add(u16::try_from(n).unwrap_or(u16::MAX));
    }

    /// True when every flag of `bits` is set.
    pub fn contains(&self, bits: u16) -> bool {
        self.bits & bits == bits
    }

    /// Noise characters skipped between the characters of the match.
    pub fn skipped(&self) -> usize {
        self.skipped as usize
    }

    /// True when the hit matched as published.
    pub fn is_empty(&self) -> bool {
        self.bits == 0 && self.skipped == 0
    }

    /// Both sets together.
    pub fn union(self, other: Transforms) -> Transforms {
        Transforms {
            bits: self.bits | other.bits,
            skipped: self.skipped.saturating_add(other.skipped),
        }
    }

    /// The labels reports show, in a fixed order: `full_width`,
    /// `traditional`, `look_alike`, `case`, `skipped:N`, `invisible`,
    /// `pinyin`, `repeat`, `numeral`.
    pub fn labels(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (bit, name) in Self::NAMES {
            if bit == Self::INVISIBLE && self.skipped > 0 {
                out.push(format!("skipped:{}", self.skipped));
            }
            if self.bits & bit != 0 {
                out.push(name.to_string());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Transforms;

    #[test]
    fn labels_in_order() {
        let mut t = Transforms::of(Transforms::PINYIN | Transforms::FULL_WIDTH);
        t.add_skipped(2);
        t.insert(Transforms::INVISIBLE);
        assert_eq!(
            t.labels(),
            ["full_width", "skipped:2", "invisible", "pinyin"]
        );
        assert!(Transforms::none().is_empty());
        assert!(!t.is_empty());
        t.remove(Transforms::PINYIN);
        assert!(!t.contains(Transforms::PINYIN));
    }
}
