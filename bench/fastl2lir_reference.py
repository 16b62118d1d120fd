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


def cpu_time():
    """CPU seconds of this process, BLAS threads included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def centred_ridge(X, Y, T, alpha):
    """Ridge with intercept on centred data, from the smaller Gram matrix (numpy, input dtype):
    the plain-ridge comparator. Predictions = Tc (Xcᵀ Xc + αI)⁻¹ Xcᵀ Yc + ȳ, i.e. in dual form
    (Tc Xcᵀ)(Xc Xcᵀ + αI)⁻¹ Yc; the projection is formed first so the solve has only as many
    right-hand sides as test rows."""
    mx = X.mean(axis=0)
    my = Y.mean(axis=0)
    Xc = X - mx
    Tc = T - mx
    n, p = Xc.shape
    if n <= p:
        A = Xc @ Xc.T
        A[np.diag_indices(n)] += alpha
        M = np.linalg.solve(A, Xc @ Tc.T).T  # test rows x n
    else:
        A = Xc.T @ Xc
        A[np.diag_indices(p)] += alpha
        M = np.linalg.solve(A, Tc.T).T @ Xc.T
    return M @ (Y - my) + my


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--data', required=True, help='folder with meta.json, X.bin, Y.bin, T.bin')
    parser.add_argument('--repeats', type=int, default=1)
    parser.add_argument('--ridge', action='store_true', help='also time a centred numpy ridge (ridge_pred.bin)')
    args = parser.parse_args()
    with open(os.path.join(args.data, 'meta.json')) as f:
        meta = json.load(f)
    X = load(args.data, 'X.bin', meta['trials'], meta['voxels'])
    Y = load(args.data, 'Y.bin', meta['trials'], meta['units'])
    T = load(args.data, 'T.bin', meta['testRows'], meta['voxels'])
    seconds = []
    cpu_seconds = []
    pred = None
    for _ in range(args.repeats):
        c0 = cpu_time()
        t0 = time.perf_counter()
        model = FastL2LiR()
        model.fit(X, Y, alpha=meta['alpha'], n_feat=meta['nFeatures'])
        pred = model.predict(T)
        seconds.append(time.perf_counter() - t0)
        cpu_seconds.append(cpu_time() - c0)
    pred.astype('<f4').tofile(os.path.join(args.data, 'pred.bin'))
    report = {'seconds': seconds, 'cpuSeconds': cpu_seconds, 'median': statistics.median(seconds), 'numpy': np.__version__}
    if args.ridge:
        ridge_seconds = []
        ridge_cpu = []
        for _ in range(args.repeats):
            c0 = cpu_time()
            t0 = time.perf_counter()
            ridge_pred = centred_ridge(X, Y, T, meta['alpha'])
            ridge_seconds.append(time.perf_counter() - t0)
            ridge_cpu.append(cpu_time() - c0)
        ridge_pred.astype('<f4').tofile(os.path.join(args.data, 'ridge_pred.bin'))
        report['ridgeSeconds'] = ridge_seconds
        report['ridgeMedian'] = statistics.median(ridge_seconds)
        report['ridgeCpuSeconds'] = ridge_cpu
    report['peakMiB'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(report))


if __name__ == '__main__':
    main()
