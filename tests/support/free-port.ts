export { freePort } from '../../src/sim/free-port.ts';
