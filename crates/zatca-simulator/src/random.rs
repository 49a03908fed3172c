//! Bytes from the operating system's random number generator: certificate
//! serials and CSID secrets must be unpredictable and must not repeat between
//! processes, so nothing here is derived from time, counters or inputs.

/// `N` bytes from the OS RNG; `None` if the OS RNG failed.
pub(crate) fn bytes<const N: usize>() -> Option<[u8; N]> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).ok()?;
    Some(out)
}
