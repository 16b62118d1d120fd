/** Suffix of control methods: reconstructions from shuffled voxel–image pairs, which must score at chance. */
export const CONTROL_SUFFIX = '-shuffled';

export const CONTROL_LABEL = 'control (should be at chance)';

export function isControlMethod(method: string): boolean {
  return method.endsWith(CONTROL_SUFFIX);
}

/** Real methods first, then the controls, each group in the order given; duplicates dropped. */
export function orderMethods(methods: Iterable<string>): string[] {
  const unique = [...new Set(methods)];
  return [...unique.filter((m) => !isControlMethod(m)), ...unique.filter(isControlMethod)];
}

/** A method's name as the report shows it: controls say what they are. */
export function methodLabel(method: string): string {
  return isControlMethod(method) ? `${method} — ${CONTROL_LABEL}` : method;
}
