//! Starting the server on a socket, in-process (default run, tests) or standalone (`serve`).
//!
//! The accept loop is our own (hyper's HTTP/1 connection builder) so that a client cannot hold
//! a connection forever: request headers must arrive within `HEADER_TIMEOUT`, a connection
//! that sends nothing for `IDLE_TIMEOUT` is closed, and a request body must arrive within
//! `app::BODY_TIMEOUT` (enforced by the handler).

use super::app::{AppState, ServerConfig, router};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Longest a client may take to send a request's headers.
pub(super) const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest a connection may stay open without the client sending anything.
pub(super) const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// A server running on the current tokio runtime; dropping it shuts the server down.
pub struct RunningServer {
    /// The bound address (useful with port 0).
    pub addr: SocketAddr,
    /// The server's state, for tests that inspect the store.
    pub state: Arc<AppState>,
    /// The base URL clients use: `http://addr/base_path`.
    pub base_url: String,
    shutdown: watch::Sender<bool>,
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// A TCP stream whose reads fail once the client has sent nothing for `IDLE_TIMEOUT`.
struct IdleLimited {
    inner: TcpStream,
    idle: Pin<Box<tokio::time::Sleep>>,
}

impl AsyncRead for IdleLimited {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                if buf.filled().len() > before {
                    let deadline = tokio::time::Instant::now() + IDLE_TIMEOUT;
                    self.idle.as_mut().reset(deadline);
                }
                Poll::Ready(r)
            }
            Poll::Pending => match self.idle.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "idle connection closed",
                ))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl AsyncWrite for IdleLimited {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

use std::future::Future as _;

/// Binds `addr` and serves until the returned handle is dropped.
pub async fn spawn(addr: SocketAddr, config: ServerConfig) -> std::io::Result<RunningServer> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let base_url = format!("http://{addr}{}", config.base_path);
    // Connections served at once: beyond the cap, clients wait in the listen backlog until
    // one ends (the header and idle timeouts see to that), so a flood costs no memory here.
    let slots = Arc::new(tokio::sync::Semaphore::new(
        config.limits.max_connections.max(1),
    ));
    let state = AppState::new(config);
    let app = router(state.clone());
    let (tx, mut rx) = watch::channel(false);
    tokio::spawn(async move {
        loop {
            let slot = tokio::select! {
                slot = slots.clone().acquire_owned() => match slot {
                    Ok(slot) => slot,
                    Err(_) => return,
                },
                _ = rx.changed() => return,
            };
            let stream = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    // Out of file descriptors and the like: back off briefly, keep serving.
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                _ = rx.changed() => return,
            };
            let _ = stream.set_nodelay(true);
            let service = TowerToHyperService::new(app.clone());
            let mut stop = rx.clone();
            tokio::spawn(async move {
                let io = IdleLimited {
                    inner: stream,
                    idle: Box::pin(tokio::time::sleep(IDLE_TIMEOUT)),
                };
                let conn = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT)
                    .serve_connection(TokioIo::new(io), service);
                tokio::pin!(conn);
                tokio::select! {
                    _ = conn.as_mut() => {}
                    _ = stop.changed() => {
                        conn.as_mut().graceful_shutdown();
                        let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
                    }
                }
                drop(slot);
            });
        }
    });
    Ok(RunningServer {
        addr,
        state,
        base_url,
        shutdown: tx,
    })
}
