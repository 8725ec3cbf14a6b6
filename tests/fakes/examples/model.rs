//! The fake model endpoint as a program, for benchmarks that drive real agent CLIs
//! (scripts/bench/agents.sh): serves [`aiops_fakes::model`] on a loopback port, prints
//! its base URL on the first line of stdout, and runs until killed.
//!
//!   cargo run -p aiops-fakes --example model -- --key KEY

fn main() {
    let mut args = std::env::args().skip(1);
    let key = match (args.next().as_deref(), args.next()) {
        (Some("--key"), Some(key)) if !key.is_empty() => key,
        _ => {
            eprintln!("usage: model --key KEY");
            std::process::exit(2);
        }
    };
    let fake = aiops_fakes::model::start(&key);
    println!("{}", fake.url());
    loop {
        std::thread::park();
    }
}
