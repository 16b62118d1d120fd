/** Text made safe inside HTML or SVG elements and double- or single-quoted attributes. */
export function escapeMarkup(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}
