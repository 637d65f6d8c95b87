//! The `fundscape` command line: parses arguments, calls the engine and the
//! writers, and maps errors to exit codes (2: bad input, 1: other failures).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use fundscape_sim::{RunConfig, Scenario, Summary};

/// The first error writing to standard output (a full disk, a closed
/// pipe): what comes after is not printed, and the command exits 1 with
/// the error once its work is done, rather than stopping half way.
static STDOUT_ERROR: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Writes to standard output, flushed; an error is kept for `main`.
fn write_stdout(bytes: &[u8]) {
    use std::io::Write;
    if STDOUT_ERROR.get().is_some() {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        let _ = STDOUT_ERROR.set(e.to_string());
    }
}

/// `print!`, through [`write_stdout`].
macro_rules! out {
    ($($arg:tt)*) => {
        write_stdout(format!($($arg)*).as_bytes())
    };
}

/// `println!`, through [`write_stdout`].
macro_rules! outln {
    () => {
        write_stdout(b"\n")
    };
    ($($arg:tt)*) => {
        write_stdout(format!("{}\n", format_args!($($arg)*)).as_bytes())
    };
}

/// Monte Carlo projections of funded immigration-advice posts and unmet
/// demand, region by region.
#[derive(Debug, Parser)]
#[command(name = "fundscape", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// What `run` and `compare` share: how many runs, which seed, how many
/// threads.
#[derive(Debug, Args)]
struct RunOptions {
    /// Number of Monte Carlo runs, 1 to 100,000,000 (default: the (base) scenario's `runs`).
    #[arg(long, value_parser = parse_runs, allow_hyphen_values = true)]
    runs: Option<u64>,
    /// Random seed, a whole number from 0 to 18446744073709551615 (default: the (base) scenario's `seed`).
    #[arg(long, value_parser = parse_seed, allow_hyphen_values = true)]
    seed: Option<u64>,
    /// Worker threads, 1 to 65,535 (default: one per core). Results do not depend on it.
    #[arg(long, value_parser = parse_threads, allow_hyphen_values = true)]
    threads: Option<u16>,
}

/// A whole number in `lo..=hi` for `--flag`, or a message that says what is allowed.
fn whole_number(s: &str, flag: &str, what: &str, lo: u64, hi: u64) -> Result<u64, String> {
    // Separators for counts; a seed's range is shown as the number itself.
    let shown = |n: u64| if n < 1 << 53 { fundscape_output::thousands(n as f64) } else { n.to_string() };
    let allowed = format!("{flag} takes {what}, a whole number from {} to {}", shown(lo), shown(hi));
    match s.trim().replace('_', "").parse::<u64>() {
        Ok(n) if (lo..=hi).contains(&n) => Ok(n),
        _ => Err(allowed),
    }
}

/// How the charts are drawn.
#[derive(Debug, Args)]
struct ChartOptions {
    /// Draw the PNG charts this many times larger (1 to 4), with the same layout: 2 for projectors.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = parse_png_scale, allow_hyphen_values = true)]
    png_scale: u32,
}

fn parse_png_scale(s: &str) -> Result<u32, String> {
    whole_number(s, "--png-scale", "how many times larger the PNG charts are drawn", 1, 4).map(|n| n as u32)
}

fn parse_runs(s: &str) -> Result<u64, String> {
    whole_number(s, "--runs", "the number of Monte Carlo runs", 1, fundscape_sim::MAX_RUNS)
}

fn parse_seed(s: &str) -> Result<u64, String> {
    whole_number(s, "--seed", "the random seed", 0, u64::MAX)
}

fn parse_threads(s: &str) -> Result<u16, String> {
    whole_number(s, "--threads", "the number of worker threads", 1, u64::from(u16::MAX)).map(|n| n as u16)
}

/// What `sensitivity` and `solve` share.
#[derive(Debug, Args)]
struct AnalysisOptions {
    /// Runs: base samples for `sensitivity` (default 1,000), runs a trial for `solve` (default: the scenario's).
    #[arg(long, value_parser = parse_runs, allow_hyphen_values = true)]
    runs: Option<u64>,
    /// Random seed, a whole number from 0 to 18446744073709551615 (default: the scenario's `seed`).
    #[arg(long, value_parser = parse_seed, allow_hyphen_values = true)]
    seed: Option<u64>,
    /// Worker threads, 1 to 65,535 (default: one per core). Results do not depend on it.
    #[arg(long, value_parser = parse_threads, allow_hyphen_values = true)]
    threads: Option<u16>,
    /// The metric (a column of summary.csv's `metric`, e.g. abandoned, served, spend:JTI; or post_years).
    #[arg(long, default_value = "abandoned")]
    metric: String,
    /// A region id, or `all`.
    #[arg(long, default_value = "all")]
    region: String,
    /// A calendar year of the scenario, or `horizon` (flows summed over the years, stocks at the end).
    #[arg(long, default_value = "horizon", allow_hyphen_values = true)]
    year: String,
}

fn parse_number(s: &str) -> Result<f64, String> {
    match s.trim().replace('_', "").parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(format!("`{s}` is not a number")),
    }
}

fn parse_probability(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(p) if p > 0.0 && p <= 1.0 => Ok(p),
        _ => Err(format!("--probability takes a share of runs greater than 0 and at most 1, e.g. 0.9 (not `{s}`)")),
    }
}

fn parse_range(s: &str) -> Result<(f64, f64), String> {
    let bad = || format!("--range takes LO..HI, two numbers, e.g. 0..500000 (not `{s}`)");
    let (lo, hi) = s.split_once("..").ok_or_else(bad)?;
    let (lo, hi) = (parse_number(lo).map_err(|_| bad())?, parse_number(hi).map_err(|_| bad())?);
    Ok((lo, hi))
}

impl RunOptions {
    /// The run configuration, with the scenario's defaults where not given.
    fn config(&self, scenario: &Scenario) -> RunConfig {
        RunConfig {
            runs: self.runs.unwrap_or(scenario.runs),
            seed: self.seed.unwrap_or(scenario.seed),
            threads: self.threads.map_or(0, usize::from),
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario and write summary.csv, totals.csv, exceedance.csv, survival.csv, posts_by_source.csv,
    /// gap.csv, regions.csv, manifest.json, a copy of the scenario, charts/ and report.html.
    Run {
        /// The scenario file (TOML).
        scenario: PathBuf,
        #[command(flatten)]
        options: RunOptions,
        /// Results directory (default: results/<scenario file stem>/). It must be new, an empty
        /// directory, or a results directory that fundscape wrote (replaced whole); anything else is refused.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write neither charts/ nor report.html (for batch use; `fundscape report DIR` draws them later).
        #[arg(long)]
        no_charts: bool,
        /// Run in waves until the Monte Carlo error of every watched figure is at most REL of its mean (e.g.
        /// 0.01), up to --runs runs (default with --precision: 1,000,000).
        #[arg(long, value_name = "REL", value_parser = parse_precision, allow_hyphen_values = true)]
        precision: Option<f64>,
        /// The figures --precision watches, every year: metrics of summary.csv, each `metric` (all regions) or
        /// `region:metric` (default: abandoned,posts_funded).
        #[arg(long, value_name = "FIGURES", requires = "precision", value_delimiter = ',')]
        precision_on: Vec<String>,
        /// Also write samples.csv: every run's value of these metrics of summary.csv (comma-separated, e.g.
        /// abandoned,posts_funded), for every region and year (a second pass over the same runs).
        #[arg(long, value_name = "METRICS", value_delimiter = ',')]
        samples: Vec<String>,
        /// Run only slice I of N of the runs (e.g. 2/3, on one machine of a batch system) and write what
        /// `fundscape merge` needs into --out; merging all N gives exactly the files of one whole run.
        #[arg(long, value_name = "I/N", value_parser = parse_shard, conflicts_with_all = ["precision", "samples"])]
        shard: Option<fundscape_sim::ShardSpec>,
        #[command(flatten)]
        charts: ChartOptions,
    },
    /// Merge the shards of one run (written by `run --shard I/N`) or of one comparison (`compare --shard
    /// I/N`), all N of them, into the results of the whole: its tables (summary.csv, totals.csv,
    /// exceedance.csv, survival.csv, posts_by_source.csv, gap.csv, regions.csv), or compare.csv and compare_totals.csv,
    /// byte for byte as one run or comparison would write them.
    Merge {
        /// The shards' directories, in any order.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Results directory for the merged run. It must be new, an empty directory, or a results
        /// directory that fundscape wrote (replaced whole); anything else is refused.
        #[arg(long)]
        out: PathBuf,
        /// Write neither charts/ nor report.html.
        #[arg(long)]
        no_charts: bool,
        #[command(flatten)]
        charts: ChartOptions,
    },
    /// Re-draw charts/ and report.html from an existing results directory, without running again.
    Report {
        /// A results directory written by `fundscape run` or `fundscape compare`.
        dir: PathBuf,
        #[command(flatten)]
        charts: ChartOptions,
    },
    /// Compare alternatives (asks) with a base scenario, paired run by run on
    /// the same seed, and write compare.csv, compare_totals.csv, manifest.json, charts/ and report.html.
    Compare {
        /// The base scenario (usually doing nothing new).
        base: PathBuf,
        /// One or more alternative scenarios (asks), usually overlays on the base.
        #[arg(required = true)]
        alts: Vec<PathBuf>,
        #[command(flatten)]
        options: RunOptions,
        /// Results directory (default: results/compare-<base file stem>/). It must be new, an empty
        /// directory, or a results directory that fundscape wrote (replaced whole); anything else is refused.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Run only slice I of N of the paired runs (e.g. 2/3) and write what `fundscape merge` needs into
        /// --out; merging all N gives exactly the files of the whole comparison.
        #[arg(long, value_name = "I/N", value_parser = parse_shard)]
        shard: Option<fundscape_sim::ShardSpec>,
        #[command(flatten)]
        charts: ChartOptions,
    },
    /// One page about one region for a council: its need against its advice capacity, the posts whose grants
    /// end, and (with --compare and --ask) what an ask changes and costs the council.
    Brief {
        /// A results directory written by `fundscape run`.
        dir: PathBuf,
        /// The region the brief is about (its id, e.g. west-midlands).
        #[arg(long)]
        region: String,
        /// A comparison directory written by `fundscape compare` against the same scenario.
        #[arg(long, requires = "ask")]
        compare: Option<PathBuf>,
        /// The ask of the comparison to show (its label: the ask file's stem).
        #[arg(long, requires = "compare")]
        ask: Option<String>,
        /// Where to write the page (default: DIR/brief-<region>/brief.html); the picture is written beside it
        /// as .svg and .png with the same stem.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Which inputs drive a metric: a tornado (each input at its 10th and 90th percentile) and Sobol indices by
    /// year with 95% bootstrap intervals, on paired runs; writes tornado.csv, sobol.csv, charts/ and report.html.
    Sensitivity {
        /// The scenario file (TOML).
        scenario: PathBuf,
        #[command(flatten)]
        analysis: AnalysisOptions,
        /// `key`: the same key across regions is one input (`regions.*.demand`), all regions at the same
        /// percentile.
        #[arg(long, value_parser = ["key"])]
        group_by: Option<String>,
        /// Results directory (default: results/sensitivity-<scenario file stem>/): new, empty, or one fundscape
        /// wrote (replaced whole); anything else is refused.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Goal seek: the smallest value of a lever for which P(metric ≤ X) (or ≥ X) is at least P, by bisection on
    /// paired runs; prints `KEY = VALUE` last and writes solve.csv and charts/solve.{svg,png}.
    Solve {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// The input to vary, written as a plain number in the scenario (e.g. rounds.r2026.budget).
        #[arg(long)]
        lever: String,
        #[command(flatten)]
        analysis: AnalysisOptions,
        /// The metric must be at most X.
        #[arg(long, value_parser = parse_number, allow_hyphen_values = true, conflicts_with = "at_least", required_unless_present = "at_least")]
        at_most: Option<f64>,
        /// The metric must be at least X.
        #[arg(long, value_parser = parse_number, allow_hyphen_values = true)]
        at_least: Option<f64>,
        /// The share of runs that must meet the condition, in (0, 1].
        #[arg(long, value_parser = parse_probability, allow_hyphen_values = true)]
        probability: f64,
        /// The lever's range LO..HI (default: 0 to twice its value, at least 1, within the key's domain).
        #[arg(long, value_parser = parse_range, allow_hyphen_values = true)]
        range: Option<(f64, f64)>,
        /// Results directory (default: results/solve-<scenario file stem>/): new, empty, or one fundscape
        /// wrote (replaced whole); anything else is refused.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Where should the next round go: splits a new round of --budget between regions, in whole posts (greedy,
    /// then local search, on paired runs), to make the objective best; writes best.toml (an overlay with the
    /// round), frontier.csv, candidates.csv, charts/frontier.{svg,png} and report.html.
    Optimise {
        /// The scenario file (TOML): doing nothing, the round is added to it.
        scenario: PathBuf,
        /// The round's budget in £ over its term: e.g. 2000000, 2_000_000, £2,000,000, £2m or 500k.
        #[arg(long, value_name = "£", value_parser = parse_budget, allow_hyphen_values = true)]
        budget: f64,
        /// The round's funder, as the scenario names it (in a grant, a round, [[funders]] or a pool's members).
        #[arg(long, value_name = "NAME")]
        funder: String,
        /// The round's first month, inside the horizon.
        #[arg(long, value_name = "YYYY-MM")]
        start: String,
        /// The round's term in months, 1 to 1,200.
        #[arg(long, value_name = "N", value_parser = parse_term, allow_hyphen_values = true)]
        term_months: u32,
        /// What to make best: abandoned (fewest cases abandoned), post_years (most post-years funded), served (most
        /// cases served).
        #[arg(long, default_value = "abandoned", value_parser = ["abandoned", "post_years", "served"])]
        objective: String,
        /// Count the objective to the end of this model year (a calendar year of the scenario; default: the horizon).
        #[arg(long, value_name = "YEAR", allow_hyphen_values = true)]
        by: Option<String>,
        /// Only these regions may get posts (ids, comma-separated; default: every region).
        #[arg(long, value_name = "ID,...", value_delimiter = ',')]
        regions: Option<Vec<String>>,
        /// Also choose the round's share of advice posts in LO..HI (steps of 0.1 and the ends), e.g. 0.5..1
        /// (default: all advice posts).
        #[arg(long, value_name = "LO..HI", value_parser = parse_share_range, allow_hyphen_values = true)]
        advice_share: Option<(f64, f64)>,
        /// Only splits that beat doing nothing in at least this share of the paired runs qualify, in (0, 1].
        #[arg(long, value_parser = parse_probability, allow_hyphen_values = true)]
        probability: Option<f64>,
        /// Paired runs each candidate is simulated on, 1 to 100,000 (default 1,000).
        #[arg(long, value_parser = parse_optimise_runs, allow_hyphen_values = true)]
        runs: Option<u64>,
        /// Random seed, a whole number from 0 to 18446744073709551615 (default: the scenario's `seed`).
        #[arg(long, value_parser = parse_seed, allow_hyphen_values = true)]
        seed: Option<u64>,
        /// Worker threads, 1 to 65,535 (default: one per core). Results do not depend on it.
        #[arg(long, value_parser = parse_threads, allow_hyphen_values = true)]
        threads: Option<u16>,
        /// Results directory (default: results/optimise-<scenario file stem>/): new, empty, or one fundscape
        /// wrote (replaced whole); anything else is refused.
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        charts: ChartOptions,
    },
    /// A local page with levers for meetings: each change re-runs the scenario against the file as written,
    /// paired run by run on the same seed, and shows the headline figures, their differences and two charts.
    Serve {
        /// The scenario file (TOML); its `[[levers]]`, if any, are the page's levers.
        scenario: PathBuf,
        /// The port to listen on (0: any free port; the address is printed).
        #[arg(long, default_value_t = 8765, value_parser = parse_port, allow_hyphen_values = true)]
        port: u16,
        /// Paired runs for each change, 1 to 100,000,000.
        #[arg(long, default_value_t = fundscape_serve::DEFAULT_RUNS, value_parser = parse_runs, allow_hyphen_values = true)]
        runs: u64,
        /// Random seed (default: the scenario's `seed`).
        #[arg(long, value_parser = parse_seed, allow_hyphen_values = true)]
        seed: Option<u64>,
        /// Worker threads, 1 to 65,535 (default: one per core).
        #[arg(long, value_parser = parse_threads, allow_hyphen_values = true)]
        threads: Option<u16>,
        /// Listen on this address instead of 127.0.0.1 (a warning is printed: anyone who can reach it can use the page).
        #[arg(long, value_name = "ADDR")]
        bind: Option<std::net::IpAddr>,
        /// Open the page in the default browser.
        #[arg(long)]
        open: bool,
    },
    /// Check a scenario (after overlays) and summarise what it contains.
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
    },
    /// Turn published data into scenario tables.
    #[command(subcommand)]
    Import(Import),
    /// Print the JSON Schema (draft 2020-12) of scenario files, for editors that check TOML.
    Schema,
    /// Write a commented starter scenario (the UK regions, one grant, one ask) to FILE.
    Init {
        /// Where to write it (default: scenario.toml). An existing file is never overwritten.
        #[arg(default_value = "scenario.toml")]
        file: PathBuf,
    },
    /// Print a shell completion script (bash, zsh, fish or powershell) to stdout.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
enum Import {
    /// Read a 360Giving file (JSON or flat CSV) and write its grants as [[grants]] tables (TOML).
    Grants {
        /// The 360Giving file (.json or .csv).
        file: PathBuf,
        /// Keep grants of this funder: its Funding Org identifier, or part of its name.
        #[arg(long)]
        funder: Option<String>,
        /// Keep grants whose title, description, programme or recipient contains any of these words.
        #[arg(long = "match", value_name = "WORDS")]
        words: Option<String>,
        /// Keep grants awarded on or after this date (YYYY-MM-DD).
        #[arg(long, value_parser = parse_date)]
        since: Option<fundscape_import::Date>,
        /// Region for grants whose location cannot be placed (default: leave them out).
        #[arg(long, value_parser = parse_region)]
        region: Option<&'static str>,
        /// Full annual cost of a post in £ (default: the --scenario's [posts] annual_cost, else 50000).
        #[arg(long, value_parser = parse_cost, allow_hyphen_values = true)]
        post_cost: Option<f64>,
        /// A scenario whose [posts] annual_cost (its number, or the mode of a PERT) is the post cost.
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Write the tables to this file (atomically) instead of stdout; an existing file is replaced only if an earlier import wrote it.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn parse_port(s: &str) -> Result<u16, String> {
    s.trim()
        .parse::<u16>()
        .map_err(|_| format!("`{s}` is not a port; give a whole number from 0 to 65535 (0: any free port)"))
}

fn parse_date(s: &str) -> Result<fundscape_import::Date, String> {
    match fundscape_import::Date::parse(s) {
        Some(d) if s.trim().len() == 10 && s.as_bytes().get(4) == Some(&b'-') => Ok(d),
        _ => Err(format!("`{s}` is not a date; write YYYY-MM-DD, e.g. 2020-04-01")),
    }
}

fn parse_region(s: &str) -> Result<&'static str, String> {
    let ids: Vec<&str> = fundscape_import::REGIONS.iter().map(|r| r.0).collect();
    ids.iter()
        .find(|id| **id == s)
        .copied()
        .ok_or_else(|| format!("unknown region `{s}`; the regions are {}", ids.join(", ")))
}

fn parse_cost(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!("`{s}` is not a cost in £; give a number greater than 0, e.g. 50000")),
    }
}

fn main() -> ExitCode {
    let code = command(Cli::parse());
    match STDOUT_ERROR.get() {
        Some(e) => {
            eprintln!("error: cannot write to standard output: {e}");
            ExitCode::from(1)
        }
        None => code,
    }
}

fn command(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Serve { scenario, port, runs, seed, threads, bind, open } => {
            let options = fundscape_serve::Options { runs, seed, threads: threads.map_or(0, usize::from) };
            serve(&scenario, port, bind, open, &options)
        }
        Command::Validate { scenario } => match fundscape_sim::load(&scenario) {
            Ok(s) => {
                out!("{}", fundscape_output::describe(&s));
                outln!("\n{}: valid", scenario.display());
                ExitCode::SUCCESS
            }
            Err(e) => input_error(&e),
        },
        Command::Schema => {
            let schema = fundscape_sim::scenario_schema();
            match serde_json::to_string_pretty(&schema) {
                Ok(text) => {
                    outln!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: cannot write the schema: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Init { file } => init(&file),
        Command::Completions { shell } => {
            // Into memory first: `generate` stops the program if it cannot write.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "fundscape", &mut script);
            write_stdout(&script);
            ExitCode::SUCCESS
        }
        Command::Compare { base, alts, options, out, shard, charts } => {
            compare(&base, &alts, &options, out.as_deref(), shard, charts.png_scale)
        }
        Command::Report { dir, charts } => report(&dir, charts.png_scale),
        Command::Brief { dir, region, compare, ask, out } => {
            brief(&dir, &region, compare.as_deref().zip(ask.as_deref()), out.as_deref())
        }
        Command::Sensitivity { scenario, analysis, group_by, out } => {
            sensitivity(&scenario, &analysis, group_by.is_some(), out.as_deref())
        }
        Command::Solve { scenario, lever, analysis, at_most, at_least, probability, range, out } => {
            let (at_most_flag, threshold) = match (at_most, at_least) {
                (Some(x), _) => (true, x),
                (None, Some(x)) => (false, x),
                (None, None) => return input_error(&"give --at-most X or --at-least X"),
            };
            solve(&scenario, &lever, &analysis, (at_most_flag, threshold, probability), range, out.as_deref())
        }
        Command::Optimise {
            scenario,
            budget,
            funder,
            start,
            term_months,
            objective,
            by,
            regions,
            advice_share,
            probability,
            runs,
            seed,
            threads,
            out,
            charts,
        } => {
            let request = fundscape_sim::optimise::Request {
                funder,
                budget,
                start,
                term_months,
                objective: fundscape_sim::optimise::Objective::parse(&objective)
                    .unwrap_or(fundscape_sim::optimise::Objective::Abandoned),
                by,
                regions,
                advice_share,
                probability,
            };
            let config = (runs, seed, threads.map_or(0, usize::from));
            optimise(&scenario, &request, config, out.as_deref(), charts.png_scale)
        }
        Command::Merge { dirs, out, no_charts, charts } => merge(&dirs, &out, (!no_charts).then_some(charts.png_scale)),
        Command::Run { scenario, options, out, no_charts, precision, precision_on, samples, shard, charts } => {
            let png_scale = (!no_charts).then_some(charts.png_scale);
            run_command(&scenario, &options, out, png_scale, (precision, &precision_on), &samples, shard)
        }
        Command::Import(Import::Grants { file, funder, words, since, region, post_cost, scenario, out }) => {
            let post_cost = match (post_cost, scenario) {
                (Some(c), _) => c,
                (None, None) => fundscape_import::DEFAULT_POST_COST,
                (None, Some(path)) => match fundscape_sim::load(&path) {
                    Err(e) => return input_error(&e),
                    Ok(s) => match s.posts.annual_cost.mode() {
                        Some(c) if c > 0.0 => c,
                        _ => {
                            return input_error(&format!(
                                "{}: posts.annual_cost is `{}`, which gives no single cost; give --post-cost",
                                path.display(),
                                s.posts.annual_cost
                            ))
                        }
                    },
                },
            };
            let words = words.map(|w| w.split_whitespace().map(String::from).collect()).unwrap_or_default();
            let options = fundscape_import::Options { funder, words, since, fallback_region: region, post_cost };
            import_grants(&file, &options, out.as_deref())
        }
    }
}

/// The starter scenario `fundscape init` writes (also shipped as
/// `scenarios/starter.toml`, so the tests of shipped scenarios cover it).
const STARTER: &str = include_str!("../scenarios/starter.toml");

/// `fundscape init FILE`: the starter scenario, written only if FILE does not exist.
/// `fundscape serve`: simulates the scenario as written, then answers the
/// page until Ctrl-C.
fn serve(
    file: &Path,
    port: u16,
    bind: Option<std::net::IpAddr>,
    open: bool,
    options: &fundscape_serve::Options,
) -> ExitCode {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let ip = bind.unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
    if fundscape_serve::is_exposed(ip) {
        eprintln!(
            "warning: --bind {ip} makes the page reachable from other machines, with no password; anyone who reaches it can run the scenario and read its files' names"
        );
    }
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    if let Err(e) = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst)) {
        eprintln!("error: cannot install the Ctrl-C handler: {e}");
        return ExitCode::from(1);
    }
    let started = Instant::now();
    let app = match fundscape_serve::App::new(file, options) {
        Ok(a) => a,
        Err(e) => return input_error(&e),
    };
    for w in &app.scenario.warnings {
        eprintln!("warning: {w}");
    }
    let server = match fundscape_serve::bind(std::net::SocketAddr::new(ip, port)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}; choose another --port");
            return ExitCode::from(1);
        }
    };
    let addr = fundscape_serve::local_addr(&server).map_or_else(|| format!("{ip}:{port}"), |a| a.to_string());
    let url = format!("http://{addr}/");
    outln!(
        "serving {url} ({}: {} levers, {} paired runs a change; ready in {:.1} s; Ctrl-C stops)",
        app.scenario.name,
        app.levers.len(),
        fundscape_output::thousands(app.config.runs as f64),
        started.elapsed().as_secs_f64()
    );
    if open {
        let opener = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
        if let Err(e) = std::process::Command::new(opener).arg(&url).spawn() {
            eprintln!("warning: cannot open a browser ({opener}: {e}); open {url} yourself");
        }
    }
    fundscape_serve::serve(Arc::new(app), server, &stop);
    outln!("stopped");
    ExitCode::SUCCESS
}

fn init(file: &Path) -> ExitCode {
    use std::io::Write;
    let created = std::fs::OpenOptions::new().write(true).create_new(true).open(file);
    let mut f = match created {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return input_error(&format!(
                "{} already exists; init never overwrites a file: give another name, e.g. `fundscape init my-scenario.toml`",
                file.display()
            ))
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", file.display());
            return ExitCode::from(1);
        }
    };
    if let Err(e) = f.write_all(STARTER.as_bytes()).and_then(|()| f.sync_all()) {
        drop(f);
        let _ = std::fs::remove_file(file);
        eprintln!("error: cannot write {}: {e}", file.display());
        return ExitCode::from(1);
    }
    outln!(
        "wrote {0}: the twelve UK regions, one grant and one ask; edit it, then `fundscape validate {0}` and `fundscape run {0}`",
        file.display()
    );
    ExitCode::SUCCESS
}

fn stem(path: &Path) -> String {
    path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "scenario".into())
}

/// The scenarios of a comparison, loaded: the base and the alternatives
/// with their files and labels (file stems; a repeated stem gets a number).
struct Compared {
    base_file: PathBuf,
    base: Scenario,
    alts: Vec<(PathBuf, String, Scenario)>,
}

impl Compared {
    fn load(base_file: &Path, alt_files: &[PathBuf]) -> Result<Self, ExitCode> {
        let base = fundscape_sim::load(base_file).map_err(|e| input_error(&e))?;
        let mut alts: Vec<(PathBuf, String, Scenario)> = Vec::new();
        for file in alt_files {
            let s = fundscape_sim::load(file).map_err(|e| input_error(&e))?;
            let mut label = stem(file);
            let mut n = 2;
            while alts.iter().any(|(_, l, _)| *l == label) {
                label = format!("{}-{n}", stem(file));
                n += 1;
            }
            alts.push((file.clone(), label, s));
        }
        Ok(Self { base_file: base_file.to_path_buf(), base, alts })
    }

    fn pairs(&self) -> Vec<(String, &Scenario)> {
        self.alts.iter().map(|(_, l, s)| (l.clone(), s)).collect()
    }

    /// The exit code for an alternative that cannot be paired with the base.
    fn pairing_error(&self, e: &fundscape_sim::CompareScenariosError) -> ExitCode {
        let file = self.alts.iter().find(|(_, l, _)| *l == e.alt).map(|(f, _, _)| f.display().to_string());
        input_error(&format!("{}: {}", file.unwrap_or_else(|| e.alt.clone()), e.reason))
    }
}

fn compare(
    base_file: &Path,
    alt_files: &[PathBuf],
    options: &RunOptions,
    out: Option<&Path>,
    shard: Option<fundscape_sim::ShardSpec>,
    png_scale: u32,
) -> ExitCode {
    let compared = match Compared::load(base_file, alt_files) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let dir = out.map_or_else(|| Path::new("results").join(format!("compare-{}", stem(base_file))), Path::to_path_buf);
    if let Err(e) = fundscape_output::check_out_dir(&dir) {
        return write_error(&e);
    }
    let config = options.config(&compared.base);
    if let Some(shard) = shard {
        return compare_shard(&compared, &config, shard, &dir);
    }
    let bar = progress_bar(config.runs);
    let started = Instant::now();
    let comparison =
        match fundscape_sim::compare(&compared.base, &compared.pairs(), &config, &|done| bar.set_position(done)) {
            Ok(c) => c,
            Err(e) => {
                bar.finish_and_clear();
                return compared.pairing_error(&e);
            }
        };
    bar.finish_and_clear();
    write_compare(&compared, &comparison, started.elapsed().as_secs_f64(), &dir, Some(png_scale))
}

/// Writes a comparison's results directory (charts and report unless
/// `png_scale` is `None`) and prints its tables.
fn write_compare(
    compared: &Compared,
    comparison: &fundscape_sim::Comparison,
    seconds: f64,
    dir: &Path,
    png_scale: Option<u32>,
) -> ExitCode {
    let describe = |label: String, file: &Path, s: &Scenario| fundscape_output::ComparedScenario {
        label,
        scenario_name: s.name.clone(),
        scenario_file: file.display().to_string(),
        scenario_hash: s.hash.clone(),
        warnings: s.warnings.clone(),
        kind: s.kind.as_str().to_string(),
        ask_cost: fundscape_sim::compare::ask_cost_of(s),
    };
    let described = (
        describe("base".into(), &compared.base_file, &compared.base),
        compared.alts.iter().map(|(f, l, s)| describe(l.clone(), f, s)).collect(),
    );
    let manifest = fundscape_output::CompareManifest::new(&compared.base, described, comparison, seconds);
    let mut files = vec![
        ("compare.csv".to_string(), fundscape_output::compare_csv(comparison)),
        ("compare_totals.csv".to_string(), fundscape_output::compare_totals_csv(comparison)),
        ("manifest.json".to_string(), manifest.json()),
    ];
    if let Some(png_scale) = png_scale {
        let draw = |get: &fundscape_output::Get<'_>| {
            let c = fundscape_output::CompareResults::parse(dir, get).map_err(|e| e.to_string())?;
            fundscape_output::render_compare(&c, png_scale).map_err(|e| e.to_string())
        };
        if let Err(code) = add_drawings(&mut files, draw) {
            return code;
        }
    }
    if let Err(e) = fundscape_output::write_results(dir, &files) {
        return write_error(&e);
    }
    out!("{}", fundscape_output::compare_table(comparison));
    outln!(
        "wrote {}/ (compare.csv, compare_totals.csv, manifest.json{}) in {seconds:.1} s",
        dir.display(),
        if png_scale.is_some() { ", charts/, report.html" } else { "" }
    );
    ExitCode::SUCCESS
}

/// Adds the charts and report that `draw` makes from `files`, the bytes
/// about to be written, read through the same reader as `fundscape report`,
/// so both give the same charts and report; exit 1 if drawing fails.
fn add_drawings(
    files: &mut Vec<(String, Vec<u8>)>,
    draw: impl FnOnce(&fundscape_output::Get<'_>) -> Result<Vec<(String, Vec<u8>)>, String>,
) -> Result<(), ExitCode> {
    let drawn = {
        let get = |name: &str| Ok(files.iter().find(|(n, _)| n == name).map(|(_, b)| b.clone()));
        draw(&get)
    };
    match drawn {
        Ok(more) => {
            files.extend(more);
            Ok(())
        }
        Err(e) => {
            eprintln!("error: {e}");
            Err(ExitCode::from(1))
        }
    }
}

/// `compare --shard I/N`: simulates slice I of N of the paired runs and
/// writes what merge needs.
fn compare_shard(compared: &Compared, config: &RunConfig, shard: fundscape_sim::ShardSpec, dir: &Path) -> ExitCode {
    let Some(range) = shard_runs(config, shard) else {
        return too_many_shards(config, shard);
    };
    let bar = progress_bar(range.end - range.start);
    let started = Instant::now();
    let slice = match fundscape_sim::compare_shard(&compared.base, &compared.pairs(), config, shard, &|done| {
        bar.set_position(done)
    }) {
        Ok(s) => s,
        Err(e) => {
            bar.finish_and_clear();
            return compared.pairing_error(&e);
        }
    };
    bar.finish_and_clear();
    let scenarios = std::iter::once(fundscape_output::ShardScenario::new("base", &compared.base, &compared.base_file))
        .chain(compared.alts.iter().map(|(f, l, s)| fundscape_output::ShardScenario::new(l, s, f)))
        .collect();
    let files = fundscape_output::compare_shard_files(&slice, scenarios, started.elapsed().as_secs_f64());
    if let Err(e) = fundscape_output::write_results(dir, &files) {
        return write_error(&e);
    }
    shard_written(&compared.base.name, config, shard, &range, started, dir, "shard.json, shard.bin");
    ExitCode::SUCCESS
}

/// A scenario loaded with the target of an analysis, or the exit code of the error.
fn analysis_setup(
    file: &Path,
    a: &AnalysisOptions,
) -> Result<(Scenario, fundscape_sim::sensitivity::Target, fundscape_sim::sensitivity::Year), ExitCode> {
    use fundscape_sim::sensitivity::{parse_year, Target};
    let s = fundscape_sim::load(file).map_err(|e| input_error(&e))?;
    let target = Target::new(&s, &a.metric, &a.region).map_err(|e| input_error(&e))?;
    let year = parse_year(&s, &a.year).map_err(|e| input_error(&e))?;
    Ok((s, target, year))
}

fn sensitivity(file: &Path, a: &AnalysisOptions, by_key: bool, out: Option<&Path>) -> ExitCode {
    use fundscape_sim::sensitivity::{groups, sensitivity_cost};
    let (s, target, year) = match analysis_setup(file, a) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let dir = out.map_or_else(|| Path::new("results").join(format!("sensitivity-{}", stem(file))), Path::to_path_buf);
    if let Err(e) = fundscape_output::check_out_dir(&dir) {
        return write_error(&e);
    }
    let inputs = groups(&s, by_key);
    let config = RunConfig {
        runs: a.runs.unwrap_or(1000),
        seed: a.seed.unwrap_or(s.seed),
        threads: a.threads.map_or(0, usize::from),
    };
    let k = inputs.len();
    let cost = sensitivity_cost(k, config.runs);
    if k > 0 {
        eprintln!(
            "{k} input{}, {} base sample{}: {} runs (indices N × (k + 2) = {}, tornado N × (2k + 1) = {})",
            if k == 1 { "" } else { "s" },
            fundscape_output::thousands(config.runs as f64),
            if config.runs == 1 { "" } else { "s" },
            fundscape_output::thousands(cost as f64),
            fundscape_output::thousands((config.runs * (k as u64 + 2)) as f64),
            fundscape_output::thousands((config.runs * (2 * k as u64 + 1)) as f64),
        );
    }
    let bar = progress_bar(cost);
    let started = Instant::now();
    let result = fundscape_sim::sensitivity::sensitivity(&s, &inputs, &target, &config, &|done| bar.set_position(done));
    bar.finish_and_clear();
    let result = match result {
        Ok(r) => r,
        Err(e) => return input_error(&e),
    };
    let charts = match fundscape_output::sensitivity_charts(&result, year) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let mut files = vec![
        ("tornado.csv".to_string(), fundscape_output::tornado_csv(&result, year)),
        ("sobol.csv".to_string(), fundscape_output::sobol_csv(&result)),
    ];
    for c in &charts {
        files.push((format!("charts/{}.svg", c.name), c.svg.clone().into_bytes()));
        files.push((format!("charts/{}.png", c.name), c.png.clone()));
    }
    files.push(("report.html".to_string(), fundscape_output::sensitivity_report(&result, year, &charts).into_bytes()));
    if let Err(e) = fundscape_output::write_results(&dir, &files) {
        return write_error(&e);
    }
    outln!("{}", fundscape_output::sensitivity_reading(&result, year));
    outln!(
        "wrote {}/ (tornado.csv, sobol.csv, charts/, report.html) in {:.1} s",
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}

fn solve(
    file: &Path,
    lever: &str,
    a: &AnalysisOptions,
    (at_most, threshold, probability): (bool, f64, f64),
    range: Option<(f64, f64)>,
    out: Option<&Path>,
) -> ExitCode {
    use fundscape_sim::sensitivity::{lever_range, Goal};
    let (s, target, year) = match analysis_setup(file, a) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let goal = Goal { lever: lever.to_string(), target, year, at_most, threshold, probability, range };
    let bracket = match lever_range(&s, &goal) {
        Ok(r) => r,
        Err(e) => {
            use fundscape_sim::sensitivity::AnalysisError;
            return match e {
                AnalysisError::Input(_) | AnalysisError::LeverIsDistribution { .. } => {
                    input_error(&format!("--lever: {e}"))
                }
                _ => input_error(&e),
            };
        }
    };
    let dir = out.map_or_else(|| Path::new("results").join(format!("solve-{}", stem(file))), Path::to_path_buf);
    if let Err(e) = fundscape_output::check_out_dir(&dir) {
        return write_error(&e);
    }
    let config = options_config(a, &s);
    let most = fundscape_sim::sensitivity::most_trials(bracket);
    eprintln!(
        "{} run{} a trial, at most {most} trials",
        fundscape_output::thousands(config.runs as f64),
        if config.runs == 1 { "" } else { "s" }
    );
    let bar = indicatif::ProgressBar::new_spinner();
    let solved = fundscape_sim::sensitivity::solve(&s, &goal, &config, &|done| bar.set_position(done));
    bar.finish_and_clear();
    let solved = match solved {
        Ok(x) => x,
        Err(e) => return input_error(&e),
    };
    let region = if a.region == "all" { "all regions".to_string() } else { a.region.clone() };
    let when = if a.year == "horizon" { "over the horizon".to_string() } else { format!("in {}", a.year) };
    let condition = format!(
        "{} ({region}, {when}) {} {}",
        a.metric,
        if at_most { "≤" } else { "≥" },
        fundscape_output::number(threshold)
    );
    let show = |t: &fundscape_sim::sensitivity::Trial| {
        format!(
            "P({condition}) = {:.3} (95% interval {:.3} to {:.3}) at {lever} = {}",
            t.probability,
            t.low,
            t.high,
            fundscape_output::number(t.value)
        )
    };
    let found = match solve_answer(&solved, lever, &condition, probability) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let words = fundscape_output::SolveWords {
        scenario: s.name.clone(),
        lever: lever.to_string(),
        condition: condition.clone(),
        probability,
        runs: config.runs,
        seed: config.seed,
    };
    let mut files = vec![("solve.csv".to_string(), fundscape_output::solve_csv(&solved))];
    match fundscape_output::solve_chart_files(&solved, &words) {
        Ok(more) => files.extend(more),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    }
    if let Err(e) = fundscape_output::write_results(&dir, &files) {
        return write_error(&e);
    }
    outln!(
        "{} trial{} of {} run{}; wrote {}/ (solve.csv, charts/solve.svg, charts/solve.png)",
        solved.trials.len(),
        if solved.trials.len() == 1 { "" } else { "s" },
        fundscape_output::thousands(config.runs as f64),
        if config.runs == 1 { "" } else { "s" },
        dir.display()
    );
    outln!("{}", show(&found));
    outln!("{lever} = {}", fundscape_output::number(found.value));
    ExitCode::SUCCESS
}

/// The answer of a goal seek, after its warnings (the probability falling
/// as the lever rises); `Err` (exit 1, said on stderr) when the range holds
/// no answer or the answer may lie below it.
fn solve_answer(
    solved: &fundscape_sim::sensitivity::Solved,
    lever: &str,
    condition: &str,
    probability: f64,
) -> Result<fundscape_sim::sensitivity::Trial, ExitCode> {
    use fundscape_sim::sensitivity::SolveOutcome;
    for (x, y) in &solved.not_monotone {
        eprintln!(
            "warning: the probability falls as {lever} rises, from {:.3} at {} to {:.3} at {}; the answer assumes it rises",
            x.probability,
            fundscape_output::number(x.value),
            y.probability,
            fundscape_output::number(y.value)
        );
    }
    match solved.outcome {
        SolveOutcome::Outside { low, high } => {
            eprintln!(
                "error: no value of {lever} in {}..{} reaches P({condition}) ≥ {probability}: {:.3} at {} and {:.3} at {}; widen --range",
                fundscape_output::number(solved.range.0),
                fundscape_output::number(solved.range.1),
                low.probability,
                fundscape_output::number(low.value),
                high.probability,
                fundscape_output::number(high.value)
            );
            Err(ExitCode::from(1))
        }
        SolveOutcome::Below { low, high, least } => {
            eprintln!(
                "error: the low end of --range already reaches P({condition}) ≥ {probability}: {:.3} at {} (and \
                 {:.3} at {}), so the smallest value may lie below the range; widen --range downwards (the least \
                 value {lever} can take is {})",
                low.probability,
                fundscape_output::number(low.value),
                high.probability,
                fundscape_output::number(high.value),
                fundscape_output::number(least)
            );
            Err(ExitCode::from(1))
        }
        SolveOutcome::Found(t) => Ok(t),
    }
}

fn parse_budget(s: &str) -> Result<f64, String> {
    let bad = || format!("--budget takes an amount of £ above 0, e.g. 2000000, £2m or 500k (not `{s}`)");
    let text = s.trim().trim_start_matches('£').replace([',', '_'], "");
    let lower = text.to_ascii_lowercase();
    let (number, unit) = match lower.strip_suffix('m') {
        Some(n) => (n.to_string(), 1e6),
        None => match lower.strip_suffix('k') {
            Some(n) => (n.to_string(), 1e3),
            None => (lower.clone(), 1.0),
        },
    };
    match number.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x * unit > 0.0 && x * unit <= 1e12 => Ok(x * unit),
        _ => Err(bad()),
    }
}

fn parse_term(s: &str) -> Result<u32, String> {
    whole_number(s, "--term-months", "the round's term in months", 1, 1200).map(|n| n as u32)
}

fn parse_optimise_runs(s: &str) -> Result<u64, String> {
    whole_number(
        s,
        "--runs",
        "the paired runs each candidate is simulated on",
        1,
        fundscape_sim::optimise::MAX_OPTIMISE_RUNS,
    )
}

fn parse_share_range(s: &str) -> Result<(f64, f64), String> {
    let bad = || format!("--advice-share takes LO..HI, two shares from 0 to 1, e.g. 0.5..1 (not `{s}`)");
    let (lo, hi) = s.split_once("..").ok_or_else(bad)?;
    let (lo, hi) = (parse_number(lo).map_err(|_| bad())?, parse_number(hi).map_err(|_| bad())?);
    Ok((lo, hi))
}

/// `fundscape optimise`: checks the request, searches, and writes DIR.
fn optimise(
    file: &Path,
    request: &fundscape_sim::optimise::Request,
    (runs, seed, threads): (Option<u64>, Option<u64>, usize),
    out: Option<&Path>,
    png_scale: u32,
) -> ExitCode {
    use fundscape_sim::optimise::{Spec, DEFAULT_RUNS};
    let s = match fundscape_sim::load(file) {
        Ok(s) => s,
        Err(e) => return input_error(&e),
    };
    let spec = match Spec::new(&s, request, 1.0) {
        Ok(x) => x,
        Err(e) => return input_error(&e),
    };
    // The loader on an overlay with the round, at the frontier's largest
    // budget: any error `run` would give on best.toml, and what it makes of
    // the budget (a pool with members left out scales it).
    let factor = match optimise_probe(file, &s, &spec) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let spec = if factor == 1.0 {
        spec
    } else {
        match Spec::new(&s, request, factor) {
            Ok(x) => x,
            Err(e) => return input_error(&e),
        }
    };
    let dir = out.map_or_else(|| Path::new("results").join(format!("optimise-{}", stem(file))), Path::to_path_buf);
    if let Err(e) = fundscape_output::check_out_dir(&dir) {
        return write_error(&e);
    }
    for w in &s.warnings {
        eprintln!("warning: {w}");
    }
    let config = RunConfig { runs: runs.unwrap_or(DEFAULT_RUNS), seed: seed.unwrap_or(s.seed), threads };
    eprintln!(
        "each candidate split is simulated on the same {} paired runs (seed {}) as doing nothing",
        fundscape_output::thousands(config.runs as f64),
        config.seed
    );
    let bar = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} searching: {human_pos} runs simulated in {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    let started = Instant::now();
    let result = fundscape_sim::optimise::optimise(&s, &spec, &config, &|done| bar.set_position(done));
    bar.finish_and_clear();
    let o = match result {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let absolute = match file.canonicalize() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: cannot find {} again: {e}", file.display());
            return ExitCode::from(1);
        }
    };
    if let Err(e) = verify_best(&o, &absolute, &s) {
        eprintln!("error: best.toml does not load as the round the optimiser chose (a bug; please report it): {e}");
        return ExitCode::from(1);
    }
    let extends = relative_path(&dir, &absolute).unwrap_or_else(|| absolute.clone());
    let files = match fundscape_output::optimise_files(
        &o,
        &extends.to_string_lossy(),
        &file.display().to_string(),
        png_scale,
    ) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    if let Err(e) = fundscape_output::write_results(&dir, &files) {
        return write_error(&e);
    }
    outln!("{}", fundscape_output::optimise_sentence(&o));
    out!("{}", fundscape_output::optimise_table(&o));
    outln!(
        "wrote {}/ (best.toml, frontier.csv, candidates.csv, charts/frontier.svg, charts/frontier.png, report.html) in {:.1} s: {} candidate rounds simulated, {} runs each",
        dir.display(),
        started.elapsed().as_secs_f64(),
        fundscape_output::thousands(o.evaluations as f64),
        fundscape_output::thousands(o.runs as f64)
    );
    ExitCode::SUCCESS
}

/// The overlay of `split` on the scenario at its absolute path, loaded.
fn load_overlay(
    file: &Path,
    s: &Scenario,
    spec: &fundscape_sim::optimise::Spec,
    split: &fundscape_sim::optimise::Split,
) -> Result<Scenario, fundscape_sim::LoadScenarioError> {
    let absolute = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
    let ids: Vec<String> = s.regions.iter().map(|r| r.id.clone()).collect();
    let text = fundscape_output::round_overlay(
        spec,
        &ids,
        s.start,
        split,
        &absolute.to_string_lossy(),
        &format!("{} + optimised round", s.name),
        "a round of fundscape optimise, checked before it is written",
    );
    let virtual_path = absolute.with_file_name(".fundscape-optimise-check.toml");
    fundscape_sim::load_str(&virtual_path, &text)
}

/// What the loader makes of a round of the optimiser's (budget scaled by a
/// pool's members left out: the factor), or the exit code of its error.
fn optimise_probe(file: &Path, s: &Scenario, spec: &fundscape_sim::optimise::Spec) -> Result<f64, ExitCode> {
    let largest = spec.budget * fundscape_sim::optimise::LEVELS[fundscape_sim::optimise::LEVELS.len() - 1];
    let mut k = vec![0u32; s.regions.len()];
    spec.regions.iter().filter(|&&r| spec.prices[r] > 0.0).for_each(|&r| k[r] = 1);
    let mut split = fundscape_sim::optimise::split_of(spec, &k, 1.0, largest);
    split.budget = largest;
    let loaded = load_overlay(file, s, spec, &split).map_err(|e| {
        input_error(&format!("the round cannot be added to {}: {}: {}", file.display(), e.key, e.message))
    })?;
    let Some(round) = loaded.rounds.iter().find(|r| r.id == spec.round_id) else {
        return Err(input_error(&format!(
            "--funder: {} leaves `{}` out (without_funders), so its round would be dropped; choose another funder",
            file.display(),
            spec.funder
        )));
    };
    Ok(round.budget.as_fixed().map_or(1.0, |b| b / largest))
}

/// Checks that best.toml's round, loaded, is the round the optimiser
/// simulated and buys its posts at expected prices.
fn verify_best(o: &fundscape_sim::optimise::Optimised, absolute: &Path, s: &Scenario) -> Result<(), String> {
    let split = &o.best.split;
    let loaded = load_overlay(absolute, s, &o.spec, split).map_err(|e| e.to_string())?;
    let i = loaded.rounds.iter().position(|r| r.id == o.spec.round_id).ok_or("the round is missing")?;
    let round = &loaded.rounds[i];
    let searched = fundscape_sim::optimise::round_of(&o.spec, split).map_err(|e| e.to_string())?;
    let same_budget = match (round.budget.as_fixed(), searched.budget.as_fixed()) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-12 * b.abs(),
        _ => false,
    };
    let shares = match &round.allocation {
        fundscape_sim::scenario::Allocation::Shares(x) => x.clone(),
        fundscape_sim::scenario::Allocation::Unmet => Vec::new(),
    };
    if !same_budget || shares != split.shares || round.advice_share.as_fixed() != Some(split.advice_share) {
        return Err(format!(
            "budget {} and shares {:?} read back as {} and {shares:?}",
            split.budget, split.shares, round.budget
        ));
    }
    let preview = fundscape_sim::rounds::preview(&loaded, i);
    let bought: Vec<u32> =
        (0..s.regions.len()).map(|r| preview.posts.iter().find(|p| p.0 == r).map_or(0, |p| p.1)).collect();
    if bought != split.posts {
        return Err(format!("at expected prices it buys {bought:?}, not {:?}", split.posts));
    }
    Ok(())
}

/// `target` relative to the directory `dir` (which may not exist yet), so
/// that best.toml's `extends` resolves from DIR; `None` where it cannot be
/// written so (another drive, a name that is not UTF-8).
fn relative_path(dir: &Path, target: &Path) -> Option<PathBuf> {
    let mut existing = std::path::absolute(dir).ok()?;
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    while !existing.exists() {
        rest.push(existing.file_name()?.to_owned());
        existing = existing.parent()?.to_path_buf();
    }
    let mut base = existing.canonicalize().ok()?;
    rest.iter().rev().for_each(|c| base.push(c));
    let (a, b): (Vec<_>, Vec<_>) = (base.components().collect(), target.components().collect());
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return None;
    }
    let mut out = PathBuf::new();
    (common..a.len()).for_each(|_| out.push(".."));
    b[common..].iter().for_each(|c| out.push(c));
    out.to_str().map(|_| out.clone())
}

fn options_config(a: &AnalysisOptions, s: &Scenario) -> RunConfig {
    RunConfig {
        runs: a.runs.unwrap_or(s.runs),
        seed: a.seed.unwrap_or(s.seed),
        threads: a.threads.map_or(0, usize::from),
    }
}

fn progress_bar(runs: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(Some(runs), indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {bar:40} {pos}/{len} runs ({eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// `fundscape import grants`: the tables to stdout or `out`, the summary to stderr.
fn import_grants(file: &Path, options: &fundscape_import::Options, out: Option<&Path>) -> ExitCode {
    // Never replace a file fundscape did not write: an existing --out must be
    // an earlier import's (its first line says so).
    if let Some(path) = out.filter(|p| p.exists() || p.is_symlink()) {
        let ours = path.is_file()
            && !path.is_symlink()
            && fundscape_sim::input::read_text(path, fundscape_sim::input::MAX_INPUT_BYTES)
                .is_ok_and(|t| fundscape_import::is_rendered(&t));
        if !ours {
            return input_error(&format!(
                "--out: {} exists and is not a file of grants fundscape imported; choose another --out (an earlier \
                 import's file is replaced)",
                path.display()
            ));
        }
    }
    let grants = match fundscape_import::read_grants(file) {
        Ok(g) => g,
        Err(e) if e.is_bad_input() => return input_error(&e),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let lookup = match fundscape_import::RegionLookup::home_office() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let report = fundscape_import::import(&file.display().to_string(), &grants, &lookup, options);
    let mut command = format!("import grants {}", file.display());
    for (flag, value) in [
        ("--funder", options.funder.clone()),
        ("--match", (!options.words.is_empty()).then(|| options.words.join(" "))),
        ("--since", options.since.map(|d| d.to_string())),
        ("--region", options.fallback_region.map(String::from)),
    ] {
        if let Some(v) = value {
            command.push_str(&format!(" {flag} \"{v}\""));
        }
    }
    let toml = fundscape_import::render(&report, options, &command);
    eprint!("{}", report.summary(options));
    match out {
        None => out!("{toml}"),
        Some(path) => {
            if let Err(e) = fundscape_output::write_file(path, toml.as_bytes()) {
                return write_error(&e);
            }
            let written = report.kept.iter().filter(|g| g.region(options).is_some()).count();
            eprintln!("wrote {} to {}", count(written as u64, "grant"), path.display());
        }
    }
    ExitCode::SUCCESS
}

fn input_error(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(2)
}

/// A refused write exits 2 (the results directory asked for is the user's),
/// a failed one 1.
fn write_error(e: &fundscape_output::WriteResultsError) -> ExitCode {
    if e.is_bad_input() {
        return input_error(e);
    }
    eprintln!("error: {e}");
    ExitCode::from(1)
}

fn default_out(scenario: &Path) -> PathBuf {
    Path::new("results").join(stem(scenario))
}

/// The most runs `--precision` does when `--runs` does not say.
const PRECISION_CEILING: u64 = 1_000_000;

fn parse_precision(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if x > 0.0 && x < 1.0 => Ok(x),
        _ => Err(format!("--precision takes the largest Monte Carlo error allowed as a share of the mean, a number between 0 and 1 such as 0.01 (it is `{s}`)")),
    }
}

/// The figures `--precision-on` names, checked against the scenario.
fn watched_figures(s: &Scenario, names: &[String]) -> Result<Vec<fundscape_sim::precision::Watched>, String> {
    if names.is_empty() {
        return Ok(fundscape_sim::precision::Watched::headline());
    }
    let mut metrics: Vec<String> = fundscape_sim::model::METRICS.iter().map(|m| m.to_string()).collect();
    metrics.extend(s.spend_sources().iter().map(|x| format!("spend:{x}")));
    let regions: Vec<String> =
        std::iter::once("all".to_string()).chain(s.regions.iter().map(|r| r.id.clone())).collect();
    names
        .iter()
        .map(|name| {
            let (region, metric) = name.split_once(':').filter(|(r, _)| *r != "spend").unwrap_or(("all", name));
            if !regions.iter().any(|r| r == region) {
                let hint = fundscape_sim::suggest::did_you_mean(region, &regions);
                return Err(format!("--precision-on: unknown region `{region}`{hint}"));
            }
            if !metrics.iter().any(|m| m == metric) {
                let hint = fundscape_sim::suggest::did_you_mean(metric, &metrics);
                return Err(format!(
                    "--precision-on: unknown metric `{metric}`{}",
                    if hint.is_empty() { format!("; the metrics are {}", metrics.join(", ")) } else { hint }
                ));
            }
            Ok(fundscape_sim::precision::Watched { region: region.to_string(), metric: metric.to_string() })
        })
        .collect()
}

fn run(
    file: &Path,
    scenario: &Scenario,
    config: &RunConfig,
    dir: &Path,
    png_scale: Option<u32>,
    precision: Option<&(f64, Vec<fundscape_sim::precision::Watched>)>,
    samples: &[String],
) -> ExitCode {
    for w in &scenario.warnings {
        eprintln!("warning: {w}");
    }
    let bar = progress_bar(config.runs);
    let started = Instant::now();
    let (summary, reached) = match precision {
        None => (fundscape_sim::run(scenario, config, &|done| bar.set_position(done)), None),
        Some((target, watched)) => {
            let (summary, reached) =
                fundscape_sim::precision::run_to_precision(scenario, config, *target, watched, &|done, wave| {
                    bar.set_length(wave);
                    bar.set_position(done);
                });
            (summary, Some(reached))
        }
    };
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    write_run(file, scenario, config, &summary, seconds, dir, png_scale, reached.as_ref(), samples)
}

/// Writes a run's results directory from its summary and prints its
/// headlines (a whole run's, or a merge of shards').
#[allow(clippy::too_many_arguments)]
fn write_run(
    file: &Path,
    scenario: &Scenario,
    config: &RunConfig,
    summary: &fundscape_sim::Summary,
    seconds: f64,
    dir: &Path,
    png_scale: Option<u32>,
    reached: Option<&fundscape_sim::precision::PrecisionReached>,
    samples: &[String],
) -> ExitCode {
    let mut manifest = fundscape_output::Manifest::new(summary, scenario, file, seconds);
    if let Some(r) = &reached {
        manifest.precision = Some(fundscape_output::PrecisionInfo {
            target: r.target,
            reached: r.reached,
            worst_figure: r.worst.clone(),
            met: r.met,
            ceiling: config.runs,
        });
        if !r.met {
            eprintln!(
                "warning: --precision {} was not reached in {} runs (the ceiling, --runs): the largest relative Monte Carlo error is {:.4}, of {}",
                r.target,
                fundscape_output::thousands(summary.runs as f64),
                r.reached,
                r.worst
            );
        }
    }
    let mut files = vec![
        ("summary.csv".to_string(), fundscape_output::summary_csv(summary)),
        ("survival.csv".to_string(), fundscape_output::survival_csv(summary)),
        ("totals.csv".to_string(), fundscape_output::totals_csv(summary)),
        ("exceedance.csv".to_string(), fundscape_output::exceedance_csv(summary)),
        ("posts_by_source.csv".to_string(), fundscape_output::posts_by_source_csv(summary)),
        ("gap.csv".to_string(), fundscape_output::gap_csv(summary)),
        ("regions.csv".to_string(), fundscape_output::regions_csv(scenario)),
        ("manifest.json".to_string(), fundscape_output::manifest_json(&manifest)),
    ];
    files.extend(fundscape_output::scenario_copies(scenario));
    if !samples.is_empty() {
        // The same runs as the summary's (the runs done, with --precision).
        let config = RunConfig { runs: summary.runs, ..*config };
        let bar = progress_bar(config.runs);
        let rows = fundscape_sim::samples::samples(scenario, &config, samples, &|done| bar.set_position(done));
        bar.finish_and_clear();
        match rows {
            Ok(rows) => {
                files.push(("samples.csv".to_string(), fundscape_output::samples_csv(scenario, samples, &rows)))
            }
            Err(e) => return input_error(&format!("--samples: {e}")),
        }
    }
    if let Some(png_scale) = png_scale {
        let draw = |get: &fundscape_output::Get<'_>| {
            let r = fundscape_output::Results::parse(dir, get).map_err(|e| e.to_string())?;
            fundscape_output::render(&r, png_scale).map_err(|e| e.to_string())
        };
        if let Err(code) = add_drawings(&mut files, draw) {
            return code;
        }
    }
    if let Err(e) = fundscape_output::write_results(dir, &files) {
        return write_error(&e);
    }
    let charts = png_scale.is_some();
    let mut text = headline(summary, scenario.note.as_deref(), scenario.start.month(), seconds, dir, charts);
    if !samples.is_empty() {
        text = text.replacen("scenario.toml", "scenario.toml, samples.csv", 1);
    }
    out!("{text}");
    if let Some(r) = &reached {
        outln!(
            "  precision: Monte Carlo error at most {:.2}% of the mean (target {}%) on every watched figure, after {}",
            100.0 * r.reached,
            100.0 * r.target,
            count(summary.runs, "run")
        );
    }
    ExitCode::SUCCESS
}

/// `fundscape run`: loads the scenario, checks the options against it, and
/// runs it whole, to a precision, or one shard of it.
fn run_command(
    scenario: &Path,
    options: &RunOptions,
    out: Option<PathBuf>,
    png_scale: Option<u32>,
    (precision, precision_on): (Option<f64>, &[String]),
    samples: &[String],
    shard: Option<fundscape_sim::ShardSpec>,
) -> ExitCode {
    let s = match fundscape_sim::load(scenario) {
        Ok(s) => s,
        Err(e) => return input_error(&e),
    };
    let mut config = options.config(&s);
    let target = match precision {
        None => None,
        Some(rel) => {
            if options.runs.is_none() {
                config.runs = PRECISION_CEILING;
            }
            match watched_figures(&s, precision_on) {
                Ok(w) => Some((rel, w)),
                Err(e) => return input_error(&e),
            }
        }
    };
    if let Some(bad) = samples.iter().find(|m| !fundscape_sim::samples::metric_names(&s).contains(m)) {
        let names = fundscape_sim::samples::metric_names(&s);
        let hint = fundscape_sim::suggest::did_you_mean(bad, &names);
        return input_error(&format!(
            "--samples: unknown metric `{bad}`{}",
            if hint.is_empty() { format!("; the metrics are {}", names.join(", ")) } else { hint }
        ));
    }
    let dir = out.unwrap_or_else(|| default_out(scenario));
    if let Err(e) = fundscape_output::check_out_dir(&dir) {
        return write_error(&e);
    }
    if let Some(shard) = shard {
        if shard_runs(&config, shard).is_none() {
            return too_many_shards(&config, shard);
        }
        return run_shard(scenario, &s, &config, shard, &dir);
    }
    run(scenario, &s, &config, &dir, png_scale, target.as_ref(), samples)
}

fn parse_shard(s: &str) -> Result<fundscape_sim::ShardSpec, String> {
    let bad = || format!("--shard takes I/N, slice I of N slices (1 ≤ I ≤ N), e.g. 2/3 (not `{s}`)");
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (index, count) = (i.trim().parse::<u64>().map_err(|_| bad())?, n.trim().parse::<u64>().map_err(|_| bad())?);
    if index == 0 || index > count {
        return Err(bad());
    }
    Ok(fundscape_sim::ShardSpec { index, count })
}

/// The runs of slice `shard`, or `None` when there are more slices than
/// blocks of runs.
fn shard_runs(config: &RunConfig, shard: fundscape_sim::ShardSpec) -> Option<std::ops::Range<u64>> {
    let blocks = shard.blocks(config.runs);
    let runs = config.runs.max(1);
    let block = fundscape_sim::driver::BLOCK;
    (shard.count <= fundscape_sim::driver::n_blocks(config.runs))
        .then(|| (blocks.start * block).min(runs)..(blocks.end * block).min(runs))
}

fn too_many_shards(config: &RunConfig, shard: fundscape_sim::ShardSpec) -> ExitCode {
    let blocks = fundscape_sim::driver::n_blocks(config.runs);
    input_error(&format!(
        "--shard {shard}: {} make {} of {} runs; give at most {blocks} shards, or more runs",
        count(config.runs, "run"),
        count(blocks, "block"),
        fundscape_sim::driver::BLOCK
    ))
}

/// What a shard prints when written.
fn shard_written(
    name: &str,
    config: &RunConfig,
    shard: fundscape_sim::ShardSpec,
    runs: &std::ops::Range<u64>,
    started: Instant,
    dir: &Path,
    files: &str,
) {
    outln!(
        "{name}: shard {shard}, runs {}–{} of {} (seed {}), in {:.1} s\n  wrote {}/ ({files})\n  when all {} shards are done: fundscape merge DIR_1 … DIR_{} --out DIR",
        fundscape_output::thousands(runs.start as f64),
        fundscape_output::thousands(runs.end.saturating_sub(1) as f64),
        fundscape_output::thousands(config.runs.max(1) as f64),
        config.seed,
        started.elapsed().as_secs_f64(),
        dir.display(),
        shard.count,
        shard.count
    );
}

/// `run --shard I/N`: simulates slice I of N and writes what merge needs.
fn run_shard(
    file: &Path,
    scenario: &Scenario,
    config: &RunConfig,
    shard: fundscape_sim::ShardSpec,
    dir: &Path,
) -> ExitCode {
    for w in &scenario.warnings {
        eprintln!("warning: {w}");
    }
    let Some(range) = shard_runs(config, shard) else {
        return too_many_shards(config, shard);
    };
    let bar = progress_bar(range.end - range.start);
    let started = Instant::now();
    let slice = fundscape_sim::run_shard(scenario, config, shard, &|done| bar.set_position(done));
    bar.finish_and_clear();
    let files = fundscape_output::shard_files(&slice, scenario, file, started.elapsed().as_secs_f64());
    if let Err(e) = fundscape_output::write_results(dir, &files) {
        return write_error(&e);
    }
    shard_written(&scenario.name, config, shard, &range, started, dir, "shard.json, shard.bin, scenario.toml");
    ExitCode::SUCCESS
}

/// `fundscape merge DIR... --out DIR`: the whole run, or the whole
/// comparison, from its shards.
fn merge(dirs: &[PathBuf], out: &Path, png_scale: Option<u32>) -> ExitCode {
    if let Err(e) = fundscape_output::check_out_dir(out) {
        return write_error(&e);
    }
    // The merged run would replace a shard it reads: refuse, so the shard
    // stays to merge again.
    let same = |d: &Path| match (std::fs::canonicalize(d), std::fs::canonicalize(out)) {
        (Ok(a), Ok(b)) => a == b,
        _ => d == out,
    };
    if let Some(dir) = dirs.iter().find(|d| same(d)) {
        return input_error(&format!(
            "--out {} is one of the shards being merged; give the merged run a directory of its own",
            dir.display()
        ));
    }
    let (mut runs, mut comparisons) = (Vec::new(), Vec::new());
    for dir in dirs {
        match fundscape_output::read_any_shard(dir) {
            Ok(fundscape_output::AnyShard::Run(m, s)) => runs.push((dir, (m, s))),
            Ok(fundscape_output::AnyShard::Compare(m, s)) => comparisons.push((dir, (m, s))),
            Err(e) if e.is_bad_input() => return input_error(&e),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        }
    }
    if !runs.is_empty() && !comparisons.is_empty() {
        return input_error(&format!(
            "{} is a run's shard and {} a comparison's: merge the shards of one run, or of one comparison",
            runs[0].0.display(),
            comparisons[0].0.display()
        ));
    }
    let specs: Vec<(&PathBuf, fundscape_sim::ShardSpec)> = runs
        .iter()
        .map(|(d, (_, s))| (*d, s.shard))
        .chain(comparisons.iter().map(|(d, (_, s))| (*d, s.shard)))
        .collect();
    for (a, (dir_a, spec)) in specs.iter().enumerate() {
        if let Some((dir_b, _)) = specs[..a].iter().find(|(_, b)| b == spec) {
            return input_error(&format!(
                "shard {spec} is given twice: {} and {}; give each shard's directory once",
                dir_b.display(),
                dir_a.display()
            ));
        }
    }
    if runs.is_empty() {
        merge_comparison(&comparisons, out, png_scale)
    } else {
        merge_run(&runs, out, png_scale)
    }
}

/// A shard's scenario loaded again, or the exit code of why it cannot be
/// (gone, or changed since the shard ran).
fn shard_scenario(dir: &Path, file: &str, path: &str, hash: &str) -> Result<Scenario, ExitCode> {
    let scenario = fundscape_sim::load(Path::new(path)).map_err(|e| {
        input_error(&format!(
            "{}: the shards were run on {file} ({path}), which cannot be loaded now: {e}",
            dir.display()
        ))
    })?;
    if scenario.hash != hash {
        return Err(input_error(&format!(
            "{path} has changed since the shards ran (hash {} now, {hash} then): merge needs the scenario they ran; restore it or run the shards again",
            scenario.hash
        )));
    }
    Ok(scenario)
}

type RunShard<'a> = (&'a PathBuf, (fundscape_output::ShardManifest, fundscape_sim::Slice));
type CompareShard<'a> = (&'a PathBuf, (fundscape_output::CompareShardManifest, fundscape_sim::CompareSlice));

fn merge_run(shards: &[RunShard<'_>], out: &Path, png_scale: Option<u32>) -> ExitCode {
    let (first_dir, (first, _)) = &shards[0];
    let scenario = match shard_scenario(first_dir, &first.scenario_file, &first.scenario_path, &first.scenario_hash) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let slices: Vec<fundscape_sim::Slice> = shards.iter().map(|(_, (_, s))| s.clone()).collect();
    let started = Instant::now();
    let summary = match fundscape_sim::merge_slices(&scenario, &slices, 1) {
        Ok(s) => s,
        Err(e) => return input_error(&format!("cannot merge: {e}")),
    };
    let seconds = shards.iter().map(|(_, (m, _))| m.wall_time_seconds).sum::<f64>() + started.elapsed().as_secs_f64();
    let config = RunConfig { runs: summary.runs, seed: summary.seed, threads: 1 };
    let file = PathBuf::from(&first.scenario_file);
    write_run(&file, &scenario, &config, &summary, seconds, out, png_scale, None, &[])
}

fn merge_comparison(shards: &[CompareShard<'_>], out: &Path, png_scale: Option<u32>) -> ExitCode {
    let (first_dir, (first, _)) = &shards[0];
    // Every shard must be of the same scenarios, labelled alike.
    for (dir, (m, _)) in shards {
        let labels = |m: &fundscape_output::CompareShardManifest| {
            m.scenarios.iter().map(|s| format!("{} ({})", s.label, s.scenario_hash)).collect::<Vec<_>>()
        };
        if labels(m) != labels(first) {
            return input_error(&format!(
                "{} compares {} but {} compares {}: merge only the shards of one comparison",
                dir.display(),
                labels(m).join(", "),
                first_dir.display(),
                labels(first).join(", ")
            ));
        }
    }
    let mut loaded = Vec::new();
    for s in &first.scenarios {
        match shard_scenario(first_dir, &s.scenario_file, &s.scenario_path, &s.scenario_hash) {
            Ok(scenario) => loaded.push((PathBuf::from(&s.scenario_file), s.label.clone(), scenario)),
            Err(code) => return code,
        }
    }
    let mut loaded = loaded.into_iter();
    let Some((base_file, _, base)) = loaded.next() else {
        return input_error(&format!("{}: a comparison's shard without scenarios", first_dir.display()));
    };
    let compared = Compared { base_file, base, alts: loaded.collect() };
    let slices: Vec<fundscape_sim::CompareSlice> = shards.iter().map(|(_, (_, s))| s.clone()).collect();
    let started = Instant::now();
    let comparison = match fundscape_sim::merge_compare_slices(&compared.base, &compared.pairs(), &slices, 1) {
        Ok(c) => c,
        Err(e) => return input_error(&format!("cannot merge: {e}")),
    };
    let seconds = shards.iter().map(|(_, (m, _))| m.wall_time_seconds).sum::<f64>() + started.elapsed().as_secs_f64();
    write_compare(&compared, &comparison, seconds, out, png_scale)
}

/// A results directory read back, or the exit code of the message printed
/// (2 for a fault in the directory's files, 1 for other failures).
fn read_results(dir: &Path) -> Result<fundscape_output::Results, ExitCode> {
    fundscape_output::Results::read_dir(dir).map_err(|e| {
        if e.is_bad_input() {
            input_error(&e)
        } else {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    })
}

/// `fundscape report DIR`: re-draws charts/ and report.html from the files
/// in DIR, a run's or a comparison's (told apart by the manifest).
fn report(dir: &Path, png_scale: u32) -> ExitCode {
    let drawn = match fundscape_output::ResultsDir::read(dir) {
        Ok(fundscape_output::ResultsDir::Run(r)) => fundscape_output::render(&r, png_scale),
        Ok(fundscape_output::ResultsDir::Compare(c)) => fundscape_output::render_compare(&c, png_scale),
        Err(e) if e.is_bad_input() => return input_error(&e),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let files = match drawn {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let charts = files.iter().filter(|(name, _)| name.starts_with("charts/")).count();
    if let Err(e) = fundscape_output::write_report(dir, &files) {
        return write_error(&e);
    }
    outln!("wrote {}/report.html and {} charts in {}/charts/", dir.display(), charts / 2, dir.display());
    ExitCode::SUCCESS
}

/// `n thing` or `n things`, with thousands separators.
fn count(n: u64, thing: &str) -> String {
    format!("{} {thing}{}", fundscape_output::thousands(n as f64), if n == 1 { "" } else { "s" })
}

/// `fundscape brief`: one page for a council about one region.
fn brief(dir: &Path, region: &str, ask: Option<(&Path, &str)>, out: Option<&Path>) -> ExitCode {
    let results = match read_results(dir) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if let Err(e) = fundscape_output::check_region(&results, region) {
        return input_error(&format!("{}: --region: {e}", dir.display()));
    }
    let effect = match ask {
        None => None,
        Some((cdir, name)) => match fundscape_output::read_ask(cdir, name, region, &results) {
            Ok(a) => Some(a),
            Err(e) => return input_error(&e),
        },
    };
    if let Some(a) = effect.as_ref().filter(|a| (a.runs, a.seed) != (results.manifest.runs, results.manifest.seed)) {
        // Allowed (the page's footnotes give both), but easy to do by mistake.
        eprintln!(
            "warning: the comparison ran {} at seed {}, the results {} at seed {}: the ask's figures come from \
             the comparison's runs, the rest of the page from the results' (the footnotes say which is which)",
            count(a.runs, "run"),
            a.seed,
            count(results.manifest.runs, "run"),
            results.manifest.seed
        );
    }
    let drawn = match fundscape_output::render_brief(&results, region, effect.as_ref()) {
        Ok(b) => b,
        Err(e) if e.is_bad_input() => return input_error(&e),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let html = out.map_or_else(|| dir.join(format!("brief-{region}")).join("brief.html"), Path::to_path_buf);
    // The page's name gives its pictures' (.svg, .png beside it), so it must
    // be a page's: `--out x.png` would put the picture where the page went.
    let is_page = html.extension().is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
    if !is_page {
        return input_error(&format!(
            "--out {}: give the page's file, ending in .html (its picture is written beside it as .svg and .png)",
            html.display()
        ));
    }
    let files = [
        (html.clone(), drawn.html.into_bytes()),
        (html.with_extension("svg"), drawn.svg.into_bytes()),
        (html.with_extension("png"), drawn.png),
    ];
    // Never replace a file fundscape did not write: an existing page must be a
    // brief (it names its generator); its picture files go with it. Nor
    // write through a link, or replace one.
    if let Some((path, _)) = files.iter().find(|(p, _)| p.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink()))
    {
        return input_error(&format!(
            "{} is a link; fundscape does not write through links or replace them: choose another --out",
            path.display()
        ));
    }
    if html.exists() {
        let ours = fundscape_sim::input::read_text(&html, fundscape_sim::input::MAX_INPUT_BYTES)
            .map(|t| t.contains("<meta name=\"generator\" content=\"fundscape brief\">"))
            .unwrap_or(false);
        if !ours {
            return input_error(&format!(
                "{} exists and is not a brief that fundscape wrote; choose another --out",
                html.display()
            ));
        }
    } else if let Some((path, _)) = files[1..].iter().find(|(p, _)| p.exists()) {
        return input_error(&format!(
            "{} exists and fundscape did not write it with a brief; choose another --out",
            path.display()
        ));
    }
    if let Some(parent) = html.parent().filter(|p| !p.as_os_str().is_empty()) {
        if let Err(e) = std::fs::create_dir_all(parent) {
            eprintln!("error: cannot create {}: {e}", parent.display());
            return ExitCode::from(1);
        }
    }
    for (path, bytes) in &files {
        if let Err(e) = fundscape_output::write_file(path, bytes) {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    }
    outln!("wrote {} (one A4 page) and its picture as .svg and .png", html.display());
    ExitCode::SUCCESS
}

/// A few plain-words figures for the terminal: medians with their 5–95%
/// range, as the charts draw them.
fn headline(s: &Summary, note: Option<&str>, start_month: u32, seconds: f64, dir: &Path, charts: bool) -> String {
    use fundscape_output::{thousands, year_name};
    let mut out = format!(
        "{}: {} in {:.1} s (seed {}, {})\n",
        s.scenario_name,
        count(s.runs, "run"),
        seconds,
        s.seed,
        count(s.threads as u64, "thread")
    );
    if let Some(note) = note {
        out.push_str(&format!("  note: {note}\n"));
    }
    let range =
        |x: &fundscape_sim::stats::Stat| format!("{} ({}–{})", thousands(x.p50), thousands(x.p05), thousands(x.p95));
    if let (Some(&first), Some(&last)) = (s.years.first(), s.years.last()) {
        if let (Some(a), Some(b)) = (s.get("all", first, "posts_funded"), s.get("all", last, "posts_funded")) {
            out.push_str(&format!(
                "  posts funded at the end of {}: {}; at the end of {}: {}\n",
                year_name(start_month, first),
                range(a),
                year_name(start_month, last),
                range(b)
            ));
        }
        // What outlasts any grant: posts statutory money pays at the end.
        if let Some(statutory) = fundscape_output::statutory_posts(s, last) {
            out.push_str(&format!(
                "  of them paid by legal aid or local authorities (what outlasts any grant) at the end of {}: {statutory:.1} on average\n",
                year_name(start_month, last),
            ));
        }
        if let Some(x) = s.get("all", last, "abandoned") {
            out.push_str(&format!(
                "  unmet demand (cases abandoned) in {}: {}\n",
                year_name(start_month, last),
                range(x)
            ));
        }
        if let Some(x) = s.total("all", "abandoned") {
            out.push_str(&format!(
                "  unmet demand over the {} years {} to {}: {}\n",
                s.years.len(),
                year_name(start_month, first),
                year_name(start_month, last),
                range(x)
            ));
        }
    }
    if let Some(k) = s.survival.iter().find(|r| r.months_after_first_end == 24).or(s.survival.first()) {
        out.push_str(&format!(
            "  share of grant posts still funded {} months after their grant ends: {:.0}% ({:.0}–{:.0}%)\n",
            k.months_after_first_end,
            100.0 * k.stat.p50,
            100.0 * k.stat.p05,
            100.0 * k.stat.p95
        ));
    }
    let extra = if charts { ", charts/, report.html" } else { "" };
    out.push_str(&format!(
        "  wrote {}/ (summary.csv, totals.csv, exceedance.csv, survival.csv, posts_by_source.csv, gap.csv, regions.csv, manifest.json, scenario.toml{extra})\n",
        dir.display()
    ));
    out.push_str("  (median across runs, with the 5–95% range in brackets)\n");
    out
}
