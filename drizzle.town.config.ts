import { defineConfig } from 'drizzle-kit';

// The TownDO's own database: one config, one migrations folder.
export default defineConfig({
  dialect: 'sqlite',
  driver: 'durable-sqlite',
  schema: './schema/town.ts',
  out: './drizzle/town',
});
