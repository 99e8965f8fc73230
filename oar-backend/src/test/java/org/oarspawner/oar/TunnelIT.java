package org.oarspawner.oar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.oarspawner.oar.LocalCluster.await;
import static org.oarspawner.oar.LocalCluster.waitFor;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobRequest;
import org.oarspawner.spi.JobState;
import org.oarspawner.spi.SchedulerException;
import org.oarspawner.spi.SchedulerMetrics;
import org.oarspawner.spi.SpawnKey;

/** Issue 8, item 7: ssh-tunnel reachability opens one tunnel per job, however many ask at once, and every end closes it. */
@ExtendWith(VertxExtension.class)
class TunnelIT {
    private Vertx vertx;
    private OarScheduler s;
    /** The tunnels_open meter's reading, as the scheduler gave it to its metrics. */
    private final Map<String, IntSupplier> tunnelsOpen = new ConcurrentHashMap<>();

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
        s = new OarScheduler(vertx, LocalCluster.names("tunnel"), List.of(LocalCluster.cluster("cpu", Identity.SERVICE_ACCOUNT,
                OarClusterConfig.Reachability.SSH_TUNNEL)), 16, new SchedulerMetrics() {
                    @Override
                    public void command(String cluster, Command command, Outcome outcome, Duration duration) {
                    }

                    @Override
                    public void reconnected(String cluster) {
                    }

                    @Override
                    public void tunnelsOpen(String cluster, IntSupplier open) {
                        tunnelsOpen.put(cluster, open);
                    }
                });
    }

    @AfterEach
    void tearDown() {
        LocalCluster.cancelAll(s);
        s.close();
    }

    @Test
    void concurrentReachOpensOneTunnelAndTheJobsEndClosesIt() {
        JobRequest r = JobRequest.builder(new SpawnKey("bob", "tunnel"), "cpu", "bob").project(LocalCluster.PROJECT).cores(1)
                .walltime(Duration.ofMinutes(10)).command(LocalCluster.HTTP_SERVER).build();
        JobRef job = await(s.submit(r));
        waitFor(s, job, st -> st.state() == JobState.RUNNING, Duration.ofSeconds(60));
        Endpoint e = LocalCluster.waitForEndpoint(s, job, r.key());
        await(s.ping("cpu"));
        assertThat(s.forwardings("cpu")).isZero();
        assertThat(tunnelsOpen.get("cpu").getAsInt()).isZero();

        // Eight at once, in one turn of one context, as a readiness check and the route keeper may ask together.
        CompletableFuture<List<Future<String>>> asked = new CompletableFuture<>();
        vertx.getOrCreateContext().runOnContext(v -> asked.complete(IntStream.range(0, 8).mapToObj(i -> s.reach(job, e)).toList()));
        List<String> urls = asked.join().stream().map(LocalCluster::await).toList();
        System.out.printf("TunnelIT: 8 concurrent reach() gave %d distinct URLs; %d forwardings open%n",
                Set.copyOf(urls).size(), s.forwardings("cpu"));
        assertThat(Set.copyOf(urls)).hasSize(1);
        assertThat(s.forwardings("cpu")).isEqualTo(1);
        assertThat(tunnelsOpen.get("cpu").getAsInt()).isEqualTo(1);
        assertThat(LocalCluster.get(urls.get(0) + "/").statusCode()).isEqualTo(200);
        assertThat(await(s.reach(job, e))).isEqualTo(urls.get(0));
        assertThat(s.forwardings("cpu")).isEqualTo(1);

        // The job ends; its files are cleaned up as on every end path (a start timeout, a failure): the tunnel goes too.
        LocalCluster.cancelAndWait(s, job);
        await(s.cleanUp(job, r.key()));
        assertThat(s.forwardings("cpu")).isZero();
        assertThat(tunnelsOpen.get("cpu").getAsInt()).isZero();
        // A reach() that comes late opens none again.
        assertThatThrownBy(() -> await(s.reach(job, e))).isInstanceOf(SchedulerException.class).hasMessageContaining("has ended");
        assertThat(s.forwardings("cpu")).isZero();
    }
}
