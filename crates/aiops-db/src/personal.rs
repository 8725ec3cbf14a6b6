//! Rows of `user_integrations` as the API shows them (token presence, never the token).

use aiops_types::PersonalCredential;
use rusqlite::Row;

use crate::Ts;
use crate::parse_text;

pub(crate) const PERSONAL_SELECT: &str = "SELECT u.integration_id, g.name, g.provider, u.token IS NOT NULL,
    u.login, u.updated_at, u.email FROM user_integrations u JOIN integrations g ON g.id = u.integration_id";

pub(crate) fn personal(r: &Row<'_>) -> rusqlite::Result<PersonalCredential> {
    Ok(PersonalCredential {
        integration_id: r.get(0)?,
        integration_name: r.get(1)?,
        provider: parse_text(2, &r.get::<_, String>(2)?)?,
        has_token: r.get(3)?,
        login: r.get(4)?,
        email: r.get(6)?,
        updated_at: r.get::<_, Ts>(5)?.0,
    })
}
