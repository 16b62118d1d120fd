import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { Field, Schema, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featuresActivity, type FeaturesConfig } from '../../activities/features';
import { proceduralStimuli } from '../../lib/data/procedural-stimuli';
import { loadNetwork } from '../../lib/features/networks';
import { pythonEnv, resolvePython } from '../../lib/engine/tools';
import { decodeLabelledMatrix, encodeLabelledMatrix } from '../../lib/formats/labelled-matrix';
import { decodeStimulusTable, encodeStimulusTable } from '../../lib/formats/stimulus-table';
import { encodePng } from '../../lib/images/png';
import { imageView } from '../../lib/images/image-batch';
import { createMatrix } from '../../lib/linalg/matrix';
import { getArtifact, putArtifact } from '../../lib/store/artifact-ref';
import { encodeTable } from '../../lib/store/arrow-table';
import { LocalStore } from '../../lib/store/local-store';
import { suiteBackend } from '../support/backend';

const exec = promisify(execFile);
let root: string;

beforeAll(async () => {
  await suiteBackend();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'deeprecon-tensor-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

interface PyTensor {
  /** The column's Arrow type as pyarrow prints it, and whether pyarrow made it a FixedShapeTensorArray. */
  type: string;
  isTensor: boolean;
  shape: number[];
  dimNames: string[] | null;
  /** The ndarray's shape and dtype, and its elements at the probe indices. */
  ndarrayShape: number[];
  dtype: string;
  probes: number[];
  /** How the ndarray was read: numpy's to_numpy_ndarray(), or pyarrow's own tensor view where numpy is not installed. */
  via: 'numpy' | 'tensor' | '';
}

/**
 * What pyarrow makes of one column of an Arrow file: the ndarray it rebuilds, probed at the given
 * indices. With numpy, through FixedShapeTensorArray.to_numpy_ndarray(). The project's Python
 * has pyarrow only; there, pyarrow's Tensor gives the same ndarray's shape and strides, and each
 * probe is the element those strides address in the column's values: exactly what numpy indexes.
 */
async function readTensorWithPyarrow(file: string, column: string, probes: number[][]): Promise<PyTensor> {
  const script = [
    'import json, sys, pyarrow as pa, pyarrow.ipc as ipc',
    'file, column, probes = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])',
    't = ipc.open_file(file).read_all()',
    'col = t.column(column).combine_chunks()',
    'out = {"type": str(col.type), "isTensor": isinstance(col, pa.FixedShapeTensorArray), "shape": [], "dimNames": None, "ndarrayShape": [], "dtype": "", "probes": [], "via": ""}',
    'if out["isTensor"]:',
    '    out.update(shape=list(col.type.shape), dimNames=col.type.dim_names)',
    '    try:',
    '        import numpy',
    '        arr = col.to_numpy_ndarray()',
    '        out.update(via="numpy", ndarrayShape=list(arr.shape), dtype=str(arr.dtype), probes=[arr[tuple(p)].item() for p in probes])',
    '    except ImportError:',
    '        tensor = col.to_tensor()',
    '        flat = col.storage.flatten()',
    '        width = tensor.type.bit_width // 8',
    '        at = lambda p: flat[sum(i * s for i, s in zip(p, tensor.strides)) // width].as_py()',
    '        dtype = {"float": "float32", "uint8": "uint8"}.get(str(tensor.type), str(tensor.type))',
    '        out.update(via="tensor", ndarrayShape=list(tensor.shape), dtype=dtype, probes=[at(p) for p in probes])',
    'print(json.dumps(out))',
  ].join('\n');
  const { stdout } = await exec(resolvePython(), ['-c', script, file, column, JSON.stringify(probes)], { env: pythonEnv() });
  return JSON.parse(stdout) as PyTensor;
}

describe('feature and image tensors as arrow.fixed_shape_tensor', () => {
  it('the features stage records each conv layer as [H, W, C]; pyarrow rebuilds the ndarray the network computed', async () => {
    const store = new LocalStore(path.join(root, 'store'));
    const stimuli = await putArtifact(store, 'in/stimuli.arrow', encodeStimulusTable(proceduralStimuli({ seed: 3, imageSize: 16, trainImages: 4, testImages: 2 })), 'arrow');
    const network: FeaturesConfig = { network: 'vgg-mini', seed: 7, batchSize: 8, layers: [], inputMode: 'caffe' };
    const outputs = (await featuresActivity({ store: { type: 'local', path: path.join(root, 'store') }, backend: 'auto', config: network, inputs: { stimuli }, force: false })).outputs;
    // The truth, independent of the files: the network's own unflattened (N, H, W, C) outputs for the same images.
    const images = decodeStimulusTable(await getArtifact(store, stimuli), stimuli.uri).images;
    const cnn = await loadNetwork(network, images.height);
    const input = tf.tensor4d(images.data, [images.count, images.height, images.width, 3]);
    const unflattened = cnn.forward(input, cnn.layerNames, false);
    let sawConv = false;
    try {
      for (const layer of cnn.layerNames) {
        const ref = outputs[`features.${layer}`]!;
        const truth = unflattened[layer]!;
        const [n, ...shape] = truth.shape;
        // The last element and two inside ones: a transposed or mis-sized shape addresses others.
        const probes = [truth.shape.map((d) => d - 1), truth.shape.map((d, i) => (i === 0 ? 1 : Math.floor(d / 3))), truth.shape.map((d, i) => (i === 0 ? n! - 1 : d === 1 ? 0 : 1 + (i % (d - 1))))];
        const truthValues = truth.arraySync() as unknown;
        const at = (p: number[]) => p.reduce<unknown>((a, i) => (a as unknown[])[i], truthValues) as number;
        const py = await readTensorWithPyarrow(new URL(ref.uri).pathname, 'values', probes);
        expect(py).toMatchObject({ isTensor: true, shape, dtype: 'float32', ndarrayShape: truth.shape, dimNames: shape.length === 3 ? ['H', 'W', 'C'] : ['C'] });
        expect(['numpy', 'tensor']).toContain(py.via);
        expect(py.type).toMatch(/^extension<arrow\.fixed_shape_tensor/);
        probes.forEach((p, i) => expect(py.probes[i]).toBeCloseTo(at(p), 4));
        if (shape.length === 3) sawConv = true;
        // deeprecon reads the shape back too.
        expect(decodeLabelledMatrix(await getArtifact(store, ref), ref.uri).shape).toEqual({ shape, dimNames: py.dimNames });
      }
    } finally {
      tf.dispose([input, ...Object.values(unflattened)]);
      cnn.dispose();
    }
    expect(sawConv).toBe(true);
  });

  it('stimulus images are an (N, H, W, 3) uint8 tensor that pyarrow reads as the PNG encoding would have rounded them', async () => {
    const set = proceduralStimuli({ seed: 5, imageSize: 12, trainImages: 3, testImages: 2 });
    const file = path.join(root, 'stimuli.arrow');
    await fs.writeFile(file, encodeStimulusTable(set));
    const { count, height, width } = set.images;
    const probes = [[0, 0, 0, 0], [count - 1, height - 1, width - 1, 2], [2, 5, 7, 1]];
    const py = await readTensorWithPyarrow(file, 'pixels', probes);
    expect(py).toMatchObject({ isTensor: true, shape: [height, width, 3], dimNames: ['H', 'W', 'C'], dtype: 'uint8', ndarrayShape: [count, height, width, 3] });
    const byte = (v: number) => (v > 0 ? (v < 1 ? Math.round(v * 255) : 255) : 0);
    expect(py.probes).toEqual(probes.map(([n, y, x, c]) => byte(set.images.data[((n! * height + y!) * width + x!) * 3 + c!]!)));
    // Read back by deeprecon: the very values a table of PNGs gave.
    const asPngs = encodeTable(
      {
        stimulus_id: { kind: 'utf8', values: set.ids },
        set: { kind: 'utf8', values: set.sets },
        png: { kind: 'binary', values: set.ids.map((_, i) => encodePng(imageView(set.images, i), height, width)) },
      },
      { height: String(height), width: String(width) },
    );
    const fromTensor = decodeStimulusTable(await fs.readFile(file), file);
    const fromPngs = decodeStimulusTable(asPngs, 'older stimuli.arrow');
    expect(fromTensor.ids).toEqual(set.ids);
    expect(fromTensor.sets).toEqual(set.sets);
    expect([fromTensor.images.count, fromTensor.images.height, fromTensor.images.width]).toEqual([count, height, width]);
    expect(Array.from(fromTensor.images.data)).toEqual(Array.from(fromPngs.images.data));
  });

  it('files without the extension (written before shapes were recorded) still read; a shape that does not fit is refused', async () => {
    const m = createMatrix(2, 6, Float32Array.from({ length: 12 }, (_, i) => i));
    const plain = decodeLabelledMatrix(encodeLabelledMatrix({ stimulusIds: ['a', 'b'], values: m }), 'old.arrow');
    expect(plain.shape).toBeUndefined();
    expect(Array.from(plain.values.data)).toEqual(Array.from(m.data));
    const file = path.join(root, 'plain.arrow');
    await fs.writeFile(file, encodeLabelledMatrix({ stimulusIds: ['a', 'b'], values: m }));
    expect(await readTensorWithPyarrow(file, 'values', [])).toMatchObject({ isTensor: false, type: 'fixed_size_list<item: float not null>[6]' });

    const shaped = decodeLabelledMatrix(encodeLabelledMatrix({ stimulusIds: ['a', 'b'], values: m, shape: { shape: [1, 2, 3], dimNames: ['H', 'W', 'C'] } }), 'new.arrow');
    expect(shaped.shape).toEqual({ shape: [1, 2, 3], dimNames: ['H', 'W', 'C'] });
    expect(Array.from(shaped.values.data)).toEqual(Array.from(m.data));
    expect(() => encodeLabelledMatrix({ stimulusIds: ['a', 'b'], values: m, shape: { shape: [2, 2, 2] } })).toThrow('encodeTable: column values: tensor shape [2, 2, 2] holds 8 values, the column 6');
    expect(() => encodeLabelledMatrix({ stimulusIds: ['a', 'b'], values: m, shape: { shape: [2, 3], dimNames: ['H'] } })).toThrow('1 dimension names for 2 dimensions');
    // Another tool's file whose metadata does not fit its column: an error naming the file, not scrambled rows.
    const lying = (metadata: string) => {
      const plainTable = tableFromIPC(encodeLabelledMatrix({ stimulusIds: ['a', 'b'], values: m }));
      const fields = plainTable.schema.fields.map((f) => (f.name === 'values' ? new Field(f.name, f.type, f.nullable, new Map([['ARROW:extension:name', 'arrow.fixed_shape_tensor'], ['ARROW:extension:metadata', metadata]])) : f));
      return tableToIPC(new Table(new Schema(fields), plainTable.batches), 'file');
    };
    expect(() => decodeLabelledMatrix(lying('{"shape":[2,2]}'), 'other.arrow')).toThrow('other.arrow: column "values": tensor shape [2, 2] holds 4 values, the column 6');
    expect(() => decodeLabelledMatrix(lying('{"shape":[2,3],"permutation":[1,0]}'), 'other.arrow')).toThrow('with a permutation is not supported');
    expect(() => decodeLabelledMatrix(lying('not json'), 'other.arrow')).toThrow('other.arrow: column "values": arrow.fixed_shape_tensor metadata is not JSON');
    expect(decodeLabelledMatrix(lying('{"shape":[3,2],"permutation":[0,1]}'), 'other.arrow').shape).toEqual({ shape: [3, 2] });
  });
});
