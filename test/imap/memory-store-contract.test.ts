// The MailStore contract suite against the in-memory store the protocol tests use, so the fake cannot drift.
import { defineStoreContract } from '../support/store-contract.js';
import { MemoryStore } from '../support/memory-store.js';

defineStoreContract('memory', async () => new MemoryStore());
