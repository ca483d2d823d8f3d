#!/usr/bin/env python3
"""Transcribes a sound file with faster-whisper, as `cargo xtask bench transcribe` compares it
with `clipnote transcribe`: the same model (a CTranslate2 folder), int8, on the CPU, decoding
as Clipnote does (greedy, one candidate, no earlier text as context, word times, English).

    python fw_transcribe.py MODEL_DIR THREADS FILE

Prints the transcript's text on one line. Run it in the venv xtask makes.
"""

import sys

from faster_whisper import WhisperModel


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[4].strip(), file=sys.stderr)
        return 2
    model_dir, threads, path = argv[1], int(argv[2]), argv[3]
    model = WhisperModel(
        model_dir,
        device="cpu",
        compute_type="int8",
        cpu_threads=threads,
        num_workers=1,
    )
    segments, _info = model.transcribe(
        path,
        language="en",
        beam_size=1,
        best_of=1,
        condition_on_previous_text=False,
        word_timestamps=True,
    )
    print(" ".join(s.text.strip() for s in segments))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
