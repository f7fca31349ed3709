//! Templates, their revisions, and their published versions (rows of their own).

use verity_core::id::{InquiryTemplateVersionId, TemplateId};
use verity_core::template::{Template, TemplateStatus, TemplateVersion};

use crate::errors;
use crate::exec::{args, Exec};
use crate::pagination::{fetch_page, map_page, Where};
use crate::rows::{encode, DocRow, DOC_COLUMNS};
use crate::{Page, PageRequest, Revisioned, StoreError};

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

/// Replaces a template and records new versions, whatever its revision. Run inside a
/// transaction.
pub(crate) async fn update<E: Exec>(ex: &mut E, t: &Template) -> Result<(), StoreError> {
    update_if(ex, t, None).await.map(drop)
}

/// Replaces a template — when `expected` is given, only if its stored revision still is
/// that (`Conflict` otherwise) — records new versions and returns the new revision. Run
/// inside a transaction.
pub(crate) async fn update_if<E: Exec>(
    ex: &mut E,
    t: &Template,
    expected: Option<i64>,
) -> Result<i64, StoreError> {
    let updated: Option<(i64,)> = ex
        .fetch_optional(
            "UPDATE templates SET status = $2, updated_at = $3, doc = $4,              revision = revision + 1              WHERE id = $1 AND ($5 IS NULL OR revision = $5) RETURNING revision",
            args![
                t.id.as_str(),
                status_str(t.status),
                t.updated_at,
                encode(t)?,
                expected
            ],
        )
        .await?;
    let Some((revision,)) = updated else {
        let exists = get(ex, &t.id).await?.is_some();
        return Err(match (exists, expected) {
            (true, Some(_)) => StoreError::Conflict,
            _ => StoreError::NotFound { what: "template" },
        });
    };
    record_versions(ex, t).await?;
    Ok(revision)
}

/// Each version becomes a row of its own (with its definition), so a version once
/// published stays readable by id.
async fn record_versions<E: Exec>(ex: &mut E, t: &Template) -> Result<(), StoreError> {
    for version in &t.versions {
        // A version id is drawn at random and never reused; publishing the same id from
        // another template is a caller bug worth surfacing.
        let inserted = ex
            .execute(
                "INSERT INTO template_versions (id, template_id, published_at, doc)                  VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
                args![
                    version.id.as_str(),
                    t.id.as_str(),
                    version.published_at,
                    encode(version)?
                ],
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

/// A template with its revision.
pub(crate) async fn get_revisioned<E: Exec>(
    ex: &mut E,
    id: &TemplateId,
) -> Result<Option<Revisioned<Template>>, StoreError> {
    let row: Option<(String, String, i64)> = ex
        .fetch_optional(
            "SELECT id, doc, revision FROM templates WHERE id = $1",
            args![id.as_str()],
        )
        .await?;
    row.map(|(id, doc, revision)| {
        let value = DocRow { id, doc }.decode("template")?;
        Ok(Revisioned { value, revision })
    })
    .transpose()
}

/// One published version from its own row (or, for versions recorded before versions
/// had rows of their own, from its template's document).
pub(crate) async fn version<E: Exec>(
    ex: &mut E,
    id: &InquiryTemplateVersionId,
) -> Result<Option<TemplateVersion>, StoreError> {
    let row: Option<(String, Option<String>)> = ex
        .fetch_optional(
            "SELECT id, doc FROM template_versions WHERE id = $1",
            args![id.as_str()],
        )
        .await?;
    match row {
        None => Ok(None),
        Some((id, Some(doc))) => DocRow { id, doc }.decode("template version").map(Some),
        Some((_, None)) => {
            let template = by_version(ex, id).await?;
            Ok(template.and_then(|t| t.version(id).cloned()))
        }
    }
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

/// The template that published version `id`. Should its document lack that version (an
/// unconditional update by a writer that had not seen it), the version's own row is put
/// back in, so an inquiry started on it always finds its definition.
pub(crate) async fn by_version<E: Exec>(
    ex: &mut E,
    id: &InquiryTemplateVersionId,
) -> Result<Option<Template>, StoreError> {
    let row: Option<(String, String, Option<String>)> = ex
        .fetch_optional(
            "SELECT t.id, t.doc, v.doc FROM template_versions v \
             JOIN templates t ON t.id = v.template_id WHERE v.id = $1",
            args![id.as_str()],
        )
        .await?;
    let Some((template_id, doc, version)) = row else {
        return Ok(None);
    };
    let mut template: Template = DocRow {
        id: template_id,
        doc,
    }
    .decode("template")?;
    if let (None, Some(doc)) = (template.version(id), version) {
        let version: TemplateVersion = DocRow {
            id: id.to_string(),
            doc,
        }
        .decode("template version")?;
        template.versions.push(version);
        template.versions.sort_by_key(|v| v.published_at);
    }
    Ok(Some(template))
}

pub(crate) async fn list<E: Exec>(
    ex: &mut E,
    page: &PageRequest,
) -> Result<Page<Template>, StoreError> {
    let rows =
        fetch_page::<_, DocRow>(ex, "templates", DOC_COLUMNS, Where::default(), page).await?;
    map_page(rows, |r| r.decode("template"))
}
