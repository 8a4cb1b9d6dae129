// One place that turns a kubeconfig (file, in-cluster, or KUBECONFIG) into API clients.
import * as k8s from '@kubernetes/client-node';

export function loadKubeConfig(file?: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  return kc;
}
