// index.js — the public entry of the Verity browser SDK: the modal `Client`, the inline flow
// (`mount` / `Inline`) and the official-compatible building blocks `setupIframe` / `setupEvents`.
// The default export mirrors the official `persona` package's (`{ Client, setupIframe, setupEvents }`),
// so `import Persona from 'persona'` code keeps working after changing the import. Protocol names live
// in `./protocol.js` (exported as `@verity/sdk/protocol`), kept out of this entry to hold the byte budget.

import { Client } from './client.js';
import { setupEvents, setupIframe } from './frame.js';
import { Inline, mount } from './inline.js';

export { Client, Inline, mount, setupEvents, setupIframe };
export default { Client, Inline, mount, setupEvents, setupIframe };
