//! Commands on a session host over OpenSSH (issue 23): `ssh` with aiops's key and the
//! host's confirmed keys only (see [`crate::ssh`]), never the server account's ssh
//! config or agent.
//!
//! The SSH protocol sends a command as one string, which the remote login shell reads.
//! So aiops sends only fixed scripts, on stdin to `sh -s`, and passes values as that
//! script's arguments, each quoted for the shell (`shlex`).

use std::time::Duration;

use aiops_core::hosts::{HostShell, SshTarget};
use aiops_core::ssh::SshMaterial;
use aiops_core::{CoreError, CoreResult};
use aiops_types::HostCheckItem;

use crate::process::{ExecError, Spec};

/// Longest a probe may take: the login, then the agent CLIs' `--version` (Node starts).
const PROBE_TIMEOUT: Duration = Duration::from_secs(60);

/// Reports one line per thing, `name<TAB>yes|no<TAB>what it said`. `bwrap` is asked
/// for a sandbox like the sessions' (its own user and pid namespaces, no capabilities).
const PROBE: &str = r#"set -u
say() { printf '%s\t%s\t%s\n' "$1" "$2" "$3"; }
first() { "$@" 2>&1 | head -n 1 | tr -d '\t\r'; }
# A CLI that hangs on --version must not hold the probe (`timeout` is GNU/BusyBox).
bounded() { if command -v timeout >/dev/null 2>&1; then first timeout 20 "$@"; else first "$@"; fi; }
say ssh yes "$(uname -srm)"
for t in tmux git bwrap claude codex aider; do
    if command -v "$t" >/dev/null 2>&1; then
        case $t in
        tmux) say tmux yes "$(first tmux -V)" ;;
        bwrap) say bubblewrap yes "$(first bwrap --version)" ;;
        *) say "$t" yes "$(bounded "$t" --version)" ;;
        esac
    else
        case $t in bwrap) say bubblewrap no "not installed" ;; *) say "$t" no "not installed" ;; esac
    fi
done
if command -v bwrap >/dev/null 2>&1; then
    why=$(bwrap --ro-bind / / --dev /dev --proc /proc --unshare-pid --unshare-user \
        --cap-drop ALL -- true 2>&1 | head -n 1 | tr -d '\t\r')
    if [ -z "$why" ]; then say sandbox yes "bubblewrap"; else say sandbox no "$why"; fi
else
    say sandbox no "bubblewrap is not installed"
fi
"#;

/// [`HostShell`] over the `ssh` program.
#[derive(Debug, Default, Clone, Copy)]
pub struct OpenSsh;

impl OpenSsh {
    /// `ssh <options> -p PORT -l USER -- ADDRESS sh -s`, `script` on stdin. Returns
    /// stdout; a failed login or a script that fails is `Upstream` with ssh's words.
    fn run_script(
        &self,
        target: &SshTarget,
        material: &SshMaterial,
        script: &str,
        timeout: Duration,
    ) -> CoreResult<String> {
        let files = crate::ssh::files(material)
            .map_err(|e| CoreError::Internal(format!("ssh files: {e}")))?;
        let out = Spec::new("ssh", timeout)
            .args(files.options())
            .args(["-p", &target.port.to_string(), "-l", &target.user, "--"])
            .args([target.address.as_str(), "sh", "-s"])
            .run_with_input(Some(script.as_bytes()));
        match out {
            Ok(o) => Ok(o.stdout),
            Err(ExecError::Failed { stderr, code, .. }) => Err(CoreError::Upstream(format!(
                "ssh to {target} failed ({}): {}",
                code.map_or_else(|| "killed".to_owned(), |c| format!("exit {c}")),
                last_line(&stderr)
            ))),
            Err(ExecError::NotFound { .. }) => Err(CoreError::invalid(
                "ssh",
                "the `ssh` program (OpenSSH client) is not installed on the server",
            )),
            Err(e) => Err(CoreError::Upstream(format!("ssh to {target}: {e}"))),
        }
    }
}

impl HostShell for OpenSsh {
    fn probe(&self, target: &SshTarget, ssh: &SshMaterial) -> CoreResult<Vec<HostCheckItem>> {
        let out = self.run_script(target, ssh, PROBE, PROBE_TIMEOUT)?;
        Ok(parse_probe(&out))
    }
}

/// The probe's lines as items; lines that are not the probe's (a noisy login shell's
/// `.bashrc`) are skipped.
fn parse_probe(out: &str) -> Vec<HostCheckItem> {
    out.lines()
        .filter_map(|l| {
            let mut f = l.splitn(3, '\t');
            let (name, ok, said) = (f.next()?, f.next()?, f.next().unwrap_or(""));
            let ok = match ok {
                "yes" => true,
                "no" => false,
                _ => return None,
            };
            let said = (!said.trim().is_empty()).then(|| said.trim().to_owned());
            Some(HostCheckItem {
                name: name.to_owned(),
                ok,
                version: if ok { said.clone() } else { None },
                detail: if ok { None } else { said },
            })
        })
        .collect()
}

fn last_line(stderr: &str) -> String {
    stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no message")
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_lines_become_items_and_noise_is_skipped() {
        let out = "Welcome to build-1\nssh\tyes\tLinux 6.1 x86_64\ntmux\tyes\ttmux 3.3a\n\
                   claude\tno\tnot installed\nsandbox\tno\tbwrap: No permissions\n";
        let items = parse_probe(out);
        let names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["ssh", "tmux", "claude", "sandbox"]);
        assert_eq!(items[1].version.as_deref(), Some("tmux 3.3a"));
        assert!(!items[2].ok && items[2].detail.as_deref() == Some("not installed"));
        assert_eq!(items[3].detail.as_deref(), Some("bwrap: No permissions"));
    }
}
