//! The tools that fit scenario files into an analyst's editor and shell:
//! `fundscape schema` (and the copy shipped in docs/), `fundscape init` and
//! `fundscape completions`.

use std::path::{Path, PathBuf};

use crate::common::{bin, run_ok, show, toml_files};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn schema_output() -> String {
    let tmp = tempfile::tempdir().unwrap();
    String::from_utf8(run_ok(&["schema"], tmp.path()).stdout).unwrap()
}

/// A scenario file as JSON, the form a JSON Schema validates.
fn toml_as_json(text: &str) -> serde_json::Value {
    let value: toml::Value = toml::from_str(text).unwrap_or_else(|e| panic!("not TOML: {e}"));
    serde_json::to_value(value).unwrap()
}

fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(&schema_output()).unwrap();
    jsonschema::draft202012::new(&schema).unwrap_or_else(|e| panic!("not a draft 2020-12 schema: {e}"))
}

fn errors(v: &jsonschema::Validator, text: &str) -> Vec<String> {
    v.iter_errors(&toml_as_json(text)).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

/// The copy editors read (docs/scenario.schema.json) is the command's
/// output. After a change to the scenario format, regenerate it with
/// `fundscape schema > docs/scenario.schema.json`.
#[test]
fn the_shipped_schema_is_what_the_command_prints() {
    let shipped = std::fs::read_to_string(repo("docs/scenario.schema.json")).unwrap();
    assert!(
        shipped == schema_output(),
        "docs/scenario.schema.json differs from `fundscape schema`; regenerate it with `fundscape schema > docs/scenario.schema.json`"
    );
    let schema: serde_json::Value = serde_json::from_str(&shipped).unwrap();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    // Values are a number or a distribution, not anything at all.
    let value = &schema["$defs"]["Value"]["anyOf"];
    assert_eq!(value[0], serde_json::json!({ "type": "number" }), "{value}");
    assert_eq!(schema["$defs"]["Region"]["properties"]["demand"]["$ref"], "#/$defs/Value");
    // The editor configuration points at the shipped copy.
    let taplo = std::fs::read_to_string(repo(".taplo.toml")).unwrap();
    assert!(taplo.contains("path = \"./docs/scenario.schema.json\""), "{taplo}");
}

#[test]
fn every_shipped_scenario_satisfies_the_schema() {
    let v = validator();
    let files = toml_files(&repo("scenarios"));
    assert!(files.len() >= 14, "{files:?}");
    for f in files {
        let errs = errors(&v, &std::fs::read_to_string(&f).unwrap());
        assert!(errs.is_empty(), "{}: {errs:#?}", f.display());
    }
}

#[test]
fn a_misspelt_key_or_a_value_that_is_no_value_fails_the_schema() {
    let v = validator();
    let base = std::fs::read_to_string(repo("scenarios/uk-baseline.toml")).unwrap();
    assert!(errors(&v, &base).is_empty());
    let cases: [(&str, &str, &str); 9] = [
        ("name = \"UK baseline\"", "name = \"UK baseline\"\nkind = \"maybe\"", "/scenario/kind"),
        ("kind = \"demand\"", "kind = \"flood\"", "/shocks/0/kind"),
        ("{ source = \"same_funder\",", "{ source = \"same-funder\",", "/sustainability/successors/0/source"),
        ("abandon_rate = ", "abandon_rat = ", "/regions/0"),
        ("turnover = { dist", "turnovr = { dist", "/posts"),
        ("[[grants]]\nid = \"nw-", "[[grants]]\nfundr = \"x\"\nid = \"nw-", "/grants/"),
        ("mode = 7330", "mod = 7330", "/regions/0/demand"),
        ("dist = \"pert\", min = 6230", "dist = \"perty\", min = 6230", "/regions/0/demand"),
        ("demand_volatility = 0.15", "demand_volatility = \"0.15\"", "/regions/0/demand_volatility"),
    ];
    for (from, to, at) in cases {
        assert!(base.contains(from), "{from}");
        let errs = errors(&v, &base.replacen(from, to, 1));
        assert!(!errs.is_empty(), "`{to}` passed the schema");
        assert!(errs.iter().any(|e| e.contains(at)), "`{to}`: no error at {at}: {errs:#?}");
    }
    // An overlay needs only the ids of what it changes.
    let overlay = "[scenario]\nextends = \"uk-baseline.toml\"\n\n[[regions]]\nid = \"wales\"\nbacklog = 10\n\n[[shocks]]\nid = \"x\"\nremove = true\n";
    assert!(errors(&v, overlay).is_empty(), "{:?}", errors(&v, overlay));
    assert!(!errors(&v, &overlay.replace("id = \"wales\"\n", "")).is_empty(), "a region without an id passed");
}

#[test]
fn init_writes_a_starter_scenario_that_loads_and_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_ok(&["init", "mine.toml"], tmp.path());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "wrote mine.toml: the twelve UK regions, one grant and one ask; edit it, then `fundscape validate mine.toml` and `fundscape run mine.toml`\n"
    );
    let path = tmp.path().join("mine.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, std::fs::read_to_string(repo("scenarios/starter.toml")).unwrap());
    let s = fundscape_sim::load(&path).unwrap_or_else(|e| panic!("the starter does not load: {e}"));
    assert_eq!(s.regions.len(), 12);
    assert_eq!((s.grants.len(), s.changes.len()), (1, 1));
    // The regions are the UK baseline's, number for number.
    let baseline = fundscape_sim::load(&repo("scenarios/uk-baseline.toml")).unwrap();
    assert_eq!(format!("{:?}", s.regions), format!("{:?}", baseline.regions));
    assert_eq!(format!("{:?}", s.posts), format!("{:?}", baseline.posts));
    // Every line that sets a number says where it comes from.
    for (i, line) in text.lines().enumerate() {
        let setting = !line.starts_with('#') && line.contains(" = ") && line.chars().any(|c| c.is_ascii_digit());
        if setting && !line.trim_start().starts_with("id = ") {
            assert!(line.contains('#'), "line {}: a number without a source comment: {line}", i + 1);
        }
    }
    let summary = fundscape_sim::run(&s, &fundscape_sim::RunConfig { runs: 20, seed: 1, threads: 1 }, &|_| {});
    assert!(summary.get("all", 2025, "demand").is_some_and(|d| d.mean > 90_000.0));
    let out = run_ok(&["run", "mine.toml", "--runs", "20", "--no-charts"], tmp.path());
    assert!(String::from_utf8_lossy(&out.stdout).contains("My scenario: 20 runs"), "{}", show(&out));
}

#[test]
fn init_never_overwrites_a_file() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("scenario.toml"), "mine").unwrap();
    let out = bin().arg("init").current_dir(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: scenario.toml already exists; init never overwrites a file: give another name, e.g. `fundscape init my-scenario.toml`\n"
    );
    assert_eq!(std::fs::read_to_string(tmp.path().join("scenario.toml")).unwrap(), "mine");
    // Nor what a symbolic link points at.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("scenario.toml", tmp.path().join("link.toml")).unwrap();
        let out = bin().args(["init", "link.toml"]).current_dir(tmp.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", show(&out));
        assert_eq!(std::fs::read_to_string(tmp.path().join("scenario.toml")).unwrap(), "mine");
    }
    let names: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), if cfg!(unix) { 2 } else { 1 }, "{names:?}");
}

#[test]
fn completions_for_each_shell_know_the_commands() {
    let tmp = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = run_ok(&["completions", shell], tmp.path());
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.len() > 500, "{shell}: {script}");
        for word in ["run", "compare", "report", "init", "schema", "runs"] {
            assert!(script.contains(word), "{shell} completions lack `{word}`");
        }
    }
    let out = bin().args(["completions", "tcsh"]).current_dir(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("[possible values: bash, elvish, fish, powershell, zsh]"));
}

/// Standard output that cannot be written (a full disk) is a failure the
/// command reports and exits 1 for, never a crash (exit 101).
#[cfg(target_os = "linux")]
#[test]
fn a_full_standard_output_exits_1_with_the_error() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = repo("scenarios/starter.toml");
    let scenario = scenario.to_str().unwrap();
    for args in [vec!["schema"], vec!["completions", "bash"], vec!["validate", scenario]] {
        let full = std::fs::File::create("/dev/full").unwrap();
        let out = bin().args(&args).current_dir(tmp.path()).stdout(full).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", show(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("error: cannot write to standard output"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
