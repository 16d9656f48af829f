import { serve } from './serve.js';

/** The server entry point (`node dist/main.js`); `attrd serve` runs the same. */
serve();
