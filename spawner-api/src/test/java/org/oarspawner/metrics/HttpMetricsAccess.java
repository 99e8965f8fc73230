package org.oarspawner.metrics;

/** Opens HttpMetrics' package-private label rule to the HTTP tests. */
public final class HttpMetricsAccess {
    private HttpMetricsAccess() {
    }

    public static String route(String routes) {
        return HttpMetrics.route(routes);
    }
}
