/**
 * The public entries' exports (through `export * as` namespaces) walked with the TypeScript
 * compiler API (typescript-6: the JavaScript API TypeScript 7 no longer ships, the one `npm run
 * docs` gives TypeDoc), and those whose declaration has no doc comment.
 */
import { join, relative, resolve } from 'node:path'
import ts from 'typescript-6'

const repo = resolve(import.meta.dirname, '..', '..')
const entries: Record<string, string> = {
  symgrad: 'src/index.ts', 'symgrad/node': 'src/node/index.ts', 'symgrad/web': 'src/web/index.ts', 'symgrad/queue': 'src/queue/index.ts', 'symgrad/kernels': 'src/kernels/index.ts', 'symgrad/laws': 'laws/index.ts',
}

/** `entry:path.to.name` of each public export without a doc comment (types, values, namespaces' members). */
export function undocumentedExports(): string[] {
  const program = ts.createProgram(Object.values(entries).map((f) => join(repo, f)), { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noEmit: true, skipLibCheck: true, types: [] })
  const checker = program.getTypeChecker()
  const missing = new Set<string>()
  const documented = (d: ts.Declaration): boolean => {
    // a variable's comment sits on its statement; a function's overloads share the first one's
    const node = ts.isVariableDeclaration(d) ? d.parent.parent : d
    return ts.getJSDocCommentsAndTags(node).some((j) => ts.isJSDoc(j) && ((typeof j.comment === 'string' && j.comment.trim() !== '') || (j.comment?.length ?? 0) > 0))
  }
  const walk = (moduleSymbol: ts.Symbol, path: string, seen: Set<ts.Symbol>): void => {
    for (const exp of checker.getExportsOfModule(moduleSymbol)) {
      const target = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp
      const name = `${path}.${exp.getName()}`
      const decls = (target.declarations ?? []).filter((d) => !d.getSourceFile().isDeclarationFile)
      if (decls.length === 0) continue
      if (decls.some((d) => ts.isSourceFile(d))) {
        // `export * as ns`: a namespace of a module; its members are the API too
        if (!seen.has(target)) walk(target, name, new Set([...seen, target]))
        continue
      }
      if (!decls.some(documented)) missing.add(`${name}  (${relative(repo, decls[0]!.getSourceFile().fileName)})`)
    }
  }
  for (const [entry, file] of Object.entries(entries)) {
    const sf = program.getSourceFile(join(repo, file))!
    walk(checker.getSymbolAtLocation(sf)!, entry, new Set())
  }
  return [...missing].sort()
}

