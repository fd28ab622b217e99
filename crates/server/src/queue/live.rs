//! The advisors' live view: bot conversations active lately, so that an advisor can take one
//! over before the customer asks.
//!
//! Fed by customer turns (best effort: a busy queue may drop an update), bounded in size and
//! age, and shown to each advisor in their languages only.

use std::collections::HashMap;
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

/// A conversation older than this since its last turn leaves the view.
pub(crate) const LIVE_WINDOW: Duration = Duration::from_secs(10 * 60);
/// Most conversations kept; the least recently active go first.
const MAX_LIVE: usize = 500;
/// Most conversations sent to one advisor.
pub(crate) const MAX_SHOWN: usize = 50;

/// One bot conversation as the live view shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct LiveItem {
    pub(crate) conversation: String,
    pub(crate) lang: String,
    /// The customer's latest message, cut short (untrusted text).
    pub(crate) last_text_preview: String,
    pub(crate) turns: u32,
    pub(crate) started_ms: u64,
    pub(crate) last_ms: u64,
    pub(crate) misunderstandings: u32,
    pub(crate) frustration: u32,
}

/// The live conversations.
#[derive(Debug, Default)]
pub(crate) struct LiveBoard {
    items: HashMap<String, (LiveItem, Instant)>,
}

impl LiveBoard {
    /// Records a bot turn.
    pub(crate) fn touch(&mut self, item: LiveItem, now: Instant) {
        if self.items.len() >= MAX_LIVE && !self.items.contains_key(&item.conversation) {
            self.prune(now);
            if self.items.len() >= MAX_LIVE {
                let oldest = self
                    .items
                    .iter()
                    .min_by_key(|(_, (_, at))| *at)
                    .map(|(id, _)| id.clone());
                if let Some(oldest) = oldest {
                    self.items.remove(&oldest);
                }
            }
        }
        self.items.insert(item.conversation.clone(), (item, now));
    }

    /// The conversation left the bot (queued or taken over).
    pub(crate) fn remove(&mut self, id: &str) -> bool {
        self.items.remove(id).is_some()
    }

    /// Drops conversations quiet for longer than [`LIVE_WINDOW`]; says whether any left.
    pub(crate) fn prune(&mut self, now: Instant) -> bool {
        let before = self.items.len();
        self.items
            .retain(|_, (_, at)| now.saturating_duration_since(*at) < LIVE_WINDOW);
        self.items.len() != before
    }

    /// The conversations in `langs`, most recently active first, at most [`MAX_SHOWN`].
    pub(crate) fn for_langs(&self, langs: &[String]) -> Vec<&LiveItem> {
        let mut items: Vec<&(LiveItem, Instant)> = self
            .items
            .values()
            .filter(|(item, _)| langs.contains(&item.lang))
            .collect();
        items.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| a.0.conversation.cmp(&b.0.conversation))
        });
        items
            .into_iter()
            .take(MAX_SHOWN)
            .map(|(item, _)| item)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, lang: &str) -> LiveItem {
        LiveItem {
            conversation: id.into(),
            lang: lang.into(),
            last_text_preview: "hello".into(),
            turns: 1,
            started_ms: 0,
            last_ms: 0,
            misunderstandings: 0,
            frustration: 0,
        }
    }

    #[test]
    fn items_are_filtered_by_language_newest_first_and_expire() {
        let mut board = LiveBoard::default();
        let start = Instant::now();
        board.touch(item("a", "fr"), start);
        board.touch(item("b", "en"), start + Duration::from_secs(1));
        board.touch(item("c", "fr"), start + Duration::from_secs(2));
        let fr: Vec<&str> = board
            .for_langs(&["fr".into()])
            .iter()
            .map(|i| i.conversation.as_str())
            .collect();
        assert_eq!(fr, ["c", "a"]);
        assert!(board.prune(start + LIVE_WINDOW + Duration::from_millis(500)));
        let all: Vec<&str> = board
            .for_langs(&["fr".into(), "en".into()])
            .iter()
            .map(|i| i.conversation.as_str())
            .collect();
        assert_eq!(all, ["c", "b"]);
        assert!(board.remove("c"));
        assert!(!board.remove("c"));
    }

    #[test]
    fn the_board_is_bounded() {
        let mut board = LiveBoard::default();
        let now = Instant::now();
        for i in 0..(MAX_LIVE + 10) {
            board.touch(
                item(&format!("c{i}"), "fr"),
                now + Duration::from_millis(i as u64),
            );
        }
        assert_eq!(board.items.len(), MAX_LIVE);
        assert!(
            !board.items.contains_key("c0"),
            "the least recent went first"
        );
    }
}
