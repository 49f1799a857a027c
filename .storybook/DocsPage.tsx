import { ArgTypes, Description, DocsContext, Subtitle, Title, useOf } from '@storybook/addon-docs/blocks';
import { type ComponentProps, useContext } from 'react';

/**
 * One state in its own frame, as the story renders on its own but without its play function
 * (`embed=true`): the state as it is named, with its dialogs and menus kept inside the frame, and the
 * page's theme.
 */
function StoryFrame({ id, title, height, theme }: { id: string; title: string; height: string; theme: string }) {
  const search = new URLSearchParams({ id, viewMode: 'story', embed: 'true', globals: `theme:${theme}` });
  return <iframe className="sb-state__frame" title={title} src={`iframe.html?${search}`} style={{ height }} />;
}

/**
 * The autodocs page of every component: what it is and when to use it, its props from its TypeScript
 * types (of `parameters.docs.propsOf` when the story file renders a harness), then every story (one per
 * state) side by side.
 */
export function DocsPage() {
  const { csfFile, preparedMeta } = useOf('meta', ['meta']);
  const context = useContext(DocsContext) as unknown as { store?: { userGlobals?: { get(): { theme?: string } } } };
  const theme = context.store?.userGlobals?.get().theme ?? 'light';
  // In the order of the story file (the first is the component's main state): the build records it as
  // `__namedExportsOrder` (a module namespace lists its exports alphabetically).
  const exports = csfFile.moduleExports as Record<string, unknown> & { __namedExportsOrder?: string[] };
  const order = (exports.__namedExportsOrder ?? Object.keys(exports)).map((name) => exports[name]);
  const stories = Object.values(csfFile.stories).sort(
    (a, b) => order.indexOf(a.moduleExport) - order.indexOf(b.moduleExport),
  );
  const docs = preparedMeta.parameters.docs as { propsOf?: unknown; story?: { height?: string } } | undefined;
  // A story file whose `component` is a harness names the real component for the props table.
  const propsOf = docs?.propsOf as ComponentProps<typeof ArgTypes>['of'] | undefined;
  const height = docs?.story?.height ?? '440px';
  return (
    <>
      <Title />
      <Subtitle />
      <Description />
      <h2 id="props">Props</h2>
      {propsOf ? <ArgTypes of={propsOf} /> : <ArgTypes />}
      <h2 id="states">States</h2>
      <div className="sb-states">
        {stories.map((story) => (
          <section key={story.id} className="sb-state" aria-labelledby={`${story.id}--title`}>
            <h3 id={`${story.id}--title`}>{story.name}</h3>
            <Description of={story.moduleExport} />
            <StoryFrame id={story.id} title={`${preparedMeta.title}: ${story.name}`} height={height} theme={theme} />
          </section>
        ))}
      </div>
    </>
  );
}
