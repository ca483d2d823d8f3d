//! The instructions read once: what the model made of a prompt's fixed beginning (its KV cache)
//! is kept in a file, so the next prompt that starts the same way reads only what follows.
//!
//! For a drafted update the instructions are ~270 tokens of a ~700-token prompt: on 2 cores,
//! about 4 s of the wait for the first words. A file is named by a hash of the model file (its
//! name and size) and of the tokens it holds, so an edited template or another model simply
//! misses; the newest few are kept per model.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use llama_cpp_2::token::LlamaToken;

/// Files kept per model (a team that edits its template leaves older ones behind).
const KEPT: usize = 4;

/// Where the state of `prefix` read by `model` is kept, in `dir`.
pub(crate) fn file_for(dir: &Path, model: &Path, prefix: &[LlamaToken]) -> PathBuf {
    let mut h = std::hash::DefaultHasher::new();
    model.file_name().hash(&mut h);
    std::fs::metadata(model)
        .map(|m| m.len())
        .unwrap_or(0)
        .hash(&mut h);
    for t in prefix {
        t.0.hash(&mut h);
    }
    dir.join(format!("{}-{:016x}.state", stem(model), h.finish()))
}

fn stem(model: &Path) -> String {
    model
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// How many tokens two token lists start with in common.
pub(crate) fn common_len(a: &[LlamaToken], b: &[LlamaToken]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Where a state is written before it is renamed into place, so a reader never sees half.
pub(crate) fn temporary(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.tmp", std::process::id()));
    file.with_file_name(name)
}

/// Removes all but the [`KEPT`] newest states of `model` in `dir`.
pub(crate) fn prune(dir: &Path, model: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!("{}-", stem(model));
    let mut states: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with(&prefix) && name.ends_with(".state")
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    states.sort_by_key(|s| std::cmp::Reverse(s.0));
    for (_, old) in states.into_iter().skip(KEPT) {
        let _ = std::fs::remove_file(old);
    }
}

#[cfg(test)]
mod tests {
    use super::{KEPT, common_len, file_for, prune};
    use llama_cpp_2::token::LlamaToken;

    fn tokens(v: &[i32]) -> Vec<LlamaToken> {
        v.iter().map(|t| LlamaToken(*t)).collect()
    }

    #[test]
    fn a_state_is_named_by_its_model_and_tokens_and_old_ones_go() {
        let dir = tempfile::tempdir().unwrap();
        let model = dir.path().join("qwen.gguf");
        std::fs::write(&model, b"GGUF").unwrap();
        let a = file_for(dir.path(), &model, &tokens(&[1, 2, 3]));
        assert_eq!(a, file_for(dir.path(), &model, &tokens(&[1, 2, 3])));
        assert_ne!(a, file_for(dir.path(), &model, &tokens(&[1, 2, 4])));
        std::fs::write(&model, b"GGUF and more").unwrap();
        assert_ne!(
            a,
            file_for(dir.path(), &model, &tokens(&[1, 2, 3])),
            "another model file"
        );

        assert_eq!(
            common_len(&tokens(&[1, 2, 3, 9]), &tokens(&[1, 2, 3, 7, 8])),
            3
        );
        assert_eq!(common_len(&tokens(&[5]), &tokens(&[1])), 0);

        for i in 0..KEPT + 2 {
            let f = file_for(dir.path(), &model, &tokens(&[i as i32]));
            std::fs::write(&f, b"state").unwrap();
            let t = std::time::SystemTime::UNIX_EPOCH
                + std::time::Duration::from_secs(1_000 + i as u64);
            std::fs::File::options()
                .write(true)
                .open(&f)
                .unwrap()
                .set_modified(t)
                .unwrap();
        }
        let other = dir.path().join("other-0000000000000000.state");
        std::fs::write(&other, b"another model's").unwrap();
        prune(dir.path(), &model);
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("qwen-"))
            .collect();
        assert_eq!(left.len(), KEPT, "{left:?}");
        let newest = file_for(dir.path(), &model, &tokens(&[(KEPT + 1) as i32]));
        assert!(newest.exists() && other.exists());
        assert!(
            !file_for(dir.path(), &model, &tokens(&[0])).exists(),
            "the oldest went"
        );
    }
}
