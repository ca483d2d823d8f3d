//! Sending files to the bucket. A clip up to one part's size is one conditional PUT; a larger one
//! is a multipart upload whose id and each finished part's ETag are saved in the job
//! ([`Checkpoint`]) before the next part starts, so a run after any interruption sends only the
//! parts that are missing (at most the one that was on the way). Parts are read from the file one
//! at a time: memory stays at one part, whatever the clip's size.

use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::S3;
use crate::destination::{Checkpoint, PartsDone};
use crate::error::{Error, Result};
use crate::progress::Progress;

impl S3 {
    /// Writes `bytes` at `key` unless something is there already (`PutMode::Create`): a retried
    /// write never lands twice. `Ok(false)`: it was there.
    pub(crate) async fn put_new(&self, key: &Key, bytes: Vec<u8>) -> Result<bool> {
        let opts = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        match self
            .store
            .put_opts(key, PutPayload::from(bytes), opts)
            .await
        {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
            Err(e) => Err(self.fault(&e, key)),
        }
    }

    /// The object's size, or `None` when it is not there — or when the server will not say: an
    /// answer to HEAD has no body to name the cause (bad keys, a missing bucket, no right to
    /// read), so the write that follows is left to report it.
    pub(crate) async fn size_of(&self, key: &Key) -> Result<Option<u64>> {
        match self.store.head(key).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(
                object_store::Error::NotFound { .. }
                | object_store::Error::PermissionDenied { .. }
                | object_store::Error::Unauthenticated { .. },
            ) => Ok(None),
            Err(e) => Err(self.fault(&e, key)),
        }
    }

    /// Sends the clip at `file` to `key`, resuming a multipart upload `checkpoint` holds.
    pub(crate) async fn send_clip(
        &self,
        file: &std::path::Path,
        key: &Key,
        progress: &Progress,
        checkpoint: &Checkpoint<'_>,
    ) -> Result<()> {
        let total = std::fs::metadata(file)
            .map_err(|e| Error::io("read", file, e))?
            .len();
        progress.start_bytes();
        if self.size_of(key).await? == Some(total) {
            // An earlier run finished it and lost the answer.
            checkpoint.save(None)?;
            progress.add_bytes(total, total);
            return Ok(());
        }
        let part_bytes = self.settings.part_bytes.max(5 * 1024 * 1024);
        if total <= part_bytes {
            let bytes = tokio::fs::read(file)
                .await
                .map_err(|e| Error::io("read", file, e))?;
            self.put_new(key, bytes).await?;
            progress.add_bytes(total, total);
            return Ok(());
        }
        self.multipart(file, key, total, part_bytes, progress, checkpoint)
            .await
    }

    async fn multipart(
        &self,
        file: &std::path::Path,
        key: &Key,
        total: u64,
        part_bytes: u64,
        progress: &Progress,
        checkpoint: &Checkpoint<'_>,
    ) -> Result<()> {
        let parts_total = total.div_ceil(part_bytes) as usize;
        let mut state = match checkpoint.get() {
            Some(p) if p.key == key.as_ref() && p.part_bytes == part_bytes => {
                tracing::info!(
                    parts_done = p.etags.len(),
                    parts_total,
                    "resuming the multipart upload"
                );
                p
            }
            stale => {
                if let Some(old) = stale
                    && let Err(e) = self.abort(&old).await
                {
                    tracing::info!(error = %e, "could not abort an abandoned multipart upload");
                }
                let upload_id = self
                    .store
                    .create_multipart(key)
                    .await
                    .map_err(|e| self.fault(&e, key))?;
                let fresh = PartsDone {
                    key: key.as_ref().to_string(),
                    upload_id,
                    part_bytes,
                    etags: Vec::new(),
                };
                checkpoint.save(Some(fresh.clone()))?;
                fresh
            }
        };
        let mut f = tokio::fs::File::open(file)
            .await
            .map_err(|e| Error::io("read", file, e))?;
        let done_bytes = (state.etags.len() as u64 * part_bytes).min(total);
        progress.add_bytes(done_bytes, total);
        for idx in state.etags.len()..parts_total {
            let start = idx as u64 * part_bytes;
            let len = part_bytes.min(total - start);
            let mut buf = vec![0u8; len as usize];
            f.seek(std::io::SeekFrom::Start(start))
                .await
                .map_err(|e| Error::io("read", file, e))?;
            f.read_exact(&mut buf)
                .await
                .map_err(|e| Error::io("read", file, e))?;
            let part = self
                .store
                .put_part(key, &state.upload_id, idx, PutPayload::from(buf))
                .await;
            let part = match part {
                Ok(p) => p,
                Err(e) if super::fault::is_no_such_upload(&e) => {
                    // Aborted or expired on the server: start over on the next run.
                    checkpoint.save(None)?;
                    return Err(self.fault(&e, key));
                }
                Err(e) => return Err(self.fault(&e, key)),
            };
            state.etags.push(part.content_id);
            checkpoint.save(Some(state.clone()))?;
            tracing::debug!(part = idx + 1, parts_total, "part sent");
            progress.add_bytes(len, total);
        }
        let parts = state
            .etags
            .iter()
            .map(|e| PartId {
                content_id: e.clone(),
            })
            .collect();
        match self
            .store
            .complete_multipart(key, &state.upload_id, parts)
            .await
        {
            Ok(_) => {}
            Err(e) if super::fault::is_no_such_upload(&e) => {
                // Completed by a run whose answer was lost, or gone: the object tells which.
                if self.size_of(key).await? != Some(total) {
                    checkpoint.save(None)?;
                    return Err(self.fault(&e, key));
                }
            }
            Err(e) => return Err(self.fault(&e, key)),
        }
        checkpoint.save(None)
    }

    /// Aborts an upload that will not be completed, so its parts do not stay in the bucket
    /// (stored, and billed, until a lifecycle rule removes them).
    pub(crate) async fn abort(&self, parts: &PartsDone) -> Result<()> {
        let key = Key::from(parts.key.as_str());
        match self.store.abort_multipart(&key, &parts.upload_id).await {
            Ok(()) => {
                tracing::info!(parts = parts.etags.len(), "aborted a multipart upload");
                Ok(())
            }
            // Already completed, aborted or expired: nothing is left of it.
            Err(e) if super::fault::is_no_such_upload(&e) => Ok(()),
            Err(e) => Err(self.fault(&e, &key)),
        }
    }
}
