/**
 * The AWS SDK prints, in every process on Node < 22, that SDK versions published after early 2027
 * will need Node 22. The SDK this project pins supports its whole Node range (package.json
 * `engines`), so the notice is explained once in docs/operations.md instead, and turned off here
 * through the SDK's own switch; a value the user set is kept. Imported first by each entry point.
 */
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

export {};
