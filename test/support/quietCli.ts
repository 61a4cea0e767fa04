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

/** runCli with stdout caught: `{ code, stderr, out }`, `out` the lines the command logged. */
export async function withOutput(argv: readonly string[]): Promise<{ readonly code: number; readonly stderr: string; readonly out: string[] }> {
  const out: string[] = []
  const q = vi.spyOn(console, 'log').mockImplementation((l: unknown) => void out.push(String(l)))
  try {
    return { ...(await runCli(argv)), out }
  } finally {
    q.mockRestore()
  }
}
