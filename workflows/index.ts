export { experimentWorkflow, progressQuery } from './experiment';
export { sweepWorkflow } from './sweep';
