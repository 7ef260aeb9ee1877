//! A short ASCII string stored inline, so validated identifiers cost no heap allocation.

use std::fmt;

/// Up to `N` ASCII bytes stored inline. Only constructed from checked ASCII input.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Ascii<const N: usize> {
    len: u8,
    buf: [u8; N],
}

impl<const N: usize> Ascii<N> {
    /// Caller guarantees `s` is ASCII and at most `N` bytes long.
    pub(crate) fn new(s: &str) -> Self {
        debug_assert!(s.is_ascii() && s.len() <= N);
        let mut buf = [0u8; N];
        buf[..s.len()].copy_from_slice(s.as_bytes());
        Ascii {
            len: s.len() as u8,
            buf,
        }
    }

    /// The bytes, without the UTF-8 check of `as_str` (for hashing and writing).
    #[inline]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len as usize]
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII is ever stored, so this cannot fail; fall back to "" rather than panic.
        std::str::from_utf8(&self.buf[..self.len as usize]).unwrap_or("")
    }
}

impl<const N: usize> fmt::Debug for Ascii<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// Removes every space, tab and non-breaking space (people type IBANs in groups of four) and
/// upper-cases; borrows when the input is already in that form (the common case in bulk data).
pub(crate) fn compact_upper(input: &str) -> std::borrow::Cow<'_, str> {
    if input
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return std::borrow::Cow::Borrowed(input);
    }
    input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .flat_map(char::to_uppercase)
        .collect::<String>()
        .into()
}

/// Remainder of the number formed by `s` (letters A=10 … Z=35) modulo 97 (ISO 7064 MOD 97-10).
/// `s` must be ASCII alphanumeric.
pub(crate) fn mod97(s: impl Iterator<Item = u8>) -> u32 {
    // Reduce only when the accumulator gets large: one division per ~14 digits, not per digit.
    let mut r: u64 = 0;
    for b in s {
        match b {
            b'0'..=b'9' => r = r * 10 + u64::from(b - b'0'),
            b'A'..=b'Z' => r = r * 100 + u64::from(b - b'A' + 10),
            b'a'..=b'z' => r = r * 100 + u64::from(b - b'a' + 10),
            _ => {}
        }
        if r >= 100_000_000_000_000 {
            r %= 97;
        }
    }
    (r % 97) as u32
}

/// Describes a character for a message: printable ones in quotes, others by code point.
pub(crate) fn describe_char(c: char) -> String {
    if c.is_control() || c.is_whitespace() {
        format!("U+{:04X}", c as u32)
    } else {
        format!("'{c}'")
    }
}
