//! The report as a table for people: one figure per line, rates as percentages, then the
//! effort score distribution and the most frequent missed questions.
//!
//! It reads the report's JSON (the same whether computed here or by a server), so a field
//! missing from an older server shows as `-` rather than failing.

use std::fmt::Write;

use serde_json::Value;

/// The report as text.
pub(super) fn render(report: &Value) -> String {
    let mut out = String::new();
    let line = |out: &mut String, label: &str, value: String| {
        let _ = writeln!(out, "{label:<28} {value}");
    };
    let _ = writeln!(
        out,
        "Relais figures from {} to {} (UTC)\n",
        text(&report["from"]),
        text(&report["to"])
    );
    line(&mut out, "Conversations", count(&report["conversations"]));
    line(&mut out, "Customer turns", count(&report["customer_turns"]));
    line(
        &mut out,
        "Understanding rate",
        rate(&report["understanding_rate"]),
    );
    line(&mut out, "Fallback rate", rate(&report["fallback_rate"]));
    line(
        &mut out,
        "Clarifications accepted",
        format!(
            "{} of {} answered",
            rate(&report["clarification_acceptance_rate"]),
            count(&report["clarifications_answered"])
        ),
    );
    line(
        &mut out,
        "Containment rate",
        format!(
            "{} ({} without a human)",
            rate(&report["containment_rate"]),
            count(&report["contained"])
        ),
    );
    line(
        &mut out,
        "Handoff rate",
        format!(
            "{} ({} handoffs)",
            rate(&report["handoff_rate"]),
            count(&report["handoffs"])
        ),
    );
    if let Some(reasons) = report["handoffs_by_reason"].as_object() {
        for (reason, share) in reasons {
            if share["count"].as_u64().unwrap_or(0) > 0 {
                line(
                    &mut out,
                    &format!("  {}", reason.replace('_', " ")),
                    count(&share["count"]),
                );
            }
        }
    }
    line(&mut out, "Callbacks left", count(&report["callbacks"]));
    let queue = &report["queue"];
    line(
        &mut out,
        "Queue",
        format!(
            "{} queued, {} taken, {} left ({} abandonment)",
            count(&queue["queued"]),
            count(&queue["assigned"]),
            count(&queue["abandoned"]),
            rate(&queue["abandonment_rate"])
        ),
    );
    line(
        &mut out,
        "Queue wait p50 / p90",
        format!(
            "{} / {}",
            seconds(&queue["wait_p50_s"]),
            seconds(&queue["wait_p90_s"])
        ),
    );
    let first = &report["advisor_first_response"];
    line(
        &mut out,
        "Advisor first response",
        format!(
            "{} / {} (p50 / p90)",
            seconds(&first["p50_s"]),
            seconds(&first["p90_s"])
        ),
    );
    line(
        &mut out,
        "Effort score (CES, 1-7)",
        match report["ces_count"].as_u64() {
            Some(0) | None => "no answer yet".to_owned(),
            Some(n) => format!(
                "{:.2} from {n} answer(s); {} skipped",
                report["ces_mean"].as_f64().unwrap_or(0.0),
                count(&report["surveys_skipped"])
            ),
        },
    );
    if let Some(distribution) = report["ces_distribution"].as_array() {
        let bars: Vec<String> = distribution
            .iter()
            .zip(1..)
            .map(|(n, score)| format!("{score}:{}", count(n)))
            .collect();
        line(&mut out, "  distribution", bars.join("  "));
    }
    let _ = writeln!(
        out,
        "\nMissed questions: {} in all",
        count(&report["missed_questions_total"])
    );
    for missed in report["missed_questions"]
        .as_array()
        .into_iter()
        .flatten()
        .take(10)
    {
        let _ = writeln!(
            out,
            "  {:>5}  {}",
            count(&missed["count"]),
            text(&missed["text"])
        );
    }
    out
}

fn text(value: &Value) -> String {
    value.as_str().map_or_else(|| "-".to_owned(), str::to_owned)
}

fn count(value: &Value) -> String {
    value
        .as_u64()
        .map_or_else(|| "-".to_owned(), |n| n.to_string())
}

fn rate(value: &Value) -> String {
    value
        .as_f64()
        .map_or_else(|| "-".to_owned(), |r| format!("{:.1} %", r * 100.0))
}

fn seconds(value: &Value) -> String {
    value
        .as_u64()
        .map_or_else(|| "-".to_owned(), |s| format!("{s} s"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rates_read_as_percentages_and_missing_figures_as_dashes() {
        let table = render(&json!({
            "from": "2026-11-01", "to": "2026-11-22",
            "conversations": 4, "customer_turns": 10,
            "understanding_rate": 0.8, "fallback_rate": 0.2,
            "containment_rate": 0.5, "contained": 2, "handoff_rate": 0.25, "handoffs": 1,
            "handoffs_by_reason": {"explicit": {"count": 1, "rate": 0.25},
                                   "frustration": {"count": 0, "rate": 0.0}},
            "ces_count": 2, "ces_mean": 5.5, "surveys_skipped": 1,
            "ces_distribution": [0, 0, 0, 0, 1, 1, 0],
            "missed_questions_total": 3,
            "missed_questions": [{"text": "mon compteur fuit", "count": 2}],
        }));
        assert!(
            table.contains("Understanding rate           80.0 %"),
            "{table}"
        );
        assert!(table.contains("  explicit                   1"), "{table}");
        assert!(!table.contains("frustration"), "{table}");
        assert!(
            table.contains("5.50 from 2 answer(s); 1 skipped"),
            "{table}"
        );
        assert!(table.contains("5:1  6:1  7:0"), "{table}");
        assert!(
            table.contains("Queue wait p50 / p90         - / -"),
            "{table}"
        );
        assert!(table.contains("      2  mon compteur fuit"), "{table}");
    }
}
