#!/usr/bin/env python3
"""Reference mel spectrograms from torchaudio, for MelParityTest (which never runs Python).

Run from the repository root, with the Python that has torch + torchaudio (on Debian:
`apt-get install python3-torchaudio`, then use /usr/bin/python3, not a pyenv/venv one):

    /usr/bin/python3 audio/src/test/python/make_mel_fixtures.py [--shared ../shared]

It writes audio/src/test/resources/fixtures/mel/: index.json (the configurations and the
list of fixtures), one JSON file per (configuration, signal) with the reference matrix, the
synthetic signals it made (so Java reads the very same float32 samples), and fbanks.json with
torchaudio.functional.melscale_fbanks for several argument sets. Matrices are float32 little-endian,
base64-encoded: exact and about a third of the size of decimal text.

Recordings are read from <shared>/datasets/fsdd/recordings with the `wave` module as int16 / 32768,
which is what WavDecoder does; they are referenced by name and never copied into the repository.

Re-run it whenever FeatureSpec's defaults change: MelParityTest fails until the "default"
configuration here matches FeatureSpec.defaults().
"""

import argparse
import base64
import json
import os
import sys
import wave

import numpy as np
import torch
import torchaudio

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
OUT = os.path.join(MODULE, "src", "test", "resources", "fixtures", "mel")

# torchaudio.transforms.MelSpectrogram arguments. "default" must equal FeatureSpec.defaults().
CONFIGS = {
    "default": dict(sample_rate=8000, n_fft=256, win_length=200, hop_length=80, f_min=20.0, f_max=4000.0,
                    n_mels=40, window="hann", center=True, pad_mode="reflect", power=2.0, norm=None,
                    mel_scale="htk"),
    "slaney": dict(sample_rate=8000, n_fft=256, win_length=200, hop_length=80, f_min=20.0, f_max=4000.0,
                   n_mels=40, window="hann", center=True, pad_mode="reflect", power=2.0, norm="slaney",
                   mel_scale="slaney"),
    # torchaudio's own defaults at 16 kHz: a non-power-of-two FFT, no centring, magnitude not power
    "alt16k": dict(sample_rate=16000, n_fft=400, win_length=400, hop_length=160, f_min=0.0, f_max=8000.0,
                   n_mels=64, window="hann", center=False, pad_mode="reflect", power=1.0, norm="slaney",
                   mel_scale="htk"),
}

RECORDINGS = ["0_george_0.wav", "3_jackson_10.wav", "5_nicolas_20.wav", "7_theo_30.wav", "9_yweweler_40.wav"]

# melscale_fbanks(n_freqs, f_min, f_max, n_mels, sample_rate, norm, mel_scale)
FBANKS = [
    (129, 20.0, 4000.0, 40, 8000, None, "htk"),
    (129, 20.0, 4000.0, 40, 8000, "slaney", "slaney"),
    (129, 0.0, 4000.0, 64, 8000, None, "slaney"),
    (129, 300.0, 3400.0, 24, 8000, "slaney", "htk"),
    (201, 0.0, 8000.0, 64, 16000, "slaney", "htk"),
    (257, 30.0, 7600.0, 80, 16000, None, "htk"),
    (129, 0.0, 5512.0, 40, 11025, "slaney", "slaney"),  # odd rate: bins run to sample_rate // 2
]


def synthetic(name, rate):
    """Deterministic test signals, float32."""
    if name == "chirp":  # 1 s linear sweep across the whole band
        t = np.arange(rate) / rate
        f0, f1 = 50.0, rate / 2 - 50.0
        x = 0.5 * np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t * t / 2))
    elif name == "noise":  # 0.75 s white Gaussian noise, fixed seed
        rng = np.random.default_rng(1234)
        x = np.clip(rng.normal(0.0, 0.1, int(0.75 * rate)), -1, 1)
    elif name == "two-tone":  # 0.5 s, 440 Hz + 2500 Hz
        t = np.arange(rate // 2) / rate
        x = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 2500 * t)
    elif name == "short-burst":  # 20 ms Hann-shaped 1 kHz burst: few frames, padding dominates
        n = rate // 50
        t = np.arange(n) / rate
        x = 0.8 * np.sin(2 * np.pi * 1000 * t) * np.hanning(n)
    else:
        raise ValueError(name)
    return x.astype(np.float32)


def read_wav(path):
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1:
            sys.exit(f"{path}: expected 16-bit mono")
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return (pcm.astype(np.float32) / 32768.0).astype(np.float32), rate


def b64(array):
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode("ascii")


def mel_transform(cfg):
    return torchaudio.transforms.MelSpectrogram(
        sample_rate=cfg["sample_rate"], n_fft=cfg["n_fft"], win_length=cfg["win_length"],
        hop_length=cfg["hop_length"], f_min=cfg["f_min"], f_max=cfg["f_max"], n_mels=cfg["n_mels"],
        window_fn=torch.hann_window, center=cfg["center"], pad_mode=cfg["pad_mode"], power=cfg["power"],
        norm=cfg["norm"], mel_scale=cfg["mel_scale"])


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=os.path.join(MODULE, "..", "..", "shared"),
                    help="the shared folder holding datasets/fsdd (default: ../shared next to the repo)")
    args = ap.parse_args()
    recordings = os.path.join(args.shared, "datasets", "fsdd", "recordings")
    if not os.path.isdir(recordings):
        sys.exit(f"{recordings} not found: pass --shared")

    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        if old.endswith(".json"):
            os.remove(os.path.join(OUT, old))

    # signals: (id, kind, rate, samples, source)
    signals = []
    for name in RECORDINGS:
        x, rate = read_wav(os.path.join(recordings, name))
        signals.append((name[:-4], "fsdd", rate, x, name))
    for rate in (8000, 16000):
        for name in ("chirp", "noise", "two-tone") + (("short-burst",) if rate == 8000 else ()):
            sid = f"{name}-{rate // 1000}k"
            x = synthetic(name, rate)
            write_json(os.path.join(OUT, f"signal-{sid}.json"),
                       {"id": sid, "sample_rate": rate, "length": len(x), "samples": b64(x)})
            signals.append((sid, "synthetic", rate, x, f"signal-{sid}.json"))

    fixtures = []
    for cname, cfg in CONFIGS.items():
        transform = mel_transform(cfg)
        for sid, kind, rate, x, source in signals:
            if rate != cfg["sample_rate"]:
                continue
            if cname == "alt16k" and kind != "synthetic":
                continue
            with torch.no_grad():
                mel = transform(torch.from_numpy(x)).numpy()
            fname = f"{cname}--{sid}.json"
            write_json(os.path.join(OUT, fname), {
                "config": cname, "signal": sid, "n_mels": mel.shape[0], "n_frames": mel.shape[1],
                "max": float(mel.max()), "mel": b64(mel)})
            fixtures.append({"file": fname, "config": cname, "signal": sid, "kind": kind, "source": source,
                             "length": len(x), "shape": list(mel.shape)})

    fbanks = []
    for n_freqs, f_min, f_max, n_mels, rate, norm, scale in FBANKS:
        fb = torchaudio.functional.melscale_fbanks(n_freqs, f_min, f_max, n_mels, rate, norm, scale).numpy()
        fbanks.append({"n_freqs": n_freqs, "f_min": f_min, "f_max": f_max, "n_mels": n_mels, "sample_rate": rate,
                       "norm": norm, "mel_scale": scale, "fb": b64(fb)})
    write_json(os.path.join(OUT, "fbanks.json"), {"fbanks": fbanks})

    write_json(os.path.join(OUT, "index.json"), {
        "generator": "audio/src/test/python/make_mel_fixtures.py",
        "torch": torch.__version__, "torchaudio": torchaudio.__version__, "numpy": np.__version__,
        "configs": CONFIGS, "fixtures": fixtures})
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"{len(fixtures)} mel fixtures, {len(fbanks)} filterbanks, {total / 1024:.0f} KiB in {OUT}")


if __name__ == "__main__":
    main()
