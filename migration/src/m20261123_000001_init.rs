//! The initial schema: every entity of DOMAIN.md, with the indexes that filters, keyset
//! pagination and search need.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::{n, references};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(n("communes"))
                    .col(big_pk_auto(n("id")))
                    .col(string(n("code")))
                    .col(string(n("name")))
                    .col(string(n("kind")))
                    .col(boolean(n("is_border")))
                    .col(date_null(n("committee_established_on")))
                    .to_owned(),
            )
            .await?;
        crate::create_index(manager, "communes", &["code"], true).await?;
        manager
            .create_table(
                Table::create()
                    .table(n("agencies"))
                    .col(big_pk_auto(n("id")))
                    .col(string(n("code")))
                    .col(string(n("name")))
                    .col(string_null(n("short_name")))
                    .col(string(n("kind")))
                    .col(string(n("level")))
                    .col(big_integer_null(n("parent_id")))
                    .col(big_integer_null(n("commune_id")))
                    .col(boolean(n("is_member")))
                    .foreign_key(&mut references("agencies", "parent_id", "agencies"))
                    .foreign_key(&mut references("agencies", "commune_id", "communes"))
                    .to_owned(),
            )
            .await?;
        crate::create_index(manager, "agencies", &["kind"], false).await?;
        crate::create_index(manager, "agencies", &["code"], true).await?;
        manager
            .create_table(
                Table::create()
                    .table(n("border_gates"))
                    .col(big_pk_auto(n("id")))
                    .col(string(n("code")))
                    .col(string(n("name")))
                    .col(string(n("kind")))
                    .col(big_integer(n("commune_id")))
                    .foreign_key(&mut references("border_gates", "commune_id", "communes"))
                    .to_owned(),
            )
            .await?;
        crate::create_index(manager, "border_gates", &["code"], true).await?;
        manager
            .create_table(
                Table::create()
                    .table(n("directives"))
                    .col(big_pk_auto(n("id")))
                    .col(string(n("symbol")))
                    .col(integer(n("number")))
                    .col(string(n("doc_type")))
                    .col(string(n("issuer")))
                    .col(string_null(n("drafting_unit")))
                    .col(string(n("issuer_name")))
                    .col(date(n("issued_on")))
                    .col(integer(n("year")))
                    .col(text(n("title")))
                    .col(date_null(n("valid_from")))
                    .col(date_null(n("valid_until")))
                    .col(timestamp_with_time_zone(n("created_at")))
                    .to_owned(),
            )
            .await?;
        crate::create_index(manager, "directives", &["issued_on"], false).await?;
        crate::create_index(
            manager,
            "directives",
            &["issuer", "year", "number", "doc_type"],
            true,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(n("directive_citations"))
                    .col(big_integer(n("directive_id")))
                    .col(big_integer(n("cited_id")))
                    .foreign_key(&mut references(
                        "directive_citations",
                        "directive_id",
                        "directives",
                    ))
                    .foreign_key(&mut references(
                        "directive_citations",
                        "cited_id",
                        "directives",
                    ))
                    .primary_key(Index::create().col(n("directive_id")).col(n("cited_id")))
                    .to_owned(),
            )
            .await?;
        crate::create_index(manager, "directive_citations", &["cited_id"], false).await?;
        manager
            .create_table(
                Table::create()
                    .table(n("tasks"))
                    .col(big_pk_auto(n("id")))
                    .col(big_integer(n("directive_id")))
                    .col(text(n("text")))
                    .col(big_integer(n("lead_agency_id")))
                    .col(date_null(n("due_on")))
                    .col(integer_null(n("recurrence_day")))
                    .col(string(n("status")))
                    .col(date_null(n("completed_on")))
                    .col(integer(n("version")))
                    .col(timestamp_with_time_zone(n("created_at")))
                    .col(timestamp_with_time_zone(n("updated_at")))
                    .foreign_key(&mut references("tasks", "directive_id", "directives"))
                    .foreign_key(&mut references("tasks", "lead_agency_id", "agencies"))
                    .to_owned(),
            )
            .await?;
        crate::create_index(manager, "tasks", &["directive_id"], false).await?;
        crate::create_index(manager, "tasks", &["lead_agency_id"], false).await?;
        crate::create_index(manager, "tasks", &["due_on"], false).await?;
        manager
            .create_table(
                Table::create()
                    .table(n("task_coordinators"))
                    .col(big_integer(n("task_id")))
                    .col(big_integer(n("agency_id")))
                    .foreign_key(&mut references("task_coordinators", "task_id", "tasks"))
                    .foreign_key(&mut references(
                        "task_coordinators",
                        "agency_id",
                        "agencies",
                    ))
                    .primary_key(Index::create().col(n("task_id")).col(n("agency_id")))
                    .to_owned(),
            )
            .await?;
        crate::create_index(manager, "task_coordinators", &["agency_id"], false).await?;
        manager
            .create_table(
                Table::create()
                    .table(n("task_updates"))
                    .col(big_pk_auto(n("id")))
                    .col(big_integer(n("task_id")))
                    .col(big_integer(n("agency_id")))
                    .col(timestamp_with_time_zone(n("posted_at")))
                    .col(text(n("note")))
                    .col(integer_null(n("progress_percent")))
                    .foreign_key(&mut references("task_updates", "task_id", "tasks"))
                    .foreign_key(&mut references("task_updates", "agency_id", "agencies"))
                    .to_owned(),
            )
            .await?;
        crate::create_index(manager, "task_updates", &["task_id"], false).await?;
        manager
            .create_table(
                Table::create()
                    .table(n("campaigns"))
                    .col(big_pk_auto(n("id")))
                    .col(string(n("code")))
                    .col(string(n("name")))
                    .col(date(n("starts_on")))
                    .col(date(n("ends_on")))
                    .col(big_integer_null(n("directive_id")))
                    .col(text(n("focus_commodity_groups")))
                    .col(text(n("focus_violation_types")))
                    .col(text_null(n("description")))
                    .foreign_key(&mut references("campaigns", "directive_id", "directives"))
                    .to_owned(),
            )
            .await?;
        crate::create_index(manager, "campaigns", &["starts_on"], false).await?;
        crate::create_index(manager, "campaigns", &["code"], true).await?;
        manager
            .create_table(
                Table::create()
                    .table(n("cases"))
                    .col(big_pk_auto(n("id")))
                    .col(string(n("code")))
                    .col(text(n("title")))
                    .col(string(n("violation_type")))
                    .col(string(n("commodity_group")))
                    .col(string(n("channel")))
                    .col(string_null(n("platform")))
                    .col(big_integer(n("lead_agency_id")))
                    .col(big_integer_null(n("commune_id")))
                    .col(big_integer_null(n("border_gate_id")))
                    .col(date(n("detected_on")))
                    .col(string(n("status")))
                    .col(text(n("goods_summary")))
                    .col(big_integer(n("fine_amount")))
                    .col(big_integer(n("tax_arrears")))
                    .col(big_integer(n("goods_value")))
                    .col(big_integer(n("budget_collected")))
                    .col(date_null(n("handled_on")))
                    .col(text(n("search_key")))
                    .col(integer(n("version")))
                    .col(timestamp_with_time_zone_null(n("archived_at")))
                    .col(timestamp_with_time_zone(n("created_at")))
                    .col(timestamp_with_time_zone(n("updated_at")))
                    .foreign_key(&mut references("cases", "lead_agency_id", "agencies"))
                    .foreign_key(&mut references("cases", "commune_id", "communes"))
                    .foreign_key(&mut references("cases", "border_gate_id", "border_gates"))
                    .to_owned(),
            )
            .await?;
        crate::create_index(manager, "cases", &["detected_on", "id"], false).await?;
        crate::create_index(manager, "cases", &["status", "detected_on"], false).await?;
        crate::create_index(manager, "cases", &["violation_type", "detected_on"], false).await?;
        crate::create_index(manager, "cases", &["commodity_group", "detected_on"], false).await?;
        crate::create_index(manager, "cases", &["lead_agency_id", "detected_on"], false).await?;
        crate::create_index(manager, "cases", &["commune_id", "detected_on"], false).await?;
        crate::create_index(manager, "cases", &["code"], true).await?;
        manager
            .create_table(
                Table::create()
                    .table(n("case_coordinators"))
                    .col(big_integer(n("case_id")))
                    .col(big_integer(n("agency_id")))
                    .foreign_key(&mut references("case_coordinators", "case_id", "cases"))
                    .foreign_key(&mut references(
                        "case_coordinators",
                        "agency_id",
                        "agencies",
                    ))
                    .primary_key(Index::create().col(n("case_id")).col(n("agency_id")))
                    .to_owned(),
            )
            .await?;
        crate::create_index(manager, "case_coordinators", &["agency_id"], false).await?;
        manager
            .create_table(
                Table::create()
                    .table(n("case_campaigns"))
                    .col(big_integer(n("case_id")))
                    .col(big_integer(n("campaign_id")))
                    .foreign_key(&mut references("case_campaigns", "case_id", "cases"))
                    .foreign_key(&mut references(
                        "case_campaigns",
                        "campaign_id",
                        "campaigns",
                    ))
                    .primary_key(Index::create().col(n("case_id")).col(n("campaign_id")))
                    .to_owned(),
            )
            .await?;
        crate::create_index(manager, "case_campaigns", &["campaign_id"], false).await?;
        manager
            .create_table(
                Table::create()
                    .table(n("subjects"))
                    .col(big_pk_auto(n("id")))
                    .col(big_integer(n("case_id")))
                    .col(string(n("kind")))
                    .col(string(n("role")))
                    .col(string(n("full_name")))
                    .col(string(n("name_key")))
                    .col(string_null(n("id_number")))
                    .col(date_null(n("date_of_birth")))
                    .col(text_null(n("address")))
                    .col(string_null(n("nationality")))
                    .col(string_null(n("tax_code")))
                    .foreign_key(&mut references("subjects", "case_id", "cases"))
                    .to_owned(),
            )
            .await?;
        crate::create_index(manager, "subjects", &["case_id"], false).await?;
        crate::create_index(manager, "subjects", &["name_key"], false).await?;
        crate::create_index(manager, "subjects", &["id_number"], false).await?;
        manager
            .create_table(
                Table::create()
                    .table(n("seizures"))
                    .col(big_pk_auto(n("id")))
                    .col(big_integer(n("case_id")))
                    .col(text(n("item")))
                    .col(string(n("commodity_group")))
                    .col(double(n("quantity")))
                    .col(string(n("unit")))
                    .col(big_integer(n("estimated_value")))
                    .col(string_null(n("hs_code")))
                    .col(text_null(n("storage_place")))
                    .col(string(n("disposal_status")))
                    .col(date_null(n("disposal_approved_on")))
                    .col(string_null(n("disposal_approval_ref")))
                    .foreign_key(&mut references("seizures", "case_id", "cases"))
                    .to_owned(),
            )
            .await?;
        crate::create_index(manager, "seizures", &["case_id"], false).await?;
        crate::create_index(manager, "seizures", &["hs_code"], false).await?;
        manager
            .create_table(
                Table::create()
                    .table(n("customs_records"))
                    .col(big_pk_auto(n("id")))
                    .col(big_integer(n("case_id")))
                    .col(string(n("declaration_number")))
                    .col(date(n("declared_on")))
                    .col(string(n("regime")))
                    .col(text(n("hs_codes")))
                    .col(string_null(n("importer_tax_code")))
                    .col(string_null(n("exporter_tax_code")))
                    .col(text(n("inspection_result")))
                    .foreign_key(&mut references("customs_records", "case_id", "cases"))
                    .to_owned(),
            )
            .await?;
        crate::create_index(manager, "customs_records", &["case_id"], false).await?;
        crate::create_index(manager, "customs_records", &["declaration_number"], false).await?;
        manager
            .create_table(
                Table::create()
                    .table(n("investigation_records"))
                    .col(big_pk_auto(n("id")))
                    .col(big_integer(n("case_id")))
                    .col(big_integer(n("investigating_agency_id")))
                    .col(text(n("notes")))
                    .col(string_null(n("prosecution_decision")))
                    .col(date_null(n("prosecuted_on")))
                    .col(integer(n("defendants")))
                    .foreign_key(&mut references("investigation_records", "case_id", "cases"))
                    .foreign_key(&mut references(
                        "investigation_records",
                        "investigating_agency_id",
                        "agencies",
                    ))
                    .to_owned(),
            )
            .await?;
        crate::create_index(manager, "investigation_records", &["case_id"], true).await?;
        manager
            .create_table(
                Table::create()
                    .table(n("tips"))
                    .col(big_pk_auto(n("id")))
                    .col(string(n("tracking_code")))
                    .col(timestamp_with_time_zone(n("received_at")))
                    .col(string(n("channel")))
                    .col(text(n("content")))
                    .col(text_null(n("reporter_name")))
                    .col(text_null(n("reporter_contact")))
                    .col(big_integer_null(n("assigned_agency_id")))
                    .col(string(n("status")))
                    .col(big_integer_null(n("case_id")))
                    .col(text_null(n("dismissal_reason")))
                    .col(integer(n("version")))
                    .col(timestamp_with_time_zone(n("created_at")))
                    .col(timestamp_with_time_zone(n("updated_at")))
                    .foreign_key(&mut references("tips", "assigned_agency_id", "agencies"))
                    .foreign_key(&mut references("tips", "case_id", "cases"))
                    .to_owned(),
            )
            .await?;
        crate::create_index(
            manager,
            "tips",
            &["assigned_agency_id", "received_at"],
            false,
        )
        .await?;
        crate::create_index(manager, "tips", &["received_at", "id"], false).await?;
        crate::create_index(manager, "tips", &["tracking_code"], true).await?;
        manager
            .create_table(
                Table::create()
                    .table(n("publications"))
                    .col(big_pk_auto(n("id")))
                    .col(big_integer(n("case_id")))
                    .col(text(n("headline")))
                    .col(text(n("body")))
                    .col(text(n("public_facts")))
                    .col(string(n("status")))
                    .col(big_integer(n("drafted_by_agency_id")))
                    .col(text_null(n("review_reason")))
                    .col(timestamp_with_time_zone_null(n("approved_at")))
                    .col(integer(n("version")))
                    .col(timestamp_with_time_zone(n("created_at")))
                    .col(timestamp_with_time_zone(n("updated_at")))
                    .foreign_key(&mut references("publications", "case_id", "cases"))
                    .foreign_key(&mut references(
                        "publications",
                        "drafted_by_agency_id",
                        "agencies",
                    ))
                    .to_owned(),
            )
            .await?;
        crate::create_index(manager, "publications", &["case_id"], false).await?;
        crate::create_index(manager, "publications", &["status", "approved_at"], false).await?;
        manager
            .create_table(
                Table::create()
                    .table(n("periodic_reports"))
                    .col(big_pk_auto(n("id")))
                    .col(big_integer(n("agency_id")))
                    .col(string(n("period_kind")))
                    .col(date(n("period_start")))
                    .col(date(n("period_end")))
                    .col(date(n("due_on")))
                    .col(timestamp_with_time_zone_null(n("filed_at")))
                    .col(boolean(n("is_late")))
                    .col(json_binary(n("figures")))
                    .col(text_null(n("correction_reason")))
                    .col(integer(n("version")))
                    .col(timestamp_with_time_zone(n("created_at")))
                    .foreign_key(&mut references("periodic_reports", "agency_id", "agencies"))
                    .to_owned(),
            )
            .await?;
        crate::create_index(
            manager,
            "periodic_reports",
            &["agency_id", "period_kind", "period_start"],
            true,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(n("audit_events"))
                    .col(big_pk_auto(n("id")))
                    .col(timestamp_with_time_zone(n("occurred_at")))
                    .col(string(n("subject")))
                    .col(string(n("role")))
                    .col(string_null(n("agency_code")))
                    .col(string(n("operation")))
                    .col(string(n("entity")))
                    .col(text(n("entity_ids")))
                    .col(text(n("restricted_fields")))
                    .col(string_null(n("request_id")))
                    .to_owned(),
            )
            .await?;
        crate::create_index(manager, "audit_events", &["occurred_at"], false).await?;
        crate::create_index(manager, "audit_events", &["subject"], false).await?;
        crate::create_index(manager, "audit_events", &["entity"], false).await?;
        search_index_up(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::drop_tables(
            manager,
            &[
                "audit_events",
                "periodic_reports",
                "publications",
                "tips",
                "investigation_records",
                "customs_records",
                "seizures",
                "subjects",
                "case_campaigns",
                "case_coordinators",
                "cases",
                "campaigns",
                "task_updates",
                "task_coordinators",
                "tasks",
                "directive_citations",
                "directives",
                "border_gates",
                "agencies",
                "communes",
            ],
        )
        .await?;
        Ok(())
    }
}
/// Substring search on the folded search keys. On PostgreSQL a trigram GIN index serves
/// `LIKE '%…%'` (pg_trgm is a trusted extension since PostgreSQL 13, so the database owner may
/// create it). SQLite has no such index; there the keyed filters narrow the scan first.
async fn search_index_up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    if manager.get_database_backend() != sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
        return Ok(());
    }
    let db = manager.get_connection();
    db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        .await?;
    for (_, create) in crate::SEARCH_INDEXES {
        db.execute_unprepared(create).await?;
    }
    Ok(())
}
