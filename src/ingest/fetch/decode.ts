// Bytes to text. A BOM wins, then the HTTP charset, then the XML declaration,
// then UTF-8 (RFC 7303 §3 gives the BOM and the HTTP header precedence).

function labelFrom(contentType: string | null): string | null {
  const m = contentType ? /charset\s*=\s*"?([\w.:-]+)"?/i.exec(contentType) : null;
  return m ? m[1]!.toLowerCase() : null;
}

function bomLabel(bytes: Uint8Array): string | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return "utf-8";
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return "utf-16le";
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return "utf-16be";
  return null;
}

function xmlDeclLabel(bytes: Uint8Array): string | null {
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 200));
  const m = /^\s*<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)["']/i.exec(head);
  return m ? m[1]!.toLowerCase() : null;
}

function decoderFor(label: string | null): TextDecoder | null {
  if (!label) return null;
  try {
    return new TextDecoder(label);
  } catch {
    return null; // unknown label: fall back rather than fail the whole feed
  }
}

export function decodeBody(bytes: Uint8Array, contentType: string | null): string {
  const decoder =
    decoderFor(bomLabel(bytes)) ?? decoderFor(labelFrom(contentType)) ?? decoderFor(xmlDeclLabel(bytes)) ?? new TextDecoder("utf-8");
  // Not fatal: invalid sequences become U+FFFD instead of losing the feed.
  return decoder.decode(bytes).replace(/^\uFEFF/, "");
}
