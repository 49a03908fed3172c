//! The one time type.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A point in time as whole seconds since the Unix epoch (UTC).
///
/// The library never reads the clock: every validity check, signing time and
/// renewal plan takes one of these as an argument; only the edges (CLI,
/// service) read [`SystemTime`]. `Display` is RFC 3339 UTC (`2029-01-09T09:19:30Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct UnixTime(u64);

impl UnixTime {
    /// The time `secs` seconds after 1970-01-01T00:00:00Z.
    pub const fn from_secs(secs: u64) -> Self {
        Self(secs)
    }

    /// Seconds since the Unix epoch.
    pub const fn as_secs(self) -> u64 {
        self.0
    }

    /// A system time, truncated to the second (the epoch for times before it).
    ///
    /// ```
    /// use zatca_types::UnixTime;
    /// let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_500);
    /// assert_eq!(UnixTime::from_system_time(t), UnixTime::from_secs(1));
    /// ```
    pub fn from_system_time(time: SystemTime) -> Self {
        Self(time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
    }

    /// The calendar form (`der::DateTime`), where the time is representable (years 1970–9999).
    pub fn to_date_time(self) -> Option<der::DateTime> {
        der::DateTime::from_unix_duration(Duration::from_secs(self.0)).ok()
    }

    /// The UTC time of a calendar date and time, if it is one (`der::DateTime`
    /// is the calendar: February 30th, hour 24 and years before 1970 are not).
    ///
    /// ```
    /// use zatca_types::UnixTime;
    /// assert_eq!(UnixTime::from_calendar(1970, 1, 2, 0, 0, 1), Some(UnixTime::from_secs(86_401)));
    /// assert_eq!(UnixTime::from_calendar(2023, 2, 29, 0, 0, 0), None);
    /// ```
    pub fn from_calendar(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
    ) -> Option<Self> {
        let dt = der::DateTime::new(year, month, day, hour, minute, second).ok()?;
        Some(Self(dt.unix_duration().as_secs()))
    }

    /// Parses `YYYY-MM-DDTHH:MM:SSZ` (UTC, the form `Display` writes).
    ///
    /// ```
    /// use zatca_types::UnixTime;
    /// let t = UnixTime::parse_rfc3339("2029-01-09T09:19:30Z").unwrap();
    /// assert_eq!(t.as_secs(), 1_862_644_770);
    /// assert_eq!(t.to_string(), "2029-01-09T09:19:30Z");
    /// assert!(UnixTime::parse_rfc3339("2029-02-30T00:00:00Z").is_none());
    /// ```
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        if b.len() != 20
            || b.get(4) != Some(&b'-')
            || b.get(7) != Some(&b'-')
            || b.get(10) != Some(&b'T')
            || b.get(13) != Some(&b':')
            || b.get(16) != Some(&b':')
            || b.get(19) != Some(&b'Z')
        {
            return None;
        }
        let num = |from: usize, to: usize| -> Option<u16> {
            let part = text.get(from..to)?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        let dt = der::DateTime::new(
            num(0, 4)?,
            u8::try_from(num(5, 7)?).ok()?,
            u8::try_from(num(8, 10)?).ok()?,
            u8::try_from(num(11, 13)?).ok()?,
            u8::try_from(num(14, 16)?).ok()?,
            u8::try_from(num(17, 19)?).ok()?,
        )
        .ok()?;
        Some(Self(dt.unix_duration().as_secs()))
    }
}

impl fmt::Display for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_date_time() {
            Some(dt) => write!(f, "{dt}"),
            None => write!(f, "@{}", self.0),
        }
    }
}
