//! Percent-decoding of URL query text, shared by the reference server (which reads queries)
//! and the HAR report (which lists them): neither depends on the other.

/// Decodes `application/x-www-form-urlencoded` query text: `+` is a space, `%XX` a byte.
/// Raw `"` (as Entra sent in 2019) passes through unchanged.
pub fn decode_component(s: &str) -> String {
    decode(s, true)
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_is_space`); a `%` not followed by two
/// hex digits stays as it is, and bytes that are not UTF-8 become U+FFFD.
pub(crate) fn decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
