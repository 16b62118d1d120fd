import type { SubjectConfig } from '../../configs/schema';

type SimulatedSource = Extract<SubjectConfig['source'], { type: 'simulated' }>;

/** A subject's simulated source, so tests can read its fields; a bdata source is a test bug. */
export function simulatedSource(subject: SubjectConfig | undefined): SimulatedSource {
  if (subject === undefined) throw new Error('simulatedSource: no such subject');
  if (subject.source.type !== 'simulated') throw new Error(`simulatedSource: subject ${subject.name} has a ${subject.source.type} source`);
  return subject.source;
}
