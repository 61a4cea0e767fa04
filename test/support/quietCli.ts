import { vi } from 'vitest'
import { runCli } from '../../src/cli/main.js'

/** runCli with stdout silenced: `{ code, stderr }` of one command run in-process. */
export async function quietly(argv: readonly string[]): Promise<{ readonly code: number; readonly stderr: string }> {
  const q = vi.spyOn(console, 'log').mockImplementation(() => {})
  try {
    return await runCli(argv)
  } finally {
    q.mockRestore()
  }
}
