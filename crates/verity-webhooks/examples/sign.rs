//! Signs a file's bytes in both formats and prints the headers as one JSON object.
//! Used by the Node package's tests (web/webhooks-node/test) to check that independent
//! verifiers accept what this crate produces.
//!
//! Usage: `sign <secret[,secret...]> <msg-id> <unix-timestamp> <body-file>`
//! Several comma-separated secrets sign as during a rotation, first one first.

use std::process::ExitCode;

use verity_webhooks::{Secret, SignedHeaders};

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("sign: {message}");
            eprintln!("usage: sign <secret[,secret...]> <msg-id> <unix-timestamp> <body-file>");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<String, String> {
    let [secrets, id, timestamp, body_file] = args.as_slice() else {
        return Err(format!("expected 4 arguments, got {}", args.len()));
    };
    let secrets = secrets
        .split(',')
        .map(Secret::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let timestamp: i64 = timestamp.parse().map_err(|e| format!("timestamp: {e}"))?;
    let body = std::fs::read(body_file).map_err(|e| format!("{body_file}: {e}"))?;
    let refs: Vec<&Secret> = secrets.iter().collect();
    let headers = SignedHeaders::sign(&refs, id, timestamp, &body);
    Ok(serde_json::json!({
        "persona-signature": headers.persona_signature,
        "webhook-id": headers.webhook_id,
        "webhook-timestamp": headers.webhook_timestamp,
        "webhook-signature": headers.webhook_signature,
    })
    .to_string())
}
