//! `fundscape serve` end to end: the binary on a free loopback port, its
//! HTTP API (levers, paired answers, errors, newest wins, the overlay that
//! `run` accepts), Ctrl-C, and the page in headless Chromium with nothing
//! fetched from outside the machine.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::common::{bin, chromium, data, run_ok, show};

/// A running `fundscape serve`, stopped (SIGINT, then kill) when dropped.
struct Served {
    child: Child,
    addr: String,
    tmp: tempfile::TempDir,
}

impl Served {
    /// Serves `scenario` (text written to `tiny.toml` in a new temporary
    /// directory) on port 0, and reads the address it prints.
    fn start(scenario: &str, extra: &[&str]) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("tiny.toml"), scenario).unwrap();
        let mut child = bin()
            .args(["serve", "tiny.toml", "--port", "0"])
            .args(if extra.contains(&"--runs") { &[][..] } else { &["--runs", "200"][..] })
            .args(extra)
            .current_dir(tmp.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
        let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://127.0.0.1:")) else {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("serve printed no address: {line:?}\n{}", show(&out));
        };
        let addr = url.trim_start_matches("http://").trim_end_matches('/').to_string();
        Self { child, addr, tmp }
    }

    fn tiny(extra: &[&str]) -> Self {
        Self::start(&std::fs::read_to_string(data("tiny.toml")).unwrap(), extra)
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops the server with SIGINT (Ctrl-C) and returns its output.
    fn interrupt(mut self) -> std::process::Output {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(status.success());
        let mut out = String::new();
        if let Some(o) = self.child.stdout.as_mut() {
            o.read_to_string(&mut out).unwrap();
        }
        let mut err = String::new();
        if let Some(e) = self.child.stderr.as_mut() {
            e.read_to_string(&mut err).unwrap();
        }
        let status = self.child.wait().unwrap();
        std::process::Output { status, stdout: out.into_bytes(), stderr: err.into_bytes() }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request over a fresh connection: (status, headers, body).
fn http(addr: &str, method: &str, path: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("an HTTP answer");
    let headers = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = headers.split_whitespace().nth(1).and_then(|c| c.parse().ok()).expect("a status code");
    (status, headers, raw[split + 4..].to_vec())
}

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)))
}

fn post_run(addr: &str, levers: serde_json::Value) -> (u16, serde_json::Value) {
    let (status, _, body) =
        http(addr, "POST", "/api/run", serde_json::json!({ "levers": levers }).to_string().as_bytes());
    (status, json(&body))
}

const SAME_FUNDER: &str = "sustainability.successors.same_funder.probability";

#[test]
fn the_api_answers_levers_paired_runs_and_errors() {
    let served = Served::tiny(&[]);
    let addr = served.addr.clone();

    let (status, headers, body) = http(&addr, "GET", "/api/levers", b"");
    assert_eq!(status, 200);
    assert!(headers.to_lowercase().contains("content-type: application/json"), "{headers}");
    let levers = json(&body);
    let levers = levers.as_array().unwrap();
    for l in levers {
        for field in ["key", "label", "value", "min", "max", "step", "unit"] {
            assert!(l.get(field).is_some(), "lever without `{field}`: {l}");
        }
        assert!(l["min"].as_f64().unwrap() <= l["value"].as_f64().unwrap());
        assert!(l["value"].as_f64().unwrap() <= l["max"].as_f64().unwrap());
    }
    // The page shows the scenario file as the command line named it, not
    // the absolute path (which would show the user's directories).
    let (status, _, info) = http(&addr, "GET", "/api/info", b"");
    assert_eq!(status, 200);
    assert_eq!(json(&info)["file"], "tiny.toml");
    let keys: Vec<&str> = levers.iter().map(|l| l["key"].as_str().unwrap()).collect();
    // tiny.toml's successors, and no council match (it has no rounds for a match to multiply).
    assert!(keys.contains(&SAME_FUNDER), "{keys:?}");
    assert!(keys.contains(&"sustainability.successors.local_authority.probability"), "{keys:?}");
    assert!(!keys.contains(&"regions.*.local_authority.match"), "{keys:?}");
    let same = levers.iter().find(|l| l["key"] == SAME_FUNDER).unwrap();
    assert_eq!(same["value"].as_f64(), Some(0.3));
    assert_eq!((same["min"].as_f64(), same["max"].as_f64()), (Some(0.0), Some(1.0)));

    // No lever moved: the two scenarios are the same, paired run by run, so
    // every difference is exactly zero.
    let (status, nothing) = post_run(&addr, serde_json::json!({}));
    assert_eq!(status, 200, "{nothing}");
    for key in ["abandoned_horizon", "posts_funded_end", "served_horizon", "abandoned_last_year"] {
        assert_eq!(nothing["diff"][key]["mean"].as_f64(), Some(0.0), "{key}: {}", nothing["diff"][key]);
        assert_eq!(nothing["base"][key], nothing["alt"][key], "{key}");
    }
    for side in ["base", "alt"] {
        for chart in ["unmet-demand", "post-survival"] {
            let svg = nothing["charts"][side][chart].as_str().unwrap_or_default();
            assert!(svg.starts_with("<svg") && svg.contains("</svg>"), "{side} {chart}: {}", &svg[..svg.len().min(80)]);
        }
    }
    assert_eq!(nothing["runs"].as_u64(), Some(200));
    // Over tiny.toml's three years no grant post is followed 24 months after
    // its end: no survival figure, and no difference.
    assert!(nothing["base"]["survival_24"].is_null() && nothing["diff"]["survival_24"].is_null(), "{nothing}");

    // The same funder always renews: more posts funded at the end, and the
    // difference is paired (its 5-95% range of runs is at or above zero).
    let (status, more) = post_run(&addr, serde_json::json!({ SAME_FUNDER: 1.0 }));
    assert_eq!(status, 200, "{more}");
    let d = &more["diff"]["posts_funded_end"];
    assert!(d["mean"].as_f64().unwrap() > 0.5, "{d}");
    assert!(d["low"].as_f64().unwrap() > 0.0, "{d}");
    assert!(d["p05"].as_f64().unwrap() >= 0.0, "{d}");
    assert!(more["alt"]["posts_funded_end"]["mean"].as_f64() > more["base"]["posts_funded_end"]["mean"].as_f64());
    // The base is the file as written, whatever the levers.
    assert_eq!(more["base"], nothing["base"]);
    assert_ne!(more["charts"]["alt"]["post-survival"], more["charts"]["base"]["post-survival"]);

    // Bad requests: 400 with a message that says what to do.
    let cases: [(&[u8], &str); 6] = [
        (b"{\"levers\": {", "not JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b"{\"lever\": {}}", "unknown field `lever`"),
        (
            b"{\"levers\": {\"sustainability.successors.same_fundr.probability\": 0.5}}",
            "did you mean `sustainability.successors.same_funder.probability`?",
        ),
        (b"{\"levers\": {\"sustainability.successors.same_funder.probability\": 1.5}}", "give a number from 0 to 1"),
        (b"{\"levers\": {\"sustainability.successors.same_funder.probability\": \"half\"}}", "is not a number"),
    ];
    for (body, message) in cases {
        let (status, _, answer) = http(&addr, "POST", "/api/run", body);
        assert_eq!(status, 400, "{}", String::from_utf8_lossy(body));
        let error = json(&answer)["error"].as_str().unwrap_or_default().to_string();
        assert!(error.contains(message), "{error:?} does not say {message:?}");
    }
    let (status, headers, _) = http(&addr, "GET", "/api/run", b"");
    assert_eq!(status, 405);
    assert!(headers.lines().any(|l| l.eq_ignore_ascii_case("Allow: POST")), "{headers}");
    let (status, headers, _) = http(&addr, "POST", "/api/levers", b"");
    assert_eq!(status, 405);
    assert!(headers.lines().any(|l| l.eq_ignore_ascii_case("Allow: GET, HEAD")), "{headers}");
    // HEAD answers as GET, without the body.
    let (status, headers, body) = http(&addr, "HEAD", "/", b"");
    assert_eq!(status, 200, "{headers}");
    assert!(headers.contains("text/html") && body.is_empty(), "{headers}");
    assert_eq!(http(&addr, "GET", "/nothing-here", b"").0, 404);
    let huge = vec![b' '; 70 * 1024];
    assert_eq!(http(&addr, "POST", "/api/run", &huge).0, 413);
    // A request naming another host (DNS rebinding) is refused.
    {
        let mut s = TcpStream::connect(&addr).unwrap();
        s.write_all(b"GET /api/levers HTTP/1.1\r\nHost: evil.example:8765\r\nConnection: close\r\n\r\n").unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        assert!(raw.starts_with("HTTP/1.1 403"), "{raw}");
    }
    // Garbage that is not HTTP does not take the server down.
    {
        let mut s = TcpStream::connect(&addr).unwrap();
        s.write_all(b"\x00\x01\x02 not http at all\r\n\r\n").unwrap();
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink);
    }
    let (status, again) = post_run(&addr, serde_json::json!({ SAME_FUNDER: 1.0 }));
    assert_eq!(status, 200);
    assert_eq!(again["diff"], more["diff"], "the same request gives the same answer");

    // The page: compiled in, nothing fetched from elsewhere.
    let (status, headers, page) = http(&addr, "GET", "/", b"");
    assert_eq!(status, 200);
    assert!(headers.to_lowercase().contains("text/html"));
    let page = String::from_utf8(page).unwrap();
    for bad in ["src=", "<link", "@import", "url(", "http://", "https://"] {
        assert!(!page.contains(bad), "the page contains `{bad}`");
    }
    assert!(headers.contains("Content-Security-Policy: default-src 'none'"), "{headers}");

    // Ctrl-C stops it cleanly.
    let out = served.interrupt();
    assert!(out.status.success(), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("stopped"), "{}", show(&out));
}

/// Survival two years after the grants end is answered as the other
/// figures are: a paired difference of the runs' shares with its 90%
/// interval, whose mean is the difference of the two sides' means (tiny.toml
/// over five years, so that posts are followed 24 months after their end).
#[test]
fn the_survival_change_is_paired_with_its_interval() {
    let scenario = std::fs::read_to_string(data("tiny.toml")).unwrap().replace("years = 3", "years = 5");
    let served = Served::start(&scenario, &[]);
    let (status, nothing) = post_run(&served.addr, serde_json::json!({}));
    assert_eq!(status, 200, "{nothing}");
    let (status, more) = post_run(&served.addr, serde_json::json!({ SAME_FUNDER: 1.0 }));
    assert_eq!(status, 200, "{more}");
    let (s, sb, sa) = (&more["diff"]["survival_24"], &more["base"]["survival_24"], &more["alt"]["survival_24"]);
    let f = |v: &serde_json::Value, k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    assert!((f(s, "mean") - (f(sa, "mean") - f(sb, "mean"))).abs() < 1e-9, "{s} against {sa} and {sb}");
    assert!(f(s, "low") > 0.0 && f(s, "low") < f(s, "mean") && f(s, "mean") < f(s, "high"), "{s}");
    assert!(f(s, "p05") >= 0.0 && f(s, "p95") <= 1.0, "{s}");
    let s = &nothing["diff"]["survival_24"];
    assert_eq!((f(s, "mean"), f(s, "low"), f(s, "high")), (0.0, 0.0, 0.0), "paired: {s}");
}

/// Requests that arrive while one is running: the newest wins, and those it
/// replaced are answered 409 `superseded` (the page ignores them).
#[test]
fn the_newest_request_wins() {
    let served = Served::tiny(&["--runs", "40000"]);
    let addr = served.addr.clone();
    let send = |v: f64| {
        let addr = addr.clone();
        std::thread::spawn(move || post_run(&addr, serde_json::json!({ SAME_FUNDER: v })))
    };
    let first = send(0.1);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let second = send(0.2);
    std::thread::sleep(std::time::Duration::from_millis(100));
    let third = send(0.3);
    let (s3, a3) = third.join().unwrap();
    let (s2, a2) = second.join().unwrap();
    let (s1, a1) = first.join().unwrap();
    assert_eq!(s3, 200, "the newest request is answered: {a3}");
    assert_eq!(a3["inputs"][SAME_FUNDER].as_f64(), Some(0.3));
    // The second was still waiting for the first when the third came.
    assert_eq!((s2, a2["superseded"].as_bool()), (409, Some(true)), "{a2}");
    // The first was answered, or superseded, never anything else.
    assert!(s1 == 200 || (s1 == 409 && a1["superseded"] == true), "{s1} {a1}");
}

/// "Save as overlay": a TOML file that `extends` the scenario, sets the
/// lever values, loads with the levers applied and runs as is.
#[test]
fn the_saved_overlay_runs_with_the_lever_values() {
    let served = Served::tiny(&[]);
    let levers = serde_json::json!({ "levers": { SAME_FUNDER: 0.75, "sustainability.successors.local_authority.probability": 0.1 } });
    let (status, headers, body) = http(&served.addr, "POST", "/api/overlay", levers.to_string().as_bytes());
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(headers.contains("attachment; filename=\"tiny-levers.toml\""), "{headers}");
    let text = String::from_utf8(body).unwrap();
    assert!(text.contains("extends = "), "{text}");
    let dir = served.tmp.path();
    // Saved somewhere else (a downloads folder): `extends` still finds the scenario.
    let elsewhere = tempfile::tempdir().unwrap();
    let file = elsewhere.path().join("tiny-levers.toml");
    std::fs::write(&file, &text).unwrap();
    let loaded = fundscape_sim::load(&file).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let value = |key: &str| {
        fundscape_sim::inputs::inputs(&loaded).into_iter().find(|i| i.key == key).and_then(|i| i.value.as_fixed())
    };
    assert_eq!(value(SAME_FUNDER), Some(0.75), "{text}");
    assert_eq!(value("sustainability.successors.local_authority.probability"), Some(0.1), "{text}");
    // Everything else as in the file: the successors' terms kept.
    assert_eq!(loaded.successors.iter().map(|s| s.term_months).collect::<Vec<_>>(), vec![24, 12]);
    run_ok(&["run", file.to_str().unwrap(), "--out", "r", "--runs", "50", "--no-charts"], dir);
    run_ok(&["compare", "tiny.toml", file.to_str().unwrap(), "--out", "c", "--runs", "50"], dir);
}

/// `[[levers]]` in the scenario: its levers, labels and ranges, a region
/// group, and a misspelt key caught when the file loads.
#[test]
fn a_scenario_names_its_levers() {
    let tiny = std::fs::read_to_string(data("tiny.toml")).unwrap();
    let with = format!(
        "{tiny}\n[[levers]]\nkey = \"posts.turnover\"\nlabel = \"Staff turnover\"\nmin = 0.1\nmax = 0.5\nstep = 0.05\n\n[[levers]]\nkey = \"regions.*.legal_aid.exit_rate\"\n"
    );
    let served = Served::start(&with, &[]);
    let (_, _, body) = http(&served.addr, "GET", "/api/levers", b"");
    let levers = json(&body);
    let keys: Vec<&str> = levers.as_array().unwrap().iter().map(|l| l["key"].as_str().unwrap()).collect();
    assert_eq!(keys, vec!["posts.turnover", "regions.*.legal_aid.exit_rate"]);
    assert_eq!(levers[0]["label"], "Staff turnover");
    assert_eq!(
        (levers[0]["min"].as_f64(), levers[0]["max"].as_f64(), levers[0]["step"].as_f64()),
        (Some(0.1), Some(0.5), Some(0.05))
    );
    // Outside the file's range: refused, naming it.
    let (status, answer) = post_run(&served.addr, serde_json::json!({ "posts.turnover": 0.6 }));
    assert_eq!(status, 400);
    assert!(answer["error"].as_str().unwrap().contains("from 0.1 to 0.5"), "{answer}");
    // The region group moves both regions' exit rates (they differ, and are plain numbers, so the lever is a number).
    let (status, answer) = post_run(&served.addr, serde_json::json!({ "regions.*.legal_aid.exit_rate": 0.3 }));
    assert_eq!(status, 200, "{answer}");
    let (_, _, overlay) =
        http(&served.addr, "POST", "/api/overlay", br#"{"levers": {"regions.*.legal_aid.exit_rate": 0.3}}"#);
    let overlay = String::from_utf8(overlay).unwrap();
    assert_eq!(overlay.matches("exit_rate = 0.3").count(), 2, "{overlay}");
    drop(served);

    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("bad.toml"), format!("{tiny}\n[[levers]]\nkey = \"posts.turnovr\"\n")).unwrap();
    let out = bin().args(["serve", "bad.toml", "--port", "0"]).current_dir(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("levers[0].key") && err.contains("did you mean `posts.turnover`?"), "{err}");
}

/// Binding beyond the loopback address needs --bind and prints a warning.
#[test]
fn binding_elsewhere_warns() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(data("tiny.toml"), tmp.path().join("tiny.toml")).unwrap();
    let mut child = bin()
        .args(["serve", "tiny.toml", "--port", "0", "--runs", "50", "--bind", "0.0.0.0"])
        .current_dir(tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    assert!(line.starts_with("serving http://0.0.0.0:"), "{line}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("warning: --bind 0.0.0.0 makes the page reachable"),
        "{}",
        show(&out)
    );
}

// ---- The page in a real browser.

const CHROMIUM_OFFLINE: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
];

/// The URLs a page asked for, from Chromium's net log (requests with an origin).
fn fetched(netlog: &Path) -> Vec<String> {
    let log: serde_json::Value =
        serde_json::from_slice(&std::fs::read(netlog).unwrap_or_default()).unwrap_or(serde_json::Value::Null);
    let mut out = Vec::new();
    for event in log["events"].as_array().into_iter().flatten() {
        let p = &event["params"];
        if let (Some(url), Some(initiator)) = (p["url"].as_str(), p["initiator"].as_str()) {
            if initiator != "not an origin" {
                out.push(url.to_string());
            }
        }
    }
    out
}

fn cell<'a>(dom: &'a str, id: &str) -> &'a str {
    let start = dom.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id} in the page"));
    let rest = &dom[start..];
    let open = rest.find('>').unwrap() + 1;
    &rest[open..open + rest[open..].find("</td>").unwrap()]
}

/// Headless Chromium loads the page with a lever moved (through the address,
/// as if the slider were moved), and the figures change; nothing leaves the
/// machine; a screenshot is not blank; at 600 px nothing scrolls sideways.
#[test]
fn chromium_moves_a_lever_and_the_figures_change() {
    let Some(chromium) = chromium() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("chromium is not installed; .ci/run must install it (apt-get install -y chromium)");
        }
        eprintln!("\n!!! SKIPPED chromium_moves_a_lever_and_the_figures_change: no chromium on this machine.\n");
        return;
    };
    let served = Served::tiny(&[]);
    let work = tempfile::tempdir().unwrap();
    let page = served.url(&format!("/?lever.{SAME_FUNDER}=1"));
    let browse = |name: &str, size: &str, args: &[String]| {
        let out = Command::new(&chromium)
            .args(CHROMIUM_OFFLINE)
            .arg(format!("--user-data-dir={}", work.path().join(format!("profile-{name}")).display()))
            .arg(format!("--log-net-log={}", work.path().join(format!("{name}.json")).display()))
            .arg(format!("--window-size={size}"))
            .arg("--virtual-time-budget=30000")
            .args(args)
            .arg(&page)
            .output()
            .unwrap();
        let urls = fetched(&work.path().join(format!("{name}.json")));
        (out, urls)
    };
    let (out, urls) = browse("dom", "1300,1000", &["--dump-dom".to_string()]);
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(dom.contains("data-state=\"done\""), "the page did not answer:\n{}", show(&out));
    let (base, alt) = (cell(&dom, "fig-posts_funded_end-base"), cell(&dom, "fig-posts_funded_end-alt"));
    assert_ne!(base, alt, "moving the lever changed nothing");
    let diff = cell(&dom, "fig-posts_funded_end-diff");
    assert!(diff.starts_with('+'), "same funder always renewing funds more posts: {diff}");
    assert!(dom.contains("(moved)") || dom.contains("class=\"lever moved\""), "the lever is not shown as moved");
    assert!(dom.matches("<svg").count() >= 4, "the four charts are not drawn");
    let outside: Vec<&String> = urls.iter().filter(|u| !u.starts_with(&format!("http://{}/", served.addr))).collect();
    assert!(outside.is_empty(), "the page fetched from elsewhere: {outside:?}");
    assert!(urls.iter().any(|u| u.ends_with("/api/run")), "the net log saw no request to the API: {urls:?}");

    let shot = work.path().join("shot.png");
    let (out, _) = browse("shot", "1300,1400", &[format!("--screenshot={}", shot.display())]);
    let bytes = std::fs::read(&shot).unwrap_or_else(|_| panic!("no screenshot\n{}", show(&out)));
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let ink = pixels.iter().filter(|p| p.iter().take(3).any(|&c| c < 240)).count() as f64 / pixels.len() as f64;
    assert!(ink > 0.03, "the screenshot looks blank ({ink:.3} of pixels inked)");
    // The fan chart's light band is on screen.
    let band = pixels.iter().filter(|p| p[..3] == [198, 219, 239]).count();
    assert!(band > 1000, "the charts' 5-95% band is not on screen ({band} pixels)");
    if let Ok(dest) = std::env::var("FUNDSCAPE_SERVE_SCREENSHOT") {
        std::fs::copy(&shot, dest).unwrap();
    }

    let (out, _) = browse("narrow", "600,1000", &["--dump-dom".to_string()]);
    let dom = String::from_utf8_lossy(&out.stdout);
    let width = dom.split("data-width=\"").nth(1).and_then(|t| t.split('"').next()).unwrap_or_default();
    let w: Vec<u32> = width.split(" of ").filter_map(|x| x.parse().ok()).collect();
    assert_eq!(w.len(), 2, "no width measured: {width:?}\n{}", show(&out));
    assert!(w[0] <= w[1], "the page is {} px wide in a {} px window", w[0], w[1]);
}
