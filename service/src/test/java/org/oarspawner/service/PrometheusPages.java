package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Screenshots of Prometheus's own pages (its classic UI) in Debian's Chromium through playwright-core
 * (deploy/browser/prometheus-pages.mjs), saved under service/target/screenshots.
 */
final class PrometheusPages {
    static final Path SCREENSHOTS = Monitoring.ROOT.resolve("service/target/screenshots");

    private PrometheusPages() {
    }

    /** Prometheus's own graph page for the spawn-duration and queue-wait p95 of the dashboard, over the run. */
    static void graphs(PrometheusServer prom, Map<String, String> vars, long t0) throws Exception {
        List<String> pairs = new ArrayList<>();
        long minutes = (PrometheusIT.now() - t0) / 60 + 1;
        for (String[] p : new String[][] {{"prometheus-spawn-duration.png", "Spawn duration p50 / p95, successes", "B"},
            {"prometheus-queue-wait.png", "Queue wait p50 / p95", "B"}}) {
            Monitoring.Query q = Monitoring.queries(Monitoring.dashboard()).stream()
                    .filter(x -> x.title().equals(p[1]) && x.refId().equals(p[2])).findFirst().orElseThrow();
            String expr = q.substituted(vars.get("instance"), vars.get("cluster"), "1m");
            pairs.add(p[0]);
            pairs.add(prom.base() + "/classic/graph?g0.expr=" + URLEncoder.encode(expr, StandardCharsets.UTF_8)
                    + "&g0.tab=0&g0.stacked=0&g0.range_input=" + minutes + "m");
        }
        save(pairs);
    }

    static void save(List<String> pairs) throws Exception {
        Files.createDirectories(SCREENSHOTS);
        List<String> command = new ArrayList<>(List.of("node", Monitoring.ROOT.resolve("deploy/browser/prometheus-pages.mjs").toString(),
                SCREENSHOTS.toString()));
        command.addAll(pairs);
        Path log = Files.createTempFile("prometheus-pages", ".log");
        Process node = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = node.waitFor(120, TimeUnit.SECONDS);
        if (!ended) {
            node.destroyForcibly().waitFor();
        }
        String out = Files.readString(log);
        System.out.println("[browser] " + out.strip());
        assertThat(ended).as("the browser ended: " + out).isTrue();
        assertThat(node.exitValue()).as(out).isZero();
        for (int i = 0; i < pairs.size(); i += 2) {
            assertThat(Files.size(SCREENSHOTS.resolve(pairs.get(i)))).as(pairs.get(i)).isGreaterThan(10_000);
        }
    }
}
