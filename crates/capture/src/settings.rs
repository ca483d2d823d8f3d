//! What to record and how: plain data, validated before a recording starts.

use std::path::PathBuf;

/// The part of the screen to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Everything the display shows (all monitors).
    WholeDisplay,
    /// One monitor, by the index `clipnote devices` lists.
    Screen(usize),
    /// One window, by id (decimal or 0x-hex) or part of its title.
    Window(String),
    /// A rectangle in display coordinates.
    Region {
        x: i32,
        y: i32,
        width: u32,
        height: u32,
    },
}

impl std::str::FromStr for Source {
    type Err = String;

    /// Parses a region `X,Y,W,H` (the other sources come from their own flags).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split(',').map(str::trim).collect();
        let bad =
            || format!("the region {s:?} is not X,Y,W,H (four whole numbers, e.g. 0,0,1280,720)");
        let [x, y, w, h] = parts.as_slice() else {
            return Err(bad());
        };
        Ok(Source::Region {
            x: x.parse().map_err(|_| bad())?,
            y: y.parse().map_err(|_| bad())?,
            width: w.parse().map_err(|_| bad())?,
            height: h.parse().map_err(|_| bad())?,
        })
    }
}

/// Which microphone to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mic {
    /// The audio server's default input.
    Default,
    /// An input by the name `clipnote devices` lists.
    Named(String),
    /// No microphone.
    None,
}

/// Encoder settings: data, not code, so benchmarks and the `ffmpeg` CLI can use the same.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EncoderProfile {
    /// libx264 preset.
    pub preset: String,
    /// libx264 constant rate factor: lower is better and larger.
    pub crf: u32,
    /// libx264 tune, if any.
    pub tune: Option<String>,
    /// Seconds between keyframes in the finished clip.
    pub keyframe_secs: u32,
    /// AAC bitrate in kbit/s (mono: voice).
    pub audio_kbps: u32,
    /// Audio channels: 1 for voice.
    pub audio_channels: u32,
}

impl Default for EncoderProfile {
    /// Tuned for screen content with voice: legible text at about 1.5 MiB a minute.
    fn default() -> Self {
        Self {
            preset: "veryfast".into(),
            crf: 28,
            // zerolatency: no lookahead and no frame threads, so a frame reaches the file (and
            // survives a crash) at once, and memory stays low; the size cost is small here.
            tune: Some("stillimage,zerolatency".into()),
            keyframe_secs: 10,
            audio_kbps: 64,
            audio_channels: 1,
        }
    }
}

impl EncoderProfile {
    /// The same encode as `ffmpeg` command-line output options, for comparisons and scripts.
    pub fn ffmpeg_cli_args(&self, fps: u32) -> Vec<String> {
        let mut args: Vec<String> = [
            "-c:v",
            "libx264",
            "-preset",
            &self.preset,
            "-crf",
            &self.crf.to_string(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if let Some(tune) = &self.tune {
            args.extend(["-tune".into(), tune.clone()]);
        }
        let gop = (fps * self.keyframe_secs).to_string();
        args.extend(
            [
                "-g",
                &gop,
                "-bf",
                "0",
                "-sws_flags",
                "fast_bilinear",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        args.extend([
            "-b:a".into(),
            format!("{}k", self.audio_kbps),
            "-ac".into(),
            self.audio_channels.to_string(),
            "-ar".into(),
            "48000".into(),
        ]);
        args
    }
}

/// Everything a recording needs.
#[derive(Debug, Clone)]
pub struct RecordSettings {
    pub source: Source,
    pub mic: Mic,
    /// Also record what the computer plays (the default output's monitor).
    pub system_audio: bool,
    /// Which output's sound `system_audio` records: a monitor source's name (`pactl list short
    /// sources`); `None` is the default output.
    pub system_audio_source: Option<String>,
    pub fps: u32,
    /// Wider sources are scaled down to this width.
    pub max_width: u32,
    /// The finished clip. While recording, a fragmented file beside it holds the data.
    pub out: PathBuf,
    pub profile: EncoderProfile,
    /// How far below normal priority the video encoder runs (a Linux nice value; 0: normal).
    /// An app with a UI in the same process sets it, so on a small machine a full-motion encode
    /// does not preempt the UI thread mid-frame; x264's own threads inherit it. Screen and sound
    /// capture keep normal priority, so nothing is dropped for it.
    pub encoder_nice: i32,
    /// Start with the microphone muted (see `Recording::set_mic_muted`).
    pub mic_muted: bool,
    /// Which screen backend to read; `None`: the one this session calls for
    /// ([`crate::Backend::detect`]).
    pub backend: Option<crate::Backend>,
    /// Where the Wayland portal's restore tokens are kept, so the desktop asks which screen to
    /// share only once; `None`: ask every time.
    pub portal_tokens: Option<PathBuf>,
    /// Where a copy of the clip's sound goes while recording (16 kHz mono, see
    /// [`crate::tap`]); `None`: nowhere. A listener too slow for it loses blocks, never frames.
    pub sound_tap: Option<crate::SoundTap>,
}

impl RecordSettings {
    pub fn new(out: PathBuf) -> Self {
        Self {
            source: Source::WholeDisplay,
            mic: Mic::Default,
            system_audio: false,
            system_audio_source: None,
            fps: 30,
            max_width: 1920,
            out,
            profile: EncoderProfile::default(),
            encoder_nice: 0,
            mic_muted: false,
            backend: None,
            portal_tokens: None,
            sound_tap: None,
        }
    }

    /// The screen backend this recording uses.
    pub fn backend(&self) -> crate::Backend {
        self.backend.unwrap_or_else(crate::Backend::detect)
    }

    /// The file written while recording: fragmented, so it plays even after a crash.
    pub fn partial_path(&self) -> PathBuf {
        let stem = self
            .out
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "clip".into());
        self.out.with_file_name(format!("{stem}.recording.mp4"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_parse_or_say_what_is_expected() {
        assert_eq!(
            "10, 20,640,480".parse::<Source>(),
            Ok(Source::Region {
                x: 10,
                y: 20,
                width: 640,
                height: 480
            })
        );
        for bad in ["10,20,640", "a,b,c,d", "1,2,3,4,5", "", "0,0,-5,5"] {
            let err = bad.parse::<Source>().unwrap_err();
            assert!(err.contains("X,Y,W,H"), "{bad}: {err}");
        }
    }

    #[test]
    fn the_profile_reads_as_ffmpeg_options() {
        let args = EncoderProfile::default().ffmpeg_cli_args(30).join(" ");
        assert!(
            args.starts_with(
                "-c:v libx264 -preset veryfast -crf 28 -tune stillimage,zerolatency -g 300 -bf 0"
            ),
            "{args}"
        );
        assert!(
            args.ends_with("-c:a aac -b:a 64k -ac 1 -ar 48000"),
            "{args}"
        );
    }

    #[test]
    fn the_partial_file_sits_beside_the_clip() {
        let s = RecordSettings::new("/tmp/a/standup.mp4".into());
        assert_eq!(
            s.partial_path(),
            PathBuf::from("/tmp/a/standup.recording.mp4")
        );
    }
}
