//! The charts and the HTML report end to end: their structure and text
//! pinned at a fixed seed, re-rendering from a results directory, escaping
//! of scenario text, `--no-charts`, errors of `fundscape report`, and a real
//! browser (headless Chromium) rendering the report without the network.

use std::path::Path;
use std::process::Command;

use crate::common::{bin, chromium, data, run_ok, show};

const CHARTS: [&str; 7] = [
    "unmet-demand",
    "unmet-demand-by-region",
    "exceedance",
    "post-survival",
    "posts-by-source",
    "unmet-share",
    "legal-aid-providers",
];

/// Copies tests/data/tiny.toml (optionally edited) into a new temporary
/// directory, so the paths the report prints do not depend on the checkout.
fn tiny_in_tmp(edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(data("tiny.toml")).unwrap();
    std::fs::write(tmp.path().join("tiny.toml"), edit(&text)).unwrap();
    tmp
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn read_text(path: &Path) -> String {
    String::from_utf8(read(path)).unwrap()
}

/// The structure of an SVG: its size, how many of each element, and every
/// text in order.
fn svg_structure(svg: &str) -> String {
    let mut out = String::new();
    let size = svg.split_once("<svg ").map(|(_, rest)| rest.split('>').next().unwrap_or_default()).unwrap_or_default();
    let attr = |name: &str| {
        size.split(&format!("{name}=\"")).nth(1).and_then(|s| s.split('"').next()).unwrap_or("?").to_string()
    };
    out.push_str(&format!("size {}x{}\n", attr("width"), attr("height")));
    let mut counts = Vec::new();
    for tag in ["rect", "polygon", "polyline", "path", "circle", "line", "text"] {
        let n = svg.matches(&format!("<{tag} ")).count() + svg.matches(&format!("<{tag}>")).count();
        counts.push(format!("{tag}={n}"));
    }
    out.push_str(&format!("elements {}\n", counts.join(" ")));
    for piece in svg.split("<text ").skip(1) {
        let text = piece.split_once('>').map(|(_, r)| r).unwrap_or_default();
        let text = text.split("</text>").next().unwrap_or_default().trim();
        out.push_str(&format!("text {text}\n"));
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The report's visible text, one block per line, charts shown as `[chart …]`.
fn visible_text(html: &str) -> String {
    let mut s = html.to_string();
    while let (Some(a), Some(b)) = (s.find("<style>"), s.find("</style>")) {
        s.replace_range(a..b + "</style>".len(), "");
    }
    while let (Some(a), Some(b)) = (s.find("<svg "), s.find("</svg>")) {
        let label = s[a..b].split("aria-label=\"").nth(1).and_then(|x| x.split('"').next()).unwrap_or("").to_string();
        s.replace_range(a..b + "</svg>".len(), &format!("\n[chart: {label}]\n"));
    }
    let mut out = String::new();
    let mut rest = s.as_str();
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find('>').map_or(rest.len(), |j| i + j + 1);
        let tag = &rest[i + 1..end.saturating_sub(1)];
        let name = tag.trim_start_matches('/').split([' ', '>']).next().unwrap_or("");
        if !matches!(name, "strong" | "code") {
            out.push('\n');
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    unescape(&out)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Compares `got` with the pinned file, rewriting it when
/// `FUNDSCAPE_UPDATE_PINNED` is set.
fn assert_pinned(name: &str, got: &str) {
    let pinned = data(name);
    if std::env::var_os("FUNDSCAPE_UPDATE_PINNED").is_some() {
        std::fs::write(&pinned, got).unwrap();
    }
    let want = std::fs::read_to_string(&pinned).unwrap_or_default();
    if got != want {
        let line = got
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(got.lines().count().min(want.lines().count()));
        panic!(
            "{name} differs from {} at line {}:\n  got:  {:?}\n  want: {:?}\nSee the doc comment of charts_and_report_are_pinned.",
            pinned.display(),
            line + 1,
            got.lines().nth(line),
            want.lines().nth(line)
        );
    }
}

fn png_size_and_ink(bytes: &[u8]) -> ((u32, u32), f64, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels: Vec<[u8; 3]> =
        buf[..info.buffer_size()].chunks(channels).map(|p| [p[0], p[1], p.get(2).copied().unwrap_or(p[0])]).collect();
    let ink = pixels.iter().filter(|p| p.iter().any(|&c| c < 240)).count() as f64 / pixels.len() as f64;
    ((info.width, info.height), ink, pixels)
}

/// The charts' structure and the report's visible text at tiny.toml's fixed
/// seed are pinned in `tests/data/tiny-pinned-charts.txt` and
/// `tests/data/tiny-pinned-report.txt`. After a deliberate change to the
/// charts, the report or the model, regenerate them with
/// `FUNDSCAPE_UPDATE_PINNED=1 cargo test --profile tests --test all -- report::`, read the
/// diff, and say why in the commit.
#[test]
fn charts_and_report_are_pinned() {
    let tmp = tiny_in_tmp(str::to_string);
    run_ok(&["run", "tiny.toml", "--out", "pinned", "--threads", "1"], tmp.path());
    let dir = tmp.path().join("pinned");
    let mut structure = String::new();
    for name in CHARTS {
        let svg = read_text(&dir.join(format!("charts/{name}.svg")));
        structure.push_str(&format!("== {name}.svg\n{}", svg_structure(&svg)));
        // Every chart is titled and carries the scenario, runs and seed.
        assert!(svg.contains("Scenario: tiny test · 300 runs · seed 7 · fundscape"), "{name}: no caption");
        assert!(svg.contains("font-weight=\"bold\""), "{name}: no bold title");
        let (size, ink, _) = png_size_and_ink(&read(&dir.join(format!("charts/{name}.png"))));
        let width: u32 = svg_structure(&svg).split(['x', ' ']).nth(1).unwrap().parse().unwrap();
        assert_eq!(size.0, width, "{name}: PNG and SVG sizes differ");
        assert!(ink > 0.02, "{name}.png looks blank ({:.3} of pixels inked)", ink);
    }
    // Two regions: two panels in each small-multiples chart, three rows of
    // three years in the heat table, each printed as a percentage.
    let by_region = read_text(&dir.join("charts/unmet-demand-by-region.svg"));
    for region in ["North West", "Wales"] {
        assert_eq!(by_region.matches(&format!(">\n{region}\n</text>")).count(), 1, "{region} panel");
    }
    let heat = read_text(&dir.join("charts/unmet-share.svg"));
    let cells = svg_structure(&heat).lines().filter(|l| l.starts_with("text ") && l.ends_with('%')).count();
    assert_eq!(cells, 3 * 3 + 3, "nine cells and three key labels");
    let fan = read_text(&dir.join("charts/unmet-demand.svg"));
    for label in ["cases abandoned per year", "model year", "2025-26", "2027-28", "5–95% of runs", "median"] {
        assert!(fan.contains(&format!(">\n{label}\n</text>")), "unmet-demand.svg lacks `{label}`");
    }
    assert_pinned("tiny-pinned-charts.txt", &structure);
    let html = read_text(&dir.join("report.html"));
    let text = visible_text(&html);
    // The exceedance chart's 50% point is the median of the horizon's total,
    // as the headline gives it ("about N (low–high) people give up").
    let exceedance = read_text(&dir.join("charts/exceedance.svg"));
    let between =
        |t: &str, a: &str, b: &str| t.split_once(a).and_then(|(_, r)| r.split_once(b)).map(|(x, _)| x.to_string());
    let half = between(&exceedance, "50% chance of more than ", "\n").expect("the 50% point's label");
    let (before, _) = text.split_once(" people give up waiting in all").expect("the headline");
    let headline = between(before.rsplit("about ").next().unwrap_or(""), "", " (").expect("the headline's median");
    assert_eq!(half, headline, "the 50% point and the headline's median differ");
    for expected in [
        "In brief",
        "Of the 6 advice and influencing posts in the grant portfolio,",
        "Method and assumptions",
        "sustainability.successors: same_funder",
        "region wales: demand",
    ] {
        assert!(text.contains(expected), "report lacks `{expected}`:\n{text}");
    }
    assert_eq!(html.matches("<svg ").count(), CHARTS.len(), "every chart inline in the report");
    assert_pinned("tiny-pinned-report.txt", &text);
}

#[test]
fn report_redraws_the_same_bytes_from_the_directory_alone() {
    let tmp = tiny_in_tmp(str::to_string);
    run_ok(&["run", "tiny.toml", "--out", "a", "--runs", "200", "--threads", "1"], tmp.path());
    run_ok(&["run", "tiny.toml", "--out", "b", "--runs", "200", "--threads", "2"], tmp.path());
    let a = tmp.path().join("a");
    let files: Vec<String> = CHARTS
        .iter()
        .flat_map(|c| [format!("charts/{c}.svg"), format!("charts/{c}.png")])
        .chain(std::iter::once("report.html".to_string()))
        .collect();
    let before: Vec<Vec<u8>> = files.iter().map(|f| read(&a.join(f))).collect();
    // The thread count never reaches the charts or the report.
    for (f, bytes) in files.iter().zip(&before) {
        assert!(read(&tmp.path().join("b").join(f)) == *bytes, "{f} differs between 1 and 2 threads");
    }
    // Without the scenario file and without charts, `report` draws them again, byte for byte.
    std::fs::remove_file(tmp.path().join("tiny.toml")).unwrap();
    std::fs::remove_dir_all(a.join("charts")).unwrap();
    std::fs::remove_file(a.join("report.html")).unwrap();
    let out = run_ok(&["report", "a"], tmp.path());
    assert!(String::from_utf8_lossy(&out.stdout).contains("wrote a/report.html"), "{}", show(&out));
    for (f, bytes) in files.iter().zip(&before) {
        assert!(read(&a.join(f)) == *bytes, "{f} differs after `fundscape report`");
    }
    let names: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 2, "nothing but a/ and b/ is left: {names:?}");
}

#[test]
fn no_charts_writes_neither_charts_nor_report() {
    let tmp = tiny_in_tmp(str::to_string);
    let out = run_ok(&["run", "tiny.toml", "--out", "batch", "--runs", "50", "--no-charts"], tmp.path());
    let dir = tmp.path().join("batch");
    assert!(!dir.join("charts").exists() && !dir.join("report.html").exists());
    assert!(dir.join("summary.csv").exists() && dir.join("scenario.toml").exists());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("report.html"), "{}", show(&out));
    run_ok(&["report", "batch"], tmp.path());
    assert!(dir.join("report.html").exists() && dir.join("charts/unmet-share.png").exists());
}

#[test]
fn scenario_text_with_markup_is_shown_as_text() {
    let name = r#"<script>alert("x")</script> & 'quoted' "name""#;
    let tmp = tiny_in_tmp(|t| {
        t.replace("name = \"tiny test\"", &format!("name = '''{name}'''"))
            .replace("turnover = 0.2\n", "turnover = 0.2   # <img src=x onerror=alert(1)> \"ASSUMPTION\"\n")
    });
    run_ok(&["run", "tiny.toml", "--out", "x", "--runs", "20"], tmp.path());
    let html = read_text(&tmp.path().join("x/report.html"));
    assert!(!html.to_lowercase().contains("<script"), "a <script> element reached the report");
    assert!(!html.contains("<img"), "an <img> element reached the report");
    let escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39; &quot;name&quot;";
    assert!(html.contains(&format!("<h1>{escaped}</h1>")), "the name is not shown as text");
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt; &quot;ASSUMPTION&quot;"),
        "the comment is not shown as text"
    );
    let text = visible_text(&html);
    assert!(text.contains(&format!("\n{name}\n")), "{text}");
    let svg = read_text(&tmp.path().join("x/charts/unmet-demand.svg"));
    assert!(svg.contains("&lt;script&gt;") && !svg.contains("<script"), "the SVG caption is not escaped");
}

/// Every text a scenario carries into a page or chart (its name and note,
/// region names, funders, grant and shock ids, an ask's name) holding
/// markup: no element of it reaches any HTML or SVG file that `run`,
/// `compare` or `brief` writes.
#[test]
fn no_scenario_text_reaches_a_page_or_chart_as_markup() {
    const TAG: &str = "<x-mark>";
    let tmp = tiny_in_tmp(|t| {
        t.replace("name = \"tiny test\"", "name = \"tiny <x-mark> & co\"\nnote = \"a <x-mark> note\"")
            .replace("name = \"North West\"", "name = \"North <x-mark> West\"")
            .replace("funder = \"JTI\"", "funder = \"J<x-mark>TI & co\"")
            .replace("funder = \"AB Charitable Trust\"", "funder = \"AB <x-mark> Trust\"")
            .replace("id = \"gmiau-2024\"", "id = \"gmiau<x-mark>2024\"")
            .replace("id = \"ukraine\"", "id = \"ukraine<x-mark>\"")
    });
    let ask = "[scenario]\nextends = \"tiny.toml\"\nname = \"ask <x-mark>\"\n\n[[changes]]\nid = \"c<x-mark>\"\nstart = \"2025-10\"\nlocal_authority_budget = 500000\n";
    std::fs::write(tmp.path().join("ask.toml"), ask).unwrap();
    run_ok(&["run", "tiny.toml", "--out", "r", "--runs", "40"], tmp.path());
    run_ok(&["compare", "tiny.toml", "ask.toml", "--out", "c", "--runs", "40"], tmp.path());
    run_ok(
        &["brief", "r", "--region", "north-west", "--compare", "c", "--ask", "ask", "--out", "b/brief.html"],
        tmp.path(),
    );
    let metric = "spend:J<x-mark>TI & co";
    run_ok(&["sensitivity", "tiny.toml", "--runs", "8", "--metric", metric, "--out", "s"], tmp.path());
    let solve = ["solve", "tiny.toml", "--lever", "regions.wales.other_capacity", "--metric", metric];
    run_ok(
        &[&solve[..], &["--at-most", "1e9", "--probability", "0.5", "--runs", "20", "--out", "v"]].concat(),
        tmp.path(),
    );
    let mut stack = vec![tmp.path().to_path_buf()];
    let mut pages = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "html" || x == "svg") {
                let text = read_text(&p);
                assert!(!text.contains(TAG), "{} holds the scenario's markup as markup", p.display());
                pages += 1;
            }
        }
    }
    assert!(pages >= 10, "only {pages} pages and charts were read");
}

#[test]
fn report_refuses_what_is_not_a_results_directory() {
    let tmp = tiny_in_tmp(str::to_string);
    std::fs::create_dir(tmp.path().join("empty")).unwrap();
    let cases: [(&str, &str); 2] = [
        ("missing", "error: missing: no such directory\n"),
        (
            "empty",
            "error: empty: not a results directory (fundscape marks each one with a .fundscape-results file); write one with `fundscape run SCENARIO --out DIR`\n",
        ),
    ];
    for (dir, message) in cases {
        let out = bin().args(["report", dir]).current_dir(tmp.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", show(&out));
        assert_eq!(String::from_utf8_lossy(&out.stderr), message);
    }
    run_ok(&["run", "tiny.toml", "--out", "r", "--runs", "20", "--no-charts"], tmp.path());
    let csv = tmp.path().join("r/survival.csv");
    let text = read_text(&csv).replacen("\n0,", "\nzero,", 1);
    std::fs::write(&csv, text).unwrap();
    let out = bin().args(["report", "r"]).current_dir(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: r/survival.csv: line 2: `months_after_first_end` is `zero`, not a number\n"
    );
    assert!(!tmp.path().join("r/report.html").exists());
    // Numbers that are not finite (a report once hung on an `inf` level).
    std::fs::write(&csv, read_text(&csv).replacen("\nzero,", "\n0,", 1)).unwrap();
    let pristine = read_text(&tmp.path().join("r/exceedance.csv"));
    for (bad, column) in [("inf", "level"), ("NaN", "level"), ("1e400", "level"), ("-inf", "probability")] {
        let lines: Vec<&str> = pristine.lines().collect();
        let mut fields: Vec<String> = lines[2].split(',').map(str::to_string).collect();
        fields[if column == "level" { 1 } else { 2 }] = bad.to_string();
        let edited = [&lines[..2], &[fields.join(",").as_str()], &lines[3..]].concat().join("\n") + "\n";
        std::fs::write(tmp.path().join("r/exceedance.csv"), edited).unwrap();
        let out = bin().args(["report", "r"]).current_dir(tmp.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", show(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).starts_with("error: r/exceedance.csv: line 3: "),
            "{bad}: {}",
            show(&out)
        );
        assert!(!tmp.path().join("r/report.html").exists());
    }
    std::fs::remove_file(tmp.path().join("r/manifest.json")).unwrap();
    std::fs::write(tmp.path().join("r/manifest.json"), "{\"program\": \"fundscape\"}").unwrap();
    let out = bin().args(["report", "r"]).current_dir(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("error: r/manifest.json: not a manifest written by this version of fundscape"),
        "{}",
        show(&out)
    );
}

#[test]
fn a_report_that_cannot_be_written_exits_1() {
    let tmp = tiny_in_tmp(str::to_string);
    run_ok(&["run", "tiny.toml", "--out", "r", "--runs", "20", "--no-charts"], tmp.path());
    // A directory where report.html should go cannot be replaced by a file.
    std::fs::create_dir_all(tmp.path().join("r/report.html/inside")).unwrap();
    let out = bin().args(["report", "r"]).current_dir(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: cannot write r/report.html"), "{}", show(&out));
}

/// Headless Chromium with every host name unresolvable and its own
/// background traffic off, so nothing can leave the machine.
const CHROMIUM_OFFLINE: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
];

/// Renders `page` in headless Chromium, with every host name unresolvable
/// so nothing can leave the machine, and returns (screenshot PNG, the URLs
/// the page itself asked for, from Chromium's net log).
fn render_in_chromium(chromium: &Path, page: &Path, work: &Path, size: &str) -> (Vec<u8>, Vec<String>) {
    let shot = work.join("shot.png");
    let netlog = work.join("net.json");
    let _ = std::fs::remove_file(&shot);
    let out = Command::new(chromium)
        .args(CHROMIUM_OFFLINE)
        .arg(format!("--user-data-dir={}", work.join("profile").display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg(format!("--window-size={size}"))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromium.display()));
    assert!(shot.exists(), "chromium wrote no screenshot\n{}", show(&out));
    // Requests the page made have an origin (`null` for a file); Chromium's
    // own background requests have none ("not an origin").
    let log: serde_json::Value = serde_json::from_slice(&read(&netlog)).unwrap_or(serde_json::Value::Null);
    let mut fetched = Vec::new();
    for event in log["events"].as_array().into_iter().flatten() {
        let p = &event["params"];
        if let (Some(url), Some(initiator)) = (p["url"].as_str(), p["initiator"].as_str()) {
            if initiator != "not an origin" {
                fetched.push(url.to_string());
            }
        }
    }
    (read(&shot), fetched)
}

/// A real browser renders the report: not blank, the charts drawn, nothing
/// fetched. Needs Debian's `chromium` (`.ci/run` installs it); without it the
/// test fails on CI (`CI=true`) and is skipped loudly elsewhere.
#[test]
fn chromium_renders_the_report_offline() {
    let Some(chromium) = chromium() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("chromium is not installed; .ci/run must install it (apt-get install -y chromium)");
        }
        eprintln!("\n!!!!!!!!\n!!! SKIPPED chromium_renders_the_report_offline: no chromium on this machine.\n!!! Install it with: apt-get install -y --no-install-recommends chromium\n!!!!!!!!\n");
        return;
    };
    let name = r#"<script>document.title="owned"</script> "Tiny""#;
    let tmp = tiny_in_tmp(|t| t.replace("name = \"tiny test\"", &format!("name = '''{name}'''")));
    run_ok(&["run", "tiny.toml", "--out", "r", "--runs", "100"], tmp.path());
    let report = tmp.path().join("r/report.html");
    let html = read_text(&report);
    // Nothing in the file points at the network: the only URL is the SVG namespace.
    for bad in ["src=", "href=", "url(", "@import", "<link", "<script", "<iframe"] {
        assert!(!html.to_lowercase().contains(bad), "report.html contains `{bad}`");
    }
    let urls = html.matches("http://").count() + html.matches("https://").count();
    assert_eq!(
        urls,
        html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count(),
        "a URL other than the SVG namespace"
    );

    // The net-log check can fail: a page that fetches is caught.
    let control = tmp.path().join("control.html");
    std::fs::write(&control, "<p>x</p><img src=\"http://example.invalid/x.png\">").unwrap();
    let (_, fetched) = render_in_chromium(&chromium, &control, &tmp.path().join("c"), "400,300");
    assert_eq!(fetched, vec!["http://example.invalid/x.png".to_string()], "the net-log check does not see fetches");

    let (shot, fetched) = render_in_chromium(&chromium, &report, &tmp.path().join("w"), "1200,2000");
    assert!(fetched.is_empty(), "the report fetched {fetched:?}");
    let ((w, h), ink, pixels) = png_size_and_ink(&shot);
    assert_eq!((w, h), (1200, 2000));
    assert!(ink > 0.05, "the screenshot looks blank ({ink:.3} of pixels inked)");
    // The fan chart's bands are drawn: its light and dark blues are on screen.
    for (colour, what) in [([198, 219, 239], "5–95% band"), ([107, 174, 214], "25–75% band")] {
        let n = pixels.iter().filter(|p| **p == colour).count();
        assert!(n > 2000, "the {what} of the first chart is not on screen ({n} pixels)");
    }
}

const COMPARE_CHARTS: [&str; 2] = ["asks-ranked", "averted-by-year"];

/// tiny.toml with an ask (an extra grant) and a no-op overlay, compared in `dir`.
fn compare_tiny(tmp: &Path, out: &str, extra: &[&str]) -> std::process::Output {
    std::fs::write(
        tmp.join("extra-grant.toml"),
        "[scenario]\nextends = \"tiny.toml\"\n[[grants]]\nid = \"wales-extra\"\nfunder = \"Baring Foundation\"\nregion = \"wales\"\nstart = \"2025-10\"\nmonths = 36\nposts = 3\n",
    )
    .unwrap();
    std::fs::write(tmp.join("noop.toml"), "[scenario]\nextends = \"tiny.toml\"\n").unwrap();
    let mut args = vec!["compare", "tiny.toml", "extra-grant.toml", "noop.toml", "--out", out, "--threads", "1"];
    args.extend(extra);
    run_ok(&args, tmp)
}

/// A comparison draws its charts and report (SVG structure and report text
/// pinned in tests/data/tiny-pinned-compare-{charts,report}.txt, regenerated
/// like the run's), and `report DIR` redraws them byte for byte from the
/// directory alone.
#[test]
fn compare_draws_charts_and_a_report_that_report_redraws() {
    let tmp = tiny_in_tmp(str::to_string);
    let out = compare_tiny(tmp.path(), "cmp", &[]);
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("wrote cmp/ (compare.csv, compare_totals.csv, manifest.json, charts/, report.html)"),
        "{}",
        show(&out)
    );
    let dir = tmp.path().join("cmp");
    let mut structure = String::new();
    for name in COMPARE_CHARTS {
        let svg = read_text(&dir.join(format!("charts/{name}.svg")));
        structure.push_str(&format!("== {name}.svg\n{}", svg_structure(&svg)));
        assert!(svg.contains("Base: tiny test · 2 asks · 300 paired runs · seed 7 · fundscape"), "{name}: no caption");
        let (size, ink, _) = png_size_and_ink(&read(&dir.join(format!("charts/{name}.png"))));
        let width: u32 = svg_structure(&svg).split(['x', ' ']).nth(1).unwrap().parse().unwrap();
        assert_eq!(size.0, width, "{name}: PNG and SVG sizes differ");
        assert!(ink > 0.02, "{name}.png looks blank ({ink:.3} of pixels inked)");
    }
    // The ranking: the extra grant first, each ask labelled once, with its mean and interval.
    let ranked = read_text(&dir.join("charts/asks-ranked.svg"));
    let texts = svg_structure(&ranked);
    let ask_lines: Vec<&str> = texts.lines().filter(|l| *l == "text extra-grant" || *l == "text noop").collect();
    assert_eq!(ask_lines, ["text extra-grant", "text noop"], "{texts}");
    assert!(texts.contains("text 0 (0 to 0)"), "the no-op ask averts exactly nothing: {texts}");
    for label in ["5–95% of runs", "90% confidence interval of the mean", "mean (90% CI)"] {
        assert!(texts.contains(&format!("text {label}\n")), "asks-ranked.svg lacks `{label}`");
    }
    let by_year = svg_structure(&read_text(&dir.join("charts/averted-by-year.svg")));
    assert!(by_year.contains("text extra-grant\n") && by_year.contains("text noop\n"), "{by_year}");
    assert_pinned("tiny-pinned-compare-charts.txt", &structure);
    let html = read_text(&dir.join("report.html"));
    let text = visible_text(&html);
    for expected in
        ["Asks against tiny test", "In brief", "The asks, ranked by unmet", "Charts", "Method", "extra-grant"]
    {
        assert!(text.contains(expected), "the comparison's report lacks `{expected}`:\n{text}");
    }
    assert_eq!(html.matches("<svg ").count(), COMPARE_CHARTS.len(), "every chart inline in the report");
    assert_pinned("tiny-pinned-compare-report.txt", &text);

    let files: Vec<String> = COMPARE_CHARTS
        .iter()
        .flat_map(|c| [format!("charts/{c}.svg"), format!("charts/{c}.png")])
        .chain(std::iter::once("report.html".to_string()))
        .collect();
    let before: Vec<Vec<u8>> = files.iter().map(|f| read(&dir.join(f))).collect();
    std::fs::remove_dir_all(dir.join("charts")).unwrap();
    std::fs::remove_file(dir.join("report.html")).unwrap();
    for f in ["tiny.toml", "extra-grant.toml", "noop.toml"] {
        std::fs::remove_file(tmp.path().join(f)).unwrap();
    }
    let out = run_ok(&["report", "cmp"], tmp.path());
    assert!(String::from_utf8_lossy(&out.stdout).contains("wrote cmp/report.html and 2 charts"), "{}", show(&out));
    for (f, bytes) in files.iter().zip(&before) {
        assert!(read(&dir.join(f)) == *bytes, "{f} differs after `fundscape report`");
    }
}

/// Asks and risks are ranked apart in the comparison's report (two tables,
/// a risk's by the unmet demand it adds, with P(more)) and in its ranked
/// chart (the risks after the asks, under their own heading).
#[test]
fn the_comparison_report_ranks_asks_and_risks_in_separate_tables() {
    let tmp = tiny_in_tmp(str::to_string);
    let ask = "[scenario]\nextends = \"tiny.toml\"\nname = \"more money\"\n\n[[regions]]\nid = \"wales\"\nother_capacity = 2000\n";
    let risk = "[scenario]\nextends = \"tiny.toml\"\nname = \"less money\"\nkind = \"risk\"\n\n[[regions]]\nid = \"north-west\"\nother_capacity = 0\n";
    std::fs::write(tmp.path().join("ask.toml"), ask).unwrap();
    std::fs::write(tmp.path().join("risk.toml"), risk).unwrap();
    run_ok(&["compare", "tiny.toml", "risk.toml", "ask.toml", "--out", "c", "--runs", "100"], tmp.path());
    let html = read_text(&tmp.path().join("c/report.html"));
    let table = |id: &str| -> String {
        let at = html.find(&format!("<table id=\"{id}\">")).unwrap_or_else(|| panic!("no table {id}"));
        html[at..].split("</table>").next().unwrap_or_default().to_string()
    };
    let (asks, risks) = (table("ranking"), table("risks"));
    assert!(asks.contains("<strong>ask</strong>") && !asks.contains("<strong>risk</strong>"), "{asks}");
    assert!(risks.contains("<strong>risk</strong>") && !risks.contains("<strong>ask</strong>"), "{risks}");
    assert!(risks.contains("Unmet demand added") && risks.contains("P(more)"), "{risks}");
    // The risk adds unmet demand: a positive figure in its own table.
    let figure = risks.split("<td class=\"num\">").nth(1).unwrap_or_default();
    assert!(!figure.starts_with('-') && !figure.starts_with('0'), "{figure}");
    let text = visible_text(&html);
    let (a, r) =
        (text.find("The asks, ranked by unmet demand averted"), text.find("The risks, ranked by unmet demand added"));
    assert!(a.is_some() && r.is_some() && a < r, "{text}");
    let svg = svg_structure(&read_text(&tmp.path().join("c/charts/asks-ranked.svg")));
    let labels: Vec<&str> = svg.lines().filter(|l| matches!(*l, "text ask" | "text risk" | "text — risks —")).collect();
    assert_eq!(labels, ["text ask", "text — risks —", "text risk"], "{svg}");
    assert!(svg.contains("Base: tiny test · 1 ask and 1 risk · 100 paired runs"), "{svg}");
}

/// A brief for a risk (here, a funder leaving) says "fewer posts", "fewer
/// people helped" and "more give up" rather than print negative numbers.
#[test]
fn a_brief_for_a_risk_says_fewer_not_minus() {
    let tmp = tiny_in_tmp(str::to_string);
    let risk =
        "[scenario]\nextends = \"tiny.toml\"\nname = \"JTI leaves\"\nkind = \"risk\"\nwithout_funders = [\"JTI\"]\n";
    std::fs::write(tmp.path().join("leaves.toml"), risk).unwrap();
    run_ok(&["run", "tiny.toml", "--out", "r", "--runs", "100"], tmp.path());
    run_ok(&["compare", "tiny.toml", "leaves.toml", "--out", "c", "--runs", "100"], tmp.path());
    run_ok(
        &["brief", "r", "--region", "north-west", "--compare", "c", "--ask", "leaves", "--out", "b.html"],
        tmp.path(),
    );
    let text = visible_text(&read_text(&tmp.path().join("b.html"))).split_whitespace().collect::<Vec<_>>().join(" ");
    let at = text.find("With JTI leaves:").unwrap_or_else(|| panic!("{text}"));
    let fact = text[at..].split("[3]").next().unwrap_or_default();
    assert!(
        fact.contains(" fewer posts funded at the end of ") && fact.contains(" fewer people helped over the horizon"),
        "{fact}"
    );
    assert!(fact.contains(" more give up"), "{fact}");
    // The figure before each phrase is a plain, positive number.
    for phrase in [" fewer posts", " fewer people helped", " more give up"] {
        let head = fact.split(phrase).next().unwrap_or_default();
        let figure: f64 = head.rsplit(' ').next().unwrap_or_default().replace(',', "").parse().unwrap_or(-1.0);
        assert!(figure > 0.0, "{phrase}: {fact}");
    }
}

/// With many grant funders, the posts-by-source chart draws six layers of
/// funders (the five with the most posts by name, ties to the first in the
/// file; the rest as one), while posts_by_source.csv keeps every funder.
#[test]
fn many_funders_share_one_layer_of_the_posts_chart() {
    let tmp = tiny_in_tmp(|t| {
        let mut t = t.to_string();
        for i in 1..=7 {
            t.push_str(&format!(
                "\n[[grants]]\nid = \"g{i}\"\nfunder = \"Funder {i}\"\nregion = \"wales\"\nstart = \"2025-04\"\nmonths = {}\nposts = 1\n",
                4 * i
            ));
        }
        t
    });
    run_ok(&["run", "tiny.toml", "--out", "r", "--runs", "30"], tmp.path());
    let svg = svg_structure(&read_text(&tmp.path().join("r/charts/posts-by-source.svg")));
    let layer = |name: &str| svg.lines().any(|l| l.starts_with(&format!("text {name}: ")));
    assert!(layer("4 other funders"), "{svg}");
    // The five with the most posts at the years' ends by name: the two
    // first grants, the two longest new ones, and of three that tie (one
    // post at the first year's end) the first in the file.
    for name in ["JTI", "AB Charitable Trust", "Funder 7", "Funder 6", "Funder 3"] {
        assert!(layer(name), "{name}: {svg}");
    }
    for name in ["Funder 1", "Funder 2", "Funder 4", "Funder 5"] {
        assert!(!layer(name), "{name}: {svg}");
    }
    let csv = read_text(&tmp.path().join("r/posts_by_source.csv"));
    for i in 1..=7 {
        assert!(csv.contains(&format!("all,2025,Funder {i},")), "Funder {i} missing from posts_by_source.csv");
    }
}

/// When every ask adds unmet demand, the report's first line says that no
/// ask averts any, rather than naming the best one with a negative number.
#[test]
fn a_comparison_where_no_ask_helps_says_so() {
    let tmp = tiny_in_tmp(str::to_string);
    let worse = "[scenario]\nextends = \"tiny.toml\"\nname = \"worse\"\n\n[[regions]]\nid = \"north-west\"\nother_capacity = 0\n";
    std::fs::write(tmp.path().join("worse.toml"), worse).unwrap();
    run_ok(&["compare", "tiny.toml", "worse.toml", "--out", "c", "--runs", "50"], tmp.path());
    let text = visible_text(&read_text(&tmp.path().join("c/report.html")));
    assert!(
        text.contains("No ask averts unmet demand on average: the one that adds the least is worse, about "),
        "{text}"
    );
    assert!(!text.contains("averts the most unmet demand is worse"), "{text}");
}

/// `--png-scale 2` draws the PNGs twice as large with the same layout; the
/// SVGs and the report do not change.
#[test]
fn png_scale_draws_larger_pngs_with_the_same_layout() {
    let tmp = tiny_in_tmp(str::to_string);
    run_ok(&["run", "tiny.toml", "--out", "one", "--runs", "50", "--threads", "1"], tmp.path());
    run_ok(&["run", "tiny.toml", "--out", "two", "--runs", "50", "--threads", "1", "--png-scale", "2"], tmp.path());
    for name in CHARTS {
        let (one, two) = (tmp.path().join("one/charts"), tmp.path().join("two/charts"));
        assert!(read(&one.join(format!("{name}.svg"))) == read(&two.join(format!("{name}.svg"))), "{name}.svg differs");
        let ((w1, h1), ink1, _) = png_size_and_ink(&read(&one.join(format!("{name}.png"))));
        let ((w2, h2), ink2, _) = png_size_and_ink(&read(&two.join(format!("{name}.png"))));
        assert_eq!((w2, h2), (2 * w1, 2 * h1), "{name}.png");
        // The same picture: the share of inked pixels barely moves.
        assert!((ink1 - ink2).abs() < 0.2 * ink1, "{name}.png: ink {ink1:.3} at scale 1, {ink2:.3} at scale 2");
    }
    assert!(read(&tmp.path().join("one/report.html")) == read(&tmp.path().join("two/report.html")));
    compare_tiny(tmp.path(), "cmp", &["--runs", "50", "--png-scale", "2"]);
    let ((w, _), _, _) = png_size_and_ink(&read(&tmp.path().join("cmp/charts/asks-ranked.png")));
    assert_eq!(w, 2200);
    run_ok(&["report", "one", "--png-scale", "3"], tmp.path());
    let ((w, _), _, _) = png_size_and_ink(&read(&tmp.path().join("one/charts/unmet-demand.png")));
    assert_eq!(w, 3300);
    let out = bin().args(["report", "one", "--png-scale", "5"]).current_dir(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("--png-scale takes how many times larger the PNG charts are drawn, a whole number from 1 to 4"),
        "{}",
        show(&out)
    );
}

/// Each chart's note is printed once in the report, as text under the chart
/// (the inline SVG leaves it out; the files in charts/ keep it).
#[test]
fn the_report_prints_each_chart_note_once() {
    let tmp = tiny_in_tmp(str::to_string);
    run_ok(&["run", "tiny.toml", "--out", "r", "--runs", "50"], tmp.path());
    compare_tiny(tmp.path(), "c", &["--runs", "50"]);
    for (dir, charts) in [("r", &CHARTS[..]), ("c", &COMPARE_CHARTS[..])] {
        let html = read_text(&tmp.path().join(dir).join("report.html"));
        for name in charts {
            let svg = read_text(&tmp.path().join(dir).join(format!("charts/{name}.svg")));
            // The note as the chart file draws it: the lines between the title and the caption.
            let texts: Vec<String> =
                svg_structure(&svg).lines().filter_map(|l| l.strip_prefix("text ")).map(unescape).collect();
            let end = texts.iter().position(|t| t.starts_with("Scenario: ") || t.starts_with("Base: ")).unwrap();
            let note = texts[1..end].join(" ");
            let figure = html.split(&format!("<figure id=\"chart-{name}\">")).nth(1).unwrap();
            let figure = figure.split("</figure>").next().unwrap();
            let (inline, caption) = figure.split_once("</svg>").unwrap();
            for line in &texts[1..=end] {
                assert!(!unescape(inline).contains(line.as_str()), "{dir}: the inline {name} chart prints `{line}`");
            }
            assert!(visible_text(caption).contains(&note), "{dir}: the caption of {name} lacks its note `{note}`");
            let printed = format!("{note} Also as charts/{name}.svg");
            assert_eq!(
                visible_text(&html).matches(&printed).count(),
                1,
                "{dir}: the note of {name} is not printed once"
            );
        }
    }
}

/// At 600 px (a phone, a narrow window) neither report scrolls sideways:
/// the page is no wider than the window.
#[test]
fn reports_do_not_scroll_sideways_at_600_px() {
    let Some(chromium) = chromium() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("chromium is not installed; .ci/run must install it (apt-get install -y chromium)");
        }
        eprintln!("\n!!! SKIPPED reports_do_not_scroll_sideways_at_600_px: no chromium on this machine.\n");
        return;
    };
    let tmp = tiny_in_tmp(str::to_string);
    run_ok(&["run", "tiny.toml", "--out", "r", "--runs", "50"], tmp.path());
    compare_tiny(tmp.path(), "c", &["--runs", "50"]);
    for dir in ["r", "c"] {
        // A copy of the report with a script that measures the page's width.
        let probe = tmp.path().join(format!("{dir}-probe.html"));
        let html = read_text(&tmp.path().join(dir).join("report.html"));
        let script = "<script>document.title = 'width ' + document.documentElement.scrollWidth + ' of ' + window.innerWidth;</script>";
        std::fs::write(&probe, html.replace("</body>", &format!("{script}</body>"))).unwrap();
        let out = Command::new(&chromium)
            .args(CHROMIUM_OFFLINE)
            .arg(format!("--user-data-dir={}", tmp.path().join(format!("profile-{dir}")).display()))
            .args(["--window-size=600,1000", "--dump-dom"])
            .arg(format!("file://{}", probe.display()))
            .output()
            .unwrap();
        let dom = String::from_utf8_lossy(&out.stdout);
        let title = dom.split("<title>").nth(1).and_then(|t| t.split("</title>").next()).unwrap_or_default();
        let widths: Vec<u32> = title.split(' ').filter_map(|w| w.parse().ok()).collect();
        assert_eq!(widths.len(), 2, "{dir}: no width measured: {title:?}\n{}", show(&out));
        assert!(widths[0] <= widths[1], "{dir}/report.html is {} px wide in a {} px window", widths[0], widths[1]);
    }
}

// ---- fundscape brief: one page for a council.

/// tiny.toml with a council table in the North West, run, and compared with
/// an ask that matches half of new posts' costs there.
fn tiny_with_ask(tmp: &Path) {
    std::fs::write(
        tmp.join("ask.toml"),
        "[scenario]\nextends = \"tiny.toml\"\nname = \"match <&> ask\"\n[[changes]]\nid = \"m\"\nstart = \"2026-04\"\nregions = [\"north-west\"]\nlocal_authority_budget = 300000\nlocal_authority_match = 0.5\nsuccessors = [{ source = \"local_authority\", probability = 0.9 }]\n",
    )
    .unwrap();
    run_ok(&["run", "tiny.toml", "--out", "r", "--runs", "300", "--no-charts"], tmp);
    run_ok(&["compare", "tiny.toml", "ask.toml", "--out", "c", "--runs", "300"], tmp);
}

fn council_tiny() -> tempfile::TempDir {
    tiny_in_tmp(|t| {
        t.replace(
            "local_authority = { budget = 100000 }",
            "local_authority = { budget = 100000 }\ncouncil = { nrpf_household_cost = { dist = \"uniform\", min = 17151, max = 21541 }, nrpf_resolved_share = 0.05 }",
        )
        .replace("name = \"North West\"", "name = \"North <West> & Co\"")
    })
}

/// The page's visible text at a fixed seed is pinned
/// (`tests/data/tiny-pinned-brief.txt`, regenerated like the other pinned
/// files); region names from the file are escaped; nothing points at the
/// network and there is no script.
#[test]
fn the_council_brief_is_pinned_escaped_and_self_contained() {
    let tmp = council_tiny();
    tiny_with_ask(tmp.path());
    let out = run_ok(&["brief", "r", "--region", "north-west", "--compare", "c", "--ask", "ask"], tmp.path());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "wrote r/brief-north-west/brief.html (one A4 page) and its picture as .svg and .png\n"
    );
    assert!(out.stderr.is_empty(), "{}", show(&out));
    // A comparison of other runs is allowed, with a warning.
    run_ok(&["compare", "tiny.toml", "ask.toml", "--out", "c50", "--runs", "50", "--seed", "8"], tmp.path());
    let other = run_ok(&["brief", "r", "--region", "wales", "--compare", "c50", "--ask", "ask"], tmp.path());
    assert_eq!(
        String::from_utf8_lossy(&other.stderr),
        "warning: the comparison ran 50 runs at seed 8, the results 300 runs at seed 7: the ask's figures come from \
         the comparison's runs, the rest of the page from the results' (the footnotes say which is which)\n"
    );
    let dir = tmp.path().join("r/brief-north-west");
    let html = read_text(&dir.join("brief.html"));
    assert!(html.contains("<h1>North &lt;West&gt; &amp; Co: the advice gap"), "region name not escaped");
    assert!(html.contains("With <strong>match &lt;&amp;&gt; ask</strong>"), "ask name not escaped");
    for bad in ["src=", "href=", "url(", "@import", "<link", "<script", "<iframe"] {
        assert!(!html.to_lowercase().contains(bad), "brief.html contains `{bad}`");
    }
    assert_pinned("tiny-pinned-brief.txt", &visible_text(&html));
    let svg = read_text(&dir.join("brief.svg"));
    assert!(svg.contains("need: new cases a year") && svg.contains("funding ends (number of posts)"), "{svg:.200}");
    let ((w, h), ink, _) = png_size_and_ink(&read(&dir.join("brief.png")));
    assert_eq!((w, h), (1000, 466), "two panels: need and capacity above, the gap below");
    assert!(ink > 0.05, "the picture looks blank");
    // A second brief replaces the first; a file fundscape did not write is refused.
    run_ok(&["brief", "r", "--region", "north-west"], tmp.path());
    std::fs::write(tmp.path().join("notes.html"), "my notes").unwrap();
    let out = bin()
        .args(["brief", "r", "--region", "wales", "--out", "notes.html"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert_eq!(read_text(&tmp.path().join("notes.html")), "my notes");
    // A picture's name for the page (its picture would replace it), and a
    // link, even one to nowhere or to an earlier brief: refused, untouched.
    for name in ["x.png", "x.svg", "x"] {
        let out =
            bin().args(["brief", "r", "--region", "wales", "--out", name]).current_dir(tmp.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", show(&out));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("error: --out {name}: give the page's file, ending in .html (its picture is written beside it as .svg and .png)\n")
        );
        assert!(!tmp.path().join(name).exists());
    }
    #[cfg(unix)]
    for target in ["nowhere.html", "r/brief-north-west/brief.html"] {
        let link = tmp.path().join("link.html");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(tmp.path().join(target), &link).unwrap();
        let out = bin()
            .args(["brief", "r", "--region", "wales", "--out", "link.html"])
            .current_dir(tmp.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", show(&out));
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    }
}

/// The terminal and the report give the same figure for the posts that
/// statutory money pays at the horizon: at 200 runs of the baseline the two
/// means sum to 0.55, which the unrounded means put at 0.5 and the file's at
/// 0.6 before both used the file's digits.
#[test]
fn the_terminal_and_the_report_agree_on_what_outlasts_any_grant() {
    let tmp = tempfile::tempdir().unwrap();
    let baseline = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/uk-baseline.toml");
    let out = run_ok(&["run", baseline.to_str().unwrap(), "--runs", "200", "--out", "r"], tmp.path());
    let terminal = String::from_utf8_lossy(&out.stdout);
    let said = terminal
        .split_once("(what outlasts any grant) at the end of 2034-35: ")
        .and_then(|(_, r)| r.split_once(" on average"))
        .map(|(x, _)| x.to_string())
        .expect("the terminal's figure");
    let html = read_text(&tmp.path().join("r/report.html"));
    let shown = html
        .split_once("What outlasts any grant: <strong>")
        .and_then(|(_, r)| r.split_once("</strong>"))
        .map(|(x, _)| x.to_string())
        .expect("the report's figure");
    assert_eq!(said, shown);
}

/// The brief's grant-end markers are all one height, since a marker's
/// height means nothing: a number moved up to clear its neighbour's sits on
/// a thin leader above its marker. The baseline's West Midlands has four
/// ends, two of them seven months apart.
#[test]
fn the_briefs_grant_end_markers_are_one_height() {
    let tmp = tempfile::tempdir().unwrap();
    let baseline = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/uk-baseline.toml");
    run_ok(&["run", baseline.to_str().unwrap(), "--runs", "40", "--no-charts", "--out", "r"], tmp.path());
    run_ok(&["brief", "r", "--region", "west-midlands"], tmp.path());
    let svg = read_text(&tmp.path().join("r/brief-west-midlands/brief.svg"));
    // Vertical two-point polylines: (stroke colour and width, length).
    let vertical: Vec<(String, i64)> = svg
        .split("<polyline ")
        .skip(1)
        .filter_map(|p| {
            let colour = p.split_once("stroke=\"")?.1.split_once('"')?.0;
            let width = format!("{colour} {}", p.split_once("stroke-width=\"")?.1.split_once('"')?.0);
            let points: Vec<(i64, i64)> = p
                .split_once("points=\"")?
                .1
                .split_once('"')?
                .0
                .split_whitespace()
                .filter_map(|xy| xy.split_once(',').and_then(|(x, y)| Some((x.parse().ok()?, y.parse().ok()?))))
                .collect();
            match points[..] {
                [(x0, y0), (x1, y1)] if x0 == x1 && y0 != y1 => Some((width, (y0 - y1).abs())),
                _ => None,
            }
        })
        .collect();
    // The markers stand on the x axis; the legend's sample is 16 pixels.
    let markers: Vec<i64> =
        vertical.iter().filter(|(w, len)| w == "#222222 2" && *len > 16).map(|(_, len)| *len).collect();
    assert_eq!(markers.len(), 4, "{vertical:?}");
    assert!(markers.iter().all(|&len| len == markers[0]), "markers of different heights: {markers:?}");
    assert_eq!(vertical.iter().filter(|(w, _)| w == "#5A5A5A 1").count(), 1, "one leader: {vertical:?}");
}

/// An unknown region, a comparison of another scenario and an ask the
/// comparison does not hold exit 2, say what to do, and write nothing.
#[test]
fn the_brief_refuses_what_it_cannot_answer() {
    let tmp = council_tiny();
    tiny_with_ask(tmp.path());
    // A comparison whose base is another scenario.
    std::fs::write(
        tmp.path().join("other.toml"),
        read_text(&tmp.path().join("tiny.toml")).replace("years = 3", "years = 2"),
    )
    .unwrap();
    std::fs::write(tmp.path().join("other-ask.toml"), "[scenario]\nextends = \"other.toml\"\nname = \"x\"\n").unwrap();
    run_ok(&["compare", "other.toml", "other-ask.toml", "--out", "c2", "--runs", "50"], tmp.path());
    let cases: [(&[&str], &str); 4] = [
        (
            &["brief", "c", "--region", "wales"],
            "error: c/manifest.json: this is a comparison's results directory (fundscape compare), not a run's; give the \
             directory `fundscape run` wrote (and a comparison with --compare, where the command takes one)\n",
        ),
        (
            &["brief", "r", "--region", "north-wets"],
            "error: r: --region: unknown region `north-wets`; did you mean `north-west`?\n",
        ),
        (
            &["brief", "r", "--region", "wales", "--compare", "c", "--ask", "asx"],
            "error: c/manifest.json: the comparison has no ask `asx`; did you mean `ask`?\n",
        ),
        (&["brief", "r", "--region", "wales", "--compare", "c2", "--ask", "other-ask"], ""),
    ];
    for (args, message) in cases {
        let out = bin().args(args).current_dir(tmp.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", show(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        if message.is_empty() {
            assert!(stderr.starts_with("error: c2/manifest.json: this comparison's base is `tiny test`"), "{stderr}");
            assert!(stderr.contains("compare against the same scenario file"), "{stderr}");
        } else {
            assert_eq!(stderr, message);
        }
        assert!(!tmp.path().join("r/brief-wales").exists() && !tmp.path().join("r/brief-north-wets").exists());
        assert!(!tmp.path().join("c/brief-wales").exists());
    }
}

/// The brief's gap (its lower panel and the first fact's sentence) is
/// gap.csv's: the last year's median and 5–95% range, rounded to three
/// figures, in the right direction, whether capacity falls short of need
/// (tiny.toml's regions), exceeds it in every run (Wales with more other
/// advice) or either way (Wales with a little less). Results written before
/// gap.csv, or with a year missing from it, still give a brief, with the
/// upper panel alone and no gap sentence.
#[test]
fn the_briefs_gap_is_gap_csvs_and_results_before_it_still_brief() {
    let tmp = council_tiny();
    let tiny = read_text(&tmp.path().join("tiny.toml"));
    let wales = "abandon_rate = { dist = \"beta\", alpha = 2, beta = 30 }";
    let mut crossed = false;
    for (variant, other_capacity) in [("tiny", None), ("spare", Some(4200)), ("either", Some(2650))] {
        let file = format!("{variant}.toml");
        let text = match other_capacity {
            Some(c) => tiny.replace(wales, &format!("{wales}\nother_capacity = {c}")),
            None => tiny.clone(),
        };
        std::fs::write(tmp.path().join(&file), text).unwrap();
        run_ok(&["run", &file, "--out", variant, "--runs", "300", "--no-charts"], tmp.path());
        let gap = read_text(&tmp.path().join(format!("{variant}/gap.csv")));
        let regions: &[&str] = if other_capacity.is_some() { &["wales"] } else { &["north-west", "wales"] };
        for &region in regions {
            run_ok(&["brief", variant, "--region", region], tmp.path());
            let row: Vec<f64> = gap
                .lines()
                .rev()
                .find(|l| l.starts_with(&format!("{region},")))
                .expect("the region's last year (rows run from the first year to the last)")
                .split(',')
                .skip(3)
                .map(|x| x.parse().unwrap())
                .collect();
            // mean, sd, p05, p25, p50, p75, p95, mcse
            let (p05, p50, p95) = (row[2], row[4], row[6]);
            if other_capacity == Some(4200) {
                assert!(p95 < 0.0, "capacity exceeds need in every run: {row:?}");
            }
            let html = read_text(&tmp.path().join(format!("{variant}/brief-{region}/brief.html")));
            let text = visible_text(&html);
            let (way, rest) = text
                .split_once("advice can serve about ")
                .and_then(|(_, r)| r.split_once(" cases than are needed (5–95% of runs: "))
                .map(|(x, r)| (x.to_string(), r.to_string()))
                .expect("the gap sentence");
            let (said, direction) = way.split_once(' ').expect("a number and a direction");
            let range = rest.split_once(')').expect("the range").0;
            let num = |s: &str| s.replace(',', "").parse::<f64>().unwrap();
            // Signed ends: "N short" is +N, "N to spare" is −N; a range that
            // does not cross zero is in the direction of the sentence.
            let signed = |end: &str| match end.strip_suffix(" to spare") {
                Some(n) => -num(n),
                None => num(end.strip_suffix(" short").expect("short or to spare")),
            };
            let (low, high) = match range.strip_prefix("from ") {
                Some(ends) => {
                    crossed = true;
                    let (a, b) = ends
                        .split_once(" short to ")
                        .map(|(a, b)| (format!("{a} short"), b.to_string()))
                        .or_else(|| {
                            ends.split_once(" to spare to ").map(|(a, b)| (format!("{a} to spare"), b.to_string()))
                        })
                        .expect("two ends");
                    (signed(&a), signed(&b))
                }
                None => {
                    let (a, b) = range.split_once(" to ").expect("A to B");
                    if direction == "more" {
                        (-num(b), -num(a))
                    } else {
                        (num(a), num(b))
                    }
                }
            };
            let close = |a: f64, b: f64| (a - b).abs() <= 0.005 * b.abs() + 0.5;
            assert_eq!(direction, if p50 >= 0.0 { "fewer" } else { "more" }, "{text}");
            assert!(close(num(said), p50.abs()), "{said} against the median {p50}");
            assert!(close(low, p05) && close(high, p95), "{range} against {p05} to {p95}");
            assert_eq!(range.starts_with("from "), p05 < 0.0 && p95 > 0.0, "{range} against {p05} to {p95}");
            let svg = read_text(&tmp.path().join(format!("{variant}/brief-{region}/brief.svg")));
            assert!(svg.contains("the gap within each run: need less capacity, cases a year"));
        }
    }
    assert!(crossed, "no region's range crossed zero: the third variant no longer tests that case");
    // A year missing from gap.csv: the series is not drawn under wrong years.
    let gap = read_text(&tmp.path().join("tiny/gap.csv"));
    let without_first: String =
        gap.lines().filter(|l| !l.starts_with("north-west,2025,")).map(|l| format!("{l}\n")).collect();
    assert!(without_first.len() < gap.len());
    std::fs::write(tmp.path().join("tiny/gap.csv"), without_first).unwrap();
    run_ok(&["brief", "tiny", "--region", "north-west"], tmp.path());
    let text = visible_text(&read_text(&tmp.path().join("tiny/brief-north-west/brief.html")));
    assert!(!text.contains("advice can serve about"), "{text}");
    std::fs::remove_file(tmp.path().join("tiny/gap.csv")).unwrap();
    run_ok(&["brief", "tiny", "--region", "north-west"], tmp.path());
    let dir = tmp.path().join("tiny/brief-north-west");
    let text = visible_text(&read_text(&dir.join("brief.html")));
    assert!(!text.contains("advice can serve about") && !text.contains("lower panel"), "{text}");
    let ((w, h), ink, _) = png_size_and_ink(&read(&dir.join("brief.png")));
    assert_eq!((w, h), (1000, 420), "the upper panel alone");
    assert!(ink > 0.05, "the picture looks blank");
    assert!(!read_text(&dir.join("brief.svg")).contains("the gap within each run"));
}

/// In a real browser the brief prints on exactly one A4 page.
#[test]
fn the_brief_prints_on_one_page() {
    let Some(chromium) = chromium() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("chromium is not installed; .ci/run must install it (apt-get install -y chromium)");
        }
        eprintln!("\n!!! SKIPPED the_brief_prints_on_one_page: no chromium on this machine.\n");
        return;
    };
    let tmp = council_tiny();
    tiny_with_ask(tmp.path());
    run_ok(&["brief", "r", "--region", "north-west", "--compare", "c", "--ask", "ask"], tmp.path());
    // The fullest pages shipped scenarios give, each with an ask: West
    // Midlands (four grant ends, and the baseline's council table: one more
    // fact and footnote) and Yorkshire and The Humber (the longest name).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let baseline = root.join("scenarios/uk-baseline.toml");
    let ask = root.join("scenarios/asks/la-match-funding.toml");
    run_ok(&["run", baseline.to_str().unwrap(), "--runs", "100", "--no-charts", "--out", "ub"], tmp.path());
    run_ok(&["compare", baseline.to_str().unwrap(), ask.to_str().unwrap(), "--runs", "100", "--out", "uc"], tmp.path());
    let mut pages = vec![tmp.path().join("r/brief-north-west/brief.html")];
    for region in ["west-midlands", "yorkshire-humber"] {
        let out = format!("{region}.html");
        run_ok(
            &["brief", "ub", "--region", region, "--compare", "uc", "--ask", "la-match-funding", "--out", &out],
            tmp.path(),
        );
        pages.push(tmp.path().join(out));
    }
    for (i, page) in pages.iter().enumerate() {
        let pdf = tmp.path().join(format!("brief-{i}.pdf"));
        let out = Command::new(&chromium)
            .args(CHROMIUM_OFFLINE)
            .arg("--no-pdf-header-footer")
            .arg(format!("--user-data-dir={}", tmp.path().join("profile").display()))
            .arg(format!("--print-to-pdf={}", pdf.display()))
            .arg(format!("file://{}", page.display()))
            .output()
            .unwrap();
        assert!(pdf.exists(), "chromium wrote no PDF of {}\n{}", page.display(), show(&out));
        let bytes = read(&pdf);
        // Page objects are `/Type /Page` (the page tree is `/Type /Pages`).
        let text = String::from_utf8_lossy(&bytes);
        let count = text.match_indices("/Type /Page").filter(|(i, _)| !text[i + 11..].starts_with('s')).count();
        assert_eq!(count, 1, "{} prints on {count} pages", page.display());
    }
}
