//! Templates and the version → template lookup.

use verity_core::id::{InquiryTemplateVersionId, TemplateId};
use verity_core::template::{Template, TemplateStatus};

use crate::errors;
use crate::exec::{args, Exec};
use crate::pagination::{fetch_page, map_page, Where};
use crate::rows::{encode, DocRow, DOC_COLUMNS};
use crate::{Page, PageRequest, StoreError};

fn status_str(status: TemplateStatus) -> &'static str {
    match status {
        TemplateStatus::Active => "active",
        TemplateStatus::Inactive => "inactive",
    }
}

/// Inserts a template and its versions. Run inside a transaction.
pub(crate) async fn insert<E: Exec>(ex: &mut E, t: &Template) -> Result<(), StoreError> {
    ex.execute(
        "INSERT INTO templates (id, status, created_at, updated_at, doc) \
         VALUES ($1, $2, $3, $4, $5)",
        args![
            t.id.as_str(),
            status_str(t.status),
            t.created_at,
            t.updated_at,
            encode(t)?
        ],
    )
    .await
    .map_err(errors::unique("template"))?;
    record_versions(ex, t).await
}

/// Replaces a template and records new versions. Run inside a transaction.
pub(crate) async fn update<E: Exec>(ex: &mut E, t: &Template) -> Result<(), StoreError> {
    let changed = ex
        .execute(
            "UPDATE templates SET status = $2, updated_at = $3, doc = $4 WHERE id = $1",
            args![
                t.id.as_str(),
                status_str(t.status),
                t.updated_at,
                encode(t)?
            ],
        )
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound { what: "template" });
    }
    record_versions(ex, t).await
}

async fn record_versions<E: Exec>(ex: &mut E, t: &Template) -> Result<(), StoreError> {
    for version in &t.versions {
        // A version id is drawn at random and never reused; publishing the same id from
        // another template is a caller bug worth surfacing.
        let inserted = ex
            .execute(
                "INSERT INTO template_versions (id, template_id, published_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
                args![version.id.as_str(), t.id.as_str(), version.published_at],
            )
            .await?;
        if inserted == 0 {
            let owner: Option<(String,)> = ex
                .fetch_optional(
                    "SELECT template_id FROM template_versions WHERE id = $1",
                    args![version.id.as_str()],
                )
                .await?;
            if owner.is_some_and(|(owner,)| owner != t.id.as_str()) {
                return Err(StoreError::Duplicate {
                    what: "template version",
                });
            }
        }
    }
    Ok(())
}

pub(crate) async fn get<E: Exec>(
    ex: &mut E,
    id: &TemplateId,
) -> Result<Option<Template>, StoreError> {
    let row: Option<DocRow> = ex
        .fetch_optional(
            "SELECT id, doc FROM templates WHERE id = $1",
            args![id.as_str()],
        )
        .await?;
    row.map(|r| r.decode("template")).transpose()
}

pub(crate) async fn by_version<E: Exec>(
    ex: &mut E,
    id: &InquiryTemplateVersionId,
) -> Result<Option<Template>, StoreError> {
    let row: Option<DocRow> = ex
        .fetch_optional(
            "SELECT t.id, t.doc FROM template_versions v \
             JOIN templates t ON t.id = v.template_id WHERE v.id = $1",
            args![id.as_str()],
        )
        .await?;
    row.map(|r| r.decode("template")).transpose()
}

pub(crate) async fn list<E: Exec>(
    ex: &mut E,
    page: &PageRequest,
) -> Result<Page<Template>, StoreError> {
    let rows =
        fetch_page::<_, DocRow>(ex, "templates", DOC_COLUMNS, Where::default(), page).await?;
    map_page(rows, |r| r.decode("template"))
}
