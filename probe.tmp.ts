import { startTestGateway } from './test/helpers/gateway.js';
const gw = await startTestGateway();
console.log(gw.server.graphqlUrl);
await new Promise((r) => setTimeout(r, 20000));
await gw.stop();
