//! Reading a user's input file safely: only a regular file (never a FIFO, a
//! device or a directory, which would hang or never end), and never more
//! than a stated number of bytes, so that `/dev/zero` or a huge file is a
//! clear refusal rather than a hang or an exhausted memory.

use std::io::Read;
use std::path::Path;

/// The largest input file read: scenarios, the files they extend, the files
/// of a results directory.
pub const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// Why an input file was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadInputError {
    #[error("no such file")]
    NotFound,
    #[error("permission denied")]
    PermissionDenied,
    #[error("not a regular file (a directory, device or pipe); give the path of a file")]
    NotRegular,
    #[error("larger than the limit of {} MB", limit / (1024 * 1024))]
    TooLarge { limit: u64 },
    #[error("not UTF-8 text")]
    NotUtf8,
    #[error("{0}")]
    Other(String),
}

impl ReadInputError {
    fn from_io(e: &std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::NotFound => Self::NotFound,
            std::io::ErrorKind::PermissionDenied => Self::PermissionDenied,
            _ => Self::Other(e.to_string().to_lowercase()),
        }
    }
}

/// Reads the regular file at `path`, at most `limit` bytes.
///
/// The file is opened without blocking (so a FIFO with no writer cannot hang
/// the open), checked to be a regular file through the opened handle (so it
/// cannot be swapped between the check and the read), and read through a
/// `take(limit + 1)` so that a file growing while it is read is still refused.
///
/// # Errors
/// A missing or unreadable path, anything but a regular file, or more than
/// `limit` bytes.
pub fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, ReadInputError> {
    let file = open_nonblocking(path).map_err(|e| ReadInputError::from_io(&e))?;
    let meta = file.metadata().map_err(|e| ReadInputError::from_io(&e))?;
    if !meta.is_file() {
        return Err(ReadInputError::NotRegular);
    }
    if meta.len() > limit {
        return Err(ReadInputError::TooLarge { limit });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| ReadInputError::from_io(&e))?;
    if bytes.len() as u64 > limit {
        return Err(ReadInputError::TooLarge { limit });
    }
    Ok(bytes)
}

/// Reads the regular file at `path` as UTF-8 text, at most `limit` bytes.
///
/// # Errors
/// As [`read_bytes`], and text that is not UTF-8.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadInputError> {
    String::from_utf8(read_bytes(path, limit)?).map_err(|_| ReadInputError::NotUtf8)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().read(true).custom_flags(libc_o_nonblock()).open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// `O_NONBLOCK`: 0o4000 on Linux and most Unixes, 0x4 on the BSDs and macOS.
#[cfg(unix)]
const fn libc_o_nonblock() -> i32 {
    if cfg!(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd",
        target_os = "dragonfly"
    )) {
        0x0004
    } else {
        0o4000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_regular_file_within_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        std::fs::write(&path, "x = 1\n").unwrap();
        assert_eq!(read_text(&path, 100).unwrap(), "x = 1\n");
        assert_eq!(read_text(&path, 3), Err(ReadInputError::TooLarge { limit: 3 }));
    }

    #[test]
    fn refuses_directories_devices_and_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_bytes(dir.path(), 100), Err(ReadInputError::NotRegular));
        assert_eq!(read_bytes(&dir.path().join("none"), 100), Err(ReadInputError::NotFound));
        #[cfg(unix)]
        assert_eq!(read_bytes(Path::new("/dev/zero"), 100), Err(ReadInputError::NotRegular));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_at_once_rather_than_read_forever() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.toml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success(), "mkfifo failed");
        assert_eq!(read_bytes(&fifo, 100), Err(ReadInputError::NotRegular));
    }

    #[test]
    fn text_must_be_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        std::fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();
        assert_eq!(read_text(&path, 100), Err(ReadInputError::NotUtf8));
    }
}
