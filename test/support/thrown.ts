/** The message `f` throws, or 'no error' when it returns: for tests that compare refusals line by line. */
export function thrownMessage(f: () => unknown): string {
  try {
    f()
  } catch (e) {
    return (e as Error).message
  }
  return 'no error'
}
