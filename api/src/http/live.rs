//! `GET /graphql` with `Upgrade: websocket`: subscriptions over `graphql-transport-ws` (the
//! `graphql-ws` library's protocol), and the legacy `graphql-ws` subprotocol of
//! subscriptions-transport-ws, which async-graphql speaks as well.
//!
//! - **Authentication** happens in `connection_init`: its payload carries the token as
//!   `{"Authorization": "Bearer <token>"}` (or `authorization`, `headers.Authorization`, or
//!   `{"token": "<token>"}`); without one, the upgrade request's own `Authorization` header is
//!   used. A connection without a valid token is closed with 4403; one that sends no
//!   `connection_init` within [`INIT_TIMEOUT`] with 4408.
//! - **Expiry:** the socket is closed with 4403 ("token expired") the moment the token
//!   expires, whatever is subscribed; the client reconnects with a fresh token. It closes with
//!   4403 too once the token's agency or commune no longer fits it, as every request of that
//!   token is then refused ([`LiveExecutor::still_valid`]).
//! - **Only subscriptions** run over the socket; queries and mutations are refused with
//!   `BAD_USER_INPUT` and go to `POST /graphql`, where deadlines, batches and idempotency live.
//!   At most [`MAX_SUBSCRIPTIONS`] run at once on one connection.
//! - **Sockets** are bounded per instance ([`MAX_SOCKETS`]), per client address
//!   (`HUB389_LIVE_SOCKETS_PER_ADDRESS`, signed in or not: 429 past it) and per user
//!   (`HUB389_LIVE_SOCKETS_PER_USER`: `connection_init` refused with 4403 past it), so neither a
//!   client that never initialises its sockets nor one token can take every slot, and one
//!   user's subscriptions — each read again for every event — stay few.
//! - **Every event's response** goes through what a query's goes through: the trusted
//!   documents policy (at subscription), error codes from the one small set, and the audit of
//!   restricted reads, written before the event is sent.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_graphql::futures_util::stream::{self, BoxStream};
use async_graphql::futures_util::{SinkExt, StreamExt, sink};
use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, WebSocketProtocols};
use async_graphql::parser::types::OperationType;
use async_graphql::{Data, Response as GqlResponse};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use tokio::time::Instant;

use crate::auth::Viewer;
use crate::error::AppError;
use crate::graphql::context::RequestCtx;
use crate::graphql::loaders::Loaders;
use crate::http::graphql::{
    MAX_QUERY_BYTES, Wants, http_error, normalise_errors, operation_type, request_error,
};
use crate::http::state::{AppState, REQUEST_ID, authenticate_token};
use crate::limiter::Held;
use crate::service::audit::ReadTrail;

/// How long a new socket may wait before its `connection_init`.
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// Subscriptions one connection may hold at once.
pub const MAX_SUBSCRIPTIONS: usize = 32;

/// Sockets one instance holds at once: each subscription reads the database for every event
/// it may deliver, so their number bounds that work. Past it, an upgrade is refused (503).
pub const MAX_SOCKETS: usize = 1000;

// The bounds per client address and per user (`Limits::live_sockets_per_address`, `…_user`):
// a review (stop 33) held all `MAX_SOCKETS` of an instance from one address, re-opening
// sockets that never initialised as each timed out; and with one token held 230 sockets of
// 32 subscriptions, so that every write read the database 7,360 times, slowing everyone's
// writes to seconds. The address is the client's behind trusted proxies.

/// Sockets open on this instance.
static OPEN_SOCKETS: AtomicUsize = AtomicUsize::new(0);

/// One open socket, counted while it lives.
struct Socket;

impl Socket {
    fn take() -> Option<Socket> {
        OPEN_SOCKETS
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < MAX_SOCKETS).then_some(n + 1)
            })
            .ok()
            .map(|_| Socket)
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        OPEN_SOCKETS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The `complete`s the relay remembers to drop, at most (a client completing operations that
/// never ran cannot grow it further; past it an echo is sent, which clients ignore).
const MAX_SILENCED: usize = 1024;

/// The close code for a refused or expired token (`graphql-ws`'s "Forbidden").
const FORBIDDEN: u16 = 4403;
/// `graphql-ws`'s "Connection initialisation timeout".
const INIT_TIMED_OUT: u16 = 4408;
/// `graphql-ws`'s "Unauthorized" (an operation before `connection_init`).
const UNAUTHORIZED: u16 = 4401;
/// `graphql-ws`'s "Invalid message" (and the like).
const INVALID_MESSAGE: u16 = 4400;
/// `graphql-ws`'s "Subscriber for <id> already exists".
const SUBSCRIBER_EXISTS: u16 = 4409;

/// A close frame's reason holds at most 123 bytes (RFC 6455: 125 with the code); a long id
/// would otherwise make the frame invalid.
fn truncated(reason: &str) -> &str {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    &reason[..end]
}

/// `GET /graphql`: a websocket upgrade starts a GraphQL websocket; anything else is
/// [`graphql::get`](crate::http::graphql::get).
pub async fn get(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    raw: RawQuery,
    upgrade_request: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    protocol: Result<GraphQLProtocol, StatusCode>,
) -> Response {
    let Ok(ws) = upgrade_request else {
        return crate::http::graphql::get(State(state), ConnectInfo(peer), headers, raw).await;
    };
    // Keyed as the rate limits key an address: an IPv6 client by its /64, which it usually
    // holds whole (a review, stop 33, rotated addresses within one to pass the bound).
    let client =
        crate::limiter::ClientKey::address(Some(state.trusted_proxies.client(peer.ip(), &headers)));
    let per_address = state.live_bounds.0;
    let address = state
        .live_sockets
        .take(format!("address:{client:?}"), per_address);
    let Some(address) = address else {
        return http_error(
            StatusCode::TOO_MANY_REQUESTS,
            Wants::of(&headers),
            AppError::RateLimited(format!(
                "at most {per_address} live connections from one address"
            )),
        );
    };
    let Some(socket) = Socket::take() else {
        return http_error(
            StatusCode::SERVICE_UNAVAILABLE,
            Wants::of(&headers),
            AppError::Unavailable("this instance holds as many live connections as it may".into()),
        );
    };
    match protocol {
        Ok(protocol) => upgrade(state, peer, &headers, ws, protocol, (socket, address)),
        Err(_) => http_error(
            StatusCode::BAD_REQUEST,
            Wants::of(&headers),
            AppError::bad_input(
                "a GraphQL websocket speaks `graphql-transport-ws` or `graphql-ws` (Sec-WebSocket-Protocol)",
            ),
        ),
    }
}

/// Upgrades the request to a GraphQL websocket.
fn upgrade(
    state: AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    ws: WebSocketUpgrade,
    protocol: GraphQLProtocol,
    socket: (Socket, Held),
) -> Response {
    let request_id = headers
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string();
    let header_token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer);
    // The subprotocol async-graphql's extractor picked: the first of the client's it speaks.
    let transport_ws = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| p.trim().parse::<WebSocketProtocols>().ok())
        .is_some_and(|p| p == WebSocketProtocols::GraphQLWS);
    let executor = LiveExecutor {
        client_ip: Some(state.trusted_proxies.client(peer.ip(), headers)),
        state,
        session: Arc::default(),
        request_id: request_id.into(),
        open: Arc::default(),
    };
    ws.protocols(ALL_WEBSOCKET_PROTOCOLS)
        // A subscribe message holds one document and its variables: the bound of a query.
        .max_message_size(2 * MAX_QUERY_BYTES)
        .on_upgrade(move |ws| async move {
            serve(ws, executor, protocol, transport_ws, header_token).await;
            drop(socket);
        })
}

/// The token of `Bearer <token>`.
fn bearer(value: &str) -> Option<String> {
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
}

/// The token a `connection_init` payload carries, in any of the usual places.
fn token_of(payload: &serde_json::Value) -> Option<String> {
    let auth = |v: &serde_json::Value| {
        ["Authorization", "authorization"]
            .iter()
            .find_map(|k| v.get(*k).and_then(|x| x.as_str()))
            .map(String::from)
    };
    auth(payload)
        .or_else(|| payload.get("headers").and_then(auth))
        .and_then(|v| bearer(&v))
        .or_else(|| {
            payload
                .get("token")
                .and_then(|t| t.as_str())
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(String::from)
        })
}

/// Who is connected, from `connection_init` on.
struct Session {
    viewer: Viewer,
    expires: Instant,
    /// The token, to resolve its agency and commune again ([`LiveExecutor::still_valid`]).
    token: String,
    /// When the viewer was last resolved, and under which count of reference writes.
    resolved: std::sync::Mutex<(Instant, u64)>,
    /// The socket counted against its user.
    _user: Held,
}

/// How often a live connection resolves its viewer again though no agency or commune was
/// written on this instance (a write through another instance of the fleet): as long as the
/// directory keeps a row.
const RESOLVE_AGAIN: Duration = Duration::from_secs(60);

/// How often the socket checks whether its viewer still holds.
const CHECK_EVERY: Duration = Duration::from_secs(2);

/// Runs the operations of one connection: a fresh executor per socket, holding its session.
#[derive(Clone)]
struct LiveExecutor {
    state: AppState,
    session: Arc<OnceLock<Session>>,
    request_id: Arc<str>,
    client_ip: Option<std::net::IpAddr>,
    /// Subscriptions running now on this connection.
    open: Arc<AtomicUsize>,
}

impl LiveExecutor {
    /// Authenticates the connection once; the session then holds until the token expires.
    async fn init(
        &self,
        payload: serde_json::Value,
        header_token: Option<String>,
    ) -> Result<(), AppError> {
        let token = token_of(&payload).or(header_token).ok_or_else(|| {
            AppError::Unauthenticated("sign in: send the token in connection_init".into())
        })?;
        let (viewer, exp) = authenticate_token(&self.state, &token).await?;
        let left = exp.saturating_sub(chrono::Utc::now().timestamp()).max(0);
        let per_user = self.state.live_bounds.1;
        let user = self
            .state
            .live_sockets
            .take(format!("user:{}", viewer.sub), per_user)
            .ok_or_else(|| {
                AppError::RateLimited(format!(
                    "at most {per_user} live connections per user: close one first"
                ))
            })?;
        let session = Session {
            viewer,
            expires: Instant::now() + Duration::from_secs(left.unsigned_abs()),
            token,
            resolved: std::sync::Mutex::new((Instant::now(), self.state.directory.generation())),
            _user: user,
        };
        self.session
            .set(session)
            .map_err(|_| AppError::bad_input("the connection is initialised already"))
    }

    /// Whether the connection's viewer still holds: resolved again from its token when an
    /// agency or a commune was written on this instance since, or a minute has passed. A
    /// socket authenticated once held its agency's rights until its token expired, after the
    /// agency had left the committee and its token was refused everywhere else (a review of
    /// stop 35): now the socket closes, and the client signs in again.
    async fn still_valid(&self) -> Result<(), AppError> {
        let Some(session) = self.session.get() else {
            return Ok(());
        };
        let generation = self.state.directory.generation();
        let stale = session.resolved.lock().map_or(true, |r| {
            r.0.elapsed() >= RESOLVE_AGAIN || r.1 != generation
        });
        if !stale {
            return Ok(());
        }
        let (now, _) = authenticate_token(&self.state, &session.token).await?;
        let was = &session.viewer;
        if (now.role, now.agency_id, now.commune_id) != (was.role, was.agency_id, was.commune_id) {
            return Err(AppError::Unauthenticated(
                "the token's agency or commune changed: sign in again".into(),
            ));
        }
        if let Ok(mut r) = session.resolved.lock() {
            *r = (Instant::now(), generation);
        }
        Ok(())
    }

    async fn start(self, mut req: async_graphql::Request) -> BoxStream<'static, GqlResponse> {
        let refuse = |e: AppError| stream::once(async move { request_error(e) }).boxed();
        let Some(session) = self.session.get() else {
            return refuse(AppError::Unauthenticated(
                "send connection_init first".into(),
            ));
        };
        if let Err(e) = self.still_valid().await {
            return refuse(e);
        }
        let viewer = session.viewer.clone();
        if req.query.len() > MAX_QUERY_BYTES {
            return refuse(AppError::bad_input(format!(
                "the query text is longer than {} KB",
                MAX_QUERY_BYTES / 1024
            )));
        }
        let state = self.state.clone();
        if let Err(e) = state
            .trusted
            .admit(
                &state.db,
                &state.trusted_policy,
                Some(viewer.role),
                &mut req,
            )
            .await
        {
            return refuse(e);
        }
        if operation_type(&req).is_some_and(|t| t != OperationType::Subscription) {
            return refuse(AppError::bad_input(
                "only subscriptions run over the socket; send queries and mutations with POST /graphql",
            ));
        }
        let Some(open) = Open::take(&self.open) else {
            return refuse(AppError::bad_input(format!(
                "a connection holds at most {MAX_SUBSCRIPTIONS} subscriptions"
            )));
        };
        let reads = Arc::new(ReadTrail::default());
        let req = req
            .data(RequestCtx {
                viewer: Some(viewer.clone()),
                request_id: self.request_id.to_string(),
                client_ip: self.client_ip,
                reads: reads.clone(),
            })
            .data(Loaders::uncached(&state.reads.reads(), &state.directory));
        let request_id = self.request_id.clone();
        state
            .schema
            .execute_stream(req)
            .then(move |mut resp| {
                let (state, reads, viewer, request_id) = (
                    state.clone(),
                    reads.clone(),
                    viewer.clone(),
                    request_id.clone(),
                );
                // Held by the stream: the count drops when the subscription ends.
                let _open = &open;
                async move {
                    normalise_errors(&mut resp);
                    // Restricted data leaves only with its audit event written.
                    match crate::service::audit::flush_reads(
                        &state.read_audit,
                        Some(&viewer),
                        &request_id,
                        &reads,
                    )
                    .await
                    {
                        Ok(()) => resp,
                        Err(AppError::Unavailable(m)) => request_error(AppError::Unavailable(m)),
                        Err(other) => request_error(AppError::internal(anyhow::anyhow!(
                            "writing the read audit failed: {}",
                            other.message()
                        ))),
                    }
                }
            })
            .boxed()
    }
}

/// One running subscription of a connection, counted while it lives (by the connection, for
/// its bound, and by `hub389_subscriptions_open`).
struct Open(
    Arc<AtomicUsize>,
    crate::telemetry::metrics::SubscriptionOpen,
);

impl Open {
    fn take(count: &Arc<AtomicUsize>) -> Option<Open> {
        count
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < MAX_SUBSCRIPTIONS).then_some(n + 1)
            })
            .ok()
            .map(|_| {
                Open(
                    count.clone(),
                    crate::telemetry::metrics::SubscriptionOpen::new(),
                )
            })
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl async_graphql::Executor for LiveExecutor {
    async fn execute(&self, _request: async_graphql::Request) -> GqlResponse {
        request_error(AppError::bad_input(
            "only subscriptions run over the socket; send queries and mutations with POST /graphql",
        ))
    }

    fn execute_stream(
        &self,
        request: async_graphql::Request,
        _session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, GqlResponse> {
        let this = self.clone();
        stream::once(this.start(request)).flatten().boxed()
    }
}

/// A close frame; its reason cut to what a frame holds ([`truncated`]).
fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: truncated(reason).into(),
    }))
}

/// Runs the protocol (async-graphql's) behind a relay that owns the socket's sending half, so
/// the server can close the socket itself: when the token expires, when `connection_init`
/// does not come, and with `graphql-ws`'s 4403 when it is refused (async-graphql says 1002).
async fn serve(
    socket: WebSocket,
    executor: LiveExecutor,
    protocol: GraphQLProtocol,
    transport_ws: bool,
    header_token: Option<String>,
) {
    let ops: Operations = Arc::default();
    let duplicate = Arc::new(tokio::sync::Notify::new());
    let (mut socket_out, socket_in) = socket.split();
    let socket_in = {
        let (ops, duplicate) = (ops.clone(), duplicate.clone());
        // A reused id never reaches async-graphql: the socket closes instead.
        socket_in.filter(move |msg| {
            let pass = match msg {
                Ok(Message::Text(text)) if transport_ws => match note_client_message(text, &ops) {
                    Incoming::Pass => true,
                    Incoming::Duplicate(_) => {
                        duplicate.notify_one();
                        false
                    }
                },
                _ => true,
            };
            std::future::ready(pass)
        })
    };
    let (tx, mut outgoing) = tokio::sync::mpsc::channel::<Message>(16);
    let relay = sink::unfold(tx, |tx, msg: Message| async move {
        tx.send(msg).await.map(|()| tx)
    });
    let refused = Arc::new(AtomicBool::new(false));
    let on_init = {
        let (executor, refused) = (executor.clone(), refused.clone());
        move |payload: serde_json::Value| async move {
            match executor.init(payload, header_token).await {
                Ok(()) => Ok(Data::default()),
                Err(e) => {
                    refused.store(true, Ordering::SeqCst);
                    Err(async_graphql::Error::new(e.message()))
                }
            }
        }
    };
    let protocol_task = tokio::spawn(
        GraphQLWebSocket::new_with_pair(relay, socket_in, executor.clone(), protocol)
            .on_connection_init(on_init)
            .serve(),
    );
    let init_deadline = Instant::now() + INIT_TIMEOUT;
    let mut check = tokio::time::interval(CHECK_EVERY);
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let deadline = executor.session.get().map_or(init_deadline, |s| s.expires);
        tokio::select! {
            _ = check.tick() => match executor.still_valid().await {
                Err(AppError::Unauthenticated(m)) => {
                    let _ = socket_out.send(close(FORBIDDEN, &m)).await;
                    break;
                }
                // The database unavailable a moment: the viewer is checked again next tick.
                Err(e) => tracing::warn!(error = %e.message(), "could not resolve a live connection's viewer again"),
                Ok(()) => {}
            },
            msg = outgoing.recv() => match msg {
                Some(Message::Close(frame)) if refused.load(Ordering::SeqCst) => {
                    let reason = frame.map(|f| f.reason.to_string()).unwrap_or_default();
                    let _ = socket_out.send(close(FORBIDDEN, &reason)).await;
                    break;
                }
                // async-graphql closes a `graphql-transport-ws` socket on a message it cannot
                // read with 1002 and the parser's words, which ran past a close frame's 125
                // bytes (Node's `ws` then saw a broken frame: 1006). The protocol says 4400.
                Some(Message::Close(Some(frame))) => {
                    // And a `subscribe` before `connection_init` is 4401 there, where
                    // async-graphql says 1011.
                    let code = match u16::from(frame.code) {
                        1002 if transport_ws => INVALID_MESSAGE,
                        1011 if transport_ws => UNAUTHORIZED,
                        other => other,
                    };
                    let _ = socket_out.send(close(code, &frame.reason)).await;
                    break;
                }
                Some(msg) => {
                    let msg = match msg {
                        Message::Text(text) if transport_ws => {
                            match as_error_message(&text, &ops) {
                                Relay::Send(Some(t)) => Message::Text(t.into()),
                                Relay::Send(None) => Message::Text(text),
                                Relay::Drop => continue,
                            }
                        }
                        other => other,
                    };
                    if socket_out.send(msg).await.is_err() {
                        break;
                    }
                }
                None => break,
            },
            () = duplicate.notified() => {
                let id = ops.lock().ok().and_then(|o| o.duplicate.clone()).unwrap_or_default();
                let reason = format!("Subscriber for {id} already exists");
                let _ = socket_out.send(close(SUBSCRIBER_EXISTS, &reason)).await;
                break;
            }
            () = tokio::time::sleep_until(deadline) => {
                let frame = if executor.session.get().is_some() {
                    close(FORBIDDEN, "token expired")
                } else {
                    close(INIT_TIMED_OUT, "Connection initialisation timeout")
                };
                let _ = socket_out.send(frame).await;
                break;
            }
        }
    }
    protocol_task.abort();
}

/// What the relay knows of a `graphql-transport-ws` connection's operations, from the
/// messages passing both ways (async-graphql keeps its own map and shows it to no one).
#[derive(Default)]
struct OperationsState {
    /// Ids with a subscription running, as the client sees it: from its `subscribe` to the
    /// `complete` or `error` either side sends.
    running: HashSet<String>,
    /// Operations whose `complete` is not sent: those answered with `error`, and those the
    /// client completed itself (the protocol has nothing follow either).
    silenced: HashSet<String>,
    /// A `subscribe` reused a running id: the socket closes with 4409.
    duplicate: Option<String>,
}

type Operations = Arc<std::sync::Mutex<OperationsState>>;

/// What the relay does with a client's message before async-graphql reads it.
#[derive(Debug, PartialEq, Eq)]
enum Incoming {
    Pass,
    /// A `subscribe` with the id of a running operation: the protocol closes the socket with
    /// 4409 ("Subscriber for <id> already exists"); async-graphql would silently replace the
    /// running one.
    Duplicate(String),
}

/// Notes a client's `subscribe` and `complete`.
fn note_client_message(text: &str, ops: &Operations) -> Incoming {
    if !text.contains(r#""subscribe""#) && !text.contains(r#""complete""#) {
        return Incoming::Pass;
    }
    let Ok(msg) = serde_json::from_str::<serde_json::Value>(text) else {
        return Incoming::Pass;
    };
    let (Some(id), Ok(mut ops)) = (msg["id"].as_str(), ops.lock()) else {
        return Incoming::Pass;
    };
    match msg["type"].as_str() {
        Some("subscribe") => {
            if ops.running.contains(id) {
                ops.duplicate = Some(id.to_string());
                return Incoming::Duplicate(id.to_string());
            }
            // Bounded like `silenced`: past it a reused id is not caught (async-graphql's
            // own map replaces the operation, as before).
            if ops.running.len() < MAX_SILENCED {
                ops.running.insert(id.to_string());
            }
        }
        // A `complete` from the client ends an operation on its side: the server's own
        // `complete` for it, which async-graphql sends back, is dropped.
        Some("complete") if ops.running.remove(id) && ops.silenced.len() < MAX_SILENCED => {
            ops.silenced.insert(id.to_string());
        }
        _ => {}
    }
    Incoming::Pass
}

/// What the relay does with one outgoing message.
enum Relay {
    /// Send it (rewritten when `Some`).
    Send(Option<String>),
    Drop,
}

/// `graphql-transport-ws` answers an operation that never ran (a document that does not
/// validate, a refused one) with an `error` message and nothing after it; async-graphql sends
/// `next` with the errors, then `complete`. This rewrites the first and drops the second.
/// Either ends the operation: its id may be subscribed again.
fn as_error_message(text: &str, ops: &Operations) -> Relay {
    // Only such messages have a null `data`; events never do.
    if !text.contains(r#""data":null"#) && !text.contains(r#""type":"complete""#) {
        return Relay::Send(None);
    }
    let Ok(msg) = serde_json::from_str::<serde_json::Value>(text) else {
        return Relay::Send(None);
    };
    let id = msg["id"].as_str().unwrap_or_default().to_string();
    let Ok(mut ops) = ops.lock() else {
        return Relay::Send(None);
    };
    match msg["type"].as_str() {
        Some("complete") => {
            ops.running.remove(&id);
            if ops.silenced.remove(&id) {
                Relay::Drop
            } else {
                Relay::Send(None)
            }
        }
        Some("next")
            if msg["payload"]["data"].is_null()
                && msg["payload"]["errors"].as_array().is_some_and(|e| {
                    !e.is_empty() && e.iter().all(|e| e.get("path").is_none())
                }) =>
        {
            let rewritten = serde_json::json!({
                "id": id,
                "type": "error",
                "payload": msg["payload"]["errors"],
            });
            ops.running.remove(&id);
            ops.silenced.insert(id);
            Relay::Send(Some(rewritten.to_string()))
        }
        _ => Relay::Send(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operation_that_never_ran_is_an_error_message_without_complete() {
        let ops: Operations = Arc::default();
        let next = r#"{"id":"1","type":"next","payload":{"data":null,"errors":[{"message":"Unknown field","extensions":{"code":"BAD_USER_INPUT"}}]}}"#;
        let Relay::Send(Some(rewritten)) = as_error_message(next, &ops) else {
            panic!("not rewritten");
        };
        let v: serde_json::Value = serde_json::from_str(&rewritten).unwrap();
        assert_eq!(v["type"], "error");
        assert_eq!(v["payload"][0]["extensions"]["code"], "BAD_USER_INPUT");
        assert!(matches!(
            as_error_message(r#"{"id":"1","type":"complete"}"#, &ops),
            Relay::Drop
        ));
        // Another operation's completion, and an event with a field error, pass unchanged.
        assert!(matches!(
            as_error_message(r#"{"id":"2","type":"complete"}"#, &ops),
            Relay::Send(None)
        ));
        let event = r#"{"id":"3","type":"next","payload":{"data":null,"errors":[{"message":"no","path":["caseChanged"]}]}}"#;
        assert!(matches!(as_error_message(event, &ops), Relay::Send(None)));
    }

    #[test]
    fn the_client_completing_an_operation_gets_no_complete_back() {
        let ops: Operations = Arc::default();
        let sub = r#"{"id":"7","type":"subscribe","payload":{"query":"subscription { x }"}}"#;
        assert_eq!(note_client_message(sub, &ops), Incoming::Pass);
        note_client_message(r#"{"id":"7","type":"complete"}"#, &ops);
        assert!(matches!(
            as_error_message(r#"{"type":"complete","id":"7"}"#, &ops),
            Relay::Drop
        ));
        // Once: a later operation with that id completes as usual.
        assert_eq!(note_client_message(sub, &ops), Incoming::Pass);
        assert!(matches!(
            as_error_message(r#"{"type":"complete","id":"7"}"#, &ops),
            Relay::Send(None)
        ));
        // Completing an operation that already ended silences nothing: the next one with
        // that id still gets its `complete`.
        note_client_message(r#"{"id":"7","type":"complete"}"#, &ops);
        assert_eq!(note_client_message(sub, &ops), Incoming::Pass);
        assert!(matches!(
            as_error_message(r#"{"type":"complete","id":"7"}"#, &ops),
            Relay::Send(None)
        ));
    }

    #[test]
    fn a_running_id_subscribed_again_is_a_duplicate_until_it_ends() {
        let ops: Operations = Arc::default();
        let sub = |id: &str| {
            format!(
                r#"{{"id":"{id}","type":"subscribe","payload":{{"query":"subscription {{ x }}"}}}}"#
            )
        };
        assert_eq!(note_client_message(&sub("a"), &ops), Incoming::Pass);
        assert_eq!(note_client_message(&sub("b"), &ops), Incoming::Pass);
        assert_eq!(
            note_client_message(&sub("a"), &ops),
            Incoming::Duplicate("a".into())
        );
        // Ended by the server (`complete`), by an `error`, or by the client: free again.
        let _ = as_error_message(r#"{"id":"a","type":"complete"}"#, &ops);
        assert_eq!(note_client_message(&sub("a"), &ops), Incoming::Pass);
        let error =
            r#"{"id":"a","type":"next","payload":{"data":null,"errors":[{"message":"no"}]}}"#;
        let _ = as_error_message(error, &ops);
        assert_eq!(note_client_message(&sub("a"), &ops), Incoming::Pass);
        note_client_message(r#"{"id":"b","type":"complete"}"#, &ops);
        assert_eq!(note_client_message(&sub("b"), &ops), Incoming::Pass);
        assert_eq!(truncated(&"é".repeat(100)).len(), 122);
    }

    #[test]
    fn the_token_is_found_where_clients_put_it() {
        let t = |v: serde_json::Value| token_of(&v);
        assert_eq!(
            t(serde_json::json!({"Authorization": "Bearer abc"})).as_deref(),
            Some("abc")
        );
        assert_eq!(
            t(serde_json::json!({"authorization": "bearer abc"})).as_deref(),
            Some("abc")
        );
        assert_eq!(
            t(serde_json::json!({"headers": {"Authorization": "Bearer abc"}})).as_deref(),
            Some("abc")
        );
        assert_eq!(
            t(serde_json::json!({"token": " abc "})).as_deref(),
            Some("abc")
        );
        assert_eq!(t(serde_json::json!({"Authorization": "Basic abc"})), None);
        assert_eq!(t(serde_json::json!({})), None);
        assert_eq!(t(serde_json::Value::Null), None);
    }
}
