/** A request the CSE refuses: carries the status code to answer with. */
export class CseError extends Error {
  constructor(readonly rsc: number, message: string) {
    super(message);
    this.name = 'CseError';
  }
}
