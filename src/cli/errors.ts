// Typed errors of the command line.

/** A command line that cannot be understood (exit code 2). */
export class ArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArgumentError';
  }
}
