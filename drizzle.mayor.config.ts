import { defineConfig } from 'drizzle-kit';

// The MayorDO's own database: one config, one migrations folder.
export default defineConfig({
  dialect: 'sqlite',
  driver: 'durable-sqlite',
  schema: './schema/mayor.ts',
  out: './drizzle/mayor',
});
