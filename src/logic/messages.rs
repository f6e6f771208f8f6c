//! Every text the widget shows, per locale.
//!
//! One enum of message ids and one exhaustive `match` per locale: a missing translation is a
//! compile error, not a blank label in front of a stressed visitor.

/// Supported languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locale {
    En,
}

impl Locale {
    pub const ALL: [Locale; 1] = [Locale::En];
    /// For warnings: the accepted `locale` values.
    pub const TAGS: &'static str = "\"en\"";

    /// The BCP 47 tag for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
        }
    }

    pub fn is_right_to_left(self) -> bool {
        match self {
            Locale::En => false,
        }
    }

    /// Matches a language tag by its primary subtag, case-insensitively (`en-GB` → English).
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        Locale::ALL
            .into_iter()
            .find(|l| l.tag().eq_ignore_ascii_case(primary))
    }

    /// The first supported language in the visitor's preference order, else English.
    pub fn negotiate<'a>(preferred: impl IntoIterator<Item = &'a str>) -> Locale {
        preferred
            .into_iter()
            .find_map(Locale::from_tag)
            .unwrap_or(Locale::En)
    }
}

/// Texts of the recovery widget. `{}` marks where a number goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message {
    StatusWaiting,
    StatusChecking,
    StatusPausedHidden,
    StatusPausedOffline,
    StatusFollowing,
    StatusWaitingRetryAfter,
    StatusRecovered,
    StatusManual,
    StatusStopped,
    CountdownSeconds,
    CheckNow,
    ReloadNow,
}

pub fn text(locale: Locale, message: Message) -> &'static str {
    match locale {
        Locale::En => english(message),
    }
}

fn english(message: Message) -> &'static str {
    use Message::*;
    match message {
        StatusWaiting => "Still unavailable. This page keeps checking and reloads by itself when the site is back.",
        StatusChecking => "Checking whether the site is back…",
        StatusPausedHidden => "Checks are paused while this tab is in the background.",
        StatusPausedOffline => "Your device seems to be offline. Checks resume when the connection returns.",
        StatusFollowing => "Another open tab of this site is checking for both of you. This tab reloads when the site is back.",
        StatusWaitingRetryAfter => "The site asked visitors to wait before trying again. This page will check at the right time.",
        StatusRecovered => "The site is back. Reloading…",
        StatusManual => "The site is back. Reload when you are ready: your earlier request may have sent a form, so this page did not repeat it automatically.",
        StatusStopped => "Automatic checks have stopped. You can still check now.",
        CountdownSeconds => "Next check in {} s",
        CheckNow => "Check now",
        ReloadNow => "Reload page",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_follows_preference_and_falls_back_to_english() {
        assert_eq!(Locale::negotiate(["xx", "EN-gb"]), Locale::En);
        assert_eq!(Locale::negotiate([]), Locale::En);
        assert_eq!(Locale::from_tag("tlh"), None);
    }
}
