//! Integration tests of verity-store, one binary.
//!
//! - `harness`:  where a test's database lives (SQLite file in a tempdir, or a fresh
//!   PostgreSQL schema) and how to open stores on it.
//! - `fixtures`: domain values built with the real constructors (`Template::publish`,
//!   `Inquiry::create`, `Inquiry::apply`).
//! - `suite/`:   the conformance suite: every behaviour of `Store`, written once as
//!   `pub async fn name(h: &Harness)`, instantiated below for both backends.
//! - `open`:     the URL seam (`verity_store::open`), outside the suite.
//!
//! PostgreSQL runs at `postgres://postgres@127.0.0.1:5432/test` (override with
//! `VERITY_TEST_POSTGRES_URL`). If it is unreachable the PostgreSQL tests fail, unless
//! `VERITY_TEST_SKIP_POSTGRES=1`.

mod fixtures;
mod harness;
mod open;
mod suite;

/// One `#[tokio::test]` per suite function and backend: `sqlite::name`, `postgres::name`.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let harness = crate::harness::Harness::sqlite();
                    crate::suite::$name(&harness).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(harness) = crate::harness::Harness::postgres().await else {
                        return;
                    };
                    crate::suite::$name(&harness).await;
                }
            )*
        }
    };
}

conformance! {
    lifecycle_ping_backend_and_idempotent_migrate,
    lifecycle_concurrent_first_start,
    lifecycle_data_survives_reopen,
    templates_insert_update_and_lookup,
    templates_list_newest_first,
    revisions_concurrent_template_publishes_keep_every_version,
    revisions_stale_template_update_conflicts_and_versions_survive,
    revisions_concurrent_webhook_updates_keep_every_change,
    commit_creates_inquiry_with_events_session_and_account,
    commit_same_reference_id_finds_the_account,
    commit_duplicate_inquiry_writes_nothing,
    commit_stale_revision_conflicts_and_writes_nothing,
    commit_update_of_missing_inquiry_is_not_found,
    commit_concurrent_updates_from_one_read_one_wins,
    commit_idempotency_key_reuse_writes_nothing,
    commit_session_status_updates,
    commit_concurrent_creates_all_land,
    commit_failing_changes_do_not_affect_concurrent_ones,
    inquiries_list_filters,
    inquiries_paginate_forwards_and_backwards,
    inquiries_unknown_cursor_is_not_found,
    inquiries_overdue_oldest_first,
    accounts_list_and_filter,
    documents_insert_list_get_and_delete,
    encryption_rows_are_sealed_and_read_back,
    encryption_tampered_ciphertext_is_an_error,
    encryption_redaction_destroys_the_data_key,
    encryption_rotation_rewraps_and_the_old_kek_can_be_dropped,
    documents_capture_refusals_count_per_side_and_go_with_redaction,
    documents_with_unknown_stored_values_are_corrupt,
    erasure_redaction_and_checkpoint_leave_no_marker_in_the_files,
    erasure_redacted_open_inquiries_are_not_overdue,
    erasure_retained_inquiries_are_final_and_unredacted,
    events_filters_and_pagination,
    api_keys_insert_lookup_list_revoke,
    idempotency_records_and_purge,
    idempotency_claims_hold_a_key_until_answered_released_or_stale,
    idempotency_concurrent_claims_one_wins,
    webhooks_insert_update_get_list,
    webhooks_commit_writes_the_outbox,
    webhooks_claim_is_ordered_per_inquiry_and_leased,
    webhooks_concurrent_claimers_never_share_a_delivery,
    handoff_link_is_written_with_its_session_and_opens_once,
    handoff_concurrent_opens_one_wins,
    handoff_expired_canceled_and_closed_links_do_not_open,
    verifications_insert_finish_once_and_list,
    verifications_claim_is_leased_and_expired_leases_reclaim,
    verifications_concurrent_claimers_never_share_one,
    workflow_runs_upsert_and_claim_when_due,
    faces_upsert_list_others_and_redaction_deletes,
    operators_insert_lookup_update_list,
    operators_failed_sign_ins_lock_at_the_limit,
    operators_concurrent_failed_sign_ins_all_count,
    operator_sessions_touch_end_and_end_everywhere,
    operator_totp_is_sealed_steps_are_used_once_and_sessions_confirm,
    audit_records_append_with_changes_list_filter_and_refuse_changes,
    review_queue_lists_needs_review_and_failed_oldest_first,
    comments_commit_with_the_inquiry_list_oldest_first_and_go_with_redaction,
    inquiries_filter_by_created_range_tag_and_failed_check,
    webhooks_deliveries_for_inquiry_cover_every_endpoint_newest_first,
}
