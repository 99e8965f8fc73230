package org.oarspawner.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.oarspawner.spi.Endpoint;

class EndpointRuleTest {
    private static final List<String> NODES = List.of("node-cpu", "node-gpu");

    @Test
    void aPortOfOneOfTheJobsNodesIsAccepted() {
        assertThat(EndpointRule.refusal(new Endpoint("node-cpu", 40001), NODES)).isEmpty();
        assertThat(EndpointRule.refusal(new Endpoint("node-gpu", 1024), NODES)).isEmpty();
    }

    @Test
    void anyOtherHostIsRefusedNamingIt() {
        for (String host : List.of("127.0.0.1", "localhost", "169.254.169.254", "node-bench", "node-cpu.", "NODE-CPU")) {
            assertThat(EndpointRule.refusal(new Endpoint(host, 8081), NODES)).get(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                    .contains(host).contains("node-cpu, node-gpu");
        }
        assertThat(EndpointRule.refusal(new Endpoint("node-cpu", 8081), List.of())).isPresent();
    }

    @Test
    void aSystemPortIsRefused() {
        assertThat(EndpointRule.refusal(new Endpoint("node-cpu", 22), NODES)).get(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .contains("port 22");
        assertThat(EndpointRule.refusal(new Endpoint("node-cpu", 1023), NODES)).isPresent();
    }
}
