//! The one implementation of [`Store`]: each method picks its connections by [`Role`]
//! and runs the shared queries on them; what each outcome means is documented on the
//! trait.

use std::sync::Arc;

use async_trait::async_trait;
use verity_core::account::Account;
use verity_core::capture::Shot;
use verity_core::handoff::OneTimeLink;
use verity_core::id::{
    AccountId, ApiKeyId, DeliveryId, DocumentId, EventId, InquiryId, InquiryTemplateVersionId,
    OperatorId, SessionId, TemplateId, VerificationId, WebhookId,
};
use verity_core::inquiry::Inquiry;
use verity_core::session::InquirySession;
use verity_core::template::{Template, TemplateVersion};
use verity_core::verification::Verification;
use verity_core::Millis;

use super::{in_transaction, Backend, Role, SqlStore};
use crate::exec::{args, Exec};
use crate::queries::{
    captures, comments, console, documents, endpoints, events, faces, handoff, inquiries, keys,
    templates, totp, verifications, webhooks,
};
use crate::*;

#[async_trait]
impl<B: Backend> Store for SqlStore<B> {
    fn backend(&self) -> &'static str {
        B::NAME
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        self.backend.migrate().await
    }

    async fn checkpoint(&self) -> Result<bool, StoreError> {
        self.backend.checkpoint().await
    }

    async fn rewrap_data_keys(&self) -> Result<u64, StoreError> {
        in_transaction!(self, Role::Write, |tx| {
            self.backend.vault().rewrap(&mut tx).await
        })
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.backend
            .pool(Role::Read)
            .execute("SELECT 1", args![])
            .await?;
        Ok(())
    }

    async fn insert_template(&self, template: &Template) -> Result<(), StoreError> {
        in_transaction!(self, Role::Write, |tx| templates::insert(&mut tx, template)
            .await)
    }

    async fn update_template(&self, template: &Template) -> Result<(), StoreError> {
        in_transaction!(self, Role::Write, |tx| templates::update(&mut tx, template)
            .await)
    }

    async fn template(&self, id: &TemplateId) -> Result<Option<Template>, StoreError> {
        templates::get(&mut self.backend.pool(Role::Read), id).await
    }

    async fn template_by_version(
        &self,
        id: &InquiryTemplateVersionId,
    ) -> Result<Option<Template>, StoreError> {
        templates::by_version(&mut self.backend.pool(Role::Read), id).await
    }

    async fn list_templates(&self, page: &PageRequest) -> Result<Page<Template>, StoreError> {
        templates::list(&mut self.backend.pool(Role::Read), page).await
    }

    async fn template_for_update(
        &self,
        id: &TemplateId,
    ) -> Result<Option<Revisioned<Template>>, StoreError> {
        templates::get_revisioned(&mut self.backend.pool(Role::Read), id).await
    }

    async fn update_template_if(
        &self,
        template: &Template,
        expected_revision: i64,
    ) -> Result<i64, StoreError> {
        let expected = Some(expected_revision);
        in_transaction!(self, Role::Write, |tx| {
            templates::update_if(&mut tx, template, expected).await
        })
    }

    async fn template_version(
        &self,
        id: &InquiryTemplateVersionId,
    ) -> Result<Option<TemplateVersion>, StoreError> {
        templates::version(&mut self.backend.pool(Role::Read), id).await
    }

    async fn commit(&self, change: Change) -> Result<Committed, StoreError> {
        let wrote_events = !change.events.is_empty();
        let touched = change.touched_inquiry();
        let committed = self.backend.write(change).await?;
        if wrote_events {
            self.outbox.notify_one();
        }
        if let Some(id) = touched {
            self.changed(id);
        }
        Ok(committed)
    }

    async fn inquiry(&self, id: &InquiryId) -> Result<Option<Inquiry>, StoreError> {
        inquiries::get(&mut self.backend.pool(Role::Read), self.backend.vault(), id).await
    }

    async fn list_inquiries(
        &self,
        filter: &InquiryFilter,
        page: &PageRequest,
    ) -> Result<Page<Inquiry>, StoreError> {
        inquiries::list(
            &mut self.backend.pool(Role::Read),
            self.backend.vault(),
            filter,
            page,
        )
        .await
    }

    async fn overdue_inquiries(&self, now: Millis, limit: u32) -> Result<Vec<Inquiry>, StoreError> {
        inquiries::overdue(
            &mut self.backend.pool(Role::Read),
            self.backend.vault(),
            now,
            limit,
        )
        .await
    }

    async fn retained_inquiries(
        &self,
        template: &TemplateId,
        before: Millis,
        limit: u32,
    ) -> Result<Vec<Inquiry>, StoreError> {
        let vault = self.backend.vault();
        inquiries::retained(
            &mut self.backend.pool(Role::Read),
            vault,
            template,
            before,
            limit,
        )
        .await
    }

    async fn session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<InquirySession>, StoreError> {
        inquiries::session_by_token_hash(&mut self.backend.pool(Role::Read), token_hash).await
    }

    async fn sessions_for_inquiry(
        &self,
        id: &InquiryId,
    ) -> Result<Vec<InquirySession>, StoreError> {
        inquiries::sessions_for(&mut self.backend.pool(Role::Read), id).await
    }

    async fn account(&self, id: &AccountId) -> Result<Option<Account>, StoreError> {
        inquiries::account(&mut self.backend.pool(Role::Read), id).await
    }

    async fn list_accounts(
        &self,
        reference_id: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Account>, StoreError> {
        inquiries::accounts(&mut self.backend.pool(Role::Read), reference_id, page).await
    }

    async fn event(&self, id: &EventId) -> Result<Option<StoredEvent>, StoreError> {
        events::get(&mut self.backend.pool(Role::Read), self.backend.vault(), id).await
    }

    async fn list_events(
        &self,
        filter: &EventFilter,
        page: &PageRequest,
    ) -> Result<Page<StoredEvent>, StoreError> {
        events::list(
            &mut self.backend.pool(Role::Read),
            self.backend.vault(),
            filter,
            page,
        )
        .await
    }

    async fn document(&self, id: &DocumentId) -> Result<Option<Document>, StoreError> {
        documents::get(&mut self.backend.pool(Role::Read), self.backend.vault(), id).await
    }

    async fn documents_for_inquiry(&self, id: &InquiryId) -> Result<Vec<Document>, StoreError> {
        documents::for_inquiry(&mut self.backend.pool(Role::Read), id).await
    }

    async fn insert_capture_refusal(&self, refusal: &CaptureRefusal) -> Result<(), StoreError> {
        captures::insert(&mut self.backend.pool(Role::Write), refusal).await
    }

    async fn count_capture_refusals(&self, id: &InquiryId, shot: Shot) -> Result<u64, StoreError> {
        captures::count(&mut self.backend.pool(Role::Read), id, shot).await
    }

    async fn insert_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        keys::insert_api_key(&mut self.backend.pool(Role::Write), key).await
    }

    async fn api_key_by_hash(&self, hash: &str) -> Result<Option<ApiKey>, StoreError> {
        keys::api_key_by_hash(&mut self.backend.pool(Role::Read), hash).await
    }

    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        keys::list_api_keys(&mut self.backend.pool(Role::Read)).await
    }

    async fn revoke_api_key(&self, id: &ApiKeyId, now: Millis) -> Result<(), StoreError> {
        keys::revoke_api_key(&mut self.backend.pool(Role::Write), id, now).await
    }

    async fn idempotency_record(
        &self,
        api_key_id: &ApiKeyId,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        keys::idempotency_record(
            &mut self.backend.pool(Role::Read),
            self.backend.vault(),
            api_key_id,
            key,
        )
        .await
    }

    async fn claim_idempotency(
        &self,
        claim: &IdempotencyClaim,
        stale_before: Millis,
        expired_before: Millis,
    ) -> Result<ClaimOutcome, StoreError> {
        let mut pool = self.backend.pool(Role::Write);
        keys::claim_idempotency(
            &mut pool,
            self.backend.vault(),
            claim,
            stale_before,
            expired_before,
        )
        .await
    }

    async fn idempotency_entry(
        &self,
        api_key_id: &ApiKeyId,
        key: &str,
    ) -> Result<Option<IdempotencyEntry>, StoreError> {
        keys::idempotency_entry(
            &mut self.backend.pool(Role::Read),
            self.backend.vault(),
            api_key_id,
            key,
        )
        .await
    }

    async fn complete_idempotency(&self, record: &IdempotencyRecord) -> Result<bool, StoreError> {
        keys::complete_idempotency(
            &mut self.backend.pool(Role::Write),
            self.backend.vault(),
            record,
        )
        .await
    }

    async fn release_idempotency(&self, claim: &IdempotencyClaim) -> Result<(), StoreError> {
        keys::release_idempotency(&mut self.backend.pool(Role::Write), claim).await
    }

    async fn purge_idempotency(&self, before: Millis) -> Result<u64, StoreError> {
        keys::purge_idempotency(&mut self.backend.pool(Role::Write), before).await
    }

    async fn insert_webhook(&self, webhook: &Webhook) -> Result<(), StoreError> {
        endpoints::insert(&mut self.backend.pool(Role::Write), webhook).await
    }

    async fn update_webhook(&self, webhook: &Webhook) -> Result<(), StoreError> {
        endpoints::update(&mut self.backend.pool(Role::Write), webhook).await
    }

    async fn webhook(&self, id: &WebhookId) -> Result<Option<Webhook>, StoreError> {
        endpoints::get(&mut self.backend.pool(Role::Read), id).await
    }

    async fn webhook_for_update(
        &self,
        id: &WebhookId,
    ) -> Result<Option<Revisioned<Webhook>>, StoreError> {
        endpoints::get_revisioned(&mut self.backend.pool(Role::Read), id).await
    }

    async fn update_webhook_if(
        &self,
        webhook: &Webhook,
        expected_revision: i64,
    ) -> Result<i64, StoreError> {
        let expected = Some(expected_revision);
        endpoints::update_if(&mut self.backend.pool(Role::Write), webhook, expected).await
    }

    async fn list_webhooks(&self, page: &PageRequest) -> Result<Page<Webhook>, StoreError> {
        endpoints::list(&mut self.backend.pool(Role::Read), page).await
    }

    async fn list_deliveries(
        &self,
        webhook_id: &WebhookId,
        page: &PageRequest,
    ) -> Result<Page<Delivery>, StoreError> {
        webhooks::list_deliveries(&mut self.backend.pool(Role::Read), webhook_id, page).await
    }

    async fn delivery(&self, id: &DeliveryId) -> Result<Option<Delivery>, StoreError> {
        webhooks::delivery(&mut self.backend.pool(Role::Read), id).await
    }

    async fn redeliver(&self, id: &DeliveryId, now: Millis) -> Result<(), StoreError> {
        webhooks::redeliver(&mut self.backend.pool(Role::Write), id, now).await
    }

    async fn claim_deliveries(
        &self,
        now: Millis,
        lease_until: Millis,
        limit: u32,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        // One statement: the claimed rows are committed as soon as it returns.
        let mut claimer = self.backend.pool(Role::BackgroundWrite);
        let lock = B::SKIP_LOCKED_DELIVERIES;
        let claimed = webhooks::claim(&mut claimer, now, lease_until, limit, lock).await?;
        webhooks::load_claimed(
            &mut self.backend.pool(Role::BackgroundRead),
            self.backend.vault(),
            claimed,
        )
        .await
    }

    async fn record_attempts(&self, outcomes: &[AttemptOutcome]) -> Result<(), StoreError> {
        if outcomes.is_empty() {
            return Ok(());
        }
        in_transaction!(self, Role::BackgroundWrite, |tx| {
            webhooks::record(&mut tx, outcomes).await
        })
    }

    fn outbox_signal(&self) -> Arc<tokio::sync::Notify> {
        self.outbox.clone()
    }

    async fn one_time_link(
        &self,
        session_id: &SessionId,
    ) -> Result<Option<OneTimeLink>, StoreError> {
        handoff::get(&mut self.backend.pool(Role::Read), session_id).await
    }

    async fn one_time_link_by_code_hash(
        &self,
        code_hash: &str,
    ) -> Result<Option<OneTimeLink>, StoreError> {
        handoff::by_code_hash(&mut self.backend.pool(Role::Read), code_hash).await
    }

    async fn count_one_time_links(&self, id: &InquiryId, since: Millis) -> Result<u64, StoreError> {
        handoff::count_since(&mut self.backend.pool(Role::Read), id, since).await
    }

    async fn open_one_time_link(
        &self,
        code_hash: &str,
        token_hash: &str,
        now: Millis,
    ) -> Result<Option<OneTimeLink>, StoreError> {
        let opened = in_transaction!(self, Role::Write, |tx| {
            let opened = handoff::open(&mut tx, code_hash, token_hash, now).await?;
            if let Some(link) = &opened {
                B::announce(&mut tx, &link.inquiry_id).await?;
            }
            Ok::<_, StoreError>(opened)
        })?;
        if let Some(link) = &opened {
            self.changed(link.inquiry_id.clone());
        }
        Ok(opened)
    }

    fn inquiry_changes(&self) -> tokio::sync::broadcast::Receiver<InquiryId> {
        let receiver = self.changes.subscribe();
        self.backend.watch(&self.changes);
        receiver
    }

    async fn verification(&self, id: &VerificationId) -> Result<Option<Verification>, StoreError> {
        verifications::get(&mut self.backend.pool(Role::Read), self.backend.vault(), id).await
    }

    async fn verifications_for_inquiry(
        &self,
        id: &InquiryId,
    ) -> Result<Vec<Verification>, StoreError> {
        verifications::for_inquiry(&mut self.backend.pool(Role::Read), self.backend.vault(), id)
            .await
    }

    async fn claim_verifications(
        &self,
        now: Millis,
        lease_until: Millis,
        limit: u32,
    ) -> Result<Vec<Verification>, StoreError> {
        let mut claimer = self.backend.pool(Role::Write);
        verifications::claim(
            &mut claimer,
            self.backend.vault(),
            now,
            lease_until,
            limit,
            B::SKIP_LOCKED,
        )
        .await
    }

    async fn workflow_run(
        &self,
        inquiry_id: &InquiryId,
    ) -> Result<Option<WorkflowRun>, StoreError> {
        verifications::run(&mut self.backend.pool(Role::Read), inquiry_id).await
    }

    async fn claim_workflow_runs(
        &self,
        now: Millis,
        lease_until: Millis,
        limit: u32,
    ) -> Result<Vec<WorkflowRun>, StoreError> {
        let mut claimer = self.backend.pool(Role::Write);
        verifications::claim_runs(&mut claimer, now, lease_until, limit, B::SKIP_LOCKED).await
    }

    async fn faces_except(&self, except: &InquiryId) -> Result<Vec<FaceRecord>, StoreError> {
        faces::all_except(
            &mut self.backend.pool(Role::Read),
            self.backend.vault(),
            except,
        )
        .await
    }

    async fn insert_operator(&self, operator: &Operator) -> Result<(), StoreError> {
        console::insert_operator(&mut self.backend.pool(Role::Write), operator).await
    }

    async fn operator(&self, id: &OperatorId) -> Result<Option<Operator>, StoreError> {
        console::operator_by(&mut self.backend.pool(Role::Read), "id", id.as_str()).await
    }

    async fn operator_by_email(&self, email: &str) -> Result<Option<Operator>, StoreError> {
        console::operator_by(&mut self.backend.pool(Role::Read), "email", email).await
    }

    async fn list_operators(&self) -> Result<Vec<Operator>, StoreError> {
        console::list_operators(&mut self.backend.pool(Role::Read)).await
    }

    async fn update_operator(&self, operator: &Operator) -> Result<(), StoreError> {
        console::update_operator(&mut self.backend.pool(Role::Write), operator).await
    }

    async fn record_failed_sign_in(
        &self,
        id: &OperatorId,
        limit: u32,
        lock_until: Millis,
    ) -> Result<FailedSignIn, StoreError> {
        let mut pool = self.backend.pool(Role::Write);
        console::record_failed_sign_in(&mut pool, id, limit, lock_until).await
    }

    async fn clear_failed_sign_ins(&self, id: &OperatorId) -> Result<(), StoreError> {
        console::clear_failed_sign_ins(&mut self.backend.pool(Role::Write), id).await
    }

    async fn insert_operator_session(&self, session: &OperatorSession) -> Result<(), StoreError> {
        console::insert_session(&mut self.backend.pool(Role::Write), session).await
    }

    async fn operator_session(
        &self,
        token_hash: &str,
    ) -> Result<Option<OperatorSession>, StoreError> {
        console::session(&mut self.backend.pool(Role::Read), token_hash).await
    }

    async fn touch_operator_session(
        &self,
        token_hash: &str,
        now: Millis,
    ) -> Result<(), StoreError> {
        console::touch_session(&mut self.backend.pool(Role::Write), token_hash, now).await
    }

    async fn end_operator_session(&self, token_hash: &str, now: Millis) -> Result<(), StoreError> {
        let mut pool = self.backend.pool(Role::Write);
        console::end_sessions(&mut pool, "token_hash", token_hash, now).await?;
        Ok(())
    }

    async fn end_operator_sessions(&self, id: &OperatorId, now: Millis) -> Result<u64, StoreError> {
        let mut pool = self.backend.pool(Role::Write);
        console::end_sessions(&mut pool, "operator_id", id.as_str(), now).await
    }

    async fn set_operator_totp(
        &self,
        id: &OperatorId,
        secret: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut pool = self.backend.pool(Role::Write);
        totp::set(&mut pool, self.backend.vault(), id, secret).await
    }

    async fn confirm_operator_session(&self, token_hash: &str) -> Result<(), StoreError> {
        console::confirm_session(&mut self.backend.pool(Role::Write), token_hash).await
    }

    async fn operator_totp(&self, id: &OperatorId) -> Result<Option<String>, StoreError> {
        totp::get(&mut self.backend.pool(Role::Read), self.backend.vault(), id).await
    }

    async fn use_totp_step(&self, id: &OperatorId, step: i64) -> Result<bool, StoreError> {
        totp::use_step(&mut self.backend.pool(Role::Write), id, step).await
    }

    async fn insert_audit_records(&self, records: &[AuditRecord]) -> Result<(), StoreError> {
        let records: Vec<&AuditRecord> = records.iter().collect();
        in_transaction!(self, Role::Write, |tx| console::insert_audit(
            &mut tx, &records
        )
        .await)
    }

    async fn list_audit_records(
        &self,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditRecord>, StoreError> {
        console::list_audit(&mut self.backend.pool(Role::Read), filter, page).await
    }

    async fn review_queue(&self, limit: u32) -> Result<Vec<Inquiry>, StoreError> {
        let vault = self.backend.vault();
        console::review_queue(&mut self.backend.pool(Role::Read), vault, limit).await
    }

    async fn count_review_queue(&self) -> Result<u64, StoreError> {
        console::count_review_queue(&mut self.backend.pool(Role::Read)).await
    }

    async fn comments_for_inquiry(&self, id: &InquiryId) -> Result<Vec<Comment>, StoreError> {
        let vault = self.backend.vault();
        comments::of_inquiry(&mut self.backend.pool(Role::Read), vault, id).await
    }

    async fn deliveries_for_inquiry(
        &self,
        id: &InquiryId,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        webhooks::deliveries_of_inquiry(&mut self.backend.pool(Role::Read), id, limit).await
    }
}
