/** An error the CLI reports with a given exit status; the message goes to stderr as-is. */
export class StatusError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "StatusError";
  }
}
