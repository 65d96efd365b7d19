// Escaping for the XML documents the HTTP listener writes (autoconfig, autodiscover, mobileconfig): every value
// that came from a request or the config goes through here.
export function xmlEscape(value: string | number): string {
  return String(value).replace(/[<>&'"]/g, (c) => `&${({ '<': 'lt', '>': 'gt', '&': 'amp', "'": 'apos', '"': 'quot' })[c]};`);
}
