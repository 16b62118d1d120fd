import * as tf from '@tensorflow/tfjs';
import type { Random } from '../random';

/** Variables in a fixed order with stable names: the unit of saving and of optimisation. */
export type NamedVariables = ReadonlyArray<readonly [name: string, variable: tf.Variable]>;

/**
 * A variable filled from the project PRNG, so weights are identical on every backend and machine.
 * Unnamed on purpose: tfjs variable names are process-global, and several models may coexist.
 */
export function normalVariable(rng: Random, shape: readonly number[], mean: number, sd: number, trainable = true): tf.Variable {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = mean + sd * rng.normal();
  // Inside tidy so the initial tensor is released once the variable holds the data.
  return tf.tidy(() => tf.variable(tf.tensor(values, [...shape]), trainable));
}

export function constantVariable(shape: readonly number[], value: number, trainable = true): tf.Variable {
  return tf.tidy(() => tf.variable(tf.fill([...shape], value), trainable));
}

/** The trainable variables only (moving batch-norm statistics are excluded). */
export function trainable(vars: NamedVariables): tf.Variable[] {
  return vars.filter(([, v]) => v.trainable).map(([, v]) => v);
}

export function prefixed(prefix: string, vars: NamedVariables): NamedVariables {
  return vars.map(([name, v]) => [`${prefix}.${name}`, v] as const);
}

export function disposeVariables(vars: NamedVariables): void {
  for (const [, v] of vars) v.dispose();
}
