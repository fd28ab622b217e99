//! Filling `{name}` placeholders in answer variants and canned lines.
//!
//! A placeholder is `{` + one or more of `[a-z0-9_]` + `}`; any other brace is literal text. A
//! variant whose placeholder has no value cannot be used (the caller skips it), rather than
//! showing the customer a raw `{kva}`.

/// `template` with every placeholder replaced by `value(name)`, or `None` if one has no value.
pub(crate) fn fill(template: &str, value: impl Fn(&str) -> Option<String>) -> Option<String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if is_name(&after[..close]) => {
                out.push_str(&value(&after[..close])?);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Some(out)
}

/// Whether `template` can be filled by `value` (every placeholder has a value).
pub(crate) fn fillable(template: &str, value: impl Fn(&str) -> Option<String>) -> bool {
    fill(template, value).is_some()
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kva(name: &str) -> Option<String> {
        (name == "kva").then(|| "15".to_string())
    }

    #[test]
    fn fills_known_placeholders() {
        assert_eq!(
            fill("Pour {kva} kVA, {kva} it is.", kva).as_deref(),
            Some("Pour 15 kVA, 15 it is.")
        );
    }

    #[test]
    fn unknown_placeholder_makes_the_variant_unusable() {
        assert_eq!(fill("Index {index}", kva), None);
        assert!(!fillable("{kva} and {date}", kva));
    }

    #[test]
    fn other_braces_are_literal() {
        assert_eq!(
            fill("{ not one } {Kva} {} {", kva).as_deref(),
            Some("{ not one } {Kva} {} {")
        );
    }
}
