/**
 * The design tokens of the default stylesheet, read from its text: the Foundations page lists exactly
 * what `styles.css` declares, so it cannot drift from it.
 */

/** What a token is for, by its name and value. */
export type TokenGroup = 'colour' | 'space' | 'size' | 'type' | 'radius' | 'effect';

/** One `--swk-*` custom property with its light value and, for themed tokens, its dark value. */
export interface DesignToken {
  name: string;
  group: TokenGroup;
  light: string;
  /** The value under `data-swk-theme="dark"`, or null when the token is the same in both themes. */
  dark: string | null;
}

/** The `--swk-*` declarations of every rule whose selector is exactly `selector`, in order. */
function declarations(css: string, selector: string): Map<string, string> {
  const found = new Map<string, string>();
  for (let start = css.indexOf(`${selector} {`); start !== -1; start = css.indexOf(`${selector} {`, start + 1)) {
    const body = css.slice(css.indexOf('{', start) + 1, css.indexOf('}', start));
    for (const match of body.matchAll(/(--swk-[\w-]+)\s*:\s*([^;]+);/g)) found.set(match[1]!, match[2]!.trim());
  }
  return found;
}

function groupOf(name: string, value: string, known: Map<string, TokenGroup>): TokenGroup {
  const reference = /^var\((--swk-[\w-]+)\)$/.exec(value);
  if (reference) return known.get(reference[1]!) ?? 'effect';
  if (name.includes('radius')) return 'radius';
  if (name.includes('space')) return 'space';
  if (name.includes('font') || name.includes('line-height')) return 'type';
  if (name.includes('shadow')) return 'effect';
  if (/^(#|rgb|hsl|oklch|color\()/.test(value)) return 'colour';
  if (/^\d+(\.\d+)?(px|rem|em)$/.test(value)) return 'size';
  return 'effect';
}

/** The tokens `styles.css` declares on `.swk-theme`, in declaration order, with their dark values. */
export function readDesignTokens(css: string): DesignToken[] {
  const light = declarations(css, ':where(.swk-theme)');
  const dark = declarations(css, ':where(.swk-theme[data-swk-theme="dark"])');
  const groups = new Map<string, TokenGroup>();
  return [...light].map(([name, value]) => {
    const group = groupOf(name, value, groups);
    groups.set(name, group);
    return { name, group, light: value, dark: dark.get(name) ?? null };
  });
}
