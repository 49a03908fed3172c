//! `xs:decimal` as the rules use it: exact values, compared exactly. Values are held as an
//! `i128` mantissa and a decimal scale (38 significant digits); a value past that is
//! refused as an engine limit ([`DecimalError::TooLarge`]) rather than rounded.

use std::cmp::Ordering;

use crate::xpath::{DynamicError, Xr};

/// An exact decimal number.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dec {
    mantissa: i128,
    scale: u32,
}

/// Why a decimal could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecimalError {
    /// Not in the `xs:decimal` lexical space (XPath `FORG0001`).
    NotDecimal,
    /// More digits than this engine holds.
    TooLarge,
}

impl From<DecimalError> for DynamicError {
    fn from(_: DecimalError) -> Self {
        DynamicError
    }
}

const MAX_SCALE: u32 = 30;

impl Dec {
    /// An integer.
    pub(crate) const fn int(value: i64) -> Self {
        Self {
            mantissa: value as i128,
            scale: 0,
        }
    }

    /// The cast of an untyped value to `xs:decimal` (XML whitespace trimmed).
    pub(crate) fn parse(s: &str) -> Result<Self, DecimalError> {
        let t = s.trim_matches([' ', '\t', '\n', '\r']);
        let (negative, body) = match t.as_bytes().first() {
            Some(b'-') => (true, t.get(1..).unwrap_or("")),
            Some(b'+') => (false, t.get(1..).unwrap_or("")),
            _ => (false, t),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if !digits(int) || !digits(frac) || int.is_empty() && frac.is_empty() {
            return Err(DecimalError::NotDecimal);
        }
        let frac = frac.trim_end_matches('0');
        let scale = u32::try_from(frac.len()).map_err(|_| DecimalError::TooLarge)?;
        if scale > MAX_SCALE {
            return Err(DecimalError::TooLarge);
        }
        let mut mantissa: i128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(i128::from(b - b'0')))
                .ok_or(DecimalError::TooLarge)?;
        }
        Ok(Self {
            mantissa: if negative { -mantissa } else { mantissa },
            scale,
        })
    }

    /// `xs:decimal(s)`, a dynamic error if `s` is not a decimal.
    pub(crate) fn cast(s: &str) -> Xr<Self> {
        Ok(Self::parse(s)?)
    }

    fn rescaled(self, scale: u32) -> Option<i128> {
        let up = scale.checked_sub(self.scale)?;
        self.mantissa.checked_mul(10i128.checked_pow(up)?)
    }

    /// Both at the larger scale.
    fn aligned(self, other: Self) -> Option<(i128, i128, u32)> {
        let scale = self.scale.max(other.scale);
        Some((self.rescaled(scale)?, other.rescaled(scale)?, scale))
    }

    /// Exact comparison (`None` past the engine's range).
    pub(crate) fn compare(self, other: Self) -> Option<Ordering> {
        let (a, b, _) = self.aligned(other)?;
        Some(a.cmp(&b))
    }

    /// `self = other`.
    pub(crate) fn eq(self, other: Self) -> Xr<bool> {
        Ok(self.compare(other).ok_or(DynamicError)? == Ordering::Equal)
    }

    /// `self + other`.
    pub(crate) fn add(self, other: Self) -> Xr<Self> {
        let (a, b, scale) = self.aligned(other).ok_or(DynamicError)?;
        Ok(Self {
            mantissa: a.checked_add(b).ok_or(DynamicError)?,
            scale,
        }
        .normalized())
    }

    /// `self - other`.
    pub(crate) fn sub(self, other: Self) -> Xr<Self> {
        self.add(Self {
            mantissa: other.mantissa.checked_neg().ok_or(DynamicError)?,
            scale: other.scale,
        })
    }

    fn normalized(mut self) -> Self {
        while self.scale > 0 && self.mantissa % 10 == 0 {
            self.mantissa /= 10;
            self.scale -= 1;
        }
        self
    }

    /// `self * other`.
    pub(crate) fn mul(self, other: Self) -> Xr<Self> {
        let scale = self.scale + other.scale;
        if scale > 2 * MAX_SCALE {
            return Err(DynamicError);
        }
        Ok(Self {
            mantissa: self
                .mantissa
                .checked_mul(other.mantissa)
                .ok_or(DynamicError)?,
            scale,
        }
        .normalized())
    }

    /// `self div other` as Saxon divides decimals: to `max(18, scales)` decimal places,
    /// halves down (toward zero); a division by zero is an error (`FOAR0001`).
    pub(crate) fn div(self, other: Self) -> Xr<Self> {
        if other.mantissa == 0 {
            return Err(DynamicError);
        }
        let scale = self.scale.max(other.scale).max(18);
        // self / other = (a * 10^(scale + other.scale - self.scale)) / b, at `scale` places.
        let shift = (scale + other.scale)
            .checked_sub(self.scale)
            .ok_or(DynamicError)?;
        let numerator = self
            .mantissa
            .checked_mul(10i128.checked_pow(shift).ok_or(DynamicError)?)
            .ok_or(DynamicError)?;
        let quotient = numerator / other.mantissa;
        let rest = numerator % other.mantissa;
        // Half down: round away from zero only past the half.
        let twice = rest
            .checked_abs()
            .ok_or(DynamicError)?
            .checked_mul(2)
            .ok_or(DynamicError)?;
        let away = twice > other.mantissa.checked_abs().ok_or(DynamicError)?;
        let sign = if (numerator < 0) != (other.mantissa < 0) {
            -1
        } else {
            1
        };
        Ok(Self {
            mantissa: if away { quotient + sign } else { quotient },
            scale,
        }
        .normalized())
    }

    /// `floor(self)`.
    pub(crate) fn floor(self) -> Xr<Self> {
        let unit = 10i128.checked_pow(self.scale).ok_or(DynamicError)?;
        Ok(Self {
            mantissa: self.mantissa.div_euclid(unit),
            scale: 0,
        })
    }

    /// `round(self, places)`: halves toward positive infinity.
    pub(crate) fn round_to(self, places: u32) -> Xr<Self> {
        let up = Self::parse(&format!("1{}", "0".repeat(places as usize)))?;
        let shifted = self.mul(up)?.round()?;
        Ok(Self {
            mantissa: shifted.mantissa,
            scale: places,
        }
        .normalized())
    }

    /// `round(self)`: the nearest integer, halves toward positive infinity.
    pub(crate) fn round(self) -> Xr<Self> {
        if self.scale == 0 {
            return Ok(self);
        }
        let unit = 10i128.checked_pow(self.scale).ok_or(DynamicError)?;
        let floor = self.mantissa.div_euclid(unit);
        let rest = self.mantissa.rem_euclid(unit);
        let up = rest.checked_mul(2).ok_or(DynamicError)? >= unit;
        Ok(Self {
            mantissa: if up { floor + 1 } else { floor },
            scale: 0,
        })
    }

    /// `round(self * 10 * 10) div 100`: to cents, halves toward positive infinity (the
    /// rules' idiom; exact in `xs:decimal`).
    pub(crate) fn round_cents(self) -> Xr<Self> {
        let cents = self.mul(Self::int(100))?.round()?;
        Ok(Self {
            mantissa: cents.mantissa,
            scale: 2,
        }
        .normalized())
    }

    /// The nearest `f64` (a decimal promoted to `xs:double` in mixed arithmetic).
    pub(crate) fn to_f64(self) -> f64 {
        format!("{}e-{}", self.mantissa, self.scale)
            .parse()
            .unwrap_or(f64::NAN)
    }

    /// The sign: -1, 0 or 1.
    pub(crate) fn signum(self) -> i128 {
        self.mantissa.signum()
    }
}

/// `xs:decimal(d)` of an `xs:double`: Saxon takes the double's exact binary value
/// (`xs:decimal(0.1e0 + 0.2e0)` is `0.3000000000000000444089209850062616169452667236328125`).
/// This keeps its digits down to 10^-28 (fewer for values past 10^9), cut toward zero: the
/// rules only round such a value to cents, where the cut never changes the result for a
/// double of magnitude above 2^-40 (its distance to a half cent is 0 or at least 2^-93).
/// NaN and infinities are errors (`FOCA0002`).
pub(crate) fn from_double(d: f64) -> Xr<Dec> {
    if !d.is_finite() {
        return Err(DynamicError);
    }
    let exact = format!("{d:.60}");
    let (int, frac) = exact.split_once('.').unwrap_or((exact.as_str(), ""));
    let int_digits = int.trim_start_matches('-').len();
    let keep = 36usize.saturating_sub(int_digits).min(28).min(frac.len());
    let cut = format!("{int}.{}", frac.get(..keep).unwrap_or(""));
    Ok(Dec::parse(cut.trim_end_matches('.'))?)
}

/// XPath `round()` of an `xs:double`: halves toward positive infinity, `-0` for
/// `-0.5 <= x < 0`.
pub(crate) fn round_double(x: f64) -> f64 {
    if !x.is_finite() {
        x
    } else if (-0.5..0.0).contains(&x) {
        -0.0
    } else {
        (x + 0.5).floor()
    }
}

/// `format-number(x, '#.00')` of an `xs:double` as Saxon writes it: the double's shortest
/// decimal form rounded half to even to two decimals, no leading zero (`.50`), a minus sign
/// for every negative value (`-.00`), `NaN` for NaN or the empty sequence.
pub(crate) fn format_cents(x: Option<f64>) -> String {
    let Some(x) = x.filter(|x| !x.is_nan()) else {
        return "NaN".into();
    };
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x.is_infinite() {
        return format!("{sign}Infinity");
    }
    match Dec::parse(&format!("{}", x.abs())) {
        Ok(d) => format_dec_cents(d, sign).unwrap_or_else(|| format!("{sign}{:.2}", x.abs())),
        Err(_) => format!("{sign}{:.2}", x.abs()),
    }
}

/// `format-number(d, '#.00')` of an `xs:decimal`: half to even at two decimals.
pub(crate) fn format_decimal_cents(d: Option<Dec>) -> String {
    let Some(d) = d else {
        return "NaN".into();
    };
    let sign = if d.mantissa < 0 { "-" } else { "" };
    let abs = Dec {
        mantissa: d.mantissa.checked_abs().unwrap_or(i128::MAX),
        scale: d.scale,
    };
    format_dec_cents(abs, sign).unwrap_or_else(|| "NaN".into())
}

/// A non-negative decimal, half to even at two decimals, as `#.00` writes it.
fn format_dec_cents(d: Dec, sign: &str) -> Option<String> {
    let cents = if d.scale <= 2 {
        d.mantissa.checked_mul(10i128.pow(2 - d.scale))?
    } else {
        let unit = 10i128.checked_pow(d.scale - 2)?;
        let (q, r) = (d.mantissa / unit, d.mantissa % unit);
        let twice = r.saturating_mul(2);
        if twice > unit || twice == unit && q % 2 == 1 {
            q + 1
        } else {
            q
        }
    };
    let whole = cents / 100;
    let frac = cents % 100;
    let whole = if whole == 0 {
        String::new()
    } else {
        whole.to_string()
    };
    Some(format!("{sign}{whole}.{frac:02}"))
}

/// `sum(values)`: 0 for none.
pub(crate) fn sum(values: &[Dec]) -> Xr<Dec> {
    values.iter().try_fold(Dec::int(0), |acc, v| acc.add(*v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_compare_exactly() {
        let a = Dec::parse(" 100.00 ").unwrap();
        assert!(a.eq(Dec::int(100)).unwrap());
        let b = Dec::parse("100.0000000000000000001").unwrap();
        assert_eq!(b.compare(Dec::int(100)), Some(Ordering::Greater));
        assert_eq!(Dec::parse("-.5").unwrap().signum(), -1);
        assert_eq!(Dec::parse("1e2").unwrap_err(), DecimalError::NotDecimal);
        assert_eq!(Dec::parse("").unwrap_err(), DecimalError::NotDecimal);
        assert_eq!(Dec::parse(".").unwrap_err(), DecimalError::NotDecimal);
    }

    #[test]
    fn doubles_convert_with_their_binary_value() {
        let d = from_double(0.1 + 0.2).unwrap();
        assert_eq!(
            d.compare(Dec::parse("0.30000000000000004440892").unwrap()),
            Some(Ordering::Greater)
        );
        // 1.015 is 1.01499999999999990230… in binary: it rounds down to cents.
        let c = from_double(1.015).unwrap().round_cents().unwrap();
        assert!(c.eq(Dec::parse("1.01").unwrap()).unwrap());
        assert!(from_double(f64::NAN).is_err());
        assert!(from_double(201.0).unwrap().eq(Dec::int(201)).unwrap());
    }

    #[test]
    fn format_number_rounds_the_shortest_form_half_to_even() {
        let f = |x: f64| format_cents(Some(x));
        assert_eq!(f(1.015), "1.02");
        assert_eq!(f(1.005), "1.00");
        assert_eq!(f(0.125), ".12");
        assert_eq!(f(0.375), ".38");
        assert_eq!(f(-1.015), "-1.02");
        assert_eq!(f(-0.001), "-.00");
        assert_eq!(f(-0.0), "-.00");
        assert_eq!(f(113.85), "113.85");
        assert_eq!(f(1e22), "10000000000000000000000.00");
        assert_eq!(format_cents(None), "NaN");
        assert_eq!(round_double(-0.4), 0.0);
        assert!(round_double(-0.4).is_sign_negative());
        assert_eq!(round_double(2.5), 3.0);
        assert_eq!(round_double(-2.5), -2.0);
    }

    #[test]
    fn division_keeps_eighteen_places_halves_down() {
        let d = |s: &str| Dec::parse(s).unwrap();
        let q = d("1").div(d("524288")).unwrap();
        assert!(q.eq(d("0.000001907348632812")).unwrap());
        let q = d("3").div(d("524288")).unwrap();
        assert!(q.eq(d("0.000005722045898437")).unwrap());
        let q = d("100").div(d("7.0")).unwrap();
        assert!(q.eq(d("14.285714285714285714")).unwrap());
        let q = d("-2").div(d("3")).unwrap();
        assert!(q.eq(d("-0.666666666666666667")).unwrap());
        assert!(d("1").div(d("0")).is_err());
        assert!(d("-2.5").floor().unwrap().eq(Dec::int(-3)).unwrap());
        assert!(d("-2.345").round_to(2).unwrap().eq(d("-2.34")).unwrap());
        assert!(d("2.345").round_to(2).unwrap().eq(d("2.35")).unwrap());
    }

    #[test]
    fn round_goes_half_toward_positive_infinity() {
        let r = |s: &str| Dec::parse(s).unwrap().round().unwrap();
        assert!(r("2.5").eq(Dec::int(3)).unwrap());
        assert!(r("-2.5").eq(Dec::int(-2)).unwrap());
        assert!(r("-2.51").eq(Dec::int(-3)).unwrap());
        let c = Dec::parse("30.145").unwrap().round_cents().unwrap();
        assert!(c.eq(Dec::parse("30.15").unwrap()).unwrap());
    }

    #[test]
    fn add_and_sub_keep_every_digit() {
        let s = Dec::parse("0.1")
            .unwrap()
            .add(Dec::parse("0.2").unwrap())
            .unwrap();
        assert!(s.eq(Dec::parse("0.3").unwrap()).unwrap());
        let d = Dec::parse("1")
            .unwrap()
            .sub(Dec::parse("1.000").unwrap())
            .unwrap();
        assert_eq!(d.signum(), 0);
    }
}
