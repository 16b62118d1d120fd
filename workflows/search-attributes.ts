import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes that make runs findable in the Temporal UI and CLI
 * (e.g. `DeepreconSubjects = 'sim01'`). A cluster must register them before use: the embedded
 * server does it at start; see docs/operations.md for a remote cluster.
 */
export const EXPERIMENT_KEY = defineSearchAttributeKey('DeepreconExperiment', SearchAttributeType.KEYWORD);
export const SUBJECTS_KEY = defineSearchAttributeKey('DeepreconSubjects', SearchAttributeType.KEYWORD_LIST);
export const SWEEP_KEY = defineSearchAttributeKey('DeepreconSweep', SearchAttributeType.KEYWORD);
export const STAGE_KEY = defineSearchAttributeKey('DeepreconStage', SearchAttributeType.KEYWORD);

/** Names and types as `temporal server start-dev --search-attribute` and the operator CLI take them. */
export const SEARCH_ATTRIBUTE_TYPES = {
  DeepreconExperiment: 'Keyword',
  DeepreconSubjects: 'KeywordList',
  DeepreconSweep: 'Keyword',
  DeepreconStage: 'Keyword',
} as const;
