//! The UI's end of a worker thread: commands in and events out, over bounded channels. The
//! worker calls the UI's `request_repaint` after each event, so the UI sees it at once.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

pub struct Handle<C, E> {
    tx: SyncSender<C>,
    pub rx: Receiver<E>,
}

impl<C: Send + 'static, E: Send + 'static> Handle<C, E> {
    /// Starts a named thread running `run` with the command receiver and the event sender;
    /// `commands` and `events` bound the two queues.
    pub fn start(
        name: &str,
        commands: usize,
        events: usize,
        run: impl FnOnce(Receiver<C>, SyncSender<E>) + Send + 'static,
    ) -> std::io::Result<Self> {
        let (tx, cmd_rx) = sync_channel(commands);
        let (ev_tx, rx) = sync_channel(events);
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || run(cmd_rx, ev_tx))?;
        Ok(Self { tx, rx })
    }

    /// Sends a command; `false` if the worker is gone or its queue is full.
    pub fn send(&self, command: C) -> bool {
        self.tx.try_send(command).is_ok()
    }
}
