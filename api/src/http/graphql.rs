//! `POST /graphql` and `GET /graphql` as the GraphQL-over-HTTP spec says.
//!
//! - **Requests:** POST takes `Content-Type: application/json` (or the graphql-response type)
//!   only (a `text/plain` form post from another site is refused, so a page cannot submit tips
//!   from its visitors' browsers);
//!   a JSON array is a batch (at most `max_batch` operations) and is answered with an array.
//!   GET takes `query`, `variables`, `operationName` in the URL, for queries only: a mutation by
//!   GET is 405 (it would be a CSRF hole). A browser asking for HTML gets GraphiQL.
//! - **Responses:** a client that accepts `application/graphql-response+json` gets that media
//!   type and its status codes — 400 (401 for authentication) when the request could not be
//!   executed at all, with no `data` key; 200 once execution started. A client that asks for
//!   `application/json` (or nothing) gets the legacy behaviour: 200 with `data: null`.
//!   Either way the database being unavailable is 503 with `Retry-After`.
//! - **HTTP-level errors** (body not JSON, too large, wrong content type) are JSON with
//!   `extensions.code` like every other error.

use std::net::SocketAddr;
use std::sync::Arc;

use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{
    BatchRequest, BatchResponse, ErrorExtensions, Response as GqlResponse, ServerError,
};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::graphql::context::RequestCtx;
use crate::graphql::loaders::Loaders;
use crate::graphql::operation::OperationSlot;
use crate::graphql::spec::SplicedJson;
use crate::http::state::{AppState, REQUEST_ID, authenticate};
use crate::service::audit::ReadTrail;
use crate::telemetry::access::AccessInfo;
use crate::telemetry::metrics;

/// Longest query text accepted (bytes); frontends' largest documents are a few KB.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// Which response media type the client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wants {
    /// `application/graphql-response+json`: spec status codes.
    GraphqlResponse,
    /// `application/json` or no preference: legacy, 200 for any GraphQL result.
    Json,
}

/// The quality (`q`, 0 to 1) the `Accept` headers give `media` (`type/subtype`, lower case),
/// by its own entry only; 0 when absent. Media types and parameter names are
/// case-insensitive (RFC 9110 §8.3.1, §12.4.2): a substring test took
/// `application/graphql-response+json;q=0` for a request of it (stop 31's review).
pub fn quality(headers: &HeaderMap, media: &str) -> f32 {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|entry| {
            let mut parts = entry.split(';');
            let ty = parts.next()?.trim();
            if !ty.eq_ignore_ascii_case(media) {
                return None;
            }
            let q = parts
                .filter_map(|p| p.split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                .map_or(Some(1.0), |(_, q)| q.trim().parse::<f32>().ok())?;
            Some(q.clamp(0.0, 1.0))
        })
        .fold(0.0, f32::max)
}

impl Wants {
    /// `application/graphql-response+json` when the client accepts it at least as much as
    /// `application/json`; otherwise (no `Accept`, `*/*`, or JSON preferred) the legacy type.
    pub fn of(headers: &HeaderMap) -> Wants {
        let response = quality(headers, GRAPHQL_RESPONSE);
        if response > 0.0 && response >= quality(headers, JSON) {
            Wants::GraphqlResponse
        } else {
            Wants::Json
        }
    }

    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Wants::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Wants::Json => "application/json; charset=utf-8",
        })
    }
}

/// A GraphQL error that no resolver produced (authentication, HTTP-level): no path, no
/// `locations` (there is no place in the document to point at).
pub fn request_error(err: AppError) -> GqlResponse {
    GqlResponse::from_errors(vec![err.into_server_error()])
}

/// The headers an error status calls for, set in this one place for every HTTP answer: a 401
/// names the scheme it wants (RFC 9110 §15.5.2); a 429 (a budget: the next minute) and a 503
/// (a moment) say when to retry.
pub fn error_headers(headers: &mut HeaderMap, status: StatusCode) {
    let (name, value) = match status {
        StatusCode::UNAUTHORIZED => (header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")),
        StatusCode::TOO_MANY_REQUESTS => (header::RETRY_AFTER, HeaderValue::from(60u32)),
        StatusCode::SERVICE_UNAVAILABLE => (
            header::RETRY_AFTER,
            HeaderValue::from(crate::error::RETRY_AFTER_SECONDS),
        ),
        _ => return,
    };
    headers.insert(name, value);
}

/// An error answered before any GraphQL ran (or outside GraphQL: the exports, the feed,
/// `/metrics`), as JSON with its code and the headers its status calls for.
pub fn http_error(status: StatusCode, wants: Wants, err: AppError) -> Response {
    let body = serde_json::json!({ "errors": [{ "message": err.message(), "extensions": { "code": err.code() } }] });
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, wants.content_type());
    error_headers(resp.headers_mut(), status);
    resp.extensions_mut().insert(AccessInfo {
        outcome: Some(err.code()),
        ..Default::default()
    });
    resp
}

/// Any other method on `/graphql`: 405 with `Allow`, as JSON like every HTTP-level error.
pub async fn other_method(headers: HeaderMap) -> Response {
    let mut resp = http_error(
        StatusCode::METHOD_NOT_ALLOWED,
        Wants::of(&headers),
        AppError::bad_input("`/graphql` takes GET and POST"),
    );
    resp.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    resp
}

/// A path the server does not have: 404, as JSON.
pub async fn no_route(headers: HeaderMap) -> Response {
    http_error(
        StatusCode::NOT_FOUND,
        Wants::of(&headers),
        AppError::NotFound("no such path; the API is at /graphql".into()),
    )
}

fn code_of(e: &ServerError) -> Option<String> {
    e.extensions
        .as_ref()
        .and_then(|x| x.get("code"))
        .map(|c| c.to_string().trim_matches('"').to_string())
}

/// True when the request never reached execution: no data, and only errors without a path
/// (parse, validation, limits, authentication).
fn not_executed(r: &GqlResponse) -> bool {
    r.data == async_graphql::Value::Null
        && !r.errors.is_empty()
        && r.errors.iter().all(|e| e.path.is_empty())
}

/// Serialises one response straight from async-graphql's value, so keys keep their order
/// (a detour through `serde_json::Value` would sort them). `data` is left out when execution
/// never started and the client speaks `application/graphql-response+json` (the spec's marker
/// of a request error). JSON text written by a resolver is spliced in as it is
/// ([`SplicedJson`], which this handler gives every request it executes).
fn response_json(r: &GqlResponse, wants: Wants) -> Vec<u8> {
    let text = if wants == Wants::GraphqlResponse && not_executed(r) {
        serde_json::to_vec(&serde_json::json!({ "errors": r.errors }))
    } else {
        crate::graphql::spec::to_json(r)
    };
    text.unwrap_or_else(|e| {
        tracing::error!(error = %e, "serialising a response");
        br#"{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}"#.to_vec()
    })
}

/// The HTTP response for a GraphQL result.
pub fn respond(batch: BatchResponse, wants: Wants) -> Response {
    let responses: Vec<&GqlResponse> = match &batch {
        BatchResponse::Single(r) => vec![r],
        BatchResponse::Batch(rs) => rs.iter().collect(),
    };
    let codes = |r: &GqlResponse| r.errors.iter().filter_map(code_of).collect::<Vec<_>>();
    let unavailable = responses
        .iter()
        .any(|r| codes(r).iter().any(|c| c == "UNAVAILABLE"));
    // Refused whole by a budget: 429, whichever media type (nothing ran; retry later).
    let rate_limited = !unavailable
        && responses
            .iter()
            .all(|r| not_executed(r) && codes(r).iter().any(|c| c == "RATE_LIMITED"));
    let status = if unavailable {
        StatusCode::SERVICE_UNAVAILABLE
    } else if rate_limited {
        StatusCode::TOO_MANY_REQUESTS
    } else if wants == Wants::GraphqlResponse && responses.iter().all(|r| not_executed(r)) {
        if responses
            .iter()
            .all(|r| codes(r).iter().all(|c| c == "UNAUTHENTICATED"))
        {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        }
    } else {
        StatusCode::OK
    };
    let body = match &batch {
        BatchResponse::Single(r) => response_json(r, wants),
        BatchResponse::Batch(rs) => {
            let items: Vec<Vec<u8>> = rs.iter().map(|r| response_json(r, wants)).collect();
            [&b"["[..], &items.join(&b","[..]), b"]"].concat()
        }
    };
    let mut resp = (status, body).into_response();
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, wants.content_type());
    error_headers(headers, status);
    resp
}

/// Gives every error a code from the small set: request-level errors (syntax, validation,
/// depth and complexity limits, argument coercion) are `BAD_USER_INPUT`; anything else without
/// a code is unexpected, so it is logged and shown as an opaque `INTERNAL`.
///
/// One log line per response, not per error: a 40 KB request can hold a thousand bad items, and
/// a thousand log lines from one request would drown everything else.
pub fn normalise_errors(resp: &mut GqlResponse) {
    cap_request_errors(resp);
    let mut internal = 0usize;
    let mut sample: Option<String> = None;
    let mut client = 0usize;
    let mut client_sample: Option<String> = None;
    for err in &mut resp.errors {
        let code = err
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .map(|c| c.to_string());
        if code.as_deref() == Some("\"BAD_USER_INPUT\"") {
            client += 1;
            client_sample.get_or_insert_with(|| log_sample(&err.message));
        }
        let has_code = err
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some());
        if has_code {
            continue;
        }
        // Argument coercion errors of async-graphql (a wrongly typed literal or variable
        // reaching a resolver's argument) carry a path but are the client's mistake.
        let input_error = err.path.is_empty()
            || err.message.starts_with("Invalid value for argument")
            || err.message.starts_with("Failed to parse")
            || err.message.starts_with("Expected input type")
            || err.message.starts_with("Expected type")
            || err.message.starts_with("Invalid number")
            || err.message.starts_with("Invalid value")
            || err.message.starts_with("Variable ");
        let code = if input_error {
            client += 1;
            client_sample.get_or_insert_with(|| log_sample(&err.message));
            "BAD_USER_INPUT"
        } else {
            internal += 1;
            if sample.is_none() {
                sample = Some(format!("{} at {:?}", err.message, err.path));
            }
            err.message = "internal error".into();
            "INTERNAL"
        };
        let ext = async_graphql::Error::new("").extend_with(|_, e| e.set("code", code));
        err.extensions = ext.extensions;
    }
    if let Some(sample) = sample {
        tracing::error!(count = internal, sample = %sample, "uncoded resolver errors");
    }
    if let Some(sample) = client_sample {
        tracing::warn!(count = client, sample = %sample, "client errors");
    }
}

/// Request-level errors (syntax, validation: no path) answered at most; past them one more
/// error says how many were left out.
const MAX_REQUEST_ERRORS: usize = 20;

/// Cuts the request-level errors to [`MAX_REQUEST_ERRORS`]: a 64 KB document repeating one
/// mistake (`me(a: 1, a: 1, …)`) drew 16 000 errors, 4.6 MB answered for 64 KB (a review,
/// stop 35). Errors with a path all stay: each says why its field is `null`.
fn cap_request_errors(resp: &mut GqlResponse) {
    let unplaced = resp.errors.iter().filter(|e| e.path.is_empty()).count();
    if unplaced <= MAX_REQUEST_ERRORS {
        return;
    }
    let mut kept = 0;
    resp.errors.retain(|e| {
        if !e.path.is_empty() {
            return true;
        }
        kept += 1;
        kept <= MAX_REQUEST_ERRORS
    });
    resp.errors.push(
        AppError::bad_input(format!(
            "and {} more errors like these",
            unplaced - MAX_REQUEST_ERRORS
        ))
        .into_server_error(),
    );
}

/// What the log keeps of a client's error: its first line up to any value it names (`found
/// …`), every part in double quotes or backquotes blanked, no control character. A syntax
/// error's message goes on with the document's line around the error, a wrongly typed value is
/// named whole, and the domain's refusals quote what they were sent (unknown agency code
/// `…`), so the text could carry a subject's name or an ID number typed into any field; the
/// logs carry no data (and a control character would reach the terminal of whoever tails them).
fn log_sample(message: &str) -> String {
    let line = message.trim_start().lines().next().unwrap_or_default();
    let line = line.split(" found ").next().unwrap_or_default();
    let mut out = String::new();
    let mut open: Option<char> = None;
    for c in line.chars().take(200).filter(|c| !c.is_control()) {
        match open {
            Some(q) if c == q => {
                out.push_str("…");
                out.push(c);
                open = None;
            }
            Some(_) => {}
            None => {
                out.push(c);
                if c == '"' || c == '`' {
                    open = Some(c);
                }
            }
        }
    }
    if open.is_some() {
        out.push('…');
    }
    out
}

/// The answer to an operation stopped at, or not started after, the request's deadline.
///
/// A write is small by construction (its input is bounded), so one that ran out of time was
/// kept waiting by the database — locks, or a database that stopped answering — and is
/// `UNAVAILABLE`, to be retried with its idempotency keys (a document of several writes keeps
/// those it made: each is its own transaction; the one stopped may even have committed as it
/// was). A read that ran out of time is the client's to make smaller, unless the database does
/// not answer a ping within `HUB389_DB_TIMEOUT` (the wait for a connection: a shorter one took
/// a busy pool for a dead database). Both were `BAD_USER_INPUT`, which a client does not
/// retry, for a write blocked by a lock or a frozen PostgreSQL (a fault review of stop 37).
async fn timed_out(state: &AppState, request_id: &str, mutation: bool) -> GqlResponse {
    tracing::warn!(
        request_id,
        mutation,
        "request stopped after the request timeout"
    );
    if mutation {
        return request_error(AppError::Unavailable(
            "the request ran past its deadline and was stopped (the database is busy or not answering); writes it made before stay: retry with the same idempotency keys".into(),
        ));
    }
    let answers = tokio::time::timeout(state.db_timeout, state.db.ping()).await;
    if !matches!(answers, Ok(Ok(()))) {
        tracing::warn!(request_id, ping = ?answers, "the database did not answer a ping");
        return request_error(AppError::Unavailable(
            "the database is not answering; retry later".into(),
        ));
    }
    request_error(AppError::bad_input(format!(
        "the request took longer than {} s and was stopped; ask for fewer rows or a shorter period",
        state.request_timeout.as_secs()
    )))
}

/// How the request came: a GET may only read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
}

/// One operation answered: the response and its operation's bounded label.
struct Answered {
    resp: GqlResponse,
    operation: String,
    /// Refused as a mutation sent by GET (answered 405 when it is the request's only one).
    get_mutation: bool,
}

/// A registered document named by its hash in a GET's URL turned out to be a mutation: known
/// only once it is admitted, and refused as the text of one is.
struct GetMutation;

/// What every operation of one HTTP request shares.
struct Call<'a> {
    state: &'a AppState,
    method: Method,
    /// One deadline for the whole HTTP request (a batch shares it).
    deadline: tokio::time::Instant,
    viewer: Option<crate::auth::Viewer>,
    request_id: &'a str,
    client_ip: Option<std::net::IpAddr>,
}

/// Runs one operation, timed and counted in the metrics (each operation of a batch once).
async fn execute_counted(call: &Call<'_>, req: async_graphql::Request) -> Answered {
    let started = std::time::Instant::now();
    let mut slot = Arc::new(OperationSlot::default());
    let (resp, get_mutation) = match execute_one(call, req, &mut slot).await {
        Ok(resp) => (resp, false),
        Err(GetMutation) => (request_error(AppError::bad_input(GET_MUTATION)), true),
    };
    let answered = Answered {
        operation: slot.label().to_string(),
        resp,
        get_mutation,
    };
    metrics::graphql_operation(
        &answered.operation,
        outcome_of(&answered.resp),
        started.elapsed(),
    );
    answered
}

/// `OK`, or the code of the response's first error.
fn outcome_of(r: &GqlResponse) -> &'static str {
    metrics::outcome_label(
        r.errors
            .first()
            .map(|e| code_of(e).unwrap_or_default())
            .as_deref(),
    )
}

/// Counts operations refused before any of them could run (a batch too large, the token
/// refused), one per operation, each with the time the refusal took.
fn count_refused(batch: &BatchResponse, started: std::time::Instant) -> Vec<String> {
    let elapsed = started.elapsed();
    let responses: Vec<&GqlResponse> = match batch {
        BatchResponse::Single(r) => vec![r],
        BatchResponse::Batch(rs) => rs.iter().collect(),
    };
    responses
        .into_iter()
        .map(|r| {
            metrics::graphql_operation(metrics::UNPARSED, outcome_of(r), elapsed);
            metrics::UNPARSED.to_string()
        })
        .collect()
}

async fn execute_one(
    call: &Call<'_>,
    mut req: async_graphql::Request,
    slot: &mut Arc<OperationSlot>,
) -> Result<GqlResponse, GetMutation> {
    let Call {
        state,
        method,
        deadline,
        ref viewer,
        request_id,
        client_ip,
    } = *call;
    // An operation that would start after the request's deadline does not start (a timeout
    // polls its future once before looking at the clock, so a late mutation could otherwise
    // run, even commit, and still be reported as stopped).
    if tokio::time::Instant::now() >= deadline {
        return Ok(timed_out(state, request_id, is_mutation(&req)).await);
    }
    // A bound on the document's text before anything parses it (the body limit allows it
    // room for variables).
    if req.query.len() > MAX_QUERY_BYTES {
        return Ok(request_error(AppError::bad_input(format!(
            "the query text is longer than {} KB",
            MAX_QUERY_BYTES / 1024
        ))));
    }
    let role = viewer.as_ref().map(|v| v.role);
    let registered = match state
        .trusted
        .admit(&state.db, &state.trusted_policy, role, &mut req)
        .await
    {
        Ok(registered) => registered,
        Err(e) => return Ok(request_error(e)),
    };
    // Known only now: whether the document is a registered one (its name then always keeps
    // its metrics label). Until here the slot says `unparsed`.
    *slot = Arc::new(OperationSlot::new(req.operation_name.clone(), registered));
    // Checked again now that a registered document's text is known: a hash in a GET's URL
    // must not run a mutation (any page could make its visitors' browsers submit tips).
    if method == Method::Get && is_mutation(&req) {
        return Err(GetMutation);
    }
    let mutation = is_mutation(&req);
    let reads = Arc::new(ReadTrail::default());
    let req = req
        .data(RequestCtx {
            viewer: viewer.clone(),
            request_id: request_id.to_string(),
            client_ip,
            reads: reads.clone(),
        })
        .data(slot.clone())
        .data(SplicedJson)
        .data(Loaders::new(&state.reads.reads(), &state.directory));
    // A request still running after the timeout is dropped: on PostgreSQL its statement is
    // cancelled by `statement_timeout` too; on SQLite a statement already running finishes in
    // its worker thread, but nothing more of the request runs.
    let mut resp = match tokio::time::timeout_at(deadline, state.schema.execute(req)).await {
        Ok(resp) => resp,
        Err(_) => return Ok(timed_out(state, request_id, mutation).await),
    };
    normalise_errors(&mut resp);
    // Restricted data leaves only with its audit event written; if that fails, nothing leaves.
    if let Err(e) =
        crate::service::audit::flush_reads(&state.read_audit, viewer.as_ref(), request_id, &reads)
            .await
    {
        return Ok(request_error(match e {
            AppError::Unavailable(m) => AppError::Unavailable(m),
            other => AppError::internal(anyhow::anyhow!(
                "writing the read audit failed: {}",
                other.message()
            )),
        }));
    }
    Ok(resp)
}

/// Authenticates once, then runs each operation of the batch in turn.
async fn execute(
    state: &AppState,
    method: Method,
    peer: SocketAddr,
    headers: &HeaderMap,
    batch: BatchRequest,
    wants: Wants,
) -> Response {
    let started = std::time::Instant::now();
    let request_id = headers
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string();
    let is_batch = matches!(batch, BatchRequest::Batch(_));
    let size = match &batch {
        BatchRequest::Single(_) => 1,
        BatchRequest::Batch(items) => items.len(),
    };
    let refuse_all = |err: &dyn Fn() -> AppError| {
        if is_batch {
            BatchResponse::Batch((0..size.max(1)).map(|_| request_error(err())).collect())
        } else {
            BatchResponse::Single(request_error(err()))
        }
    };
    if is_batch && (size > state.max_batch || size == 0) {
        let max = state.max_batch;
        let refused =
            refuse_all(&|| AppError::bad_input(format!("a batch holds 1 to {max} operations")));
        let operations = count_refused(&refused, started);
        return answer(refused, operations, None, wants);
    }
    let viewer = match authenticate(state, headers).await {
        Ok(v) => v,
        Err(e) => {
            let make = || match &e {
                AppError::Unauthenticated(m) => AppError::Unauthenticated(m.clone()),
                AppError::Unavailable(m) => AppError::Unavailable(m.clone()),
                _ => AppError::Internal(anyhow::anyhow!("authentication failed")),
            };
            let refused = refuse_all(&make);
            let operations = count_refused(&refused, started);
            return answer(refused, operations, None, wants);
        }
    };
    let role = viewer.as_ref().map(|v| v.role.as_str());
    let client_ip = Some(state.trusted_proxies.client(peer.ip(), headers));
    // One deadline for the whole HTTP request: a batch of ten shares it, rather than each
    // operation having the full timeout.
    let deadline = tokio::time::Instant::now() + state.request_timeout;
    let call = Call {
        state,
        method,
        deadline,
        viewer,
        request_id: &request_id,
        client_ip,
    };
    let (out, operations) = match batch {
        BatchRequest::Single(r) => {
            let a = execute_counted(&call, r).await;
            if a.get_mutation {
                return get_mutation(wants);
            }
            (BatchResponse::Single(a.resp), vec![a.operation])
        }
        BatchRequest::Batch(items) => {
            let mut out = Vec::with_capacity(items.len());
            let mut operations = Vec::with_capacity(items.len());
            for r in items {
                let a = execute_counted(&call, r).await;
                out.push(a.resp);
                operations.push(a.operation);
            }
            (BatchResponse::Batch(out), operations)
        }
    };
    answer(out, operations, role, wants)
}

/// The HTTP response, with what the access log says of it: the operations' labels, the role,
/// and the first failed operation's code (`OK` when none failed).
fn answer(
    batch: BatchResponse,
    operations: Vec<String>,
    role: Option<&'static str>,
    wants: Wants,
) -> Response {
    let outcome = match &batch {
        BatchResponse::Single(r) => outcome_of(r),
        BatchResponse::Batch(rs) => rs
            .iter()
            .map(outcome_of)
            .find(|o| *o != "OK")
            .unwrap_or("OK"),
    };
    let mut resp = respond(batch, wants);
    resp.extensions_mut().insert(AccessInfo {
        operation: Some(operations.join(",")),
        role,
        outcome: Some(outcome),
    });
    resp
}

/// Why a mutation sent by GET is refused (any page could make its visitors' browsers send one).
const GET_MUTATION: &str = "mutations are sent with POST";

/// The answer to a mutation sent by GET: 405 with `Allow: POST`, as GraphQL over HTTP says.
fn get_mutation(wants: Wants) -> Response {
    let mut resp = http_error(
        StatusCode::METHOD_NOT_ALLOWED,
        wants,
        AppError::bad_input(GET_MUTATION),
    );
    resp.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    resp
}

/// `POST /graphql`.
pub async fn post(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let wants = Wants::of(&headers);
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    // `application/graphql-response+json` too, which some clients send as the request's type
    // as well; never `text/plain` or a form type, which a page on another site may post.
    if content_type != JSON && content_type != GRAPHQL_RESPONSE {
        return http_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            wants,
            AppError::bad_input("POST /graphql takes `Content-Type: application/json`"),
        );
    }
    // The body is read as sent: a compressed one was parsed as JSON and refused as "not
    // JSON", and a `br` label on a plain body passed (a review, stop 35). An encoding we do
    // not decode is 415, as HTTP says (RFC 9110, 15.5.16).
    let encoded = headers.get_all(header::CONTENT_ENCODING).iter().any(|v| {
        !v.to_str()
            .is_ok_and(|v| v.trim().eq_ignore_ascii_case("identity"))
    });
    if encoded {
        return http_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            wants,
            AppError::bad_input("POST /graphql takes a body without `Content-Encoding`"),
        );
    }
    let body = match body {
        Ok(b) => b,
        Err(rejection) => {
            let status = rejection.status();
            let msg = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "the request body is too large".to_string()
            } else {
                "the request body could not be read".to_string()
            };
            return http_error(status, wants, AppError::bad_input(msg));
        }
    };
    // By the body's first byte: serde reads a struct from an array too, so `[]` and
    // `["{ me { role } }"]` were taken for one request and answered with an object.
    let batch = match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => {
            serde_json::from_slice::<Vec<async_graphql::Request>>(&body).map(BatchRequest::Batch)
        }
        // An object, or anything else for serde's own error.
        _ => serde_json::from_slice(&body).map(BatchRequest::Single),
    };
    let batch: BatchRequest = match batch {
        Ok(b) => b,
        // Where, not serde's words: those name our library's types ("expected struct
        // Request", a review of stop 35).
        Err(e) => {
            let what = match e.classify() {
                serde_json::error::Category::Data => "JSON, but not a GraphQL request",
                _ => "not JSON",
            };
            return http_error(
                StatusCode::BAD_REQUEST,
                wants,
                AppError::bad_input(format!(
                    "the body is {what} (`{{\"query\": …}}` or an array of them); see line {} column {}",
                    e.line(),
                    e.column()
                )),
            );
        }
    };
    execute(&state, Method::Post, peer, &headers, batch, wants).await
}

/// `GET /graphql`: GraphiQL for a browser, else a query from the URL (a websocket upgrade is
/// routed to `http::live` before this).
pub async fn get(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let wants = Wants::of(&headers);
    let html = quality(&headers, "text/html");
    let wants_html =
        html > 0.0 && html > quality(&headers, JSON).max(quality(&headers, GRAPHQL_RESPONSE));
    let raw = raw.unwrap_or_default();
    if wants_html || (raw.is_empty() && html > 0.0) {
        return super::graphiql::page().await;
    }
    let req = match request_of_url(&raw) {
        Ok(r)
            if !r.query.is_empty()
                || r.extensions.contains_key("persistedQuery")
                || r.extensions.contains_key("documentId") =>
        {
            r
        }
        Ok(_) => {
            return http_error(
                StatusCode::BAD_REQUEST,
                wants,
                AppError::bad_input("GET /graphql needs a `query` parameter"),
            );
        }
        Err(e) => {
            return http_error(
                StatusCode::BAD_REQUEST,
                wants,
                AppError::bad_input(format!("the URL is not a GraphQL request: {e}")),
            );
        }
    };
    if is_mutation(&req) {
        return get_mutation(wants);
    }
    execute(
        &state,
        Method::Get,
        peer,
        &headers,
        BatchRequest::Single(req),
        wants,
    )
    .await
}

/// The request a GET's query string holds, as GraphQL over HTTP names its parameters:
/// `query`, `operationName`, and `variables` and `extensions` as JSON. async-graphql's
/// `parse_query_string` reads `operation_name` instead, so a client naming one operation of
/// several by `operationName` had it ignored (a document of two then failed, and a document of
/// one named operation ran without the checks that need its name); that spelling is still
/// accepted.
fn request_of_url(raw: &str) -> Result<async_graphql::Request, String> {
    #[derive(serde::Deserialize)]
    struct Params {
        #[serde(default)]
        query: String,
        #[serde(rename = "operationName", alias = "operation_name")]
        operation_name: Option<String>,
        variables: Option<String>,
        extensions: Option<String>,
    }
    let p: Params = serde_urlencoded::from_str(raw).map_err(|e| e.to_string())?;
    let mut req = async_graphql::Request::new(p.query);
    req.operation_name = p.operation_name;
    if let Some(text) = p.variables {
        req.variables =
            serde_json::from_str(&text).map_err(|e| format!("invalid variables: {e}"))?;
    }
    if let Some(text) = p.extensions {
        req.extensions =
            serde_json::from_str(&text).map_err(|e| format!("invalid extensions: {e}"))?;
    }
    Ok(req)
}

/// Whether the operation a GET would run is a mutation (or subscription). A document that
/// does not parse is left to the executor, which reports the syntax error.
fn is_mutation(req: &async_graphql::Request) -> bool {
    operation_type(req).is_some_and(|t| t != OperationType::Query)
}

/// The type of the operation a request would run; for a document of several operations
/// without a name, the first that is not a query (the executor refuses the request anyway).
/// `None` when the document does not parse or names no such operation.
pub fn operation_type(req: &async_graphql::Request) -> Option<OperationType> {
    // Not parsed at all when it nests too deep: the schema refuses it ([`limits::too_deep`]).
    if crate::graphql::limits::too_deep(&req.query) {
        return None;
    }
    let doc = async_graphql::parser::parse_query(&req.query).ok()?;
    match (&doc.operations, req.operation_name.as_deref()) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) => ops
            .values()
            .map(|op| op.node.ty)
            .find(|t| *t != OperationType::Query),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_keeps_no_value_a_client_sent() {
        let syntax = " --> 1:84\n  |\n1 | { cases(filter: { subjectName: \"Hoàng Minh Nam\" }) { nodes } \n  |   ^---";
        assert_eq!(log_sample(syntax), "--> 1:84");
        assert_eq!(
            log_sample("Expected input type \"String\", found 12345678901."),
            "Expected input type \"…\","
        );
        assert_eq!(
            log_sample("Invalid value for argument \"input.fullName\", expected type \"String\""),
            "Invalid value for argument \"…\", expected type \"…\""
        );
        assert_eq!(
            log_sample("unknown agency code `Hoàng Minh Nam 020080804601`"),
            "unknown agency code `…`"
        );
        assert_eq!(log_sample("cut \"Hoàng\u{1b}[2J"), "cut \"…");
        assert_eq!(log_sample("a\u{1b}[2Jb"), "a[2Jb");
    }

    #[test]
    fn a_get_names_its_operation_as_the_spec_does() {
        let req =
            request_of_url("query=query%20A%7Bx%7D&operationName=A&variables=%7B%22d%22%3A1%7D")
                .expect("a request");
        assert_eq!(req.operation_name.as_deref(), Some("A"));
        assert_eq!(req.variables.get("d"), Some(&async_graphql::Value::from(1)));
        let old = request_of_url("query=x&operation_name=B").expect("a request");
        assert_eq!(old.operation_name.as_deref(), Some("B"));
        assert!(request_of_url("query=x&variables=%7B").is_err());
    }
}
