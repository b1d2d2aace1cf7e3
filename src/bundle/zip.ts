// A reproducible zip: entries sorted by path, one fixed timestamp, fixed modes, stored (not
// deflated: zlib's output may differ between Node builds, and the files are tiny). The same
// entries give the same bytes on every machine, so a laptop and CodeBuild make the same bundle.
import yazl from 'yazl';

export interface ZipEntry {
  path: string;
  content: string | Buffer;
}

const FILE_MODE = 0o100644;

export async function deterministicZip(entries: ZipEntry[]): Promise<Buffer> {
  // DOS timestamps are local time: made from local components when encoding, the date gives the
  // same bytes in every time zone (and forceDosTimestamp leaves out the UTC extra field).
  const mtime = new Date(2000, 0, 1, 0, 0, 0);
  const zip = new yazl.ZipFile();
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const entry of sorted) {
    const content = typeof entry.content === 'string' ? Buffer.from(entry.content, 'utf8') : entry.content;
    zip.addBuffer(content, entry.path, {
      mtime,
      mode: FILE_MODE,
      compress: false,
      forceDosTimestamp: true,
    });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
