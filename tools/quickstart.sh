#!/bin/sh
# Quick start: set everything up, then compile the bundled example model, run it on the host and
# measure it on the emulated Cortex-M4 (cycles, RAM, flash, per layer).
set -eu
cd "$(dirname "$0")/.."
sh tools/setup.sh
mf=.venv/bin/microforge
mkdir -p out
$mf example -o out/example.tflite
$mf compile out/example.tflite --target host -o out/example
.venv/bin/python -c "import numpy as np; np.save('out/example_input.npy', np.random.default_rng(0).integers(-128, 128, size=(1, 32, 32, 3), dtype=np.int8))"
$mf run out/example.tflite --target host --input out/example_input.npy --output out/example_output.npy
$mf bench out/example.tflite --target m4
