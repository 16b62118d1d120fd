/**
 * What an experiment, sweep, subject or point may be called. Names become workflow ids, store
 * keys and folders under runs/, so they are one path segment of safe characters: a name can never
 * climb out of its folder (`..`, `/`) or mean something to a shell.
 */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const NAME_RULE = 'use letters, digits, ".", "_" or "-" (max 64)';
