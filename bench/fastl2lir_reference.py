"""Reference timing for bench/decoders.ts: Kamitani lab FastL2LiR (PyPI fastl2lir 0.11).

Reads the float32 matrices bench/decoders.ts wrote (X.bin, Y.bin, T.bin + meta.json), fits
FastL2LiR with the same alpha and n_feat, predicts T, writes pred.bin (float32, row-major) next
to them and prints one JSON line with the timings. Needs numpy<2.4 (fastl2lir 0.11 fails with
2.4), threadpoolctl and tqdm; bench/decoders.ts --with-reference runs it in .deeprecon/bench-py.
"""

import argparse
import json
import os
import statistics
import resource
import time

import numpy as np
from fastl2lir import FastL2LiR


def load(folder, name, rows, cols):
    return np.fromfile(os.path.join(folder, name), dtype='<f4').reshape(rows, cols)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--data', required=True, help='folder with meta.json, X.bin, Y.bin, T.bin')
    parser.add_argument('--repeats', type=int, default=1)
    args = parser.parse_args()
    with open(os.path.join(args.data, 'meta.json')) as f:
        meta = json.load(f)
    X = load(args.data, 'X.bin', meta['trials'], meta['voxels'])
    Y = load(args.data, 'Y.bin', meta['trials'], meta['units'])
    T = load(args.data, 'T.bin', meta['testRows'], meta['voxels'])
    seconds = []
    pred = None
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        model = FastL2LiR()
        model.fit(X, Y, alpha=meta['alpha'], n_feat=meta['nFeatures'])
        pred = model.predict(T)
        seconds.append(time.perf_counter() - t0)
    pred.astype('<f4').tofile(os.path.join(args.data, 'pred.bin'))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({'seconds': seconds, 'median': statistics.median(seconds), 'numpy': np.__version__, 'peakMiB': peak_mib}))


if __name__ == '__main__':
    main()
