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
