//! sea-orm entities of Hub389: plain data, no GraphQL. Queries live in `api`'s service layer.
//!
//! Every id is an `i64`; dates are local dates in Asia/Ho_Chi_Minh; money is whole VND (`i64`).

pub mod agencies;
pub mod audit_events;
pub mod border_gates;
pub mod campaigns;
pub mod case_campaigns;
pub mod case_coordinators;
pub mod cases;
pub mod communes;
pub mod customs_records;
pub mod directive_citations;
pub mod directives;
pub mod idempotency_keys;
pub mod investigation_records;
pub mod periodic_reports;
pub mod publications;
pub mod seizures;
pub mod server_keys;
pub mod subjects;
pub mod task_coordinators;
pub mod task_deadline_notices;
pub mod task_updates;
pub mod tasks;
pub mod tips;
pub mod trusted_documents;
pub mod watches;
