//! Timestamps as fixed-width RFC 3339 UTC text (`2026-11-21T20:06:36.123Z`), so text order
//! is time order and `sqlite3` shows them readably.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ts(pub OffsetDateTime);

pub(crate) fn format(t: OffsetDateTime) -> String {
    let f =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    t.to_offset(UtcOffset::UTC)
        .format(&f)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_owned())
}

impl ToSql for Ts {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(format(self.0)))
    }
}

impl FromSql for Ts {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = value.as_str()?;
        if let Some(t) = parse_fixed(s.as_bytes()) {
            return Ok(Ts(t));
        }
        OffsetDateTime::parse(s, &Rfc3339)
            .map(Ts)
            .map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

/// The store's own `YYYY-MM-DDTHH:MM:SS.mmmZ` without a general RFC 3339 parser: list
/// pages read three timestamps per row, and this is most of their parsing cost. None for
/// anything else (which then goes through the full parser).
fn parse_fixed(b: &[u8]) -> Option<OffsetDateTime> {
    if b.len() != 24
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
        || b[23] != b'Z'
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let month = time::Month::try_from(u8::try_from(num(5, 7)?).ok()?).ok()?;
    let date = time::Date::from_calendar_date(
        i32::try_from(num(0, 4)?).ok()?,
        month,
        u8::try_from(num(8, 10)?).ok()?,
    )
    .ok()?;
    let t = time::Time::from_hms_milli(
        u8::try_from(num(11, 13)?).ok()?,
        u8::try_from(num(14, 16)?).ok()?,
        u8::try_from(num(17, 19)?).ok()?,
        u16::try_from(num(20, 23)?).ok()?,
    )
    .ok()?;
    Some(time::PrimitiveDateTime::new(date, t).assume_utc())
}

/// Now, truncated to the millisecond so a value read back equals the value written.
pub(crate) fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_millisecond(t.millisecond()).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixed_format_parses_like_rfc3339() {
        for text in [
            "2026-11-21T20:06:36.123Z",
            "1999-01-01T00:00:00.000Z",
            "2024-02-29T23:59:59.999Z",
        ] {
            let full = OffsetDateTime::parse(text, &Rfc3339).unwrap();
            assert_eq!(parse_fixed(text.as_bytes()), Some(full), "{text}");
            assert_eq!(format(full), text);
        }
        for bad in [
            "2026-13-01T00:00:00.000Z",
            "2026-11-21T20:06:36Z",
            "2026-11-21 20:06:36.123Z",
            "2026-11-21T2a:06:36.123Z",
        ] {
            assert_eq!(parse_fixed(bad.as_bytes()), None, "{bad}");
        }
    }
}
