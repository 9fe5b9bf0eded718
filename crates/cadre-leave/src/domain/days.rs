//! Leave is counted in half-days: a whole number type keeps sums exact (no 0.1 + 0.2 drift) and stores as an
//! integer on either database.

use std::{
    fmt,
    iter::Sum,
    ops::{Add, AddAssign, Sub},
};

/// A length of leave in half-days. `HalfDays(5)` is two and a half days. Serialised as the number of halves.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct HalfDays(pub u32);

impl HalfDays {
    /// No days.
    pub const ZERO: Self = Self(0);

    /// Whole days.
    pub const fn days(days: u32) -> Self {
        Self(days * 2)
    }

    /// The number of half-days.
    pub const fn halves(self) -> u32 {
        self.0
    }

    /// Whole days, rounding a trailing half up (a threshold "of N days" is reached by N − ½ + ½).
    pub const fn whole_days_ceil(self) -> u32 {
        self.0.div_ceil(2)
    }

    /// `self − other`, or zero when `other` is larger.
    pub const fn saturating_sub(self, other: Self) -> Self {
        Self(self.0.saturating_sub(other.0))
    }

    /// As a decimal number of days, for display and the proto's `double` fields.
    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 2.0
    }

    /// From a decimal number of days; `None` unless it is a non-negative multiple of one half.
    pub fn from_f64(days: f64) -> Option<Self> {
        let halves = days * 2.0;
        if !halves.is_finite() || halves < 0.0 || halves.fract() != 0.0 || halves > f64::from(u32::MAX) {
            return None;
        }
        Some(Self(halves as u32))
    }
}

impl Add for HalfDays {
    type Output = Self;
    fn add(self, other: Self) -> Self {
        Self(self.0 + other.0)
    }
}

impl AddAssign for HalfDays {
    fn add_assign(&mut self, other: Self) {
        self.0 += other.0;
    }
}

impl Sub for HalfDays {
    type Output = Self;
    /// Panics on underflow like any unsigned subtraction; use [`HalfDays::saturating_sub`] when the
    /// right side may be larger.
    fn sub(self, other: Self) -> Self {
        Self(self.0 - other.0)
    }
}

impl Sum for HalfDays {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::ZERO, Add::add)
    }
}

impl fmt::Display for HalfDays {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_multiple_of(2) { write!(f, "{}", self.0 / 2) } else { write!(f, "{}.5", self.0 / 2) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_halves() {
        assert_eq!(HalfDays(5).to_string(), "2.5");
        assert_eq!(HalfDays::days(3).to_string(), "3");
        assert_eq!(HalfDays(1).whole_days_ceil(), 1);
    }

    #[test]
    fn parses_only_multiples_of_a_half() {
        assert_eq!(HalfDays::from_f64(2.5), Some(HalfDays(5)));
        assert_eq!(HalfDays::from_f64(2.25), None);
        assert_eq!(HalfDays::from_f64(-1.0), None);
        assert_eq!(HalfDays::from_f64(f64::NAN), None);
    }
}
