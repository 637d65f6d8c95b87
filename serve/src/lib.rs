//! `fundscape serve`: a local page with levers, answered in under a second.
//!
//! A small HTTP server ([tiny_http], synchronous, no async runtime) bound to
//! the loopback address serves one page compiled into the binary
//! (`page.html`, with its CSS and JavaScript inline: nothing is fetched from
//! the network) and a JSON API that the page uses:
//!
//! - `GET /api/levers` → `[{key, label, value, min, max, step, unit, written, random}]`;
//! - `POST /api/run` with `{"levers": {KEY: VALUE}}` → `{"base", "alt", "diff",
//!   "figures", "charts", "runs", "seed", "seconds"}`: the scenario as written
//!   and with the levers, paired run by run on the same seed;
//! - `POST /api/overlay` with the same body → a TOML overlay with the lever
//!   values, which `fundscape run` and `compare` accept as is.
//!
//! A malformed request, an unknown lever (with a did-you-mean) or a value
//! outside a lever's range is answered 400 with a message. Requests that
//! arrive while one is running: the newest wins, and an older one still
//! waiting is answered 409 `{"superseded": true}`.
//!
//! Neither `sim` nor `output` knows HTTP; this crate only calls them.

// Checks are written `!(x > 0.0)` on purpose, so that NaN fails them.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod answer;
pub mod levers;
pub mod overlay;

use std::collections::BTreeMap;
use std::io::Read;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fundscape_output::Results;
use fundscape_sim::{RunConfig, Scenario};
use serde_json::{json, Value as Json};

pub use levers::{Lever, LeverError, LeverSpec};

/// The page, compiled in.
pub const PAGE: &str = include_str!("page.html");

/// The largest request body read, in bytes.
pub const MAX_BODY: usize = 64 * 1024;

/// Default paired runs a change.
pub const DEFAULT_RUNS: u64 = 2000;

/// How the server simulates.
#[derive(Debug, Clone)]
pub struct Options {
    pub runs: u64,
    /// Default: the scenario's seed.
    pub seed: Option<u64>,
    /// Worker threads; 0: one per core.
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self { runs: DEFAULT_RUNS, seed: None, threads: 0 }
    }
}

/// Everything the server answers from: the scenario as written, its run
/// (done once), its levers, and the newest request's number.
pub struct App {
    /// The scenario file, made absolute (an overlay's `extends` is resolved
    /// from it).
    pub path: PathBuf,
    /// The scenario file as the command line gave it, which the page shows
    /// (an absolute path would show the user's directories in a meeting).
    shown: String,
    pub scenario: Scenario,
    pub levers: Vec<Lever>,
    pub config: RunConfig,
    base: Results,
    /// The scenario as written, run by run (for paired differences).
    base_runs: answer::PerRun,
    /// The number of the newest `/api/run` request.
    newest: AtomicU64,
    /// One simulation at a time (the runs use every core).
    running: Mutex<()>,
}

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// A file name offered for download (`Content-Disposition: attachment`).
    pub download: Option<String>,
    /// The methods a 405 names in its `Allow` header.
    pub allow: Option<&'static str>,
}

impl Reply {
    fn json(status: u16, v: &Json) -> Self {
        Self { status, content_type: "application/json", body: v.to_string().into_bytes(), download: None, allow: None }
    }

    fn error(status: u16, message: impl Into<String>) -> Self {
        Self::json(status, &json!({ "error": message.into() }))
    }
}

impl App {
    /// Loads the scenario, builds its levers and simulates it as written.
    ///
    /// # Errors
    /// The scenario does not load (the message names file, line and key).
    pub fn new(path: &Path, options: &Options) -> Result<Self, fundscape_sim::LoadScenarioError> {
        let (scenario, specs) = fundscape_sim::load_with_levers(path)?;
        let shown = path.display().to_string();
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let config = RunConfig {
            runs: options.runs.max(1),
            seed: options.seed.unwrap_or(scenario.seed),
            threads: options.threads,
        };
        let levers = levers::levers_of(&scenario, &specs, config.seed);
        let base = answer::base_results(&scenario, &path, &config);
        let base_runs = answer::per_run(&scenario, &config).map_err(|message| fundscape_sim::LoadScenarioError {
            file: path.clone(),
            line: None,
            key: String::new(),
            message,
        })?;
        Ok(Self {
            path,
            shown,
            scenario,
            levers,
            config,
            base,
            base_runs,
            newest: AtomicU64::new(0),
            running: Mutex::new(()),
        })
    }

    /// The levers as `GET /api/levers` gives them.
    pub fn levers_json(&self) -> Json {
        Json::Array(
            self.levers
                .iter()
                .map(|l| {
                    json!({
                        "key": l.key, "label": l.label, "value": l.value, "min": l.min, "max": l.max,
                        "step": l.step, "unit": l.unit, "written": l.written, "random": l.random,
                        "percentile": matches!(l.kind, levers::LeverKind::Percentile(_)),
                    })
                })
                .collect(),
        )
    }

    fn info_json(&self) -> Json {
        let figures: Vec<Json> = answer::figure_labels(&self.scenario, self.scenario.start.month())
            .into_iter()
            .map(|(key, label, unit)| json!({ "key": key, "label": label, "unit": unit }))
            .collect();
        json!({
            "scenario": self.scenario.name,
            "note": self.scenario.note,
            "file": self.shown,
            "runs": self.config.runs,
            "seed": self.config.seed,
            "figures": figures,
        })
    }

    /// Answers one request. Never panics on what the request holds.
    pub fn handle(&self, method: &str, url: &str, body: &[u8]) -> Reply {
        let path = url.split(['?', '#']).next().unwrap_or("");
        // HEAD is answered as GET; the server sends the headers alone.
        let read = matches!(method, "GET" | "HEAD");
        match (method, path) {
            (_, "/" | "/index.html") if read => Reply {
                status: 200,
                content_type: "text/html; charset=utf-8",
                body: PAGE.as_bytes().to_vec(),
                download: None,
                allow: None,
            },
            (_, "/api/levers") if read => Reply::json(200, &self.levers_json()),
            (_, "/api/info") if read => Reply::json(200, &self.info_json()),
            ("POST", "/api/run") => match self.parse(body) {
                Ok(values) => self.run(&values),
                Err(e) => Reply::error(400, e),
            },
            ("POST", "/api/overlay") => match self.parse(body) {
                Ok(values) => self.overlay(&values),
                Err(e) => Reply::error(400, e),
            },
            (_, "/" | "/index.html" | "/api/levers" | "/api/info" | "/api/run" | "/api/overlay") => {
                let allow = if matches!(path, "/api/run" | "/api/overlay") { "POST" } else { "GET, HEAD" };
                Reply {
                    allow: Some(allow),
                    ..Reply::error(405, format!("{method} is not allowed on {path}; use {allow}"))
                }
            }
            _ => Reply::error(404, format!("no such page: {path}; the page is at / and the API under /api/")),
        }
    }

    /// `{"levers": {KEY: VALUE}}` checked against the levers: the input values to set.
    fn parse(&self, body: &[u8]) -> Result<Vec<(String, f64)>, String> {
        let v: Json = serde_json::from_slice(body)
            .map_err(|e| format!("the request is not JSON ({e}); send {{\"levers\": {{\"KEY\": NUMBER}}}}"))?;
        let obj = v.as_object().ok_or("the request must be a JSON object: {\"levers\": {\"KEY\": NUMBER}}")?;
        if let Some(other) = obj.keys().find(|k| *k != "levers") {
            return Err(format!("unknown field `{other}`; the request has one field, `levers`"));
        }
        let map = match obj.get("levers") {
            None => return Ok(Vec::new()),
            Some(Json::Object(m)) => m,
            Some(_) => return Err("`levers` must be an object: {\"KEY\": NUMBER}".into()),
        };
        let mut values = BTreeMap::new();
        for (k, x) in map {
            let n = x.as_f64().ok_or_else(|| LeverError::NotANumber { key: k.clone() }.to_string())?;
            values.insert(k.clone(), n);
        }
        let checked = levers::check(&self.levers, &values).map_err(|e| e.to_string())?;
        Ok(levers::all_assignments(&checked))
    }

    fn run(&self, values: &[(String, f64)]) -> Reply {
        let mine = self.newest.fetch_add(1, Ordering::SeqCst) + 1;
        let superseded =
            || Reply::json(409, &json!({ "superseded": true, "error": "a newer request replaced this one" }));
        let still_newest = || self.newest.load(Ordering::SeqCst) == mine;
        let alt = match levers::apply(&self.scenario, values) {
            Ok(s) => s,
            Err(e) => return Reply::error(400, e),
        };
        // A poisoned lock only means an earlier answer failed; go on.
        let _guard = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if !still_newest() {
            return superseded();
        }
        let started = Instant::now();
        let sim = match answer::simulate(&alt, &self.path, &self.config, &still_newest) {
            Ok(Some(s)) => s,
            Ok(None) => return superseded(),
            Err(e) => return Reply::error(500, e),
        };
        if !still_newest() {
            return superseded();
        }
        let t = Instant::now();
        let charts = match answer::charts(&self.base, &sim.alt) {
            Ok(c) => c,
            Err(e) => return Reply::error(500, e),
        };
        let chart_seconds = t.elapsed().as_secs_f64();
        let (base, alt, diff) = answer::figures(&self.base, &self.base_runs, &sim);
        let levers: serde_json::Map<String, Json> = values.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        Reply::json(
            200,
            &json!({
                "base": base, "alt": alt, "diff": diff, "charts": charts,
                "figures": self.info_json()["figures"],
                "inputs": levers,
                "runs": self.config.runs, "seed": self.config.seed,
                "seconds": started.elapsed().as_secs_f64(),
                "timings": { "per_run": sim.per_run_seconds, "run": sim.run_seconds, "charts": chart_seconds },
            }),
        )
    }

    fn overlay(&self, values: &[(String, f64)]) -> Reply {
        let alt = match levers::apply(&self.scenario, values) {
            Ok(s) => s,
            Err(e) => return Reply::error(400, e),
        };
        let text = match overlay::overlay_text(&self.scenario, &self.path, values) {
            Ok(t) => t,
            Err(e) => return Reply::error(400, e),
        };
        if let Err(e) = overlay::verify(&text, &self.path, &alt) {
            return Reply::error(500, format!("the overlay would not give the page's scenario: {e}"));
        }
        let stem = self.path.file_stem().map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
        Reply {
            status: 200,
            content_type: "application/toml; charset=utf-8",
            body: text.into_bytes(),
            download: Some(format!("{stem}-levers.toml")),
            allow: None,
        }
    }
}

/// Whether binding `ip` exposes the page beyond this machine.
pub fn is_exposed(ip: IpAddr) -> bool {
    !ip.is_loopback()
}

/// Binds the server (port 0: any free port).
///
/// # Errors
/// The address cannot be bound (in use, not this machine's).
pub fn bind(addr: SocketAddr) -> Result<tiny_http::Server, String> {
    tiny_http::Server::http(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))
}

/// The address a bound server listens on.
pub fn local_addr(server: &tiny_http::Server) -> Option<SocketAddr> {
    server.server_addr().to_ip()
}

/// Answers requests until `stop` is set (checked every 100 ms). Each
/// request is answered on its own thread, so a newer request can supersede
/// one that is waiting.
pub fn serve(app: Arc<App>, server: tiny_http::Server, stop: &AtomicBool) {
    // Bound to the loopback address, the page answers only requests that
    // name this machine (a web page elsewhere that rebinds its own name to
    // 127.0.0.1 cannot read the answers).
    let loopback_only = local_addr(&server).is_some_and(|a| a.ip().is_loopback());
    let mut workers: Vec<std::thread::JoinHandle<()>> = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        let request = match server.recv_timeout(Duration::from_millis(100)) {
            Ok(Some(r)) => r,
            Ok(None) => continue,
            Err(_) => continue,
        };
        let app = Arc::clone(&app);
        workers.retain(|w| !w.is_finished());
        workers.push(std::thread::spawn(move || answer_request(&app, request, loopback_only)));
    }
    // Let answers under way finish, so no client is left hanging.
    for w in workers {
        let _ = w.join();
    }
}

/// Whether a `Host` header names this machine (`localhost`, `127.0.0.1`, `[::1]`, any port).
pub fn is_local_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.split(':').next().unwrap_or(""),
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn answer_request(app: &App, mut request: tiny_http::Request, loopback_only: bool) {
    let method = request.method().as_str().to_string();
    let url = request.url().to_string();
    let host = request.headers().iter().find(|h| h.field.equiv("Host")).map(|h| h.value.as_str().to_string());
    let mut body = Vec::new();
    let reply = if loopback_only && !host.as_deref().is_some_and(is_local_host) {
        Reply::error(403, "this server answers requests for localhost or 127.0.0.1 only")
    } else if (&mut request.as_reader()).take(MAX_BODY as u64 + 1).read_to_end(&mut body).is_err() {
        Reply::error(400, "the request body could not be read")
    } else if body.len() > MAX_BODY {
        Reply::error(413, format!("the request body is larger than {MAX_BODY} bytes"))
    } else {
        // A panic in an answer must not take the server down.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| app.handle(&method, &url, &body)))
            .unwrap_or_else(|_| Reply::error(500, "internal error while answering; the server goes on"))
    };
    let mut response = tiny_http::Response::from_data(reply.body).with_status_code(reply.status);
    let mut headers = vec![
        ("Content-Type", reply.content_type.to_string()),
        ("Cache-Control", "no-store".to_string()),
        // The page fetches nothing from anywhere else.
        (
            "Content-Security-Policy",
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'".to_string(),
        ),
    ];
    if let Some(name) = &reply.download {
        headers.push(("Content-Disposition", format!("attachment; filename=\"{name}\"")));
    }
    if let Some(allow) = reply.allow {
        headers.push(("Allow", allow.to_string()));
    }
    for (k, v) in headers {
        if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
            response.add_header(h);
        }
    }
    let _ = request.respond(response);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_machine_is_a_local_host() {
        for ok in ["localhost", "localhost:8765", "127.0.0.1:80", "[::1]:8765", "LOCALHOST"] {
            assert!(is_local_host(ok), "{ok}");
        }
        for bad in ["evil.example", "evil.example:8765", "127.0.0.1.evil.example", "10.0.0.1:8765", ""] {
            assert!(!is_local_host(bad), "{bad}");
        }
    }

    /// The paired differences taken run by run, against a base simulated
    /// once, are those `compare` takes running both scenarios.
    #[test]
    fn differences_are_those_of_compare() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/tiny.toml");
        let app = App::new(&path, &Options { runs: 300, seed: Some(11), threads: 2 }).unwrap();
        let key = "sustainability.successors.same_funder.probability";
        let reply = app.handle("POST", "/api/run", format!("{{\"levers\": {{\"{key}\": 0.9}}}}").as_bytes());
        assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
        let answer: Json = serde_json::from_slice(&reply.body).unwrap();
        let alt = levers::apply(&app.scenario, &[(key.to_string(), 0.9)]).unwrap();
        let c = fundscape_sim::compare(&app.scenario, &[("alt".to_string(), &alt)], &app.config, &|_| {}).unwrap();
        let last = *c.years.last().unwrap();
        for (figure, year, metric) in [
            ("abandoned_horizon", None, "abandoned"),
            ("served_horizon", None, "served"),
            ("posts_funded_end", None, "posts_funded"),
            ("abandoned_last_year", Some(last), "abandoned"),
        ] {
            let row = c.get("alt", "all", year, metric).unwrap();
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * (1.0 + b.abs());
            let got = |side: &str| answer[side][figure]["mean"].as_f64().unwrap();
            assert!(close(got("diff"), row.diff.mean), "{figure}: {} against {}", got("diff"), row.diff.mean);
            assert!(close(got("base"), row.base_mean), "{figure}");
            assert!(close(got("alt"), row.alt_mean), "{figure}");
            assert!(row.diff.mean != 0.0 || figure == "abandoned_last_year", "{figure}: the lever must move it");
        }
        // The funders' spend, with its paired 90% interval (±1.645 mcse of
        // the mean difference), as compare gives it.
        let spend = c.get("alt", "all", None, "spend:funders").unwrap();
        let d = &answer["diff"]["funder_spend_horizon"];
        let near = |a: f64, b: f64| (a - b).abs() <= 1e-6 * (1.0 + b.abs());
        let (z, m, se) = (1.6448536269514722, spend.diff.mean, spend.diff.mcse);
        for (what, want) in [("mean", m), ("low", m - z * se), ("high", m + z * se)] {
            let got = d[what].as_f64().unwrap_or(f64::NAN);
            assert!(near(got, want), "funder spend {what}: {got} against {want}");
        }
        assert!(se > 0.0, "the lever must move the funders' spend, with noise");
    }

    #[test]
    fn units_and_steps_read_from_the_key() {
        assert_eq!(levers::unit_of("sustainability.successors.legal_aid.probability"), "share (0–1)");
        assert_eq!(levers::unit_of("rounds.r2026.budget"), "£ over the term");
        assert_eq!(levers::unit_of("regions.london.local_authority.budget"), "£ a year");
        assert_eq!(levers::unit_of("regions.*.demand"), "cases a year");
    }
}
