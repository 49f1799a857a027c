import { describe, expect, it } from 'vitest';
import css from '../styles.css?raw';
import { readDesignTokens } from './tokens';

describe('readDesignTokens', () => {
  it('lists every token the stylesheet declares, grouped, with its dark value', () => {
    const tokens = readDesignTokens(css);
    const declared = new Set([...css.matchAll(/(--swk-[\w-]+)\s*:/g)].map((m) => m[1]));
    expect(new Set(tokens.map((t) => t.name))).toEqual(declared);
    expect(tokens.find((t) => t.name === '--swk-accent')).toEqual({
      name: '--swk-accent',
      group: 'colour',
      light: '#2457d6',
      dark: '#7aa2ff',
    });
    expect(tokens.find((t) => t.name === '--swk-radius')).toMatchObject({ group: 'radius', dark: null });
    expect(tokens.find((t) => t.name === '--swk-space')?.group).toBe('space');
    expect(tokens.find((t) => t.name === '--swk-font-size')?.group).toBe('type');
    expect(tokens.find((t) => t.name === '--swk-shadow')?.group).toBe('effect');
    expect(tokens.find((t) => t.name === '--swk-chart-failed')).toMatchObject({
      group: 'colour',
      light: 'var(--swk-danger)',
    });
    expect(tokens.find((t) => t.name === '--swk-logs-height')?.group).toBe('size');
  });

  it('follows a new token added to the stylesheet', () => {
    const changed = css.replace(':where(.swk-theme) {', ':where(.swk-theme) {\n  --swk-new-colour: #123456;');
    expect(readDesignTokens(changed).find((t) => t.name === '--swk-new-colour')?.group).toBe('colour');
  });
});
