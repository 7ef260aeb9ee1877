//! `lastschrift demo`, the README's first command, as the real binary: the whole job on the
//! built-in fake sevdesk account, files written, zero write requests, and a second run that
//! replaces only what the first one made.

use super::lastschrift;

#[test]
fn demo_runs_the_whole_job_and_writes_nothing_to_sevdesk() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("demo");
    std::fs::create_dir_all(&dir).unwrap();
    // Something of the user's own in the folder: the demo must leave it alone.
    std::fs::write(dir.join("notes.txt"), b"mine").unwrap();
    let cli = lastschrift(home.path());
    let args = ["demo", "--invoices", "300", "--dir", dir.to_str().unwrap()];

    let walkthrough = cli.run(args);
    assert_eq!(walkthrough.code, 0, "{walkthrough:?}");
    let text = walkthrough.text();
    for step in ["1. ", "2. ", "3. ", "4. ", "5. ", "6. "] {
        assert!(text.contains(step), "step {step} missing: {walkthrough:?}");
    }
    assert!(
        text.contains(": 0 write request(s)."),
        "the fake sevdesk saw a write: {walkthrough:?}"
    );
    let files: Vec<String> = std::fs::read_dir(dir.join("files"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        files
            .iter()
            .any(|f| f.starts_with("LS-") && f.ends_with(".xml")),
        "{files:?}"
    );
    assert!(
        files.iter().any(|f| f.ends_with("-kontrollliste.csv")),
        "{files:?}"
    );

    let json = cli.run([
        "demo",
        "--invoices",
        "300",
        "--json",
        "--dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(json.code, 0, "{json:?}");
    let outcome = json.json();
    assert!(
        outcome["run"]["debit_count"].as_i64().unwrap() > 0,
        "{outcome}"
    );
    assert_eq!(
        outcome["run"]["id"], 1,
        "the earlier demo data was replaced: {outcome}"
    );
    assert_eq!(std::fs::read(dir.join("notes.txt")).unwrap(), b"mine");
    let xml_files = std::fs::read_dir(dir.join("files"))
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            name.to_string_lossy().ends_with(".xml")
        })
        .count();
    assert_eq!(
        xml_files,
        outcome["run"]["files"].as_array().unwrap().len(),
        "only the second demo's files are left"
    );
}
