//! Starting the server on a socket, in-process (default run, tests) or standalone (`serve`).

use super::app::{AppState, ServerConfig, router};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A server running on the current tokio runtime; dropping it shuts the server down.
pub struct RunningServer {
    /// The bound address (useful with port 0).
    pub addr: SocketAddr,
    /// The server's state, for tests that inspect the store.
    pub state: Arc<AppState>,
    /// The base URL clients use: `http://addr/base_path`.
    pub base_url: String,
    shutdown: Option<oneshot::Sender<()>>,
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Binds `addr` and serves until the returned handle is dropped.
pub async fn spawn(addr: SocketAddr, config: ServerConfig) -> std::io::Result<RunningServer> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let base_url = format!("http://{addr}{}", config.base_path);
    let state = AppState::new(config);
    let app = router(state.clone());
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(RunningServer {
        addr,
        state,
        base_url,
        shutdown: Some(tx),
    })
}
