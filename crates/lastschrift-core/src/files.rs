//! The one way this program writes a file the user keeps (a pain.008 file, a control list, a
//! file `runs file --output` copies out): into a temporary file beside the target, flushed and
//! fsynced, then renamed onto the target, then the directory fsynced. A crash leaves either the
//! old state or the whole new file, never half of one; the temporary files it may leave carry a
//! fixed prefix and suffix, so [`remove_partial_files`] can clear them.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

const PARTIAL_PREFIX: &str = ".lastschrift-";
const PARTIAL_SUFFIX: &str = ".partial";

/// Why a file was not written. `Display` names the file.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("could not write {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{} already exists with other content; it is not overwritten — move it away and run the command again",
        path.display()
    )]
    ExistsWithOtherContent { path: PathBuf },
}

impl FileError {
    pub fn german(&self) -> String {
        match self {
            FileError::Io { path, .. } => {
                format!("{} konnte nicht geschrieben werden.", path.display())
            }
            FileError::ExistsWithOtherContent { path } => format!(
                "{} gibt es schon mit anderem Inhalt; die Datei wird nicht überschrieben. Bitte verschieben und erneut starten.",
                path.display()
            ),
        }
    }
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> FileError + '_ {
    move |source| FileError::Io {
        path: path.to_owned(),
        source,
    }
}

fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The content, written and synced into a temporary file beside `path`.
fn staged<E: From<FileError>>(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<&mut File>) -> Result<(), E>,
) -> Result<tempfile::NamedTempFile, E> {
    let mut temp = tempfile::Builder::new()
        .prefix(PARTIAL_PREFIX)
        .suffix(PARTIAL_SUFFIX)
        .tempfile_in(directory_of(path))
        .map_err(io_error(path))?;
    {
        let mut out = BufWriter::with_capacity(1 << 16, temp.as_file_mut());
        write(&mut out)?;
        out.flush().map_err(io_error(path))?;
    }
    temp.as_file().sync_all().map_err(io_error(path))?;
    crate::collect::fail_point("before_rename");
    Ok(temp)
}

fn sync_directory(path: &Path) {
    // Makes the rename itself durable; a directory that cannot be opened (some file systems)
    // still has the file.
    if let Ok(dir) = File::open(directory_of(path)) {
        let _ = dir.sync_all();
    }
}

/// Writes what `write` produces to `path`, replacing a file that is there.
pub fn write_atomically<E: From<FileError>>(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<&mut File>) -> Result<(), E>,
) -> Result<(), E> {
    let temp = staged(path, write)?;
    temp.persist(path).map_err(|e| FileError::Io {
        path: path.to_owned(),
        source: e.error,
    })?;
    sync_directory(path);
    Ok(())
}

/// Writes `bytes` to `path` atomically unless the file is there already: with the same bytes it
/// is left alone, with other bytes it is never overwritten (it is not ours, or it was changed by
/// hand) — also when another process writes the same name meanwhile.
pub fn write_new_exactly(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    match std::fs::read(path) {
        Ok(existing) if existing == bytes => return Ok(()),
        Ok(_) => {
            return Err(FileError::ExistsWithOtherContent {
                path: path.to_owned(),
            });
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(path)(e)),
    }
    let temp = staged(path, |out| out.write_all(bytes).map_err(io_error(path)))?;
    if let Err(e) = temp.persist_noclobber(path) {
        return match std::fs::read(path) {
            Ok(existing) if existing == bytes => Ok(()),
            Ok(_) => Err(FileError::ExistsWithOtherContent {
                path: path.to_owned(),
            }),
            Err(_) => Err(io_error(path)(e.error)),
        };
    }
    sync_directory(path);
    Ok(())
}

/// Removes the temporary files a crash left in `dir`.
pub fn remove_partial_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(PARTIAL_PREFIX) && name.ends_with(PARTIAL_SUFFIX) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_is_written_and_the_same_bytes_again_are_fine() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.xml");
        write_new_exactly(&path, b"<a/>").unwrap();
        write_new_exactly(&path, b"<a/>").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"<a/>");
        let other = write_new_exactly(&path, b"<b/>").unwrap_err();
        assert!(matches!(other, FileError::ExistsWithOtherContent { .. }));
        assert_eq!(std::fs::read(&path).unwrap(), b"<a/>", "never overwritten");
    }

    #[test]
    fn write_atomically_replaces_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.xml");
        std::fs::write(&path, b"old").unwrap();
        write_atomically::<FileError>(&path, |out| out.write_all(b"new").map_err(io_error(&path)))
            .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_write_keeps_the_old_file_and_partial_files_are_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.xml");
        std::fs::write(&path, b"old").unwrap();
        let result = write_atomically::<FileError>(&path, |out| {
            out.write_all(b"half").map_err(io_error(&path))?;
            Err(FileError::Io {
                path: path.clone(),
                source: std::io::Error::other("disk full"),
            })
        });
        assert!(result.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        std::fs::write(dir.path().join(".lastschrift-x.partial"), b"left").unwrap();
        remove_partial_files(dir.path());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
