import { ConfigError } from '../../configs/config-error';
import { parseExperimentConfig } from '../../configs/load';

/** The message a config text is rejected with; throws if it is accepted or fails otherwise. */
export function configRejection(text: string): string {
  try {
    parseExperimentConfig(text, 'exp.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}
