import { z } from 'zod';
import { NAME_PATTERN, NAME_RULE } from './name-rule';
import { MAX_DESCRIPTION_LENGTH } from './schema';
import { isDottedPath } from '../lib/sweep/dotted-path';
import { canonicalJson } from '../lib/store/canonical-json';

/**
 * The sweep file's schema: a base experiment plus the settings to vary. Strict like the
 * experiment schema, so a misspelt key is an error rather than a sweep that silently varies nothing.
 */

const slug = z.string().regex(NAME_PATTERN, NAME_RULE);

const dottedPath = z
  .string()
  .refine(isDottedPath, 'not a config path; use dotted keys and [index], e.g. decode.alpha or subjects[0].source.noiseSd')
  // Each point's name is derived by the sweep, so varying it would be overwritten.
  .refine((path) => path !== 'name', '"name" is set per point by the sweep and cannot be varied');

const scalar = z.union([z.number(), z.string(), z.boolean()]);

/** One value a varied setting takes: a scalar, or a list for list-valued settings such as decode.layers. */
export const SweepValueSchema = z.union([scalar, z.array(scalar)]);

const values = z.array(SweepValueSchema).min(1, 'give at least one value');

export const SweepPointSchema = z.strictObject({
  name: slug,
  set: z.record(dottedPath, SweepValueSchema),
});

export const SweepSchema = z
  .strictObject({
    name: slug,
    description: z.string().max(MAX_DESCRIPTION_LENGTH).optional(),
    /** The base experiment file, relative to the sweep file. */
    base: z.string().min(1),
    /** Child experiments running at once. */
    max_parallel: z.int().min(1).max(100).default(2),
    /** Base subjects to run, one point per subject; all of them, together, when omitted. */
    subjects: z.array(slug).min(1).optional(),
    grid: z.record(dottedPath, values).default({}),
    zip: z.record(dottedPath, values).default({}),
    points: z.array(SweepPointSchema).default([]),
  })
  .superRefine((sweep, ctx) => {
    const zipKeys = Object.keys(sweep.zip);
    const first = zipKeys[0];
    if (first !== undefined) {
      const length = sweep.zip[first]!.length;
      for (const key of zipKeys.slice(1)) {
        const other = sweep.zip[key]!.length;
        if (other !== length) {
          ctx.addIssue({
            code: 'custom',
            path: ['zip', key],
            message: `zip lists must have equal lengths: "${first}" has ${length} value(s), "${key}" has ${other}`,
          });
        }
      }
    }
    // A repeated value would run the same experiment twice under two names.
    for (const [key, list] of Object.entries(sweep.grid)) {
      const repeated = list.find((v, i) => list.findIndex((w) => canonicalJson(w) === canonicalJson(v)) !== i);
      if (repeated !== undefined) ctx.addIssue({ code: 'custom', path: ['grid', key], message: `value ${canonicalJson(repeated)} is listed twice` });
    }
    if (first !== undefined) {
      const tuples = sweep.zip[first]!.map((_, i) => canonicalJson(zipKeys.map((key) => sweep.zip[key]![i])));
      const repeated = tuples.findIndex((t, i) => tuples.indexOf(t) !== i);
      if (repeated >= 0) ctx.addIssue({ code: 'custom', path: ['zip', first], message: `zip position ${repeated} repeats position ${tuples.indexOf(tuples[repeated]!)}` });
    }
    for (const key of zipKeys) {
      if (Object.hasOwn(sweep.grid, key)) {
        ctx.addIssue({ code: 'custom', path: ['zip', key], message: `"${key}" is varied in both grid and zip; vary it in one` });
      }
    }
    const seen = new Set<string>();
    for (const [i, point] of sweep.points.entries()) {
      if (seen.has(point.name)) ctx.addIssue({ code: 'custom', path: ['points', i, 'name'], message: `duplicate point name "${point.name}"` });
      seen.add(point.name);
    }
    const subjects = new Set<string>();
    for (const [i, subject] of (sweep.subjects ?? []).entries()) {
      if (subjects.has(subject)) ctx.addIssue({ code: 'custom', path: ['subjects', i], message: `subject "${subject}" is listed twice` });
      subjects.add(subject);
    }
  });

export type Sweep = z.infer<typeof SweepSchema>;
export type SweepValue = z.infer<typeof SweepValueSchema>;
