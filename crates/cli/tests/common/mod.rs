//! Fixtures shared by the command tests that run `relais` on a copy of the demo corpus: the
//! copy itself, and reading what a finished command printed.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use tempfile::TempDir;

/// The demo corpus shipped with the repository.
fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../intents")
}

/// A temporary copy of the demo corpus: its top-level files and its `tests/`.
pub(crate) fn demo_copy() -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_files(&demo_dir(), dir.path());
    copy_files(&demo_dir().join("tests"), &dir.path().join("tests"));
    dir
}

fn copy_files(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create dir");
    for entry in fs::read_dir(from).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            let name = path.file_name().expect("file name");
            fs::copy(&path, to.join(name)).expect("copy");
        }
    }
}

/// What the command printed on stdout, lossily decoded.
pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// What the command printed on stderr, lossily decoded.
pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Fails the test, showing both streams, unless the command succeeded.
pub(crate) fn assert_ok(output: &Output) {
    assert!(
        output.status.success(),
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        stdout(output),
        stderr(output)
    );
}
