export { freePort } from '../../scripts/sim/free-port.ts';
