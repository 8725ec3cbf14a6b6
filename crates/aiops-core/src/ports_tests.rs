//! Rules about the ports, checked on core's own source.

/// Lines of core outside `ports.rs` (and this file) that name the whole [`super::Store`]
/// as a bound or a trait object (`impl Store`, `dyn Store`, `S: Store`), as `file:line`.
fn whole_store_uses(dir: &std::path::Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            whole_store_uses(&path, out);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs")
            || path.ends_with("src/ports.rs")
            || path.ends_with("src/ports_tests.rs")
        {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            let names_it = ["impl Store", "dyn Store", ": Store"].iter().any(|p| {
                line.match_indices(p).any(|(at, _)| {
                    let next = line[at + p.len()..].chars().next();
                    !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
                })
            });
            if names_it {
                out.push(format!("{}:{}", path.display(), i + 1));
            }
        }
    }
}

/// A core function takes the ports it uses, so its unit tests fake only those
/// (`src/fakes/`); the whole `Store` is for the crates that implement or hold it.
#[test]
fn no_core_function_takes_the_whole_store() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut uses = Vec::new();
    whole_store_uses(&src, &mut uses);
    assert!(
        uses.is_empty(),
        "take the narrow port traits instead: {uses:#?}"
    );
}
