export { loadKubeConfig } from './kube/client.js';
