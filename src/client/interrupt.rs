//! The run's interrupt switch: set by SIGINT/SIGTERM, read by every case. A case stops its
//! steps when it is set, then still runs its cleanup; cases not yet started do not start.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Notify;

/// Shared interrupt flag with a wake-up for cases waiting on a request.
#[derive(Debug, Clone, Default)]
pub struct Interrupt {
    inner: Arc<(AtomicBool, Notify)>,
}

impl Interrupt {
    /// Sets the flag and wakes every waiter.
    pub fn trigger(&self) {
        self.inner.0.store(true, Ordering::SeqCst);
        self.inner.1.notify_waiters();
    }

    /// Whether the run was interrupted.
    pub(crate) fn is_set(&self) -> bool {
        self.inner.0.load(Ordering::SeqCst)
    }

    /// Resolves once the run is interrupted.
    pub async fn wait(&self) {
        loop {
            let notified = self.inner.1.notified();
            tokio::pin!(notified);
            // Register before checking, so a trigger between the check and the await is seen.
            notified.as_mut().enable();
            if self.is_set() {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn wait_returns_after_trigger() {
        let i = Interrupt::default();
        let waiter = {
            let i = i.clone();
            tokio::spawn(async move { i.wait().await })
        };
        tokio::task::yield_now().await;
        i.trigger();
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .unwrap()
            .unwrap();
        i.wait().await; // already set: returns at once
    }
}
