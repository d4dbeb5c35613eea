// A step that failed. `abortUpdate` marks failures that retrying cannot fix (no disk space, image not
// available): the planner rolls an update back at once instead of after repeated failures.
export class StepError extends Error {
  constructor(
    message: string,
    readonly abortUpdate = false,
  ) {
    super(message);
  }
}
