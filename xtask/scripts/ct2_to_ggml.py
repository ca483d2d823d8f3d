#!/usr/bin/env python3
"""Converts a Whisper model in CTranslate2 form to whisper.cpp's ggml file.

    python3 ct2_to_ggml.py MODEL_DIR OUT_FILE

MODEL_DIR holds CTranslate2's `model.bin` (a `WhisperSpec`, binary version 6) and the Hugging
Face `tokenizer.json`. Needs only numpy. `cargo xtask` runs this in a venv under the target
dir; the output's SHA-256 is pinned in `crates/speech/src/catalog.rs`.

The ggml file, as whisper.cpp reads it (all little-endian):

    u32 magic 0x67676d6c ("ggml")
    i32 x 11 hyper-parameters: n_vocab, n_audio_ctx, n_audio_state, n_audio_head,
             n_audio_layer, n_text_ctx, n_text_state, n_text_head, n_text_layer, n_mels, ftype
    i32 n_mels, i32 n_fft_bins, f32[n_mels][n_fft_bins] mel filter bank
    i32 n_tokens, then per token: i32 len, bytes    (GPT-2's 50257; whisper.cpp names the
                                                     special tokens above them itself)
    per tensor: i32 n_dims, i32 name_len, i32 type (0 = f32, 1 = f16),
                i32 x n_dims (innermost first), name, data

Tensors carry the names of OpenAI's PyTorch checkpoint (`encoder.blocks.0.attn.query.weight`
...), which is what whisper.cpp looks them up by. Matrices stay float16; vectors, the
convolution biases and both positional embeddings are float32, as whisper.cpp expects.
"""

import json
import struct
import sys
from pathlib import Path

import numpy as np

GGML_MAGIC = 0x67676D6C
CT2_BINARY_VERSION = 6
# CTranslate2's DataType enum.
CT2_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}
SAMPLE_RATE = 16000
N_FFT = 400


class ConversionError(Exception):
    pass


def read_ct2(path):
    """The variables of a CTranslate2 model.bin as {name: numpy array}, aliases resolved."""
    data = Path(path).read_bytes()
    pos = 0

    def take(fmt):
        nonlocal pos
        values = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    def string():
        nonlocal pos
        (length,) = take("H")
        text = data[pos : pos + length - 1].decode("utf-8")  # NUL-terminated
        pos += length
        return text

    (version,) = take("I")
    if version != CT2_BINARY_VERSION:
        raise ConversionError(
            f"{path}: CTranslate2 binary version {version}, this converter reads version "
            f"{CT2_BINARY_VERSION}"
        )
    spec = string()
    if spec != "WhisperSpec":
        raise ConversionError(f"{path}: a {spec}, not a Whisper model")
    take("I")  # the spec's revision
    (count,) = take("I")
    variables = {}
    for _ in range(count):
        name = string()
        (n_dims,) = take("B")
        shape = take("I" * n_dims)
        (dtype_id,) = take("B")
        (n_bytes,) = take("I")
        dtype = CT2_DTYPES.get(dtype_id)
        if dtype is None:
            raise ConversionError(f"{name}: unsupported CTranslate2 data type {dtype_id}")
        array = np.frombuffer(data, dtype=dtype, count=n_bytes // np.dtype(dtype).itemsize, offset=pos)
        variables[name] = array.reshape(shape)
        pos += n_bytes
    (aliases,) = take("I")
    for _ in range(aliases):
        alias = string()
        variables[alias] = variables[string()]
    if pos != len(data):
        raise ConversionError(f"{path}: {len(data) - pos} bytes left after the last variable")
    return variables


def hz_to_mel(freq):
    """Slaney's mel scale (librosa's default, which Whisper's filters were made with)."""
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    freq = np.asarray(freq, dtype=np.float64)
    mels = freq / f_sp
    log_part = freq >= min_log_hz
    mels[log_part] = min_log_mel + np.log(freq[log_part] / min_log_hz) / logstep
    return mels


def mel_to_hz(mels):
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    mels = np.asarray(mels, dtype=np.float64)
    freqs = f_sp * mels
    log_part = mels >= min_log_mel
    freqs[log_part] = min_log_hz * np.exp(logstep * (mels[log_part] - min_log_mel))
    return freqs


def mel_filters(n_mels):
    """Whisper's filter bank: triangular Slaney-normalised filters over 0..8 kHz, n_fft 400
    (the same as `librosa.filters.mel(sr=16000, n_fft=400, n_mels=n_mels)`)."""
    fft_freqs = np.fft.rfftfreq(n=N_FFT, d=1.0 / SAMPLE_RATE)
    edges = mel_to_hz(np.linspace(hz_to_mel(np.array([0.0]))[0], hz_to_mel(np.array([SAMPLE_RATE / 2]))[0], n_mels + 2))
    widths = np.diff(edges)
    ramps = np.subtract.outer(edges, fft_freqs)
    # float32 before the normalisation, as librosa rounds: the same bits as Whisper's filters.
    filters = np.zeros((n_mels, len(fft_freqs)), dtype=np.float32)
    for i in range(n_mels):
        lower = -ramps[i] / widths[i]
        upper = ramps[i + 2] / widths[i + 1]
        filters[i] = np.maximum(0, np.minimum(lower, upper)) + 0.0  # no negative zeros
    filters *= (2.0 / (edges[2 : n_mels + 2] - edges[:n_mels]))[:, np.newaxis]
    return filters


def byte_decoder():
    """GPT-2's byte-level BPE alphabet, reversed: printable character -> the byte it stands for."""
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    chars = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(printable, chars)}


# The tokens OpenAI's vocab.json files held, which whisper.cpp's published files carry: GPT-2's
# vocabulary size. English models' <|endoftext|> is id 50256, inside it; multilingual models
# have one more ordinary token there and their <|endoftext|> (50257) is left to whisper.cpp,
# which names every special token above what the file holds.
VOCAB_JSON_TOKENS = 50257


def read_tokens(tokenizer_json):
    """The first VOCAB_JSON_TOKENS tokens as bytes, in id order."""
    tokenizer = json.loads(Path(tokenizer_json).read_text(encoding="utf-8"))
    vocab = tokenizer["model"]["vocab"]
    by_id = {i: token for token, i in vocab.items() if i < VOCAB_JSON_TOKENS}
    if sorted(by_id) != list(range(VOCAB_JSON_TOKENS)):
        raise ConversionError(
            f"{tokenizer_json}: expected one token for each id below {VOCAB_JSON_TOKENS}"
        )
    decode = byte_decoder()
    special = {t["content"] for t in tokenizer.get("added_tokens", [])}
    return [
        by_id[i].encode("utf-8") if by_id[i] in special else bytes(decode[c] for c in by_id[i])
        for i in range(VOCAB_JSON_TOKENS)
    ]


def linear(variables, prefix, name):
    """(weight, bias or None) of a CTranslate2 linear layer."""
    return variables[f"{prefix}/{name}/weight"], variables.get(f"{prefix}/{name}/bias")


def attention(variables, ct2, pt, fused_qkv):
    """OpenAI's attention tensors from CTranslate2's fused ones. Self-attention fuses q, k, v in
    linear_0 (out is linear_1); cross-attention has q in linear_0, k and v in linear_1 (out is
    linear_2). The key projection has no bias in Whisper (CTranslate2 stores zeros for it)."""
    out = {}
    if fused_qkv:
        w, b = linear(variables, ct2, "linear_0")
        q_w, k_w, v_w = np.split(w, 3)
        q_b, _, v_b = np.split(b, 3)
        out_w, out_b = linear(variables, ct2, "linear_1")
    else:
        q_w, q_b = linear(variables, ct2, "linear_0")
        kv_w, kv_b = linear(variables, ct2, "linear_1")
        k_w, v_w = np.split(kv_w, 2)
        _, v_b = np.split(kv_b, 2)
        out_w, out_b = linear(variables, ct2, "linear_2")
    out[f"{pt}.query.weight"] = q_w
    out[f"{pt}.query.bias"] = q_b
    out[f"{pt}.key.weight"] = k_w
    out[f"{pt}.value.weight"] = v_w
    out[f"{pt}.value.bias"] = v_b
    out[f"{pt}.out.weight"] = out_w
    out[f"{pt}.out.bias"] = out_b
    return out


def norm(variables, ct2, pt):
    return {f"{pt}.weight": variables[f"{ct2}/gamma"], f"{pt}.bias": variables[f"{ct2}/beta"]}


def mlp(variables, ct2, pt):
    w0, b0 = linear(variables, ct2, "linear_0")
    w1, b1 = linear(variables, ct2, "linear_1")
    return {
        f"{pt}.0.weight": w0,
        f"{pt}.0.bias": b0,
        f"{pt}.2.weight": w1,
        f"{pt}.2.bias": b1,
    }


def layer_count(variables, side):
    count = 0
    while f"{side}/layer_{count}/ffn/linear_0/weight" in variables:
        count += 1
    return count


def openai_tensors(v):
    """Every tensor whisper.cpp loads, under OpenAI's names, in the order of OpenAI's checkpoint
    (PyTorch's state_dict order: a module's own parameters and buffers before its children)."""
    t = {"encoder.positional_embedding": v["encoder/position_encodings/encodings"]}
    for conv in ("conv1", "conv2"):
        t[f"encoder.{conv}.weight"] = v[f"encoder/{conv}/weight"]
        t[f"encoder.{conv}.bias"] = v[f"encoder/{conv}/bias"]
    for i in range(layer_count(v, "encoder")):
        ct2, pt = f"encoder/layer_{i}", f"encoder.blocks.{i}"
        t.update(attention(v, f"{ct2}/self_attention", f"{pt}.attn", fused_qkv=True))
        t.update(norm(v, f"{ct2}/self_attention/layer_norm", f"{pt}.attn_ln"))
        t.update(mlp(v, f"{ct2}/ffn", f"{pt}.mlp"))
        t.update(norm(v, f"{ct2}/ffn/layer_norm", f"{pt}.mlp_ln"))
    t.update(norm(v, "encoder/layer_norm", "encoder.ln_post"))
    t["decoder.positional_embedding"] = v["decoder/position_encodings/encodings"]
    t["decoder.token_embedding.weight"] = v["decoder/embeddings/weight"]
    for i in range(layer_count(v, "decoder")):
        ct2, pt = f"decoder/layer_{i}", f"decoder.blocks.{i}"
        t.update(attention(v, f"{ct2}/self_attention", f"{pt}.attn", fused_qkv=True))
        t.update(norm(v, f"{ct2}/self_attention/layer_norm", f"{pt}.attn_ln"))
        t.update(attention(v, f"{ct2}/attention", f"{pt}.cross_attn", fused_qkv=False))
        t.update(norm(v, f"{ct2}/attention/layer_norm", f"{pt}.cross_attn_ln"))
        t.update(mlp(v, f"{ct2}/ffn", f"{pt}.mlp"))
        t.update(norm(v, f"{ct2}/ffn/layer_norm", f"{pt}.mlp_ln"))
    t.update(norm(v, "decoder/layer_norm", "decoder.ln"))
    return t


FLOAT32_TENSORS = {
    "encoder.conv1.bias",
    "encoder.conv2.bias",
    "encoder.positional_embedding",
    "decoder.positional_embedding",
}


def write_ggml(out_path, hparams, filters, tokens, tensors):
    tmp = Path(str(out_path) + ".part")
    with open(tmp, "wb") as out:
        out.write(struct.pack("<I", GGML_MAGIC))
        out.write(struct.pack("<11i", *hparams))
        out.write(struct.pack("<2i", *filters.shape))
        out.write(filters.astype("<f4").tobytes())
        out.write(struct.pack("<i", len(tokens)))
        for token in tokens:
            out.write(struct.pack("<i", len(token)))
            out.write(token)
        for name, data in tensors.items():
            if name in ("encoder.conv1.bias", "encoder.conv2.bias"):
                data = data.reshape(data.shape[0], 1)
            if data.ndim < 2 or name in FLOAT32_TENSORS:
                data, ftype = data.astype("<f4"), 0
            else:
                data, ftype = data.astype("<f2"), 1
            encoded = name.encode("utf-8")
            out.write(struct.pack("<3i", data.ndim, len(encoded), ftype))
            out.write(struct.pack(f"<{data.ndim}i", *reversed(data.shape)))
            out.write(encoded)
            out.write(np.ascontiguousarray(data).tobytes())
    tmp.replace(out_path)


def convert(model_dir, out_path):
    model_dir = Path(model_dir)
    v = read_ct2(model_dir / "model.bin")
    tokens = read_tokens(model_dir / "tokenizer.json")
    n_vocab, n_text_state = v["decoder/embeddings/weight"].shape
    n_audio_ctx, n_audio_state = v["encoder/position_encodings/encodings"].shape
    n_text_ctx = v["decoder/position_encodings/encodings"].shape[0]
    n_mels = v["encoder/conv1/weight"].shape[1]
    hparams = (
        n_vocab,
        n_audio_ctx,
        n_audio_state,
        int(v["encoder/num_heads"]),
        layer_count(v, "encoder"),
        n_text_ctx,
        n_text_state,
        int(v["decoder/num_heads"]),
        layer_count(v, "decoder"),
        n_mels,
        1,  # ftype: float16 matrices
    )
    write_ggml(out_path, hparams, mel_filters(n_mels), tokens, openai_tensors(v))


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    try:
        convert(argv[1], argv[2])
    except (ConversionError, KeyError, OSError, ValueError) as e:
        print(f"ct2_to_ggml: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
