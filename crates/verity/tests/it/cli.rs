//! Subcommands besides `serve`: `migrate` and `template import`.

use std::process::Command;

fn verity(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_verity"))
        .args(args)
        .env("VERITY_DATA_DIR", data_dir)
        .env("VERITY_LOG", "warn")
        .output()
        .expect("run verity")
}

#[test]
fn migrate_then_import_a_template_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = verity(&data, &["migrate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("migrations applied"));

    let file = dir.path().join("kyc.toml");
    std::fs::write(
        &file,
        r#"
name = "Imported KYC"
kind = "legacy"
allowed-domains = ["shop.example.com"]
inquiry-ttl-seconds = 3600

[[steps]]
name = "start"
kind = "start"
name-display = "Start"

[[steps]]
name = "done"
kind = "completion"
name-display = "Done"
"#,
    )
    .unwrap();
    let out = verity(&data, &["template", "import", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout)
        .trim()
        .starts_with("tmpl_"));

    std::fs::write(&file, "name = \"bad\"\nkind = \"dynamic\"\nsteps = []\n").unwrap();
    let out = verity(&data, &["template", "import", file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("step"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn import_validates_workflow_rules_and_names_the_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("strict.toml");
    let template = |rule: &str| {
        format!(
            r#"
name = "Strict"
kind = "dynamic"
minimum-age = 18
required-checks = {{ id_expiry = "pass", selfie_poses = "not_failed" }}

[[steps]]
name = "done"
kind = "completion"
name-display = "Done"

[[workflow]]
name = "decline expired"
when = {{ status = "failed", checks-failed = ["id_expiry"] }}
then = [{{ action = "decline" }}]

{rule}
"#
        )
    };
    let good = r#"[[workflow]]
name = "approve later"
when = { status = "completed" }
then = [{ action = "wait", seconds = 30 }, { action = "approve" }]"#;
    std::fs::write(&file, template(good)).unwrap();
    let out = verity(&data, &["template", "import", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout)
        .trim()
        .starts_with("itmpl_"));

    // An unknown check name, a wait of zero seconds, an action that does not exist.
    let cases = [
        (
            r#"[[workflow]]
name = "typo"
when = { checks-passed = ["id_expiryy"] }
then = [{ action = "approve" }]"#,
            "typo",
        ),
        (
            r#"[[workflow]]
name = "no wait"
then = [{ action = "wait", seconds = 0 }]"#,
            "no wait",
        ),
        (
            r#"[[workflow]]
name = "odd"
then = [{ action = "escalate" }]"#,
            "escalate",
        ),
    ];
    for (rule, named) in cases {
        std::fs::write(&file, template(rule)).unwrap();
        let out = verity(&data, &["template", "import", file.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{rule} was accepted");
        assert!(stderr.contains(named), "{rule}: {stderr}");
    }
}

#[test]
fn unknown_config_key_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("verity.toml");
    std::fs::write(&cfg, "listen_port = 1\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_verity"))
        .args(["--config", cfg.to_str().unwrap(), "migrate"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("listen_port"));
}
