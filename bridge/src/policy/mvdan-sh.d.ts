// mvdan-sh (mvdan/sh compiled to JS by GopherJS) ships no types. The policy engine only
// creates parsers; ast.ts reads the parser's internal Go values (see there for why).
declare module 'mvdan-sh' {
  const sh: { syntax: { NewParser(...options: unknown[]): unknown } };
  export default sh;
}
