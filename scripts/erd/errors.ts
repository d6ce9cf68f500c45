// The one error the CLI prints without a stack: anything it can explain to the person at the terminal
// (missing or malformed snapshot, bad flag). Any other exception is a bug and keeps its stack.
export class ErdError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = "ErdError";
  }
}
