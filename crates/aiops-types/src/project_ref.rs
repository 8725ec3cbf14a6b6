//! [`ProjectRef`]: how a project is named wherever a person or an agent names one.

/// A project named by its id (`12`), its slug (`web`: one among the projects the caller
/// sees) or its tenant and slug (`acme/web`, the tenant by slug or id). Parsed once
/// ([`ProjectRef::parse`]); resolved against what the caller sees by the server
/// (`aiops_core::projects::find`) or, for the CLI, by a project search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectRef {
    /// `12`.
    Id(i64),
    /// `web`, or `acme/web` with its tenant.
    Slug {
        /// The tenant's slug or id, when named.
        tenant: Option<String>,
        /// The project's slug.
        slug: String,
    },
}

impl ProjectRef {
    /// Reads `12`, `web` or `acme/web` (surrounding spaces ignored). Errors: empty text,
    /// or an empty side of `/`, with a sentence saying which forms there are.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bad = || format!("`{text}`: name a project by id, slug or tenant/slug");
        if text.is_empty() {
            return Err(bad());
        }
        if let Ok(id) = text.parse::<i64>() {
            return Ok(Self::Id(id));
        }
        match text.split_once('/') {
            Some((t, s)) if t.trim().is_empty() || s.trim().is_empty() || s.contains('/') => {
                Err(bad())
            }
            Some((t, s)) => Ok(Self::Slug {
                tenant: Some(t.trim().to_owned()),
                slug: s.trim().to_owned(),
            }),
            None => Ok(Self::Slug {
                tenant: None,
                slug: text.to_owned(),
            }),
        }
    }

    /// This reference with `tenant` (a `--tenant` option) for a bare slug; a tenant
    /// already named in the text and an id are kept.
    #[must_use]
    pub fn in_tenant(self, tenant: Option<&str>) -> Self {
        match (self, tenant.map(str::trim).filter(|t| !t.is_empty())) {
            (Self::Slug { tenant: None, slug }, Some(t)) => Self::Slug {
                tenant: Some(t.to_owned()),
                slug,
            },
            (r, _) => r,
        }
    }
}

impl std::fmt::Display for ProjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Id(id) => write!(f, "{id}"),
            Self::Slug {
                tenant: Some(t),
                slug,
            } => write!(f, "{t}/{slug}"),
            Self::Slug { tenant: None, slug } => f.write_str(slug),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ProjectRef;

    #[test]
    fn the_three_forms_parse_and_print_back() {
        assert_eq!(ProjectRef::parse(" 12 ").unwrap(), ProjectRef::Id(12));
        for text in ["web", "acme/web", "3/web"] {
            assert_eq!(ProjectRef::parse(text).unwrap().to_string(), text);
        }
        for bad in ["", "  ", "/web", "acme/", "a/b/c"] {
            assert!(ProjectRef::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_tenant_option_narrows_a_bare_slug_only() {
        let web = ProjectRef::parse("web").unwrap();
        assert_eq!(web.in_tenant(Some("acme")).to_string(), "acme/web");
        let named = ProjectRef::parse("beta/web").unwrap();
        assert_eq!(named.in_tenant(Some("acme")).to_string(), "beta/web");
        assert_eq!(ProjectRef::Id(4).in_tenant(Some("acme")), ProjectRef::Id(4));
    }
}
