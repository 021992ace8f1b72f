#!/bin/sh
# Rebuild the demo alignment model from nothing: data -> training -> export -> ONNX check ->
# evaluation (+ model card) -> goldens. About 40 min on 2 shared CPU cores (data ~13 min,
# training ~20 min, capped at 40, the rest ~2 min). Run from the repo root:
#   sh tools/align_model/build.sh
set -e
export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread
# one BLAS/OpenMP thread: two spin-wait on each other on a shared 2-core machine
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
PY=/usr/bin/python3
mkdir -p tools/.work/align
rm -rf tools/.work/align/ckpt tools/.work/align/train.log  # training resumes from last.pt otherwise
$PY tools/align_model/gen_data.py
$PY tools/align_model/train.py --budget-s "${TRAIN_BUDGET_S:-2400}"
$PY tools/align_model/export.py --ckpt best
node tools/align_model/check_onnx.mjs models/align-demo-en
$PY tools/align_model/evaluate.py --ckpt best
$PY tools/align_model/goldens.py
