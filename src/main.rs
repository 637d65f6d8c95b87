//! The `fundscape` command line: parses arguments, calls the engine and the
//! writers, and maps errors to exit codes (2: bad input, 1: other failures).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use fundscape_sim::{RunConfig, Scenario, Summary};

/// Monte Carlo projections of funded immigration-advice posts and unmet
/// demand, region by region.
#[derive(Debug, Parser)]
#[command(name = "fundscape", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// What `run` and `compare` share: how many runs, which seed, how many
/// threads, and where to write.
#[derive(Debug, Args)]
struct RunOptions {
    /// Number of Monte Carlo runs (default: the (base) scenario's `runs`).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    runs: Option<u64>,
    /// Random seed (default: the (base) scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Results directory (default: results/<scenario file stem>/, or results/compare-<base file stem>/).
    #[arg(long)]
    out: Option<PathBuf>,
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
    /// Run a scenario and write summary.csv, survival.csv, posts_by_source.csv, manifest.json, a copy of the
    /// scenario, charts/ and report.html.
    Run {
        /// The scenario file (TOML).
        scenario: PathBuf,
        #[command(flatten)]
        options: RunOptions,
        /// Write neither charts/ nor report.html (for batch use; `fundscape report DIR` draws them later).
        #[arg(long)]
        no_charts: bool,
    },
    /// Re-draw charts/ and report.html from an existing results directory, without running again.
    Report {
        /// A results directory written by `fundscape run`.
        dir: PathBuf,
    },
    /// Compare alternatives (asks) with a base scenario, paired run by run on
    /// the same seed, and write compare.csv.
    Compare {
        /// The base scenario (usually doing nothing new).
        base: PathBuf,
        /// One or more alternative scenarios (asks), usually overlays on the base.
        #[arg(required = true)]
        alts: Vec<PathBuf>,
        #[command(flatten)]
        options: RunOptions,
    },
    /// Check a scenario (after overlays) and summarise what it contains.
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
    },
    /// Turn published data into scenario tables.
    #[command(subcommand)]
    Import(Import),
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
        #[arg(long, value_parser = parse_cost)]
        post_cost: Option<f64>,
        /// A scenario whose [posts] annual_cost (its number, or the mode of a PERT) is the post cost.
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Write the tables to this file (atomically) instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
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
    let cli = Cli::parse();
    match cli.command {
        Command::Validate { scenario } => match fundscape_sim::load(&scenario) {
            Ok(s) => {
                print!("{}", fundscape_output::describe(&s));
                println!("\n{}: valid", scenario.display());
                ExitCode::SUCCESS
            }
            Err(e) => input_error(&e),
        },
        Command::Compare { base, alts, options } => compare(&base, &alts, &options),
        Command::Report { dir } => report(&dir),
        Command::Run { scenario, options, no_charts } => {
            let s = match fundscape_sim::load(&scenario) {
                Ok(s) => s,
                Err(e) => return input_error(&e),
            };
            let config = options.config(&s);
            let dir = options.out.unwrap_or_else(|| default_out(&scenario));
            if let Err(e) = fundscape_output::check_out_dir(&dir) {
                return write_error(&e);
            }
            run(&scenario, &s, &config, &dir, !no_charts)
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

fn stem(path: &Path) -> String {
    path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "scenario".into())
}

fn compare(base_file: &Path, alt_files: &[PathBuf], options: &RunOptions) -> ExitCode {
    let base = match fundscape_sim::load(base_file) {
        Ok(s) => s,
        Err(e) => return input_error(&e),
    };
    let mut alts = Vec::new();
    for file in alt_files {
        match fundscape_sim::load(file) {
            Ok(s) => alts.push((file.clone(), s)),
            Err(e) => return input_error(&e),
        }
    }
    // Alternatives are named by their file stems; repeated stems get a number.
    let mut labels: Vec<String> = Vec::new();
    for (file, _) in &alts {
        let mut label = stem(file);
        let mut n = 2;
        while labels.contains(&label) {
            label = format!("{}-{n}", stem(file));
            n += 1;
        }
        labels.push(label);
    }
    let dir = options.out.clone().unwrap_or_else(|| Path::new("results").join(format!("compare-{}", stem(base_file))));
    if let Err(e) = fundscape_output::check_out_dir(&dir) {
        return write_error(&e);
    }
    let config = options.config(&base);
    let pairs: Vec<(String, &Scenario)> = labels.iter().cloned().zip(alts.iter().map(|(_, s)| s)).collect();
    let bar = progress_bar(config.runs);
    let started = Instant::now();
    let comparison = match fundscape_sim::compare(&base, &pairs, &config, &|done| bar.set_position(done)) {
        Ok(c) => c,
        Err(e) => {
            bar.finish_and_clear();
            let file = alts.iter().zip(&labels).find(|(_, l)| **l == e.alt).map(|((f, _), _)| f.display().to_string());
            return input_error(&format!("{}: {}", file.unwrap_or(e.alt), e.reason));
        }
    };
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let describe = |label: String, file: &Path, s: &Scenario| fundscape_output::ComparedScenario {
        label,
        scenario_name: s.name.clone(),
        scenario_file: file.display().to_string(),
        scenario_hash: s.hash.clone(),
        warnings: s.warnings.clone(),
    };
    let manifest = fundscape_output::CompareManifest::new(
        describe("base".into(), base_file, &base),
        alts.iter().zip(&labels).map(|((f, s), l)| describe(l.clone(), f, s)).collect(),
        &comparison,
        seconds,
    );
    let files = [("compare.csv", fundscape_output::compare_csv(&comparison)), ("manifest.json", manifest.json())];
    if let Err(e) = fundscape_output::write_results(&dir, &files) {
        return write_error(&e);
    }
    print!("{}", fundscape_output::compare_table(&comparison));
    println!("wrote {}/ (compare.csv, manifest.json) in {seconds:.1} s", dir.display());
    ExitCode::SUCCESS
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
        None => print!("{toml}"),
        Some(path) => {
            if let Err(e) = fundscape_output::write_file(path, toml.as_bytes()) {
                return write_error(&e);
            }
            let written = report.kept.iter().filter(|g| g.region(options).is_some()).count();
            eprintln!("wrote {written} grants to {}", path.display());
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

fn run(file: &Path, scenario: &Scenario, config: &RunConfig, dir: &Path, charts: bool) -> ExitCode {
    for w in &scenario.warnings {
        eprintln!("warning: {w}");
    }
    let bar = progress_bar(config.runs);
    let started = Instant::now();
    let summary = fundscape_sim::run(scenario, config, &|done| bar.set_position(done));
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let manifest = fundscape_output::Manifest::new(&summary, scenario, file, seconds);
    let mut files = vec![
        ("summary.csv".to_string(), fundscape_output::summary_csv(&summary)),
        ("survival.csv".to_string(), fundscape_output::survival_csv(&summary)),
        ("posts_by_source.csv".to_string(), fundscape_output::posts_by_source_csv(&summary)),
        ("manifest.json".to_string(), fundscape_output::manifest_json(&manifest)),
    ];
    files.extend(fundscape_output::scenario_copies(scenario));
    if charts {
        // Drawn from the bytes about to be written, through the same reader
        // as `fundscape report`, so both give the same charts and report.
        let get = |name: &str| Ok(files.iter().find(|(n, _)| n == name).map(|(_, b)| b.clone()));
        let drawn = fundscape_output::Results::parse(dir, &get)
            .map_err(|e| e.to_string())
            .and_then(|r| fundscape_output::render(&r).map_err(|e| e.to_string()));
        match drawn {
            Ok(more) => files.extend(more),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        }
    }
    if let Err(e) = fundscape_output::write_results(dir, &files) {
        return write_error(&e);
    }
    print!("{}", headline(&summary, scenario.start.month(), seconds, dir, charts));
    ExitCode::SUCCESS
}

/// `fundscape report DIR`: re-draws charts/ and report.html from the files in DIR.
fn report(dir: &Path) -> ExitCode {
    let results = match fundscape_output::Results::read_dir(dir) {
        Ok(r) => r,
        Err(e) if e.is_bad_input() => return input_error(&e),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let files = match fundscape_output::render(&results) {
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
    println!("wrote {}/report.html and {} charts in {}/charts/", dir.display(), charts / 2, dir.display());
    ExitCode::SUCCESS
}

/// A few plain-words figures for the terminal.
fn headline(s: &Summary, start_month: u32, seconds: f64, dir: &Path, charts: bool) -> String {
    use fundscape_output::year_name;
    let mut out =
        format!("{}: {} runs in {:.1} s (seed {}, {} threads)\n", s.scenario_name, s.runs, seconds, s.seed, s.threads);
    let range = |x: &fundscape_sim::stats::Stat| format!("{:.0} ({:.0}–{:.0})", x.mean, x.p05, x.p95);
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
        if let Some(x) = s.get("all", last, "abandoned") {
            out.push_str(&format!(
                "  unmet demand (cases abandoned) in {}: {}\n",
                year_name(start_month, last),
                range(x)
            ));
        }
    }
    if let Some(k) = s.survival.iter().find(|r| r.months_after_first_end == 24).or(s.survival.first()) {
        out.push_str(&format!(
            "  share of grant posts still funded {} months after their grant ends: {:.0}% ({:.0}–{:.0}%)\n",
            k.months_after_first_end,
            100.0 * k.stat.mean,
            100.0 * k.stat.p05,
            100.0 * k.stat.p95
        ));
    }
    let extra = if charts { ", charts/, report.html" } else { "" };
    out.push_str(&format!(
        "  wrote {}/ (summary.csv, survival.csv, posts_by_source.csv, manifest.json, scenario.toml{extra})\n",
        dir.display()
    ));
    out.push_str("  (mean, with the 5–95% range across runs in brackets)\n");
    out
}
