//! A conversation as the customer downloads it: lines with a time and a speaker, grouped by
//! day, rendered as plain text or as an HTML page in which every text is escaped.
//!
//! What is left out on purpose: the survey question (not part of the conversation), the
//! advisors' login names and the callback form's personal details (the transcript never held
//! them), and anything this build cannot read.

use relais_nlu::Lang;
use relais_store::StoredEvent;

use super::time::{Civil, offset_label};
use crate::protocol::{EndedBy, HandoffEvent, HandoffState};
use crate::transcript::Event;

/// Who a line is from.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Speaker {
    /// The customer.
    Customer,
    /// The virtual advisor.
    Bot,
    /// A human advisor, by display name.
    Agent(String),
    /// What happened (a handoff, the end of the chat): no speaker.
    Notice,
}

/// One line of the transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Line {
    at: Civil,
    speaker: Speaker,
    text: String,
}

/// A conversation ready to render.
#[derive(Debug)]
pub(crate) struct Document {
    lang: Lang,
    offset_min: i32,
    /// A short reference to quote to an advisor: the conversation id's first characters.
    reference: String,
    /// When the conversation started (first event), else when downloaded.
    started: Civil,
    downloaded: Civil,
    lines: Vec<Line>,
}

impl Document {
    /// The document of conversation `id` in `lang`, times at `offset_min` from UTC.
    pub(crate) fn new(
        id: &str,
        lang: Lang,
        offset_min: i32,
        events: &[StoredEvent],
        now_ms: u64,
    ) -> Document {
        let lines: Vec<Line> = events
            .iter()
            .filter_map(|stored| {
                let event = Event::from_json(stored.seq, &stored.body)?;
                let (speaker, text) = line_of(event, lang)?;
                Some(Line {
                    at: Civil::at(stored.at_ms, offset_min),
                    speaker,
                    text,
                })
            })
            .collect();
        let downloaded = Civil::at(now_ms, offset_min);
        Document {
            lang,
            offset_min,
            reference: id.chars().take(8).collect(),
            started: lines.first().map_or(downloaded, |line| line.at),
            downloaded,
            lines,
        }
    }

    /// The file name without extension: `conversation-2024-05-01`.
    pub(crate) fn file_stem(&self) -> String {
        format!("conversation-{}", self.started.iso_date())
    }

    /// The transcript as plain text.
    pub(crate) fn text(&self) -> String {
        let words = Words::of(self.lang);
        let mut out = format!(
            "{}\n{} : {}\n{} : {}\n{} {} {}\n",
            words.title,
            words.reference,
            self.reference,
            words.times,
            offset_label(self.offset_min),
            words.downloaded,
            self.downloaded.long_date(self.lang),
            self.downloaded.clock(),
        );
        if self.lang == Lang::En {
            // English takes no space before the colon.
            out = out.replace(" : ", ": ");
        }
        for (day, lines) in self.days() {
            out.push_str(&format!("\n--- {} ---\n", day.long_date(self.lang)));
            for line in lines {
                let head = match &line.speaker {
                    Speaker::Notice => format!("[{}] * ", line.at.clock()),
                    speaker => format!(
                        "[{}] {}{} ",
                        line.at.clock(),
                        speaker_name(speaker, &words),
                        words.colon
                    ),
                };
                out.push_str(&head);
                // Continuation lines are indented under the text, so speakers stay visible.
                let indent = " ".repeat(head.chars().count());
                out.push_str(&line.text.replace('\n', &format!("\n{indent}")));
                out.push('\n');
            }
        }
        out
    }

    /// The transcript as a printable HTML page linking the stylesheet at `stylesheet`.
    pub(crate) fn html(&self, stylesheet: &str) -> String {
        let words = Words::of(self.lang);
        let mut out = format!(
            "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{title} – {date}</title>\n\
             <link rel=\"stylesheet\" href=\"{css}\">\n</head>\n\
             <body class=\"rl-transcript\">\n<main class=\"rl-transcript-page\">\n\
             <h1 class=\"rl-transcript-title\">{title}</h1>\n\
             <dl class=\"rl-transcript-meta\">\n\
             <dt>{reference}</dt><dd>{id}</dd>\n\
             <dt>{times}</dt><dd>{offset}</dd>\n\
             <dt>{downloaded}</dt><dd>{when}</dd>\n</dl>\n",
            lang = self.lang.code(),
            title = escape(words.title),
            date = escape(&self.started.long_date(self.lang)),
            css = escape(stylesheet),
            reference = escape(words.reference),
            id = escape(&self.reference),
            times = escape(words.times),
            offset = escape(&offset_label(self.offset_min)),
            downloaded = escape(words.downloaded),
            when = escape(&format!(
                "{} {}",
                self.downloaded.long_date(self.lang),
                self.downloaded.clock()
            )),
        );
        for (day, lines) in self.days() {
            out.push_str(&format!(
                "<section class=\"rl-transcript-day\">\n<h2>{}</h2>\n<ol class=\"rl-transcript-log\">\n",
                escape(&day.long_date(self.lang))
            ));
            for line in lines {
                let (class, who) = match &line.speaker {
                    Speaker::Customer => ("customer", speaker_name(&line.speaker, &words)),
                    Speaker::Bot => ("bot", speaker_name(&line.speaker, &words)),
                    Speaker::Agent(_) => ("agent", speaker_name(&line.speaker, &words)),
                    Speaker::Notice => ("notice", String::new()),
                };
                out.push_str(&format!(
                    "<li class=\"rl-transcript-line rl-transcript-line--{class}\">\
                     <time class=\"rl-transcript-time\">{time}</time>",
                    time = escape(&line.at.clock())
                ));
                if !who.is_empty() {
                    out.push_str(&format!(
                        "<span class=\"rl-transcript-who\">{}</span>",
                        escape(&who)
                    ));
                }
                out.push_str(&format!(
                    "<p class=\"rl-transcript-text\">{}</p></li>\n",
                    escape(&line.text)
                ));
            }
            out.push_str("</ol>\n</section>\n");
        }
        out.push_str("</main>\n</body>\n</html>\n");
        out
    }

    /// The lines grouped by calendar day, in order.
    fn days(&self) -> Vec<(Civil, Vec<&Line>)> {
        let mut days: Vec<(Civil, Vec<&Line>)> = Vec::new();
        for line in &self.lines {
            match days.last_mut() {
                Some((day, lines)) if day.same_day(&line.at) => lines.push(line),
                _ => days.push((line.at, vec![line])),
            }
        }
        days
    }
}

/// The speaker and text of an event's line; `None` for events not shown.
fn line_of(event: Event, lang: Lang) -> Option<(Speaker, String)> {
    let notice = |fr: &str, en: &str| {
        let text = match lang {
            Lang::Fr => fr,
            Lang::En => en,
        };
        Some((Speaker::Notice, text.to_owned()))
    };
    match event {
        Event::Customer { text, .. } => Some((Speaker::Customer, text)),
        Event::Bot { message, .. } => Some((Speaker::Bot, message.text)),
        Event::Agent { text, agent, .. } => Some((Speaker::Agent(agent), text)),
        Event::Callback { .. } => notice(
            "Demande de rappel transmise à nos conseillers.",
            "Callback request sent to our advisors.",
        ),
        Event::Handoff { handoff, .. } => handoff_line(&handoff, lang),
        Event::End { .. } => notice("Discussion terminée.", "Chat ended."),
        Event::Survey { .. } => None,
        Event::SurveyAnswer { answer, .. } => {
            let score = answer.score?;
            let mut text = match lang {
                Lang::Fr => format!("Votre note de facilité : {score}/7."),
                Lang::En => format!("Your ease rating: {score}/7."),
            };
            if let Some(comment) = answer.comment {
                text.push_str(match lang {
                    Lang::Fr => " Votre commentaire : ",
                    Lang::En => " Your comment: ",
                });
                text.push_str(&comment);
            }
            Some((Speaker::Notice, text))
        }
    }
}

fn handoff_line(handoff: &HandoffEvent, lang: Lang) -> Option<(Speaker, String)> {
    let agent = handoff.agent.as_deref().unwrap_or(match lang {
        Lang::Fr => "Un conseiller",
        Lang::En => "An advisor",
    });
    let text = match (handoff.state, lang) {
        (HandoffState::Queued, Lang::Fr) => "En attente d’un conseiller.".to_owned(),
        (HandoffState::Queued, Lang::En) => "Waiting for an advisor.".to_owned(),
        (HandoffState::Assigned, Lang::Fr) => format!("{agent} a rejoint la conversation."),
        (HandoffState::Assigned, Lang::En) => format!("{agent} joined the conversation."),
        (HandoffState::Ended, Lang::Fr) if handoff.by == Some(EndedBy::Customer) => {
            "Vous avez quitté l’échange avec le conseiller.".to_owned()
        }
        (HandoffState::Ended, Lang::En) if handoff.by == Some(EndedBy::Customer) => {
            "You left the chat with the advisor.".to_owned()
        }
        (HandoffState::Ended, Lang::Fr) => "Le conseiller a clos l’échange.".to_owned(),
        (HandoffState::Ended, Lang::En) => "The advisor closed the chat.".to_owned(),
        (HandoffState::Returned, Lang::Fr) => {
            "Le conseiller vous a redirigé vers le conseiller virtuel.".to_owned()
        }
        (HandoffState::Returned, Lang::En) => {
            "The advisor handed you back to the virtual advisor.".to_owned()
        }
        (HandoffState::Unavailable, Lang::Fr) => {
            "Aucun conseiller n’était disponible en direct.".to_owned()
        }
        (HandoffState::Unavailable, Lang::En) => "No advisor was available live.".to_owned(),
    };
    Some((Speaker::Notice, text))
}

/// The fixed words of a transcript in one language.
struct Words {
    title: &'static str,
    reference: &'static str,
    times: &'static str,
    downloaded: &'static str,
    you: &'static str,
    bot: &'static str,
    /// Between a speaker and their words.
    colon: &'static str,
}

impl Words {
    fn of(lang: Lang) -> Words {
        match lang {
            Lang::Fr => Words {
                title: "Votre conversation avec notre service client",
                reference: "Référence",
                times: "Heures",
                downloaded: "Téléchargée le",
                you: "Vous",
                bot: "Conseiller virtuel",
                colon: "\u{a0}:",
            },
            Lang::En => Words {
                title: "Your conversation with our customer service",
                reference: "Reference",
                times: "Times",
                downloaded: "Downloaded on",
                you: "You",
                bot: "Virtual advisor",
                colon: ":",
            },
        }
    }
}

fn speaker_name(speaker: &Speaker, words: &Words) -> String {
    match speaker {
        Speaker::Customer => words.you.to_owned(),
        Speaker::Bot => words.bot.to_owned(),
        Speaker::Agent(name) => name.clone(),
        Speaker::Notice => String::new(),
    }
}

/// `text` safe inside HTML text and double-quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::protocol::HandoffEvent;

    const PAYLOAD: &str = "<img src=x onerror=alert(1)>";
    /// 2024-05-01 10:00:00 UTC.
    const T0: u64 = 1_714_557_600_000;

    fn stored(seq: u64, at_ms: u64, event: &Event) -> StoredEvent {
        StoredEvent {
            seq,
            at_ms,
            body: event.to_json(),
        }
    }

    fn sample() -> Vec<StoredEvent> {
        vec![
            stored(
                1,
                T0,
                &Event::Customer {
                    text: format!("{PAYLOAD}\nligne 2"),
                    id: None,
                    choice: None,
                },
            ),
            stored(
                2,
                T0 + 60_000,
                &Event::Handoff {
                    handoff: HandoffEvent::assigned("Zoé \"<b>\""),
                    name: Some("zoe".into()),
                },
            ),
            stored(
                3,
                T0 + 120_000,
                &Event::Agent {
                    text: "Bonjour & bienvenue".into(),
                    agent: "Zoé \"<b>\"".into(),
                    name: "zoe".into(),
                },
            ),
            // The next day at UTC+02:00.
            stored(
                4,
                T0 + 13 * 3_600_000,
                &Event::End {
                    by: crate::survey::EndReason::Customer,
                },
            ),
            StoredEvent {
                seq: 5,
                at_ms: T0,
                body: json!({"kind": "from_the_future"}),
            },
        ]
    }

    #[test]
    fn the_text_has_times_speakers_and_days_in_the_language() {
        let doc = Document::new(
            "0123456789abcdef",
            Lang::Fr,
            120,
            &sample(),
            T0 + 86_400_000,
        );
        let text = doc.text();
        let indent = " ".repeat("[12:00] Vous\u{a0}: ".chars().count());
        let expected = format!(
            "Votre conversation avec notre service client\n\
             Référence : 01234567\n\
             Heures : UTC+02:00\n\
             Téléchargée le 2 mai 2024 12:00\n\
             \n--- 1 mai 2024 ---\n\
             [12:00] Vous\u{a0}: <img src=x onerror=alert(1)>\n\
             {indent}ligne 2\n\
             [12:01] * Zoé \"<b>\" a rejoint la conversation.\n\
             [12:02] Zoé \"<b>\"\u{a0}: Bonjour & bienvenue\n\
             \n--- 2 mai 2024 ---\n\
             [01:00] * Discussion terminée.\n"
        );
        assert_eq!(text, expected);
        assert_eq!(doc.file_stem(), "conversation-2024-05-01");
    }

    #[test]
    fn english_uses_english_words_and_utc_by_default() {
        let doc = Document::new("c", Lang::En, 0, &sample(), T0);
        let text = doc.text();
        assert!(
            text.starts_with(
                "Your conversation with our customer service\nReference: c\nTimes: UTC\n"
            ),
            "{text}"
        );
        assert!(text.contains("[10:00] You: <img"), "{text}");
        assert!(text.contains("[23:00] * Chat ended."), "{text}");
    }

    #[test]
    fn the_html_escapes_every_text_and_has_no_script_or_inline_style() {
        let doc = Document::new("c", Lang::Fr, 0, &sample(), T0);
        let html = doc.html("https://chat.example/widget.css?\"x\"");
        for forbidden in ["<img", "<b>", "<script", "style=", "onerror=alert(1)>"] {
            assert!(!html.contains(forbidden), "{forbidden} in {html}");
        }
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;\nligne 2"));
        assert!(html.contains("Zoé &quot;&lt;b&gt;&quot; a rejoint la conversation."));
        assert!(html.contains("Bonjour &amp; bienvenue"));
        assert!(html.contains(
            "<link rel=\"stylesheet\" href=\"https://chat.example/widget.css?&quot;x&quot;\">"
        ));
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">"));
        assert_eq!(html.matches("<section").count(), 1, "one day at UTC");
    }
}
