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

/**
 * `entry.path.to.name` of each public export without a doc comment (types, values, namespaces'
 * members), and `….member` of each member TypeDoc asks a comment of: constructors, methods and
 * function-typed fields of exported interfaces, classes, object literals and nested type literals.
 */
export function undocumentedExports(): string[] {
  const program = ts.createProgram(Object.values(entries).map((f) => join(repo, f)), { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noEmit: true, skipLibCheck: true, types: [] })
  const checker = program.getTypeChecker()
  const missing = new Set<string>()
  const documented = (d: ts.Declaration): boolean => {
    // a variable's comment sits on its statement; a function's overloads share the first one's
    const node = ts.isVariableDeclaration(d) ? d.parent.parent : d
    return ts.getJSDocCommentsAndTags(node).some((j) => ts.isJSDoc(j) && ((typeof j.comment === 'string' && j.comment.trim() !== '') || (j.comment?.length ?? 0) > 0))
  }
  const hidden = (m: ts.Node): boolean => ts.canHaveModifiers(m) && (ts.getModifiers(m) ?? []).some((k) => k.kind === ts.SyntaxKind.PrivateKeyword || k.kind === ts.SyntaxKind.ProtectedKeyword)
  const callable = (m: ts.Node): boolean => checker.getNonNullableType(checker.getTypeAtLocation(m)).getCallSignatures().length > 0
  // the members of an interface, class or type literal, or of an unannotated variable's object literal
  const members = (d: ts.Node): readonly (ts.ClassElement | ts.TypeElement | ts.ObjectLiteralElementLike)[] =>
    ts.isInterfaceDeclaration(d) || ts.isClassDeclaration(d) || ts.isTypeLiteralNode(d) ? d.members
    : ts.isTypeAliasDeclaration(d) ? members(d.type)
    : ts.isVariableDeclaration(d) && d.type === undefined && d.initializer !== undefined ? members(ts.isAsExpression(d.initializer) ? d.initializer.expression : d.initializer)
    : ts.isObjectLiteralExpression(d) ? d.properties
    : []
  const walkMembers = (d: ts.Node, path: string): void => {
    for (const m of members(d)) {
      if (hidden(m) || ts.isIndexSignatureDeclaration(m)) continue
      const name = ts.isConstructorDeclaration(m) ? 'constructor' : m.name !== undefined && (ts.isIdentifier(m.name) || ts.isStringLiteral(m.name)) ? m.name.text : undefined
      if (name === undefined) continue
      const nested = (ts.isPropertySignature(m) || ts.isPropertyDeclaration(m)) && m.type !== undefined && ts.isTypeLiteralNode(m.type) ? m.type : undefined
      if (nested !== undefined) walkMembers(nested, `${path}.${name}`)
      const needs = ts.isConstructorDeclaration(m) || ts.isMethodSignature(m) || ts.isMethodDeclaration(m) || (nested === undefined && callable(m))
      if (needs && !documented(m as ts.Declaration)) missing.add(`${path}.${name}  (${relative(repo, m.getSourceFile().fileName)})`)
    }
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
      for (const d of decls) walkMembers(d, name)
    }
  }
  for (const [entry, file] of Object.entries(entries)) {
    const sf = program.getSourceFile(join(repo, file))!
    walk(checker.getSymbolAtLocation(sf)!, entry, new Set())
  }
  return [...missing].sort()
}

