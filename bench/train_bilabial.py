"""Train the default engine's lip-closure classifier (engines/default/bilabial.py) on the tune splits.

    python bench/train_bilabial.py [--check]

Data: the tune splits of every set in bench/speech_sets/ (real read incl. FLEURS, spontaneous, noisy,
other languages, English synthetic; see SOURCES.md), reference phones as labels: a frame where the
formant band dips (acoustic.closures_100hz > 0) is positive when it lies in a reference p/b/m (+-10 ms).
Logistic regression on standardised features; writes bilabial_weights.json (~60 numbers).
--check prints the held-out AUC too (reported, never used to choose anything).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lipsync_metrics  # noqa: E402
import speech_data  # noqa: E402

C = 0.05          # L2 strength (inverse): few, smooth weights


def clip_frames(c):
    from makeittalk_server.engines.default import acoustic, bilabial, segments

    x = c.samples()
    mask = segments.speech_mask(segments.frame_db(x))
    f = acoustic.features(x, bands=True)
    shut = acoustic.closures_100hz(f, mask[: len(f["f1"])] if len(mask) >= len(f["f1"]) else
                                   np.r_[mask, np.zeros(len(f["f1"]) - len(mask), bool)])
    X = bilabial.frame_features(f["bands"], shut)
    y = np.zeros(len(shut), bool)
    for _, s, e, cl in lipsync_metrics.classed(c.phones):
        if cl == "bil":
            y[max(0, int((s - 0.01) * 100)): int((e + 0.01) * 100) + 1] = True
    sel = shut > 0
    return X[sel], y[sel[: len(y)]] if len(y) >= len(sel) else y[sel]


def data(split):
    Xs, ys = [], []
    for name in speech_data.available():
        for c in speech_data.clips(name, split):
            X, y = clip_frames(c)
            Xs.append(X)
            ys.append(y)
    return np.concatenate(Xs), np.concatenate(ys)


def main(argv=None):
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args(argv)
    X, y = data("tune")
    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-6
    m = LogisticRegression(C=C, max_iter=5000).fit((X - mean) / scale, y)
    p = m.predict_proba((X - mean) / scale)[:, 1]
    print(f"tune: {len(y)} dip frames, {int(y.sum())} in p/b/m; AUC {roc_auc_score(y, p):.3f}")
    if a.check:
        Xh, yh = data("heldout")
        ph = m.predict_proba((Xh - mean) / scale)[:, 1]
        print(f"heldout: {len(yh)} dip frames, {int(yh.sum())} in p/b/m; AUC {roc_auc_score(yh, ph):.3f}")
    from makeittalk_server.engines.default import bilabial

    doc = {"trained_by": "bench/train_bilabial.py", "data": "tune splits of bench/speech_sets",
           "offsets": list(bilabial.OFFSETS), "mean": mean.round(5).tolist(), "scale": scale.round(5).tolist(),
           "coef": m.coef_[0].round(5).tolist(), "intercept": round(float(m.intercept_[0]), 5)}
    bilabial.WEIGHTS.write_text(json.dumps(doc) + "\n")
    print("wrote", bilabial.WEIGHTS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
