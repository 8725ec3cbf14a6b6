//! `user@host[:port]`: where a session host is reached.

use crate::{CoreError, CoreResult};

/// An SSH login: user, host name or address, port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshTarget {
    /// The user to log in as.
    pub user: String,
    /// Host name or IP address (without brackets).
    pub address: String,
    /// The SSH port.
    pub port: u16,
}

impl std::fmt::Display for SshTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.address.contains(':') {
            write!(f, "{}@[{}]:{}", self.user, self.address, self.port)
        } else {
            write!(f, "{}@{}:{}", self.user, self.address, self.port)
        }
    }
}

/// Parses `user@host[:port]` (`user@[v6]:port` for an IPv6 address; port 22 when
/// omitted). The user and host must be plain names: nothing `ssh` could read as an
/// option or a second argument.
pub fn parse_ssh(s: &str) -> CoreResult<SshTarget> {
    let bad = |why: &str| CoreError::invalid("ssh", format!("`{s}`: {why}"));
    let (user, rest) = s
        .trim()
        .split_once('@')
        .ok_or_else(|| bad("give it as user@host[:port]"))?;
    let (address, port) = if let Some(v6) = rest.strip_prefix('[') {
        let (addr, after) = v6
            .split_once(']')
            .ok_or_else(|| bad("an IPv6 address needs its closing ]"))?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return Err(bad("expected :port after ]")),
        };
        (addr, port)
    } else {
        match rest.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        }
    };
    let port = match port {
        None => 22,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| bad("the port is a number from 1 to 65535"))?,
    };
    let plain = |t: &str, extra: &str| {
        !t.is_empty()
            && t.len() <= 253
            && !t.starts_with('-')
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c) || extra.contains(c))
    };
    if !plain(user, "") || user.len() > 32 {
        return Err(bad("the user is a plain login name"));
    }
    if !plain(address, ":") {
        return Err(bad("the host is a plain name or address"));
    }
    Ok(SshTarget {
        user: user.to_owned(),
        address: address.to_owned(),
        port,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_with_default_port_and_ipv6_and_refuse_options() {
        let t = parse_ssh("aiops@build-1.example.com").unwrap();
        assert_eq!(
            (t.user.as_str(), t.address.as_str(), t.port),
            ("aiops", "build-1.example.com", 22)
        );
        assert_eq!(parse_ssh("root@127.0.0.1:2222").unwrap().port, 2222);
        let v6 = parse_ssh("me@[::1]:2200").unwrap();
        assert_eq!((v6.address.as_str(), v6.port), ("::1", 2200));
        assert_eq!(v6.to_string(), "me@[::1]:2200");
        for bad in [
            "build-1",
            "@host",
            "me@",
            "me@-oProxyCommand=x",
            "-l@host",
            "me@host:0",
            "me@host:99999",
            "me@host name",
            "me@[::1",
            "me@host;id",
        ] {
            assert!(parse_ssh(bad).is_err(), "{bad:?}");
        }
    }
}
