//! Published snapshots of the corpus: `<data>/published/v<N>/`, a full copy of the corpus
//! directory, and `<data>/published/CURRENT`, the version in force.
//!
//! A snapshot is written whole under a temporary name, then renamed; `CURRENT` is replaced
//! by rename too. So a crash leaves either the old version in force or the new one, never a
//! half-copied corpus; a leftover temporary directory is ignored and removed by the next
//! publish. The last [`KEEP`] versions are kept, so a bad publish can be rolled back by hand.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// The directory of snapshots, inside the data directory.
pub(crate) const PUBLISHED_DIR: &str = "published";
/// The file naming the version in force.
const CURRENT_FILE: &str = "CURRENT";
/// Prefix of temporary entries, never read as snapshots.
const TMP_PREFIX: &str = ".tmp-";
/// How many versions stay on disk.
const KEEP: u64 = 5;

/// One published version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Snapshot {
    /// Its number, from 1.
    pub(crate) version: u64,
    /// Its corpus directory.
    pub(crate) dir: PathBuf,
}

fn root(data: &Path) -> PathBuf {
    data.join(PUBLISHED_DIR)
}

fn version_dir(data: &Path, version: u64) -> PathBuf {
    root(data).join(format!("v{version}"))
}

/// The version in force in `data`, if anything was ever published there.
pub(crate) fn current(data: &Path) -> anyhow::Result<Option<Snapshot>> {
    let path = root(data).join(CURRENT_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", path.display())),
    };
    let version: u64 = text
        .trim()
        .parse()
        .with_context(|| format!("{} does not hold a version number", path.display()))?;
    let dir = version_dir(data, version);
    if !dir.is_dir() {
        bail!(
            "{} names version {version}, but {} is missing",
            path.display(),
            dir.display()
        );
    }
    Ok(Some(Snapshot { version, dir }))
}

/// Copies the corpus `intents` to a new version and makes it current.
pub(crate) fn publish(intents: &Path, data: &Path) -> anyhow::Result<Snapshot> {
    let root = root(data);
    fs::create_dir_all(&root).with_context(|| format!("cannot create {}", root.display()))?;
    clear_leftovers(&root)?;
    let version = current(data)?.map_or(1, |s| s.version + 1);
    let tmp = root.join(format!("{TMP_PREFIX}v{version}-{}", std::process::id()));
    copy_tree(intents, &tmp)
        .with_context(|| format!("cannot copy {} to {}", intents.display(), tmp.display()))?;
    let dir = version_dir(data, version);
    if dir.exists() {
        // Left by a publish that crashed before switching CURRENT: never in force.
        fs::remove_dir_all(&dir).with_context(|| format!("cannot remove {}", dir.display()))?;
    }
    fs::rename(&tmp, &dir).with_context(|| format!("cannot create {}", dir.display()))?;
    write_atomically(&root.join(CURRENT_FILE), &format!("{version}\n"))?;
    prune(&root, version);
    Ok(Snapshot { version, dir })
}

/// Whether `a` and `b` hold the same files with the same bytes.
pub(crate) fn same_tree(a: &Path, b: &Path) -> anyhow::Result<bool> {
    Ok(list_files(a, a)? == list_files(b, b)?)
}

/// Every file under `dir` as (relative path, bytes), sorted; hidden entries skipped.
fn list_files(base: &Path, dir: &Path) -> anyhow::Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            out.extend(list_files(base, &path)?);
        } else {
            let relative = path.strip_prefix(base).unwrap_or(&path).to_path_buf();
            out.push((relative, fs::read(&path)?));
        }
    }
    out.sort();
    Ok(out)
}

fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(to)?;
    for (relative, bytes) in list_files(from, from)? {
        let target = to.join(&relative);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        let mut file = fs::File::create(&target)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
    }
    Ok(())
}

fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let tmp = path.with_file_name(format!("{TMP_PREFIX}{}", std::process::id()));
    let mut file =
        fs::File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// Removes temporary entries left by an interrupted publish.
fn clear_leftovers(root: &Path) -> anyhow::Result<()> {
    for entry in fs::read_dir(root)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(TMP_PREFIX) {
            let path = entry.path();
            let removed = if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            removed.with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    Ok(())
}

/// Removes versions older than the last [`KEEP`]; a failure only leaves more on disk.
fn prune(root: &Path, newest: u64) {
    let Ok(entries) = fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let old = name
            .to_str()
            .and_then(|n| n.strip_prefix('v'))
            .and_then(|n| n.parse::<u64>().ok())
            .is_some_and(|v| v + KEEP <= newest);
        if old {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}
