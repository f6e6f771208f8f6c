//! German. PLACEHOLDER: falls back to English until the translation lands.

use super::Message;

pub(super) fn text(message: Message) -> &'static str {
    super::en::text(message)
}
