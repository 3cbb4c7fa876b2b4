import { InitialSchema1795432813892 } from './1795432813892-InitialSchema';
import { AddMagicLinks1795447746925 } from './1795447746925-AddMagicLinks';

/** Every migration, in order. `npm run migration:generate` writes new ones beside this file. */
export const MIGRATIONS: Function[] = [InitialSchema1795432813892, AddMagicLinks1795447746925];
