// The IAM policy lsvc needs, printed for people: a comment line above each statement.
import type { AnnotatedPolicy } from '../aws/iam.js';

const indent = (text: string, by: string) =>
  text
    .split('\n')
    .map((line) => by + line)
    .join('\n');

/** JSON with `//` comments (for reading); `--json` prints the plain document. */
export function renderAnnotated({ document, comments }: AnnotatedPolicy, title: string): string[] {
  const statements = document.Statement.map((s, i) => {
    const comment = comments[s.Sid];
    const body = indent(JSON.stringify(s, null, 2), '    ');
    return `${comment ? `    // ${comment}\n` : ''}${body}${i < document.Statement.length - 1 ? ',' : ''}`;
  });
  return [
    `// The IAM policy ${title}.`,
    '// Comments are not valid in IAM: use --json for the document itself.',
    '{',
    `  "Version": "${document.Version}",`,
    '  "Statement": [',
    ...statements,
    '  ]',
    '}',
  ];
}
