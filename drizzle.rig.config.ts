import { defineConfig } from 'drizzle-kit';

// The RigDO's own database: one config, one migrations folder.
export default defineConfig({
  dialect: 'sqlite',
  driver: 'durable-sqlite',
  schema: './schema/rig.ts',
  out: './drizzle/rig',
});
