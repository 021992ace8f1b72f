#!/usr/bin/env bash
# The main job: set up, then transcribe the bundled sample with the bundled demo model and
# print the transcript. Extra arguments go to `whisperx-console transcribe`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh run
if node bin/whisperx-console.js --help | grep -q '^  transcribe'; then
  exec node bin/whisperx-console.js transcribe samples/demo-status-check.wav --output-format txt --output-dir - "$@"
fi
echo "demo: the transcribe command is not built into this checkout yet; starting the console instead" >&2
exec node bin/whisperx-console.js serve
