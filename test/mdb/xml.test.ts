import { expect } from 'chai';
import { parseXmlText, XmlSyntaxError } from '../../src/mdb/xml.ts';

const error = (text: string): XmlSyntaxError => {
  try {
    parseXmlText(text);
  } catch (err) {
    if (err instanceof XmlSyntaxError) return err;
    throw err;
  }
  throw new Error('parsed');
};

describe('mdb/xml', () => {
  it('reads elements, attributes, text, CDATA and entities; drops namespace prefixes and xmlns declarations', () => {
    const root = parseXmlText(
      `<?xml version="1.0"?>\n<!-- a\n comment <x> -->\n<x:A xmlns:x="urn:a" xmlns="urn:b" xsi:nil='true' b="1 &lt; 2 &amp;&#65;&#x42;">\n  t1 <B/> t2<![CDATA[ <raw> & ]]>\n  <x:C d="&quot;"></x:C>\n</x:A>`,
    );
    expect(root).to.deep.include({ name: 'A', line: 4, attrs: { nil: 'true', b: '1 < 2 &AB' } });
    expect(root.text).to.equal('t1 t2 <raw> &');
    expect(root.children.map((c) => [c.name, c.line, c.attrs])).to.deep.equal([
      ['B', 5, {}],
      ['C', 6, { d: '"' }],
    ]);
  });

  it('refuses malformed documents with their line and column', () => {
    expect(error('<A>\n  <B>\n</A>')).to.include({ line: 3, column: 1 });
    expect(error('<A>\n</A><B/>').message).to.match(/line 2, column 5: a second root element/);
    expect(error('<A b="1" b="2"/>').message).to.match(/attribute b is repeated/);
    expect(error('<A b=1/>').message).to.match(/malformed start tag/);
    expect(error('<A>&nope;</A>').message).to.match(/starts no known entity/);
    expect(error('<A>').message).to.match(/<A> is not closed/);
    expect(error('text').message).to.match(/text outside the root element/);
    expect(error('<!DOCTYPE a><A/>').message).to.match(/DOCTYPE/);
    expect(error('<A><!-- open').message).to.match(/unterminated comment/);
    expect(error(`${'<A>'.repeat(300)}${'</A>'.repeat(300)}`).message).to.match(
      /nested tags deeper than 256/,
    );
  });
});
