//! The pictures the stream hands to the recorder: the newest one ([`Latest`]) and a few pixel
//! buffers kept for reuse ([`Pool`]), so neither a still screen nor full motion allocates a new
//! 3 MB buffer (1080p) for every frame.
//!
//! ```text
//! pipewire-capture: take() ─ the previous picture, when nobody else holds it (damage is
//!                   │        copied into it) ─ else a spare buffer ─ else a new one
//!                   └─ publish() ──▶ Latest ──▶ recorder (Arc) ── dropped: buffer back to Pool
//! ```

use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::{Duration, Instant};

use crate::error::{CaptureError, Result};

/// How many spare buffers are kept: pictures the recorder let go of are reused for the next
/// ones; its queue and its encoder hold the others while they are in use.
const SPARES: usize = 1;

/// One picture: YUV 4:2:0 ([`super::yuv`]), `width` × `height` (both even).
pub struct Picture {
    pub data: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// When the desktop drew the picture (when it reached us, if the desktop does not say): the
    /// screen showed it from then until the next picture.
    pub drawn: Instant,
    /// How long after it was drawn the picture reached us.
    pub delay: Duration,
    /// Its place among the pictures published (from 1).
    seq: u64,
    /// Where the buffer goes when the last holder lets go of the picture.
    pool: Weak<Pool>,
}

impl Picture {
    /// Its place among the pictures published: one more than the picture before it.
    pub fn seq(&self) -> u64 {
        self.seq
    }
}

impl Drop for Picture {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.upgrade() {
            pool.put(std::mem::take(&mut self.data));
        }
    }
}

/// Pixel buffers whose pictures were dropped, ready to be filled again.
#[derive(Default)]
pub struct Pool {
    spare: Mutex<Vec<Vec<u8>>>,
    /// How many buffers were made (not reused): the most pictures alive at once.
    made: std::sync::atomic::AtomicUsize,
}

impl Pool {
    fn put(&self, data: Vec<u8>) {
        let mut spare = self.spare.lock().unwrap_or_else(|e| e.into_inner());
        if spare.len() < SPARES && data.capacity() > 0 {
            spare.push(data);
        }
    }

    fn get(&self) -> Vec<u8> {
        let mut spare = self.spare.lock().unwrap_or_else(|e| e.into_inner());
        spare.pop().unwrap_or_else(|| {
            self.made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Vec::new()
        })
    }

    /// How many buffers were made rather than reused.
    pub fn made(&self) -> usize {
        self.made.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How many spare buffers wait to be reused.
    #[cfg(test)]
    pub fn spares(&self) -> usize {
        self.spare.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// A buffer to fill, from [`Latest::take`].
pub enum Reused {
    /// The previous picture itself: nobody else held it, so only what changed needs copying.
    Previous(Picture),
    /// A buffer with no useful content: the whole picture must be copied into it.
    Blank(Vec<u8>),
}

/// The newest picture, shared between the PipeWire thread and the recorder's capture thread.
#[derive(Default)]
pub struct Latest {
    slot: Mutex<Slot>,
    ready: Condvar,
    pool: Arc<Pool>,
}

#[derive(Default)]
struct Slot {
    picture: Option<Arc<Picture>>,
    /// The size pictures will come at, once the stream's format says it.
    size: Option<(u32, u32)>,
    /// Why the stream ended, if it did.
    ended: Option<String>,
    /// How many pictures were published.
    published: u64,
}

impl Latest {
    /// A picture of `data`, whose buffer returns to this pool when it is dropped.
    pub fn picture(&self, data: Vec<u8>, width: u32, height: u32) -> Picture {
        Picture {
            data,
            width,
            height,
            drawn: Instant::now(),
            delay: Duration::ZERO,
            seq: 0,
            pool: Arc::downgrade(&self.pool),
        }
    }

    /// Makes `picture` the newest.
    pub fn publish(&self, mut picture: Picture) {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        slot.published += 1;
        picture.seq = slot.published;
        slot.picture = Some(Arc::new(picture));
        self.ready.notify_all();
    }

    /// Says the size pictures will come at, before the first one does.
    pub fn announce(&self, size: (u32, u32)) {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        slot.size.get_or_insert(size);
        self.ready.notify_all();
    }

    /// The size pictures come at: announced by the stream's format, or the first picture's;
    /// waits up to `wait` for either.
    pub fn size(&self, wait: Duration) -> Result<(u32, u32)> {
        self.wait_for(wait, |slot| {
            slot.size
                .or_else(|| slot.picture.as_ref().map(|p| (p.width, p.height)))
        })
    }

    /// Ends the stream: every later [`Latest::get`] says `why`.
    pub fn end(&self, why: String) {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        slot.ended.get_or_insert(why);
        self.ready.notify_all();
    }

    /// A buffer to fill next: the previous picture when nobody else holds it (it is taken out
    /// until [`Latest::publish`]; `get` waits meanwhile), else a spare one.
    pub fn take(&self) -> Reused {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        match slot.picture.take().map(Arc::try_unwrap) {
            Some(Ok(previous)) => Reused::Previous(previous),
            Some(Err(shared)) => {
                slot.picture = Some(shared);
                drop(slot);
                Reused::Blank(self.pool.get())
            }
            None => Reused::Blank(self.pool.get()),
        }
    }

    /// The spare buffers (to see that they are reused, and how many were made).
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The newest picture; waits up to `wait` for the first one.
    pub fn get(&self, wait: Duration) -> Result<Arc<Picture>> {
        self.wait_for(wait, |slot| slot.picture.clone())
    }

    /// The first picture published after the one numbered `seq`; waits up to `wait` for it,
    /// `None` when none came (the screen did not change).
    pub fn newer(&self, seq: u64, wait: Duration) -> Result<Option<Arc<Picture>>> {
        self.wait_until(wait, |slot| {
            slot.picture.as_ref().filter(|p| p.seq > seq).cloned()
        })
    }

    /// Waits up to `wait` until `found` finds something in the slot, or the stream ends.
    fn wait_for<T>(&self, wait: Duration, found: impl Fn(&Slot) -> Option<T>) -> Result<T> {
        self.wait_until(wait, found)?.ok_or_else(|| {
            CaptureError::Portal(format!(
                "the desktop's screen stream sent no picture in {:.0} s",
                wait.as_secs_f64()
            ))
        })
    }

    /// Waits up to `wait` until `found` finds something in the slot (`None` if it did not), or
    /// the stream ends.
    fn wait_until<T>(
        &self,
        wait: Duration,
        found: impl Fn(&Slot) -> Option<T>,
    ) -> Result<Option<T>> {
        let deadline = Instant::now() + wait;
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(why) = &slot.ended {
                return Err(CaptureError::Portal(format!(
                    "the desktop's screen stream ended: {why}"
                )));
            }
            if let Some(it) = found(&slot) {
                return Ok(Some(it));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            slot = self
                .ready
                .wait_timeout(slot, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Latest, Reused, SPARES};
    use std::time::Duration;

    /// Fills the next buffer with `byte` and publishes it; true when it was the previous picture.
    fn fill(latest: &Latest, byte: u8) -> bool {
        match latest.take() {
            Reused::Previous(mut p) => {
                p.data.fill(byte);
                latest.publish(p);
                true
            }
            Reused::Blank(mut v) => {
                v.clear();
                v.resize(16, byte);
                latest.publish(latest.picture(v, 2, 2));
                false
            }
        }
    }

    #[test]
    fn buffers_are_reused_whether_the_recorder_holds_pictures_or_not() {
        let latest = Latest::default();
        assert!(!fill(&latest, 1), "nothing to reuse at first");
        // The recorder let go of it: the previous picture itself is filled again.
        assert!(fill(&latest, 2));
        assert_eq!(latest.get(Duration::ZERO).unwrap().data[0], 2);

        // The recorder holds two pictures (its queue and its encoder): other buffers are used,
        // and theirs come back to the pool when it lets go.
        let held_a = latest.get(Duration::ZERO).unwrap();
        assert!(!fill(&latest, 3));
        let held_b = latest.get(Duration::ZERO).unwrap();
        assert!(!fill(&latest, 4));
        assert_eq!((held_a.data[0], held_b.data[0]), (2, 3));
        drop((held_a, held_b));
        assert_eq!(latest.pool().spares(), SPARES, "no more are kept than that");
        let made = latest.pool().made();
        assert_eq!(made, 3, "one for each picture alive at once");

        // The next buffer while the newest is held is a spare one, not a new allocation.
        let _held = latest.get(Duration::ZERO).unwrap();
        let Reused::Blank(spare) = latest.take() else {
            panic!("the newest picture is held")
        };
        assert!(spare.capacity() >= 16, "a used buffer, not a new one");
        assert_eq!(latest.pool().spares(), SPARES - 1);
        assert_eq!(latest.pool().made(), made);
    }

    #[test]
    fn a_newer_picture_is_waited_for_and_numbered_one_more() {
        let latest = Latest::default();
        fill(&latest, 1);
        let first = latest.get(Duration::ZERO).unwrap().seq();
        assert!(
            latest
                .newer(first, Duration::from_millis(5))
                .unwrap()
                .is_none(),
            "nothing newer was published"
        );
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(20));
                fill(&latest, 2);
            });
            let next = latest.newer(first, Duration::from_secs(10)).unwrap();
            let next = next.expect("the picture published meanwhile");
            assert_eq!((next.seq(), next.data[0]), (first + 1, 2));
        });
        latest.end("the stream was stopped".into());
        assert!(latest.newer(first, Duration::ZERO).is_err());
    }

    #[test]
    fn the_size_is_known_from_the_format_before_the_first_picture() {
        let latest = Latest::default();
        let none = latest.size(Duration::ZERO).unwrap_err().to_string();
        assert!(none.contains("sent no picture"), "{none}");
        latest.announce((1280, 720));
        assert_eq!(latest.size(Duration::ZERO).unwrap(), (1280, 720));
        assert!(latest.get(Duration::ZERO).is_err(), "no picture yet");
        // A later format does not change the size the recording opened with.
        latest.announce((640, 480));
        assert_eq!(latest.size(Duration::ZERO).unwrap(), (1280, 720));

        // With no format announced, the first picture's size is used.
        let latest = Latest::default();
        fill(&latest, 1);
        assert_eq!(latest.size(Duration::ZERO).unwrap(), (2, 2));
        latest.end("the stream was stopped".into());
        let ended = latest.size(Duration::ZERO).unwrap_err().to_string();
        assert!(ended.contains("ended"), "{ended}");
    }
}
