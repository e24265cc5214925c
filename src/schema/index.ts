import { builder } from './builder.js';
import './scalars.js';
import './price.js';
import './notification-types.js';
import './notification.js';
import './upstream.js';
import './authentication.js';

export const schema = builder.toSchema({ sortSchema: false });
