//! One writer at a time: an advisory lock on `<db>.lock`.
//!
//! The lock is an OS file lock (`flock`), so it disappears with the process
//! that held it, however it died; the file also records the holder's pid and
//! start time, so a second run can say who is scanning and a run that finds
//! the record of a dead holder says it is taking over.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::StoreError;

/// A held database lock; released when dropped.
#[derive(Debug)]
pub struct DbLock {
    file: File,
    path: PathBuf,
    /// A note about a stale lock record taken over, if any.
    pub took_over: Option<String>,
}

/// The lock file beside a database.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".lock");
    db.with_file_name(name)
}

impl DbLock {
    /// Takes the lock of database `db`, waiting up to `wait` for another run
    /// to finish. Fails with a message naming the holder when it does not.
    pub fn acquire(db: &Path, wait: Duration) -> Result<DbLock, StoreError> {
        let path = lock_path(db);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError(format!(
                    "cannot create the folder of the state database {}: {e}",
                    db.display()
                ))
            })?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| {
                StoreError(format!("cannot open the lock file {}: {e}", path.display()))
            })?;
        let deadline = Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    if Instant::now() >= deadline {
                        let holder = read_holder(&mut file);
                        return Err(StoreError(format!(
                            "another xunjian run is using the state database {} ({holder}); wait for it to finish, or pass --lock-wait SECONDS to wait longer",
                            db.display()
                        )));
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(TryLockError::Error(e)) => {
                    return Err(StoreError(format!("cannot lock {}: {e}", path.display())));
                }
            }
        }
        let previous = read_holder_pid(&mut file);
        let took_over = previous
            .filter(|&pid| pid != i64::from(std::process::id()))
            .map(|pid| format!("took over the state database lock left by process {pid}, which ended without releasing it"));
        let record = format!(
            "pid {}\nstarted {}\n",
            std::process::id(),
            chrono::Local::now().to_rfc3339()
        );
        file.set_len(0)
            .and_then(|_| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(record.as_bytes()))
            .and_then(|_| file.sync_all())
            .map_err(|e| {
                StoreError(format!(
                    "cannot write the lock file {}: {e}",
                    path.display()
                ))
            })?;
        Ok(DbLock {
            file,
            path,
            took_over,
        })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for DbLock {
    fn drop(&mut self) {
        // Clear the record so the next run does not report a takeover.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

fn read_holder(file: &mut File) -> String {
    let mut s = String::new();
    let _ = file
        .seek(SeekFrom::Start(0))
        .and_then(|_| file.read_to_string(&mut s));
    let s = s.trim().replace('\n', ", ");
    if s.is_empty() {
        "holder unknown".into()
    } else {
        s
    }
}

fn read_holder_pid(file: &mut File) -> Option<i64> {
    let mut s = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut s).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("pid ")?.trim().parse().ok())
}
