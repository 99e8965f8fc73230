package org.oarspawner.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.Set;

/**
 * Vert.x's own metrics of the REST API: vertx_http_server_requests_total and vertx_http_server_response_time_seconds
 * (with buckets), by route template, method and status code. Vert.x labels a request with every route it went through,
 * joined with '>' (here "/api/v1/>/api/v1/>.../api/v1/users/:user/servers/:name"); the label keeps the last one, the
 * most specific route template, which never holds a user name. A refused raw path is "path-guard", an unknown
 * resource "not-found", a request refused before routing (414) "none", and a method outside HTTP's own "other":
 * whatever a client sends, the label values are a fixed set.
 */
public final class HttpMetrics {
    /** The response-time meter as Vert.x names it. */
    public static final String RESPONSE_TIME = "vertx.http.server.response.time";
    /** The route name of the guard that refuses hostile raw paths. */
    public static final String PATH_GUARD = "path-guard";
    /** The route name of the last route, which answers 404. */
    public static final String NOT_FOUND = "not-found";
    private static final String ROUTE = Label.HTTP_ROUTE.toString();
    private static final String METHOD = Label.HTTP_METHOD.toString();
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT");
    private static final double[] BUCKETS_SECONDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    private HttpMetrics() {
    }

    /** Vert.x metrics options: HTTP server meters labelled by route, method and code, never by raw path. */
    public static MicrometerMetricsOptions options() {
        return new MicrometerMetricsOptions().setEnabled(true).addLabels(Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE);
    }

    /** Bounds the route and method labels and gives the response time its buckets; call before Vert.x starts. */
    public static void configure(MeterRegistry registry) {
        registry.config()
                .meterFilter(MeterFilter.replaceTagValues(ROUTE, HttpMetrics::route))
                .meterFilter(MeterFilter.replaceTagValues(METHOD, m -> METHODS.contains(m) ? m : "other"))
                .meterFilter(new MeterFilter() {
                    @Override
                    public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                        if (!id.getName().equals(RESPONSE_TIME)) {
                            return config;
                        }
                        double[] nanos = new double[BUCKETS_SECONDS.length];
                        for (int i = 0; i < nanos.length; i++) {
                            nanos[i] = BUCKETS_SECONDS[i] * 1e9;
                        }
                        return DistributionStatisticConfig.builder().serviceLevelObjectives(nanos).build().merge(config);
                    }
                });
    }

    /** The last, most specific, of the routes a request went through; "none" when it reached no route. */
    static String route(String routes) {
        String last = routes.substring(routes.lastIndexOf('>') + 1);
        return last.isEmpty() ? "none" : last;
    }
}
