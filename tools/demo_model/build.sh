#!/bin/sh
# Rebuild the bundled demo model from nothing: data -> sample clip -> training -> export ->
# evaluation -> export check. About 1 h on 2 shared CPU cores (data ~25 min, training ~25 min). Run from the repo root:
#   sh tools/demo_model/build.sh
set -e
export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread
# One BLAS/OpenMP thread: on a shared 2-core machine two threads spin-wait on each other
# (a step took 5-8 s with 2 threads under load, 0.25 s with 1).
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
PY=/usr/bin/python3
mkdir -p tools/.work/demo
$PY tools/demo_model/gen_data.py
$PY tools/demo_model/make_sample.py
$PY tools/demo_model/train.py --budget-s "${TRAIN_BUDGET_S:-1250}"
# decoder trained on the CTC bridge's code sequences (synthetic, no audio), encoder from best.pt
$PY tools/demo_model/ctc_bridge.py --ckpt best --steps 1500
$PY tools/demo_model/export_demo.py --ckpt bridge
$PY tools/demo_model/evaluate.py --ckpt bridge
node tools/check_export.mjs models/whisperx-demo-en test/golden/whisperx-demo-en
