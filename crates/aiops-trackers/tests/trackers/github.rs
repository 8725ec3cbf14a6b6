//! github provider against the fake (being written).
