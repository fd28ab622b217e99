//! Where things are in the corpus: a file and a line, and the mapping from byte offsets to lines.

use std::fmt;
use std::path::PathBuf;

/// A place in a corpus file, shown as `file:line`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// The file, as the loader was given it (e.g. `intents/billing.toml`).
    pub file: PathBuf,
    /// The line, counted from 1.
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// A line and column, both counted from 1; the column counts characters, not bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Position {
    pub(crate) line: usize,
    pub(crate) column: usize,
}

/// Maps byte offsets of one text to lines and columns.
#[derive(Debug)]
pub(crate) struct LineIndex<'t> {
    text: &'t str,
    /// Byte offset at which each line starts; the first is always 0.
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    /// Indexes the line starts of `text`.
    pub(crate) fn new(text: &'t str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, starts }
    }

    /// The position of byte `offset`; offsets past the end map to the end of the text.
    pub(crate) fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        // `starts[0] == 0`, so the partition point is at least 1.
        let line = self.starts.partition_point(|&start| start <= offset);
        let start = self.starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |prefix| prefix.chars().count() + 1);
        Position { line, column }
    }
}

/// The line (from 1) holding byte `offset` of `bytes`, for text that is not valid UTF-8.
pub(crate) fn line_of_byte(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_lines_and_character_columns() {
        let index = LineIndex::new("ab\nçé = 1\n\nx");
        assert_eq!(index.position(0), Position { line: 1, column: 1 });
        assert_eq!(index.position(1), Position { line: 1, column: 2 });
        assert_eq!(index.position(3), Position { line: 2, column: 1 });
        // `ç` and `é` are two bytes each: byte 7 is the third character of line 2.
        assert_eq!(index.position(7), Position { line: 2, column: 3 });
        assert_eq!(index.position(12), Position { line: 3, column: 1 });
        assert_eq!(index.position(13), Position { line: 4, column: 1 });
        assert_eq!(index.position(99), Position { line: 4, column: 2 });
    }

    #[test]
    fn byte_lines_count_newlines_before_the_offset() {
        assert_eq!(line_of_byte(b"a\nb\n\xff", 4), 3);
        assert_eq!(line_of_byte(b"\xff", 0), 1);
    }
}
