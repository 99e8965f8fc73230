package org.oarspawner.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Ingress only from the hub; egress only to SSH, the notebooks' ports, the proxy's and hub's APIs, and DNS. */
class NetworkPolicyTest {

    static List<String> ports(List<NetworkPolicyPort> ports) {
        return ports.stream().map(p -> p.getProtocol() + ":" + (p.getPort().getIntVal() != null ? p.getPort().getIntVal()
                : p.getPort().getStrVal()) + (p.getEndPort() == null ? "" : "-" + p.getEndPort())).sorted().toList();
    }

    static String peers(List<NetworkPolicyPeer> to) {
        return to == null || to.isEmpty() ? "any" : to.stream().map(p -> p.getIpBlock() != null ? p.getIpBlock().getCidr()
                : p.getPodSelector().getMatchLabels().toString()).collect(Collectors.joining(" "));
    }

    /** Each egress rule as "destinations -> ports". */
    static List<String> egress(NetworkPolicy np) {
        return np.getSpec().getEgress().stream().map(e -> peers(e.getTo()) + " -> " + ports(e.getPorts())).toList();
    }

    @Test
    void fullExampleOpensExactlyTheServicesPaths() {
        NetworkPolicy np = Rendered.of(ChartFixture.renderFull()).networkPolicy();
        assertThat(np.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
        assertThat(np.getSpec().getIngress()).hasSize(2);
        assertThat(np.getSpec().getIngress().get(0).getFrom().get(0).getPodSelector().getMatchLabels())
                .isEqualTo(Map.of("app", "jupyterhub", "component", "hub"));
        assertThat(ports(np.getSpec().getIngress().get(0).getPorts())).containsExactly("TCP:http");
        // The ServiceMonitor is on: Prometheus may scrape the same port.
        assertThat(ports(np.getSpec().getIngress().get(1).getPorts())).containsExactly("TCP:http");
        assertThat(egress(np)).containsExactly(
                "any -> [TCP:53, UDP:53]",
                // frontend ports of config.clusters: dahu on 22, bigfoot on 2222
                "192.0.2.10/32 192.0.2.11/32 -> [TCP:22, TCP:2222]",
                "198.51.100.0/22 -> [TCP:1024-65535]",
                "{app=jupyterhub, component=proxy} -> [TCP:8001]",
                "{app=jupyterhub, component=hub} -> [TCP:8081]");
        for (NetworkPolicyEgressRule e : np.getSpec().getEgress()) {
            assertThat(e.getPorts()).as("an egress rule without ports opens everything").isNotEmpty();
        }
    }

    @Test
    void defaultsOpenDnsAndZeroToJupyterhubsApisOnly() {
        NetworkPolicy np = Rendered.of(ChartFixture.renderDefault()).networkPolicy();
        assertThat(np.getSpec().getIngress()).hasSize(1);
        assertThat(egress(np)).containsExactly("any -> [TCP:53, UDP:53]",
                "{app=jupyterhub, component=proxy} -> [TCP:8001]", "{app=jupyterhub, component=hub} -> [TCP:8081]");
    }

    @Test
    void aJumpHostReplacesItsFrontendAndTheApiPortsFollowTheUrls() {
        NetworkPolicy np = Rendered.of(ChartFixture.render(List.of(ChartFixture.FULL_VALUES), Map.of(
                "config.clusters.bigfoot.jumpHost.host", "bastion.example.org",
                "config.clusters.bigfoot.jumpHost.port", 2022,
                "config.clusters.bigfoot.jumpHost.user", "oarspawner",
                "config.clusters.bigfoot.jumpHost.key", "/etc/oarspawner/secrets/ssh-key",
                "config.proxy.apiUrl", "https://proxy-api",
                "config.hub.apiUrl", "http://hub:18081/hub/api"))).networkPolicy();
        assertThat(egress(np)).contains("192.0.2.10/32 192.0.2.11/32 -> [TCP:2022, TCP:22]",
                "{app=jupyterhub, component=proxy} -> [TCP:443]", "{app=jupyterhub, component=hub} -> [TCP:18081]");
    }

    @Test
    void withoutProxyAndHubSectionsTheirRulesGo() {
        NetworkPolicy np = Rendered.of(ChartFixture.render(List.of(ChartFixture.FULL_VALUES),
                Map.of("config.proxy", "null", "config.hub", "null"))).networkPolicy();
        assertThat(egress(np)).noneMatch(e -> e.contains("jupyterhub"));
    }

    @Test
    void itCanBeTurnedOff() {
        assertThat(Rendered.of(ChartFixture.render(List.of(), Map.of("networkPolicy.enabled", false))).names())
                .doesNotContain("NetworkPolicy/oarspawner");
    }
}
