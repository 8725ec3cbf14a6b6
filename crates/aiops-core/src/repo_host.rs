//! Where a non-admin's `repo_url` may point. The server clones it, so a URL naming a
//! loopback, link-local or private address would let any member make the server talk
//! to its own internal services (server-side request forgery) and, from the clone
//! errors, map which internal ports are open.
//!
//! The host of the URL is resolved and *every* address it resolves to is judged; an
//! address in one of the ranges of RFC 6890 that is not globally reachable (and the
//! IPv6 forms that embed such an IPv4 address: IPv4-mapped, IPv4-compatible, NAT64
//! 64:ff9b::/96, 6to4 2002::/16) is refused with a 400. A name that cannot be resolved
//! is refused too: it cannot be judged. Admins are not checked (they may even use paths
//! on the server's disk), and an admin's `repo_url_allow` setting lets members use
//! named hosts or whole networks.
//!
//! This judges the URL when it is set. git resolves the name again when it clones, so a
//! name whose DNS answer changes in between (DNS rebinding) is not stopped here.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::{CoreError, CoreResult, Principal};

/// Resolves a host name to all of its addresses (the system resolver in the server; a
/// table in tests).
pub trait Resolve: Sync {
    /// Every address `host` resolves to (`port` as for a connection); an I/O error when it
    /// does not resolve.
    fn resolve(&self, host: &str, port: u16) -> std::io::Result<Vec<IpAddr>>;
}

/// One `repo_url_allow` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Allowed {
    /// A host name, lowercase, compared exactly (no resolving: the admin named it).
    Host(String),
    /// An address range, `10.0.0.0/8`; a bare address is a /32 or /128.
    Net(IpAddr, u8),
}

/// The admins' exceptions (`repo_url_allow`): host names and CIDR ranges members may use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList(Vec<Allowed>);

impl AllowList {
    /// Parses `["git.internal.example", "10.0.0.0/8", "fd00::/8", "192.168.1.5"]`.
    /// Errors name the entry that is neither a host name nor an address or range.
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        let mut out = Vec::new();
        for e in entries {
            let e = e.trim();
            let bad = || format!("repo_url_allow: `{e}` is not a host name, address or CIDR range");
            let item = if let Some((addr, len)) = e.split_once('/') {
                let ip: IpAddr = addr.parse().map_err(|_| bad())?;
                let len: u8 = len.parse().map_err(|_| bad())?;
                if len > if ip.is_ipv4() { 32 } else { 128 } {
                    return Err(bad());
                }
                Allowed::Net(ip, len)
            } else if let Ok(ip) = e.trim_matches(['[', ']']).parse::<IpAddr>() {
                Allowed::Net(ip, if ip.is_ipv4() { 32 } else { 128 })
            } else if is_host_name(e) {
                Allowed::Host(e.trim_end_matches('.').to_ascii_lowercase())
            } else {
                return Err(bad());
            };
            out.push(item);
        }
        Ok(Self(out))
    }

    fn allows_host(&self, host: &str) -> bool {
        self.0
            .iter()
            .any(|a| matches!(a, Allowed::Host(h) if h == host))
    }

    fn allows_ip(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|a| match *a {
            Allowed::Net(net, len) => in_net(ip, canonical(net), len),
            Allowed::Host(_) => false,
        })
    }
}

/// What judging a URL needs: the admins' exceptions and a resolver.
pub struct RepoHosts<'a> {
    /// The admins' exceptions (`repo_url_allow`).
    pub allow: &'a AllowList,
    /// Resolves host names to addresses.
    pub resolver: &'a dyn Resolve,
}

impl RepoHosts<'_> {
    /// `Ok` when `caller` may point a project at `url` (already checked by
    /// `validate::repo_url`). `Invalid` (400) naming the host, the address and its range
    /// otherwise. Admins are never checked.
    pub fn check(&self, caller: &Principal, url: &str) -> CoreResult<()> {
        if caller.is_admin() {
            return Ok(());
        }
        let Some((host, port)) = host_of(url) else {
            return Ok(()); // a path on the server's disk: admins only, checked elsewhere
        };
        let bad = |m: String| Err(CoreError::invalid("repo_url", m));
        if !is_host_name(&host) && host.parse::<Ipv6Addr>().is_err() {
            return bad(format!("repo_url host `{host}` is not a valid host name"));
        }
        if self.allow.allows_host(&host) {
            return Ok(());
        }
        if host == "localhost" || host.ends_with(".localhost") {
            // RFC 6761 §6.3: always loopback, whatever a resolver says.
            return bad(format!(
                "repo_url host `{host}` is loopback; repositories on internal addresses need an admin (or repo_url_allow)"
            ));
        }
        let addrs = match host.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => match self.resolver.resolve(&host, port) {
                Ok(a) if !a.is_empty() => a,
                Ok(_) | Err(_) => {
                    return bad(format!(
                        "repo_url host `{host}` cannot be resolved, so it cannot be checked; fix the name, or ask an admin to add it to repo_url_allow"
                    ));
                }
            },
        };
        for ip in addrs {
            if let Some(range) = internal_range(ip)
                && !self.allow.allows_ip(ip)
            {
                return bad(format!(
                    "repo_url host `{host}` resolves to {ip}, {range}; repositories on internal addresses need an admin (or repo_url_allow)"
                ));
            }
        }
        Ok(())
    }
}

/// The host (lowercase, without brackets or a trailing dot) and port of an `https://`,
/// `ssh://` or scp-like (`user@host:path`) URL; `None` for anything else (local paths).
pub fn host_of(url: &str) -> Option<(String, u16)> {
    let (rest, default_port) = if let Some(r) = url.strip_prefix("https://") {
        (r, 443)
    } else if let Some(r) = url.strip_prefix("ssh://") {
        (r, 22)
    } else if let Some(r) = url.strip_prefix("http://") {
        (r, 80)
    } else if !url.contains("://") && !url.starts_with('/') {
        // scp-like: user@host:path (no port in this syntax)
        let (before, _) = url.split_once(':')?;
        let host = before.rsplit_once('@').map_or(before, |(_, h)| h);
        return Some((normalise(host), 22));
    } else {
        return None;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (h, after) = v6.split_once(']')?;
        (h, after.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let port = match port {
        Some(p) => p.parse().ok()?,
        None => default_port,
    };
    Some((normalise(host), port))
}

fn normalise(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// Letters, digits, `-` and `.` only: what DNS names are. Keeps `%`-escapes, zone ids
/// and other spellings that git or curl might read differently from us out.
fn is_host_name(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 253
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && !h.starts_with(['-', '.'])
}

/// An IPv6 address that carries an IPv4 one (mapped, compatible, NAT64, 6to4) as that
/// IPv4 address; anything else unchanged.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => embedded_v4(v6).map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let v4 = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    if let Some(m) = v6.to_ipv4_mapped() {
        return Some(m); // ::ffff:a.b.c.d (RFC 4291 §2.5.5.2)
    }
    match s {
        // ::a.b.c.d, IPv4-compatible (RFC 4291 §2.5.5.1, deprecated); not :: or ::1.
        [0, 0, 0, 0, 0, 0, hi, lo] if hi != 0 => Some(v4(hi, lo)),
        // 64:ff9b::a.b.c.d, the NAT64 well-known prefix (RFC 6052).
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(v4(hi, lo)),
        // 2002:AABB:CCDD::/48, 6to4 (RFC 3056).
        [0x2002, hi, lo, ..] => Some(v4(hi, lo)),
        _ => None,
    }
}

fn in_net(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// The internal (not globally reachable) range `ip` is in, named for a message; `None`
/// for a public address. Ranges from RFC 6890 and the RFCs named beside each.
pub fn internal_range(ip: IpAddr) -> Option<&'static str> {
    match canonical(ip) {
        IpAddr::V4(v4) => v4_range(v4),
        IpAddr::V6(v6) => {
            let s0 = v6.segments()[0];
            if v6.is_unspecified() {
                Some("the unspecified address (::)")
            } else if v6.is_loopback() {
                Some("a loopback address (::1)")
            } else if s0 & 0xfe00 == 0xfc00 {
                Some("a unique local address (fc00::/7, RFC 4193)")
            } else if s0 & 0xffc0 == 0xfe80 {
                Some("a link-local address (fe80::/10, RFC 4291)")
            } else if s0 & 0xffc0 == 0xfec0 {
                Some("a site-local address (fec0::/10, RFC 3879)")
            } else if s0 & 0xff00 == 0xff00 {
                Some("a multicast address (ff00::/8)")
            } else {
                None
            }
        }
    }
}

fn v4_range(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    let within = |net: [u8; 4], len: u8| in_net(IpAddr::V4(ip), IpAddr::V4(net.into()), len);
    Some(match o {
        [0, ..] => "a \"this network\" address (0.0.0.0/8, RFC 1122)",
        [10, ..] => "a private address (10.0.0.0/8, RFC 1918)",
        [127, ..] => "a loopback address (127.0.0.0/8, RFC 1122)",
        [169, 254, ..] => "a link-local address (169.254.0.0/16, RFC 3927)",
        [192, 168, ..] => "a private address (192.168.0.0/16, RFC 1918)",
        [192, 0, 0, _] => "an IETF protocol address (192.0.0.0/24, RFC 6890)",
        _ if within([172, 16, 0, 0], 12) => "a private address (172.16.0.0/12, RFC 1918)",
        _ if within([100, 64, 0, 0], 10) => "a shared (CGNAT) address (100.64.0.0/10, RFC 6598)",
        _ if within([198, 18, 0, 0], 15) => "a benchmarking address (198.18.0.0/15, RFC 2544)",
        _ if o[0] >= 224 => "a multicast or reserved address (224.0.0.0/3)",
        _ => return None,
    })
}

/// Git's words for "could not reach the host": the failures that, shown to a member,
/// would tell an open port from a closed one or a live name from a dead one.
const UNREACHABLE: &[&str] = &[
    "could not resolve",
    "name or service not known",
    "temporary failure in name resolution",
    "connection refused",
    "connection timed out",
    "connection reset",
    "timed out",
    "did not finish within",
    "failed to connect",
    "couldn't connect",
    "no route to host",
    "network is unreachable",
    "ssh: connect to host",
    "empty reply from server",
    "ssl_connect",
    "tls connect",
];

/// The one message a member gets for any of git's "could not reach the host" failures
/// (`UNREACHABLE`), so it cannot tell a closed port from an open one.
pub const UNREACHABLE_MESSAGE: &str =
    "cannot reach the project's repository; an admin finds the details in the server log";

/// Whether a clone or fetch error message says the host could not be reached.
pub fn is_unreachable(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    UNREACHABLE.iter().any(|w| m.contains(w))
}

/// A session start's error as `caller` may see it: for non-admins, an upstream failure
/// that says the repository's host could not be reached becomes [`UNREACHABLE_MESSAGE`].
/// Returns the original message too when it was replaced, for the server log.
pub fn shown_error(caller: &Principal, e: CoreError) -> (CoreError, Option<String>) {
    match e {
        CoreError::Upstream(m) if !caller.is_admin() && is_unreachable(&m) => {
            (CoreError::Upstream(UNREACHABLE_MESSAGE.to_owned()), Some(m))
        }
        e => (e, None),
    }
}

/// A session's notes (warnings) as `caller` may see them: the same replacement as
/// [`shown_error`], note by note. Returns the replaced originals for the server log.
pub fn shown_notes(caller: &Principal, notes: &mut [String]) -> Vec<String> {
    if caller.is_admin() {
        return Vec::new();
    }
    let mut hidden = Vec::new();
    for n in notes.iter_mut().filter(|n| is_unreachable(n)) {
        hidden.push(std::mem::replace(
            n,
            format!("{UNREACHABLE_MESSAGE} (working from the last fetched state)"),
        ));
    }
    hidden
}

#[cfg(test)]
#[path = "repo_host_tests.rs"]
mod tests;
