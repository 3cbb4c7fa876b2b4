import { InitialSchema1795432813892 } from './1795432813892-InitialSchema';

/** Every migration, in order. `npm run migration:generate` writes new ones beside this file. */
export const MIGRATIONS: Function[] = [InitialSchema1795432813892];
