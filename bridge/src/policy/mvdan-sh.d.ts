// The parts of mvdan-sh (mvdan/sh compiled to JS by GopherJS) that the policy engine reads.
// Nodes mirror the Go structs of mvdan.cc/sh/v3/syntax; GopherJS exposes fields as properties.
declare module 'mvdan-sh' {
  export interface ShNode {
    readonly [field: string]: unknown;
  }
  export interface ShFile extends ShNode {
    readonly Stmts: ShNode[];
  }
  export interface ShParser {
    /** Throws a ParseError object (with an `Error()` method) on bad input. */
    Parse(src: string, name: string): ShFile;
  }
  export interface ShSyntax {
    NewParser(...options: unknown[]): ShParser;
    NodeType(node: ShNode): string;
    Walk(node: ShNode, visit: (node: ShNode | null) => boolean): void;
  }
  const sh: { syntax: ShSyntax };
  export default sh;
}
