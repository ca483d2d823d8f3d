//! Reading a clip back as a person's tools would: ffprobe, ffmpeg, a browser.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

/// What ffprobe says of a file's streams and format.
#[derive(Debug, Clone)]
pub struct Probe(pub Value);

impl Probe {
    pub fn of(path: &Path) -> Result<Self, String> {
        let out = Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-print_format",
                "json",
                "-show_streams",
                "-show_format",
            ])
            .arg(path)
            .output()
            .map_err(|e| format!("cannot run ffprobe: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        serde_json::from_slice(&out.stdout)
            .map(Probe)
            .map_err(|e| e.to_string())
    }

    pub fn stream(&self, kind: &str) -> Option<&Value> {
        self.0["streams"]
            .as_array()?
            .iter()
            .find(|s| s["codec_type"] == kind)
    }

    pub fn duration_secs(&self) -> f64 {
        self.0["format"]["duration"]
            .as_str()
            .and_then(|d| d.parse().ok())
            .unwrap_or(0.0)
    }
}

/// Decodes every frame of a file; `Err` with FFmpeg's complaint if any is broken.
pub fn decode_all(path: &Path) -> Result<(), String> {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-xerror", "-i"])
        .arg(path)
        .args(["-f", "null", "-"])
        .output()
        .map_err(|e| format!("cannot run ffmpeg: {e}"))?;
    let errors = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.success() && errors.trim().is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The audio of a file as mono f32 samples at 48 kHz.
pub fn audio_samples(path: &Path) -> Vec<f32> {
    audio_mono_at(path, 48_000)
}

/// The audio of a file as mono f32 samples at `rate` Hz, decoded by the `ffmpeg` CLI.
pub fn audio_mono_at(path: &Path, rate: u32) -> Vec<f32> {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args(["-map", "0:a:0", "-ac", "1", "-ar", &rate.to_string()])
        .args(["-f", "f32le", "-"])
        .output()
        .expect("ffmpeg runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Each video frame's presentation time and mean brightness (0–255), in display order.
pub fn frame_brightness(path: &Path) -> Vec<(f64, f64)> {
    let times = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "frame=pts_time",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    let times: Vec<f64> = String::from_utf8_lossy(&times.stdout)
        .lines()
        .filter_map(|l| l.trim().trim_end_matches(',').parse().ok())
        .collect();
    let (w, h) = (16usize, 9usize);
    let pixels = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args(["-map", "0:v:0", "-fps_mode", "passthrough", "-vf"])
        .arg(format!("scale={w}:{h},format=gray"))
        .args(["-f", "rawvideo", "-"])
        .output()
        .expect("ffmpeg runs");
    let means = pixels
        .stdout
        .chunks_exact(w * h)
        .map(|f| f.iter().map(|&p| f64::from(p)).sum::<f64>() / (w * h) as f64);
    times.into_iter().zip(means).collect()
}

/// The strength of `freq` Hz in `samples`, as the amplitude of a sine: the mean over 100 ms
/// blocks (a few Hz of resolution, so a sound card's slight clock offset does not matter).
pub fn tone_amplitude(samples: &[f32], freq: f64, rate: f64) -> f64 {
    let block = (rate / 10.0) as usize;
    let blocks: Vec<f64> = samples
        .chunks_exact(block)
        .map(|b| goertzel(b, freq, rate))
        .collect();
    blocks.iter().sum::<f64>() / blocks.len().max(1) as f64
}

fn goertzel(samples: &[f32], freq: f64, rate: f64) -> f64 {
    let k = 2.0 * (2.0 * std::f64::consts::PI * freq / rate).cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = f64::from(x) + k * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - k * s1 * s2;
    2.0 * power.max(0.0).sqrt() / samples.len().max(1) as f64
}

/// Root mean square of the samples.
pub fn rms(samples: &[f32]) -> f64 {
    (samples
        .iter()
        .map(|&s| f64::from(s) * f64::from(s))
        .sum::<f64>()
        / samples.len().max(1) as f64)
        .sqrt()
}

/// Whether `moov` (the index) comes before `mdat` (the data): browsers then start at once.
pub fn index_first(path: &Path) -> bool {
    let bytes = std::fs::read(path).expect("clip readable");
    let mut at = 0usize;
    while at + 8 <= bytes.len() {
        let size = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        match &bytes[at + 4..at + 8] {
            b"moov" => return true,
            b"mdat" => return false,
            _ => {}
        }
        if size < 8 {
            return false;
        }
        at += size;
    }
    false
}

const PLAY_PAGE: &str = r#"<!doctype html><html><body><video id="v" muted autoplay playsinline></video><script>
const v = document.getElementById('v');
const out = (s) => console.log('CLIPNOTE-RESULT ' + s);
v.addEventListener('ended', () => out('ended ' + v.currentTime.toFixed(2) + ' ' + v.videoWidth + 'x' + v.videoHeight));
v.addEventListener('error', () => out('error ' + (v.error && v.error.code) + ' ' + (v.error && v.error.message)));
v.src = location.hash.slice(1);
v.play().catch(e => out('error play ' + e));
</script></body></html>"#;

/// Plays the clip to its end in headless Chromium's `<video>`; returns what the page reported:
/// `ended <seconds> <W>x<H>` or `error ...`.
pub fn play_in_browser(chromium: &str, clip: &Path) -> String {
    let dir = clip.parent().expect("clip in a folder");
    let page = dir.join("play.html");
    std::fs::write(&page, PLAY_PAGE).expect("page written");
    let profile = dir.join("chromium-profile");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--autoplay-policy=no-user-gesture-required",
            "--allow-file-access-from-files",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!(
            "file://{}#{}",
            page.display(),
            clip.file_name().unwrap().to_string_lossy()
        ))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let stderr = child.stderr.take().unwrap();
    let mut result = String::from("chromium exited without a result");
    for line in BufReader::new(stderr).lines().map_while(Result::ok) {
        if let Some(at) = line.find("CLIPNOTE-RESULT ") {
            result = line[at + 16..].trim_end_matches(['"', ')']).to_owned();
            result = result.split('"').next().unwrap_or_default().to_owned();
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// A synthetic clip made by the `ffmpeg` CLI: FFmpeg's moving `testsrc2` with a 440 Hz tone.
#[derive(Debug, Clone)]
pub struct Synth {
    pub width: u32,
    pub height: u32,
    pub secs: u32,
    /// Frames between keyframes (30 fps).
    pub keyint: u32,
    /// libx264 CRF: low makes large files.
    pub crf: u32,
    /// A sound track of digital silence instead of a 440 Hz tone.
    pub silent: bool,
    /// Strong noise over the pictures: with `crf: 0` a large file made quickly (~18 MiB a
    /// second at 640x480).
    pub noise: bool,
}

impl Default for Synth {
    fn default() -> Self {
        Self {
            width: 1280,
            height: 720,
            secs: 4,
            keyint: 30,
            crf: 23,
            silent: false,
            noise: false,
        }
    }
}

impl Synth {
    /// A large clip made quickly: 4 s of lossless noise at 640x480 (~75 MiB).
    pub fn large() -> Self {
        Self {
            width: 640,
            height: 480,
            secs: 4,
            crf: 0,
            noise: true,
            ..Default::default()
        }
    }

    /// A 12-s clip just over Notion Free's 5 MiB a file (~6 MiB).
    pub fn over_notion_free() -> Self {
        Self {
            secs: 12,
            crf: 12,
            keyint: 250,
            ..Default::default()
        }
    }

    /// Writes the clip (H.264 yuv420p + AAC, index first) to `path`.
    pub fn make(&self, path: &Path) {
        let o = Command::new("ffmpeg")
            .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i"])
            .arg(format!(
                "testsrc2=size={}x{}:rate=30:duration={}{}",
                self.width,
                self.height,
                self.secs,
                if self.noise {
                    ",noise=alls=100:allf=t"
                } else {
                    ""
                }
            ))
            .args(["-f", "lavfi", "-i"])
            .arg(if self.silent {
                format!("aevalsrc=0:sample_rate=48000:duration={}", self.secs)
            } else {
                format!(
                    "sine=frequency=440:sample_rate=48000:duration={}",
                    self.secs
                )
            })
            .args([
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-bf",
                "0",
                "-pix_fmt",
                "yuv420p",
            ])
            .args([
                "-g",
                &self.keyint.to_string(),
                "-crf",
                &self.crf.to_string(),
            ])
            .args(["-c:a", "aac", "-movflags", "+faststart"])
            .arg(path)
            .output()
            .expect("ffmpeg runs");
        assert!(
            o.status.success(),
            "ffmpeg: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// `ffmpeg` arguments for a test clip's pictures: H.264 yuv420p, quickly.
pub const H264_FAST: [&str; 6] = [
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-pix_fmt",
    "yuv420p",
];
