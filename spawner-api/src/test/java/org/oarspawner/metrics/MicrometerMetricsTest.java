package org.oarspawner.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The operators' meters as Prometheus scrapes them: every series at 0 from the start, then moved by events. */
class MicrometerMetricsTest {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final MicrometerMetrics metrics = new MicrometerMetrics(registry, List.of("cpu", "gpu"), (c, s) -> 0);

    private List<String> scrape() {
        return registry.scrape().lines().toList();
    }

    @Test
    void everyNewSeriesExistsAtZeroFromTheStart() {
        List<String> text = scrape();
        for (String cluster : List.of("cpu", "gpu")) {
            for (String name : List.of("oarspawner_frontend_up", "oarspawner_poll_last_success_timestamp_seconds",
                    "oarspawner_routes_expected", "oarspawner_routes_present", "oarspawner_tunnels_open")) {
                assertThat(text).contains(name + "{cluster=\"" + cluster + "\"} 0.0");
                assertThat(text).contains("# TYPE " + name + " gauge");
                assertThat(text).anyMatch(l -> l.startsWith("# HELP " + name + " ") && l.length() > ("# HELP " + name + " ").length());
            }
        }
    }

    @Test
    void eventsMoveTheirClusterOnly() {
        metrics.frontendReached("cpu", true);
        metrics.refreshed("cpu", Instant.ofEpochMilli(1_767_607_200_500L));
        metrics.routes("cpu", 3, 2);
        AtomicInteger tunnels = new AtomicInteger(4);
        metrics.tunnelsOpen("gpu", tunnels::get);
        List<String> text = scrape();
        assertThat(text).contains("oarspawner_frontend_up{cluster=\"cpu\"} 1.0", "oarspawner_frontend_up{cluster=\"gpu\"} 0.0",
                "oarspawner_poll_last_success_timestamp_seconds{cluster=\"cpu\"} 1.7676072005E9",
                "oarspawner_routes_expected{cluster=\"cpu\"} 3.0", "oarspawner_routes_present{cluster=\"cpu\"} 2.0",
                "oarspawner_routes_expected{cluster=\"gpu\"} 0.0", "oarspawner_tunnels_open{cluster=\"gpu\"} 4.0",
                "oarspawner_tunnels_open{cluster=\"cpu\"} 0.0");

        metrics.frontendReached("cpu", false);
        // A refresh older than the last one (a late answer) does not move the time back.
        metrics.refreshed("cpu", Instant.ofEpochMilli(1_767_607_100_000L));
        tunnels.set(1);
        // An unknown cluster adds no series.
        metrics.frontendReached("nowhere", true);
        text = scrape();
        assertThat(text).contains("oarspawner_frontend_up{cluster=\"cpu\"} 0.0", "oarspawner_tunnels_open{cluster=\"gpu\"} 1.0",
                "oarspawner_poll_last_success_timestamp_seconds{cluster=\"cpu\"} 1.7676072005E9");
        assertThat(text).noneMatch(l -> l.contains("nowhere"));
    }
}
