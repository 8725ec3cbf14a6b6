use std::collections::HashMap;

use aiops_types::{AuthMethod, Role};

use super::*;

/// A resolver answering from a table; a name not in it does not resolve.
struct Table(HashMap<&'static str, Vec<IpAddr>>);

impl Resolve for Table {
    fn resolve(&self, host: &str, _port: u16) -> std::io::Result<Vec<IpAddr>> {
        self.0
            .get(host)
            .cloned()
            .ok_or_else(|| std::io::Error::other("no such host"))
    }
}

fn principal(role: Role) -> Principal {
    Principal {
        user_id: 2,
        email: "m@example.com".into(),
        role,
        scopes: role.scopes(),
        method: AuthMethod::ApiKey,
        credential_id: 1,
        ip: None,
        session: None,
    }
}

fn table() -> Table {
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    Table(HashMap::from([
        ("git.example.com", vec![ip("140.82.112.3")]),
        (
            "rebind.example.com",
            vec![ip("140.82.112.3"), ip("127.0.0.1")],
        ),
        ("v6.example.com", vec![ip("::ffff:10.1.2.3")]),
        ("git.internal.example", vec![ip("10.9.8.7")]),
        ("lab.example.com", vec![ip("10.20.0.5")]),
    ]))
}

fn check(allow: &[&str], role: Role, url: &str) -> CoreResult<()> {
    let allow =
        AllowList::parse(&allow.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()).unwrap();
    let t = table();
    RepoHosts {
        allow: &allow,
        resolver: &t,
    }
    .check(&principal(role), url)
}

#[test]
fn members_may_not_point_at_internal_addresses() {
    for url in [
        "https://127.0.0.1:8060/x.git",
        "https://127.1/x.git",
        "https://[::1]/x",
        "https://[::ffff:127.0.0.1]/x",
        "https://[::ffff:7f00:1]/x",
        "https://[64:ff9b::a00:1]/x",
        "https://[2002:a00:1::]/x",
        "https://0.0.0.0/x",
        "https://[::]/x",
        "https://localhost/x",
        "https://LocalHost./x",
        "https://api.localhost/x",
        "https://10.0.0.1/x",
        "https://172.16.5.4/x",
        "https://172.31.255.255/x",
        "https://192.168.1.1/x",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/x",
        "https://[fd12:3456::1]/x",
        "https://[fe80::1]/x",
        "ssh://git@10.0.0.1:2222/x.git",
        "git@192.168.0.2:o/r.git",
        "https://user:pw@127.0.0.1/x",
        "https://rebind.example.com/x",
        "https://v6.example.com/x",
        "https://nowhere.example.com/x",
        "https://1%2e2.example/x",
    ] {
        let r = check(&[], Role::Member, url);
        assert!(
            matches!(
                &r,
                Err(CoreError::Invalid {
                    field: Some("repo_url"),
                    ..
                })
            ),
            "{url} must be a 400: {r:?}"
        );
    }
}

#[test]
fn public_hosts_admins_and_the_allow_list_pass() {
    assert!(check(&[], Role::Member, "https://git.example.com/o/r.git").is_ok());
    assert!(check(&[], Role::Member, "https://140.82.112.3/o/r.git").is_ok());
    assert!(
        check(&[], Role::Member, "https://172.32.0.1/o/r.git").is_ok(),
        "just outside /12"
    );
    assert!(check(&[], Role::Admin, "https://127.0.0.1:9/x").is_ok());
    assert!(
        check(&[], Role::Member, "/srv/git/x").is_ok(),
        "paths: judged elsewhere"
    );
    let allow = ["git.internal.example", "10.20.0.0/16", "fd00::/8"];
    assert!(check(&allow, Role::Member, "https://git.internal.example/x").is_ok());
    assert!(check(&allow, Role::Member, "git@git.internal.example:o/r").is_ok());
    assert!(check(&allow, Role::Member, "https://lab.example.com/x").is_ok());
    assert!(check(&allow, Role::Member, "https://[fd00::5]/x").is_ok());
    assert!(check(&allow, Role::Member, "https://10.21.0.1/x").is_err());
    assert!(check(&allow, Role::Member, "https://127.0.0.1/x").is_err());
}

#[test]
fn allow_list_entries_are_checked() {
    for bad in [
        "10.0.0.0/33",
        "not a host",
        "10.0.0.0/x",
        "fd00::/129",
        "-x",
    ] {
        assert!(AllowList::parse(&[bad.to_owned()]).is_err(), "{bad}");
    }
    assert!(AllowList::parse(&["[::1]".to_owned(), "Git.Example.".to_owned()]).is_ok());
}

#[test]
fn hosts_are_read_the_way_git_reads_them() {
    let h = |u: &str| host_of(u);
    assert_eq!(h("https://a.b/c"), Some(("a.b".into(), 443)));
    assert_eq!(h("https://u:p@A.B:8443/c?d#e"), Some(("a.b".into(), 8443)));
    assert_eq!(h("ssh://git@[::1]:22/x"), Some(("::1".into(), 22)));
    assert_eq!(h("git@host.example:o/r"), Some(("host.example".into(), 22)));
    assert_eq!(h("/srv/x"), None);
    assert_eq!(h("file:///srv/x"), None);
}

#[test]
fn unreachable_clone_errors_are_one_message_for_members() {
    let refused = CoreError::Upstream(
        "cannot clone https://10.0.0.1:5432/x: fatal: unable to access '…': Failed to connect to 10.0.0.1 port 5432: Connection refused".into(),
    );
    let (shown, hidden) = shown_error(&principal(Role::Member), refused);
    assert_eq!(shown.to_string(), UNREACHABLE_MESSAGE);
    assert!(hidden.unwrap().contains("Connection refused"));
    let timeout = CoreError::Upstream("`git` did not finish within 600 s and was stopped".into());
    let (shown, _) = shown_error(&principal(Role::Member), timeout);
    assert_eq!(
        shown.to_string(),
        UNREACHABLE_MESSAGE,
        "a timeout looks the same"
    );
    let dns = CoreError::Upstream("fatal: Could not resolve host: x.internal".into());
    assert_eq!(
        shown_error(&principal(Role::Member), dns).0.to_string(),
        UNREACHABLE_MESSAGE
    );
    let admin = CoreError::Upstream("Connection refused".into());
    assert_eq!(
        shown_error(&principal(Role::Admin), admin).0.to_string(),
        "Connection refused"
    );
    let auth = CoreError::Upstream("remote: Repository not found.".into());
    assert!(
        shown_error(&principal(Role::Member), auth).1.is_none(),
        "other failures stay"
    );
    let mut notes =
        vec!["fetch failed, working from the last fetched state: Connection timed out".to_owned()];
    let hidden = shown_notes(&principal(Role::Member), &mut notes);
    assert_eq!(hidden.len(), 1);
    assert!(notes[0].starts_with(UNREACHABLE_MESSAGE), "{notes:?}");
}
