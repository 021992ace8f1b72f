#!/bin/sh
# Rebuild the diarization demo models from nothing: fbank golden -> data -> training (both
# models at once, 45 min) -> export + goldens -> evaluation -> onnxruntime-node parity.
# About 1 h on 2 shared CPU cores (data 6 min, training 45 min, evaluation 2 min). Run from the repo root:
#   sh tools/diarize_model/build.sh
# Training resumes from tools/.work/diarize/ckpt/*_last.pt; FRESH=1 starts over.
set -e
export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
PY=/usr/bin/python3
W=tools/.work/diarize
mkdir -p $W
$PY tools/diarize_model/fbank.py
[ -f $W/bank.npz ] && [ -z "$FRESH" ] || $PY tools/diarize_model/gen_data.py
[ -z "$FRESH" ] || rm -rf $W/ckpt
$PY tools/diarize_model/train.py --model seg --budget-s "${SEG_BUDGET_S:-2700}" --val-every 100 > $W/seg.out 2>&1 &
SEG=$!
$PY tools/diarize_model/train.py --model emb --budget-s "${EMB_BUDGET_S:-1200}" --val-every 100 > $W/emb.out 2>&1 &
EMB=$!
wait $SEG
wait $EMB
$PY tools/diarize_model/export.py
# the pyannote-style pipeline (one embedding per window and local speaker), and the variant
# with one embedding per run of a local speaker's activity (works around the segmentation
# model using only 2 of its 3 local speaker slots; see MODEL_CARD.md)
$PY tools/diarize_model/evaluate.py --threshold 0.5 --sweep
$PY tools/diarize_model/evaluate.py --threshold 0.6 --sweep --per-run
node tools/diarize_model/check_onnx.mjs
