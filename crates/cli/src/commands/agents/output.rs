//! What `relais agents` prints: one sentence per change, a table or JSON for `list`.
//!
//! Display names are untrusted text; before reaching a terminal their control characters are
//! replaced, so a name cannot carry escape sequences.

use std::fmt::Write as _;

use super::directory::{AgentView, Written};
use super::spec::AgentSpec;

/// The sentence printed after `add`.
pub(crate) fn written(spec: &AgentSpec, written: Written) -> String {
    let verb = match written {
        Written::Added => "added",
        Written::Updated => "updated",
    };
    let mut line = format!(
        "{verb} agent {} ({}; languages {}; skills {}; capacity {})",
        spec.name,
        printable(&spec.display_name),
        spec.langs.join(","),
        spec.skills.join(","),
        spec.capacity
    );
    if written == Written::Updated {
        line.push_str("; its open sessions are revoked");
    }
    line
}

/// `list` as a table with a header line; a hint when there is no agent.
pub(crate) fn table(agents: &[AgentView]) -> String {
    if agents.is_empty() {
        return "no agents yet: add one with `relais agents add NAME --lang fr --skills general`\n"
            .to_owned();
    }
    let header = ["NAME", "DISPLAY NAME", "LANGUAGES", "SKILLS", "CAPACITY"];
    let rows: Vec<[String; 5]> = agents
        .iter()
        .map(|a| {
            [
                a.name.clone(),
                printable(&a.display_name),
                a.langs.join(","),
                a.skills.join(","),
                a.capacity.to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header = header.map(str::to_owned);
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (cell, width) in row.iter().zip(widths) {
            // Writing to a String cannot fail.
            let _ = write!(line, "{cell:<width$}  ");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `list --json`: an array of agents, without password hashes.
pub(crate) fn json(agents: &[AgentView]) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(agents)? + "\n")
}

/// `text` with control characters replaced by U+FFFD.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(name: &str, display_name: &str) -> AgentView {
        AgentView {
            name: name.to_owned(),
            display_name: display_name.to_owned(),
            langs: vec!["fr".to_owned(), "en".to_owned()],
            skills: vec!["billing".to_owned()],
            capacity: 3,
        }
    }

    #[test]
    fn the_table_aligns_columns_under_a_header() {
        let table = table(&[view("alice", "Alice Martin"), view("bo", "Bo")]);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(
            lines[0].starts_with("NAME   DISPLAY NAME  LANGUAGES"),
            "{table}"
        );
        assert!(
            lines[1].starts_with("alice  Alice Martin  fr,en"),
            "{table}"
        );
        assert!(
            lines[2].starts_with("bo     Bo            fr,en"),
            "{table}"
        );
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let table = table(&[view("eve", "Eve\u{1b}[2J\u{7}")]);
        assert!(
            !table.chars().any(|c| c.is_control() && c != '\n'),
            "{table:?}"
        );
    }

    #[test]
    fn an_empty_directory_gets_a_hint() {
        assert!(table(&[]).contains("relais agents add"));
        assert_eq!(json(&[]).expect("json").trim(), "[]");
    }
}
