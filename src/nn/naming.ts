/**
 * Parameter naming shared by models, regularizers and diagnostics: a layer `L` owns `L.<local>`.
 * A name says nothing about what a parameter is: weights are those a layer declares `weight: true`.
 */

/** The full name of a layer's leaf. */
export function leafOf(layer: string, local: string): string {
  return `${layer}.${local}`
}
