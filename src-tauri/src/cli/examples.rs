//! One or two examples for every verb, shown under its `--help` ("Examples:"), and the
//! guides of `aiops help <topic>`. Kept in one table so a test can check that every
//! visible verb has examples and that each example parses.

/// `(verb path, examples)`: one invocation a line, an optional `# comment` after it.
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "serve",
        "aiops serve\naiops serve --bind 0.0.0.0:8060 --tls-cert cert.pem --tls-key key.pem",
    ),
    (
        "admin create-admin",
        "aiops admin create-admin --email you@example.com   # asks for the password",
    ),
    (
        "admin create-api-key",
        "aiops admin create-api-key --email you@example.com --scopes read,write",
    ),
    (
        "admin reset-password",
        "aiops admin reset-password --email you@example.com",
    ),
    ("admin openapi", "aiops admin openapi > openapi.json"),
    (
        "admin restore",
        "aiops admin restore --data-dir /var/lib/aiops/data aiops-backup-20261207T061600Z-k3v9.tar.gz\n\
         aiops admin restore --data-dir ./data --passphrase-stdin --yes backup.tar.gz.enc   # passphrase on stdin",
    ),
    (
        "admin seed-demo",
        "aiops admin seed-demo --data-dir ./data   # a tenant, two projects, 50 issues",
    ),
    (
        "update",
        "aiops update   # from $AIOPS_UPDATE_URL\n\
         aiops update --manifest-url https://releases.example.com/aiops/manifest.json",
    ),
    (
        "mcp",
        "aiops mcp   # an MCP server on stdin/stdout, with AIOPS_API_KEY or the stored key",
    ),
    (
        "mcp servers list",
        "aiops mcp servers list --project acme/web\naiops mcp servers list --tenant acme",
    ),
    (
        "mcp servers add",
        "aiops mcp servers add --project acme/web --name k8s --env KUBE_TOKEN -- npx -y some-mcp-server   # KUBE_TOKEN=… on stdin\n\
         aiops mcp servers add --tenant acme --name docs --remote-url https://mcp.example.com/mcp --header Authorization   # Authorization=Bearer … on stdin",
    ),
    ("mcp servers remove", "aiops mcp servers remove 3"),
    (
        "mcp servers test",
        "aiops mcp servers test 3   # starts it, lists its tools, stops it",
    ),
    (
        "mcp project",
        "aiops mcp project acme/web\naiops mcp project acme/web --aiops off   # sessions get no aiops MCP server",
    ),
    (
        "system status",
        "aiops system status\naiops system status -o json",
    ),
    (
        "system restart",
        "aiops system restart   # sessions keep running; waits until it answers again",
    ),
    (
        "system update",
        "aiops system update   # then `aiops system restart` to run it",
    ),
    (
        "system update-and-restart",
        "aiops system update-and-restart",
    ),
    (
        "system backup create",
        "aiops system backup create -d \"before upgrade\"\n\
         aiops system backup create --passphrase-stdin   # encrypted, with secret.key",
    ),
    ("system backup list", "aiops system backup list"),
    (
        "automation targets list",
        "aiops automation targets list\naiops automation targets list --tenant acme",
    ),
    (
        "automation targets get",
        "aiops automation targets get staging",
    ),
    (
        "automation targets create",
        "aiops automation targets create --tenant acme --name staging --kind semaphore --base-url https://semaphore.example.com --project-id 1 --token-stdin   # token on stdin\n\
         aiops automation targets create --tenant acme --name local --kind local --inventory inventory/hosts.ini",
    ),
    (
        "automation targets update",
        "aiops automation targets update staging --task-timeout 1200\n\
         aiops automation targets update local --vault-password-stdin   # password on stdin",
    ),
    (
        "automation targets delete",
        "aiops automation targets delete staging",
    ),
    (
        "automation targets test",
        "aiops automation targets test acme/staging",
    ),
    ("automation templates", "aiops automation templates staging"),
    (
        "automation run",
        "aiops automation run staging --template 3 --limit web1 --extra-vars '{\"version\": \"1.2\"}' --follow\n\
         aiops automation run local --playbook deploy/site.yml --project acme/web --check --diff --issue 42 -f",
    ),
    (
        "automation runs list",
        "aiops automation runs list\naiops automation runs list --target staging --issue 42",
    ),
    ("automation runs get", "aiops automation runs get 12"),
    (
        "automation runs log",
        "aiops automation runs log 12\naiops automation runs log 12 --follow",
    ),
    ("automation runs stop", "aiops automation runs stop 12"),
    (
        "telegram list",
        "aiops telegram list\naiops telegram list --tenant acme",
    ),
    ("telegram get", "aiops telegram get ops"),
    (
        "telegram create",
        "aiops telegram create --tenant acme --name ops --token-stdin --allow-chat -1001234567890 --project acme/web   # token on stdin\n\
         aiops telegram create --tenant acme --name ask --token-stdin --answer ollama --ollama-url http://127.0.0.1:11434 --model llama3.2",
    ),
    (
        "telegram update",
        "aiops telegram update ops --keyword aiops --group-only false\n\
         aiops telegram update acme/ops --token-stdin   # new token on stdin",
    ),
    ("telegram delete", "aiops telegram delete ops"),
    ("telegram test", "aiops telegram test ops"),
    ("telegram users", "aiops telegram users ops"),
    (
        "telegram map-user",
        "aiops telegram map-user ops --chat-user 123456789 --user alice@example.com",
    ),
    (
        "telegram unmap-user",
        "aiops telegram unmap-user ops --chat-user 123456789",
    ),
    (
        "slack list",
        "aiops slack list\naiops slack list --tenant acme",
    ),
    ("slack get", "aiops slack get ops"),
    (
        "slack create",
        "aiops slack create --tenant acme --name ops --token-stdin --channel C0123ABCD --project acme/web   # xoxb- token on stdin\n\
         aiops slack create --tenant acme --name ask --token-stdin --channel C0123ABCD --channel D0456EFGH --answer ollama --ollama-url http://127.0.0.1:11434 --model llama3.2\n\
         aiops slack create --tenant acme --name live --token-stdin --app-token-env SLACK_APP_TOKEN --project acme/web   # Socket Mode: events pushed, no polling",
    ),
    (
        "slack update",
        "aiops slack update ops --channel C0123ABCD --channel C0789IJKL\naiops slack update ops --keyword aiops\n\
         aiops slack update ops --app-token-file /etc/aiops/slack-app-token   # switch to Socket Mode\n\
         aiops slack update ops --no-app-token   # back to polling",
    ),
    ("slack delete", "aiops slack delete ops"),
    ("slack test", "aiops slack test ops"),
    ("slack users", "aiops slack users ops"),
    (
        "slack map-user",
        "aiops slack map-user ops --chat-user U0123ABCD --user alice@example.com",
    ),
    (
        "slack unmap-user",
        "aiops slack unmap-user ops --chat-user U0123ABCD",
    ),
    (
        "projects check",
        "aiops projects check acme/web\naiops projects check 3 -o json",
    ),
    (
        "sessions diff",
        "aiops sessions diff 12\naiops sessions diff 12 --stat",
    ),
    (
        "system backup download",
        "aiops system backup download aiops-backup-20261207T061600Z-k3v9.tar.gz\n\
         aiops system backup download aiops-backup-20261207T061600Z-k3v9.tar.gz --file /srv/keep/latest.tar.gz",
    ),
    (
        "system backup restore",
        "aiops system backup restore aiops-backup-20261207T061600Z-k3v9.tar.gz   # asks first",
    ),
    (
        "system backup delete",
        "aiops system backup delete aiops-backup-20261207T061600Z-k3v9.tar.gz --yes",
    ),
    (
        "login",
        "aiops login --url http://127.0.0.1:8060 --email you@example.com",
    ),
    ("logout", "aiops logout"),
    (
        "auth whoami",
        "aiops auth whoami\naiops auth whoami -o json",
    ),
    (
        "auth keys list",
        "aiops auth keys list\naiops auth keys list --all-users   # admins",
    ),
    (
        "auth keys create",
        "aiops auth keys create --name ci --scopes read --expires-in-days 30",
    ),
    ("auth keys revoke", "aiops auth keys revoke 4"),
    ("auth password", "aiops auth password"),
    ("tenants list", "aiops tenants list"),
    ("tenants get", "aiops tenants get acme"),
    (
        "tenants create",
        "aiops tenants create --name acme\naiops tenants create --name \"Acme Labs\" --slug labs --color \"#3355ff\"",
    ),
    (
        "tenants update",
        "aiops tenants update acme --description \"The web team\"",
    ),
    ("tenants delete", "aiops tenants delete acme"),
    ("tenants members list", "aiops tenants members list acme"),
    (
        "tenants members add",
        "aiops tenants members add acme --user bob@example.com\naiops tenants members add acme --user 5 --role admin",
    ),
    (
        "tenants members update",
        "aiops tenants members update acme --user bob@example.com --role member",
    ),
    (
        "tenants members remove",
        "aiops tenants members remove acme --user 5",
    ),
    (
        "projects list",
        "aiops projects list\naiops projects list --tenant acme -o json",
    ),
    (
        "projects get",
        "aiops projects get demo\naiops projects get acme/demo",
    ),
    (
        "projects create",
        "aiops projects create --name demo --repo-url https://github.com/acme/demo.git --tenant acme",
    ),
    (
        "projects update",
        "aiops projects update demo --default-branch main\naiops projects update acme/demo --merge-method squash",
    ),
    ("projects delete", "aiops projects delete acme/demo"),
    (
        "projects link",
        "aiops projects link demo --integration 1 --external acme/demo",
    ),
    ("projects unlink", "aiops projects unlink demo --link 3"),
    ("projects links", "aiops projects links demo"),
    (
        "issues list",
        "aiops issues list --project demo\naiops issues list --status all --search \"login fails\" --limit 200",
    ),
    (
        "issues get",
        "aiops issues get 12\naiops issues get 12 -o json",
    ),
    ("issues view", "aiops issues view 12"),
    (
        "issues create",
        "aiops issues create --project demo --title \"Login fails\" --label bug\naiops issues create --project acme/demo --title \"Crash\" --integration 2",
    ),
    (
        "issues update",
        "aiops issues update 12 --title \"Login fails on Safari\" --labels bug,ui",
    ),
    ("issues close", "aiops issues close 12"),
    ("issues reopen", "aiops issues reopen 12"),
    ("issues delete", "aiops issues delete 12"),
    (
        "issues comment",
        "aiops issues comment 12 \"Seen on staging too\"\naiops issues comment 12 --body-file notes.md\naiops issues comment 12 -- \"-1 from me\"   # text that begins with -",
    ),
    (
        "issues modify-comment",
        "aiops issues modify-comment 12 40 \"Seen on staging and production\"",
    ),
    (
        "issues assign",
        "aiops issues assign 12 --user bob@example.com\naiops issues assign 12 --user 5\naiops issues assign 12 --unassign",
    ),
    (
        "issues sync",
        "aiops issues sync\naiops issues sync --project demo --no-wait",
    ),
    (
        "issues work",
        "aiops issues work 12   # your default tool; attaches at a terminal\naiops issues work 12 --tool codex --no-attach",
    ),
    (
        "sessions start",
        "aiops sessions start --project demo --tool shell\naiops sessions start --project acme/demo --user bob@example.com   # admins",
    ),
    (
        "sessions list",
        "aiops sessions list --live\naiops sessions list --project demo --all-users",
    ),
    (
        "sessions get",
        "aiops sessions get 7\naiops sessions get aiops-7",
    ),
    (
        "sessions attach",
        "aiops sessions attach 7\naiops sessions attach bob:aiops-7   # USER:NAME, a user's email or its local part\naiops sessions attach 7 --print     # the tmux or ssh -t command, to run yourself",
    ),
    (
        "sessions send",
        "aiops sessions send 7 \"run the tests again\"",
    ),
    ("sessions kill", "aiops sessions kill 7"),
    ("sessions respawn", "aiops sessions respawn 7"),
    ("sessions logs", "aiops sessions logs 7 --tail 100"),
    (
        "sessions event",
        "aiops sessions event waiting --session 7\naiops sessions event exited --session 7 --exit-code 0",
    ),
    (
        "git status",
        "aiops git status demo\naiops git status demo --session 7",
    ),
    ("git files", "aiops git files demo src"),
    ("git cat", "aiops git cat demo src/lib.rs"),
    (
        "git pull",
        "aiops git pull demo\naiops git pull demo --session 7 --clean",
    ),
    ("git push", "aiops git push demo --session 7"),
    (
        "git commit",
        "aiops git commit demo \"Fix the parser\" --files src/parse.rs\naiops git commit acme/demo -m \"Fix the parser\" --session 7\naiops git commit demo \"Only what is staged\" --staged",
    ),
    ("git branches", "aiops git branches demo"),
    ("git branch", "aiops git branch demo feature/x --from main"),
    ("git checkout", "aiops git checkout demo feature/x"),
    (
        "git diff",
        "aiops git diff demo\naiops git diff demo --rev main",
    ),
    ("git log", "aiops git log demo -n 5"),
    (
        "git pr-create",
        "aiops git pr-create demo --title \"Fix the parser\" --source aiops/12-parser --issue 12",
    ),
    (
        "git pr-merge",
        "aiops git pr-merge demo 17   # the project's merge method\naiops git pr-merge demo 17 --method squash --delete-branch",
    ),
    ("git pr-close", "aiops git pr-close demo 17"),
    (
        "prs list",
        "aiops prs list demo\naiops prs list demo --state all",
    ),
    (
        "prs get",
        "aiops prs get demo 17   # with its checks and whether it can be merged",
    ),
    ("ssh-keys list", "aiops ssh-keys list"),
    (
        "ssh-keys add",
        "aiops ssh-keys add --name laptop --private-key-file ~/.ssh/aiops_ed25519\naiops ssh-keys add --name server --generate",
    ),
    ("ssh-keys delete", "aiops ssh-keys delete 3"),
    ("known-hosts list", "aiops known-hosts list"),
    ("hosts list", "aiops hosts list"),
    ("hosts get", "aiops hosts get build-1"),
    (
        "hosts add",
        "aiops hosts add build-1 --ssh aiops@build-1.example.com\naiops hosts add gpu-box --ssh aiops@10.0.0.7:2222 --root /srv/aiops --labels gpu,big --capacity 8 --key 3",
    ),
    (
        "hosts update",
        "aiops hosts update build-1 --capacity 6 --labels big",
    ),
    ("hosts remove", "aiops hosts remove build-1"),
    ("hosts test", "aiops hosts test build-1"),
    (
        "hosts drain",
        "aiops hosts drain build-1\naiops hosts drain build-1 --undo",
    ),
    (
        "known-hosts confirm",
        "aiops known-hosts confirm git.example.com SHA256:abc123",
    ),
    (
        "known-hosts remove",
        "aiops known-hosts remove git.example.com",
    ),
    ("workflow claim", "aiops workflow claim 12"),
    (
        "workflow progress",
        "aiops workflow progress 12 \"Parser fixed; tests next\"\naiops workflow progress \"Halfway\" --comment \"Found a second bug\"   # inside a session",
    ),
    (
        "workflow submit",
        "aiops workflow submit 12 -m \"Fix the parser\" --files src/parse.rs\naiops workflow submit 12 --project demo -m \"Fix\" --comment \"Tests pass\"",
    ),
    (
        "workflow approve",
        "aiops workflow approve 12 \"Look at the error paths\"",
    ),
    (
        "workflow complete",
        "aiops workflow complete 12 --summary \"Fixed in #17\"\naiops workflow complete \"Done\"   # inside a session",
    ),
    ("worktrees list", "aiops worktrees list --stale"),
    (
        "worktrees remove",
        "aiops worktrees remove 12-fix-login --project demo",
    ),
    ("tools list", "aiops tools list"),
    (
        "tools set",
        "aiops tools set myagent --command /opt/agent/bin/agent --kind generic -- --fast",
    ),
    ("tools delete", "aiops tools delete myagent"),
    (
        "system jobs list",
        "aiops system jobs list\naiops system jobs list --kind tool_install",
    ),
    (
        "system jobs show",
        "aiops system jobs show 7 -f   # follow its output until it ends",
    ),
    ("system jobs cancel", "aiops system jobs cancel 7"),
    (
        "tools status",
        "aiops tools status   # installed where, --version, the newest on the registry",
    ),
    (
        "tools install",
        "aiops tools install codex\naiops tools install codex --version 0.171.0   # pin a version",
    ),
    (
        "tools upgrade",
        "aiops tools upgrade claude\naiops tools upgrade aider --no-wait   # print the job, do not follow it",
    ),
    ("tools credentials list", "aiops tools credentials list"),
    (
        "tools credentials set",
        "aiops tools credentials set claude",
    ),
    (
        "tools credentials delete",
        "aiops tools credentials delete claude",
    ),
    ("agents global get", "aiops agents global get"),
    (
        "agents global set",
        "aiops agents global set --file AGENTS.md --note \"Run the tests first\"",
    ),
    ("agents global history", "aiops agents global history"),
    ("agents global diff", "aiops agents global diff 3 4"),
    ("agents global rollback", "aiops agents global rollback 3"),
    ("integrations list", "aiops integrations list --tenant acme"),
    ("integrations get", "aiops integrations get 1"),
    (
        "integrations create",
        "aiops integrations create --tenant acme --provider github --name gh --token-stdin",
    ),
    (
        "integrations update",
        "aiops integrations update 1 --sync-interval 600",
    ),
    ("integrations delete", "aiops integrations delete 1"),
    ("integrations test", "aiops integrations test 1"),
    ("credentials list", "aiops credentials list"),
    (
        "credentials set",
        "aiops credentials set 1 --token-stdin --login octocat",
    ),
    ("credentials delete", "aiops credentials delete 1"),
    ("users list", "aiops users list"),
    ("users get", "aiops users get 5"),
    (
        "users create",
        "aiops users create --email bob@example.com --role member",
    ),
    ("users update", "aiops users update 5 --role admin"),
    ("users disable", "aiops users disable 5"),
    (
        "audit list",
        "aiops audit list --action issue. --limit 200\naiops audit list --actor bob@example.com --since 2026-12-01T00:00:00Z",
    ),
    ("config show", "aiops config show"),
    (
        "config get",
        "aiops config get url\naiops config get default_tool",
    ),
    (
        "config set",
        "aiops config set default_tool codex   # kept on the server\naiops config set auto_attach false",
    ),
    (
        "help",
        "aiops help issues list\naiops help agents   # the agent's workflow",
    ),
];

/// `aiops help agents`: how an agent inside a session works, with placeholders.
pub fn agents_guide() -> String {
    format!(
        "How an agent works from inside its session: the workflow every session's\n\
         AGENTS.override.md carries, with ISSUE, PROJECT (tenant/slug; an id or a bare\n\
         slug work too) and BRANCH filled in.\n\n{}",
        aiops_types::agent_guide("ISSUE", "PROJECT", "BRANCH")
    )
}

/// `cmd` with "Examples:" after the help of every verb [`EXAMPLES`] names.
pub fn attach(cmd: clap::Command) -> clap::Command {
    attach_at(cmd, "")
}

fn attach_at(mut cmd: clap::Command, path: &str) -> clap::Command {
    if let Some((_, text)) = EXAMPLES.iter().find(|(p, _)| *p == path) {
        let lines: Vec<String> = text.lines().map(|l| format!("  {l}")).collect();
        cmd = cmd.after_help(format!("Examples:\n{}", lines.join("\n")));
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        let sub_path = if path.is_empty() {
            name.clone()
        } else {
            format!("{path} {name}")
        };
        cmd = cmd.mut_subcommand(&name, |s| attach_at(s, &sub_path));
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every visible leaf verb, as `group verb`.
    fn verbs(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        let subs: Vec<_> = cmd
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name() != "help")
            .collect();
        if subs.is_empty() && !path.is_empty() {
            out.push(path.to_owned());
        }
        for s in subs {
            let p = format!("{path} {}", s.get_name()).trim().to_owned();
            verbs(s, &p, out);
        }
    }

    /// `aiops a "b c" 'd'` → `[aiops, a, b c, d]`; enough for the examples.
    fn words(line: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = String::new();
        let mut quote = None;
        let mut any = false;
        for ch in line.chars() {
            match (quote, ch) {
                (None, '"' | '\'') => {
                    quote = Some(ch);
                    any = true;
                }
                (Some(q), c) if c == q => quote = None,
                (None, c) if c.is_whitespace() => {
                    if any {
                        out.push(std::mem::take(&mut cur));
                        any = false;
                    }
                }
                (_, c) => {
                    cur.push(c);
                    any = true;
                }
            }
        }
        if any {
            out.push(cur);
        }
        out
    }

    #[test]
    fn every_verb_has_examples_and_every_example_parses() {
        let mut all = Vec::new();
        verbs(&crate::cli::Cli::command(), "", &mut all);
        let missing: Vec<_> = all
            .iter()
            .filter(|v| !EXAMPLES.iter().any(|(p, _)| p == v))
            .collect();
        assert!(missing.is_empty(), "verbs without examples: {missing:?}");
        for (path, text) in EXAMPLES {
            for line in text.lines() {
                let line = line.split("   #").next().unwrap_or_default();
                let line = line.split(" > ").next().unwrap_or_default();
                let argv = words(line);
                assert_eq!(argv[0], "aiops", "{path}: {line}");
                let parsed = <crate::cli::Cli as clap::Parser>::try_parse_from(&argv);
                assert!(
                    parsed.is_ok(),
                    "{path}: `{line}` does not parse: {parsed:?}"
                );
            }
        }
    }

    #[test]
    fn help_shows_the_examples() {
        let mut cmd = attach(crate::cli::Cli::command());
        let help = cmd
            .find_subcommand_mut("issues")
            .and_then(|c| c.find_subcommand_mut("comment"))
            .map(|c| c.render_long_help().to_string())
            .unwrap_or_default();
        assert!(
            help.contains("Examples:\n  aiops issues comment 12"),
            "{help}"
        );
    }
}
