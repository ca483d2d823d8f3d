//! Notion's transcript step: a toggle "Transcript (m:ss)" right under the post's footer line,
//! holding the timed lines as paragraphs (`crate::transcript` renders them). The toggle goes
//! with as many paragraphs as one request carries (≤ 100 children, a bounded body; two levels
//! of nesting, as Notion allows); the rest are appended under the toggle in further requests.
//!
//! Exactly once: a create whose reply was lost is checked by finding the toggle (in the post's
//! section, after its footer, by its title); a further append by counting the toggle's
//! children. A step resumed after a crash finds the toggle and appends only what it lacks.

use serde_json::Value;

use super::{Notion, block_text, is_heading};
use crate::destination::{Post, StepDone};
use crate::error::{Failure, Result};
use crate::retry;
use crate::transcript;

impl Notion {
    pub(super) async fn transcript_inner(
        &self,
        post: &Post,
        summary: &StepDone,
        resume: bool,
    ) -> Result<StepDone> {
        let Some(t) = post.transcript.as_ref() else {
            return Ok(StepDone::new("", None));
        };
        let paragraphs = transcript::notion_paragraphs(t);
        if paragraphs.is_empty() {
            return Ok(StepDone::new("", None));
        }
        let title = t.title(post.duration_secs);
        let marker = post.marker();
        let found = if resume {
            retry::repeatable(&self.cfg.retry, "notion.find_transcript", || {
                self.find_toggle(&marker, &title)
            })
            .await?
        } else {
            None
        };
        let (toggle, mut have) = match found {
            Some(id) => {
                let n = retry::repeatable(&self.cfg.retry, "notion.transcript_children", || {
                    self.count_children(&id)
                })
                .await?;
                tracing::info!(have = n, "found the transcript from an interrupted run");
                (id, n)
            }
            None => {
                let first = transcript::batch_len(&paragraphs);
                let block = transcript::notion_toggle(&title, &paragraphs[..first]);
                let anchor = Some(summary.remote_id.as_str()).filter(|id| !id.is_empty());
                let id = retry::run(
                    &self.cfg.retry,
                    "notion.append_transcript",
                    || async {
                        let ids = self.append(std::slice::from_ref(&block), anchor).await?;
                        Ok(ids.into_iter().next().unwrap_or_default())
                    },
                    || self.find_toggle(&marker, &title),
                )
                .await?;
                (id, first)
            }
        };
        while have < paragraphs.len() {
            let n = transcript::batch_len(&paragraphs[have..]);
            let chunk: &[Value] = &paragraphs[have..have + n];
            let want = have + n;
            retry::run(
                &self.cfg.retry,
                "notion.append_transcript_more",
                || async { self.append_to(&toggle, chunk, None).await.map(|_| ()) },
                || async { Ok((self.count_children(&toggle).await? >= want).then_some(())) },
            )
            .await?;
            have = want;
        }
        Ok(StepDone::new(toggle, None))
    }

    /// The post's transcript toggle: in its section (after the footer line that carries its
    /// marker, before the next heading or video), titled `title`.
    async fn find_toggle(&self, marker: &str, title: &str) -> Result<Option<String>, Failure> {
        let blocks = self.children().await?;
        let Some(footer) = blocks
            .iter()
            .position(|b| b["type"] == "paragraph" && block_text(b).contains(marker))
        else {
            return Ok(None);
        };
        Ok(blocks[footer + 1..]
            .iter()
            .take_while(|b| !is_heading(b) && b["type"] != "video")
            .find(|b| b["type"] == "toggle" && block_text(b) == title)
            .and_then(|b| b["id"].as_str())
            .map(str::to_string))
    }

    async fn count_children(&self, block: &str) -> Result<usize, Failure> {
        Ok(self.children_of(block).await?.len())
    }
}
