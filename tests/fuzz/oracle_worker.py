"""Child process for the fuzzer: run TFLM on model+inputs files, write outputs (an abort here cannot kill pytest)."""
import sys

import numpy as np

from helpers import Oracle  # tests/ is on PYTHONPATH

if __name__ == "__main__":
    model, ins, outs = sys.argv[1:4]
    with np.load(ins) as z:
        inputs = [z[f"arr_{i}"] for i in range(len(z.files))]
    oracle = Oracle(open(model, "rb").read())
    np.savez(outs, *oracle.run(inputs))
