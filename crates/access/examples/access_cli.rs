//! Runs the CLI module `crates/cli/src/access_cmd.rs` stand-alone, so that it can be built and
//! tried from this crate before it is wired into the `youxiang` binary:
//!
//! ```sh
//! cargo run -p youxiang-access --example access_cli -- coverage --pbf ../shared/data/osm/porto-alegre/poa_osm.pbf \
//!     --origins ../shared/data/osm/porto-alegre/poa_hexgrid.csv \
//!     --facilities ../shared/data/osm/porto-alegre/poa_hexgrid.csv --facility-columns schools,healthcare
//! ```

#[path = "../../cli/src/access_cmd.rs"]
mod access_cmd;

use clap::Parser;

#[derive(Parser)]
#[command(name = "youxiang access")]
struct Cli {
    #[command(subcommand)]
    cmd: access_cmd::AccessCmd,
}

fn main() {
    let cli = Cli::parse();
    if let Err(e) = access_cmd::run(cli.cmd) {
        eprintln!("错误 error: {e:#}");
        std::process::exit(1);
    }
}
