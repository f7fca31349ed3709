//! The phone's side: checking a link's code and spending it. Checking never spends (a mail
//! scanner fetching the URL must not use the link up); spending is one conditional update
//! in the store, so of two concurrent opens one wins, and the winner gets a fresh session
//! token — in the response body, never in a URL.

use rand::rngs::OsRng;
use verity_core::handoff::{check_open, OneTimeLink, Refusal, CODE_PREFIX};
use verity_core::inquiry::Inquiry;
use verity_core::token;

use crate::inquiries::load;
use crate::{App, AppError};

/// The link with this code if it can be opened now; otherwise why not.
pub async fn openable(app: &App, code: &str) -> Result<OneTimeLink, AppError> {
    if !code.starts_with(CODE_PREFIX) || code.len() > 128 {
        return Err(AppError::LinkRefused(Refusal::Unknown));
    }
    let link = app
        .store
        .one_time_link_by_code_hash(&token::hash(code))
        .await?
        .ok_or(AppError::LinkRefused(Refusal::Unknown))?;
    let inquiry = load(app, &link.inquiry_id).await?;
    if inquiry.redacted_at.is_some() {
        // docs/handoff.md: a redaction withdraws the inquiry's links.
        return Err(AppError::LinkRefused(Refusal::InquiryClosed));
    }
    check_open(&link, inquiry.status, app.now()).map_err(AppError::LinkRefused)?;
    Ok(link)
}

/// Spends the code: the link, its inquiry and the phone's new session token.
pub async fn spend(app: &App, code: &str) -> Result<(OneTimeLink, Inquiry, String), AppError> {
    openable(app, code).await?;
    let secret = token::generate("vst_", &mut OsRng);
    let opened = app
        .store
        .open_one_time_link(&token::hash(code), &secret.hash, app.now())
        .await?;
    let Some(link) = opened else {
        // Lost a race, or the link expired or closed between the check and the update.
        return Err(match openable(app, code).await {
            Ok(_) => AppError::LinkRefused(Refusal::Expired),
            Err(e) => e,
        });
    };
    let inquiry = load(app, &link.inquiry_id).await?;
    Ok((link, inquiry, secret.plaintext))
}
