// types-test.ts — a typed usage example; `tsc -p web/jsconfig.json` compiles it (tests/sdk/types.test.mjs),
// so a change to index.d.ts that breaks integrators' code fails the tests.
import Verity, { Client, mount, setupEvents, setupIframe, type CompletePayload, type InquiryError } from './index.js';
import { Inquiry, useVerityClient } from './react/index.js';
import { createElement } from 'react';

const client = new Client({
  templateId: 'itmpl_abc',
  host: 'https://verify.example.com',
  fields: { nameFirst: 'Jane', age: 30 },
  onComplete: ({ inquiryId, status, fields }: CompletePayload) => console.log(inquiryId, status, fields),
  onCancel: ({ inquiryId, sessionToken }) => console.log(inquiryId ?? 'none', sessionToken),
  onError: (e: InquiryError) => (e.code === 'invalid_config' ? e.status : 0),
  onEvent: (name, metadata) => console.log(name, metadata?.inquiryId),
  eventsAllowlist: ['start', 'page-change'],
});
client.open();
client.cancel(true);
const busy: boolean = client.isLoading || client.isOpen;
client.destroy();
void Client.preload('localhost:8080').then(() => busy);

const resumed = new Verity.Client({ inquiryId: 'inq_1', sessionToken: 'tok', host: 'localhost:8080' });
resumed.open();

const inline = mount(document.body, { templateVersionId: 'itmplv_1', host: 'http://localhost:8080', frameHeight: 600 });
inline.iframe?.focus();
inline.destroy();

const frame = setupIframe(document.createElement('iframe'), 'c1', 'inline', { templateId: 'tmpl_1', host: 'localhost:8080' });
const off: () => void = setupEvents('c1', { host: 'localhost:8080', iframe: frame, onLoad: () => {} });
off();

// @ts-expect-error templateId and inquiryId are exclusive
new Client({ templateId: 'itmpl_a', inquiryId: 'inq_a', host: 'x' });

export const element = createElement(Inquiry, { templateId: 'itmpl_abc', host: 'localhost:8080', className: 'kyc' });
export function Modal() {
  const { open, isOpen } = useVerityClient({ templateId: 'itmpl_abc', host: 'localhost:8080' });
  return createElement('button', { onClick: open }, isOpen ? 'Verifying…' : 'Verify');
}
