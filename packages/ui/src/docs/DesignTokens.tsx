import type { CSSProperties, ReactNode } from 'react';
import css from '../styles.css?raw';
import { type DesignToken, readDesignTokens, type TokenGroup } from './tokens';

/** Every token of the stylesheet (read from its text when the page loads). */
export const designTokens: DesignToken[] = readDesignTokens(css);

const tokensOf = (group: TokenGroup) => designTokens.filter((token) => token.group === group);

/** A table of tokens: name, light and dark values, and a rendering of each in its theme. */
function TokenTable({
  caption,
  tokens,
  sample,
}: {
  caption: string;
  tokens: DesignToken[];
  sample: (token: DesignToken) => ReactNode;
}) {
  return (
    <table className="sb-tokens">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Token</th>
          <th scope="col">Light</th>
          <th scope="col">Dark</th>
        </tr>
      </thead>
      <tbody>
        {tokens.map((token) => (
          <tr key={token.name}>
            <th scope="row">
              <code>{token.name}</code>
            </th>
            {(['light', 'dark'] as const).map((theme) => (
              <td key={theme}>
                {/* Each cell resolves the token in its own theme, from the live stylesheet. */}
                <div className="swk-theme sb-tokens__cell" data-swk-theme={theme}>
                  {sample(token)}
                  <code>{theme === 'dark' ? (token.dark ?? token.light) : token.light}</code>
                </div>
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const swatch = (token: DesignToken): ReactNode => (
  <span aria-hidden="true" className="sb-tokens__swatch" style={{ background: `var(${token.name})` }} />
);

/** Colours, light and dark, as swatches. */
export function ColourTokens() {
  return <TokenTable caption="Colours" tokens={tokensOf('colour')} sample={swatch} />;
}

/** The spacing unit and its multiples as bars. */
export function SpacingTokens() {
  return (
    <TokenTable
      caption="Spacing (layouts use multiples of the unit)"
      tokens={[...tokensOf('space'), ...tokensOf('size')]}
      sample={(token) => (
        <span className="sb-tokens__bars" aria-hidden="true">
          {(token.group === 'space' ? [1, 2, 3, 4] : [1]).map((n) => (
            <span
              key={n}
              className="sb-tokens__bar"
              style={{ width: token.group === 'space' ? `calc(${n} * var(${token.name}))` : '100%' }}
            />
          ))}
        </span>
      )}
    />
  );
}

/** Font families, size and line height, each set in a sample sentence. */
export function TypeTokens() {
  return (
    <TokenTable
      caption="Type"
      tokens={tokensOf('type')}
      sample={(token) => {
        const property: keyof CSSProperties = token.name.includes('line-height')
          ? 'lineHeight'
          : token.name.includes('size')
            ? 'fontSize'
            : 'fontFamily';
        return (
          <span className="sb-tokens__type" style={{ [property]: `var(${token.name})` }}>
            Order placed → Segment
          </span>
        );
      }}
    />
  );
}

/** Corner radii as boxes. */
export function RadiusTokens() {
  return (
    <TokenTable
      caption="Radii"
      tokens={tokensOf('radius')}
      sample={(token) => (
        <span aria-hidden="true" className="sb-tokens__radius" style={{ borderRadius: `var(${token.name})` }} />
      )}
    />
  );
}

/** Shadows and other effects. */
export function EffectTokens() {
  return (
    <TokenTable
      caption="Effects"
      tokens={tokensOf('effect')}
      sample={(token) => (
        <span aria-hidden="true" className="sb-tokens__effect" style={{ boxShadow: `var(${token.name})` }} />
      )}
    />
  );
}
