// The MailStore contract against the Maildir store.
import { openMailStore } from '../../src/maildir/index.js';
import { defineStoreContract } from '../support/store-contract.js';
import { tempDir } from '../support/tmp.js';

defineStoreContract('maildir', async () => openMailStore({ root: await tempDir('everlock-maildir-'), pollMs: 200 }));
