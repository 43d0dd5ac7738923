export { UserError, located } from './core/errors.js';
