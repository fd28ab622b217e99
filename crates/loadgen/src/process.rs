//! Resource usage of a process, read from Linux `/proc`: resident memory and CPU time.
//!
//! Only Linux is supported; elsewhere the reads fail with an error naming the file.

use std::{fs, io};

use serde::Serialize;

/// Kernel clock ticks per second for `/proc/<pid>/stat` times. `USER_HZ` is 100 on every
/// mainstream Linux architecture; reading it properly needs `sysconf`, i.e. unsafe code.
const CLOCK_TICKS_PER_SECOND: f64 = 100.0;

/// A snapshot of a process's resource usage.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub(crate) struct Usage {
    /// Resident set size in KiB (`VmRSS`).
    pub(crate) rss_kib: u64,
    /// User plus system CPU time consumed so far, in seconds, all threads included.
    pub(crate) cpu_s: f64,
}

/// Which process to read: a pid, or the load generator itself.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Pid {
    /// The calling process.
    Myself,
    /// Another process.
    Other(u32),
}

impl Pid {
    fn dir(self) -> String {
        match self {
            Pid::Myself => "/proc/self".to_owned(),
            Pid::Other(pid) => format!("/proc/{pid}"),
        }
    }
}

/// Why usage could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UsageError {
    /// The file could not be read (no such process, not Linux).
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: io::Error,
    },
    /// The file did not have the expected layout.
    #[error("unexpected format in {0}")]
    Format(String),
}

/// Reads the current usage of `pid`.
pub(crate) fn usage(pid: Pid) -> Result<Usage, UsageError> {
    let dir = pid.dir();
    let read = |name: &str| {
        let path = format!("{dir}/{name}");
        fs::read_to_string(&path)
            .map_err(|source| UsageError::Read {
                path: path.clone(),
                source,
            })
            .map(|text| (path, text))
    };
    let (status_path, status) = read("status")?;
    let (stat_path, stat) = read("stat")?;
    Ok(Usage {
        rss_kib: parse_vm_rss_kib(&status).ok_or(UsageError::Format(status_path))?,
        cpu_s: parse_cpu_ticks(&stat).ok_or(UsageError::Format(stat_path))? as f64
            / CLOCK_TICKS_PER_SECOND,
    })
}

/// The `VmRSS` value of a `/proc/<pid>/status` text, in KiB.
fn parse_vm_rss_kib(status: &str) -> Option<u64> {
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?;
    let mut fields = line.split_whitespace();
    let value = fields.next()?.parse().ok()?;
    (fields.next() == Some("kB")).then_some(value)
}

/// `utime + stime` (fields 14 and 15) of a `/proc/<pid>/stat` line, in clock ticks.
fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    // The command name (field 2) is parenthesised and may contain spaces: count fields after
    // its closing parenthesis, where field 3 comes first.
    let after_comm = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_comm.split_whitespace().skip(14 - 3);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_rss_is_read_in_kib() {
        let status = "Name:\trelais\nVmPeak:\t  99999 kB\nVmRSS:\t   12345 kB\nThreads:\t3\n";
        assert_eq!(parse_vm_rss_kib(status), Some(12_345));
    }

    #[test]
    fn vm_rss_missing_or_malformed_is_none() {
        assert_eq!(parse_vm_rss_kib("Name:\tkthreadd\n"), None);
        assert_eq!(parse_vm_rss_kib("VmRSS:\tlots kB\n"), None);
        assert_eq!(parse_vm_rss_kib("VmRSS:\t12 MB\n"), None);
    }

    #[test]
    fn cpu_ticks_add_user_and_system_time_despite_spaces_in_the_name() {
        let stat = "4242 (tokio (worker) 1) S 1 4242 4242 0 -1 4194560 500 0 0 0 \
                    250 37 0 0 20 0 3 0 100 1000000 300";
        assert_eq!(parse_cpu_ticks(stat), Some(287));
    }

    #[test]
    fn cpu_ticks_of_a_truncated_line_is_none() {
        assert_eq!(parse_cpu_ticks("4242 (relais) S 1 2"), None);
    }

    #[test]
    fn own_usage_is_readable() {
        let usage = usage(Pid::Myself).expect("reading /proc/self");
        assert!(usage.rss_kib > 0);
    }
}
