export { experimentWorkflow, progressQuery } from './experiment';
