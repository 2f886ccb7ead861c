//! This machine's journal key: a random secret kept in the user's state folder, with which
//! every journal line is signed (HMAC-SHA256). `sweep` deletes only what a journal line signed
//! with this key names, so a journal that was edited, or written elsewhere, cannot make it
//! delete anything.

use ring::hmac;
use std::path::PathBuf;

/// The folder of scimtest's per-user state: `$SCIMTEST_STATE_DIR`, else
/// `$XDG_STATE_HOME/scimtest`, else `~/.local/state/scimtest`.
fn state_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("SCIMTEST_STATE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("scimtest"));
    }
    let home = std::env::var_os("HOME").filter(|d| !d.is_empty())?;
    Some(PathBuf::from(home).join(".local/state/scimtest"))
}

/// The key, created (readable by this user only) on first use; `None` when no state folder
/// can be written: journals are then unsigned and `sweep` deletes nothing from them.
pub(crate) fn key() -> Option<hmac::Key> {
    static KEY: std::sync::OnceLock<Option<hmac::Key>> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let dir = state_dir()?;
        let file = dir.join("journal.key");
        let bytes = match std::fs::read(&file) {
            Ok(b) if b.len() == 32 => b,
            _ => create(&dir, &file)?,
        };
        Some(hmac::Key::new(hmac::HMAC_SHA256, &bytes))
    })
    .clone()
}

fn create(dir: &std::path::Path, file: &std::path::Path) -> Option<Vec<u8>> {
    use std::io::Write as _;
    std::fs::create_dir_all(dir).ok()?;
    let bytes: [u8; 32] = rand::random();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(file) {
        Ok(mut f) => {
            f.write_all(&bytes).ok()?;
            Some(bytes.to_vec())
        }
        // Another process created it first: use theirs.
        Err(_) => std::fs::read(file).ok().filter(|b| b.len() == 32),
    }
}

/// The signature of `text`, as hex.
pub(crate) fn sign(key: &hmac::Key, text: &str) -> String {
    hmac::sign(key, text.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `mac` (hex) signs `text`.
pub(crate) fn verify(key: &hmac::Key, text: &str, mac: &str) -> bool {
    let Some(bytes) = (0..mac.len())
        .step_by(2)
        .map(|i| {
            mac.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
    else {
        return false;
    };
    hmac::verify(key, text.as_bytes(), &bytes).is_ok()
}
