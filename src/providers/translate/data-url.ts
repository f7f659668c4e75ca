/** A base64 `data:` URL taken apart. */
export interface DataUrl {
  mediaType: string;
  base64Data: string;
}

const dataUrlPattern = /^data:([^;,]+)((?:;[^;,]*)*),(.*)$/s;

/** Splits `data:<type>;base64,<data>`; undefined for other URLs and for data URLs not in base64. */
export function parseDataUrl(url: string): DataUrl | undefined {
  const match = dataUrlPattern.exec(url);
  if (match === null) return undefined;
  const parameters = (match[2] ?? '').split(';');
  if (!parameters.includes('base64')) return undefined;
  return { mediaType: (match[1] ?? '').toLowerCase(), base64Data: match[3] ?? '' };
}

/** Builds `data:<type>;base64,<data>`. */
export function formatDataUrl(dataUrl: DataUrl): string {
  return `data:${dataUrl.mediaType};base64,${dataUrl.base64Data}`;
}
