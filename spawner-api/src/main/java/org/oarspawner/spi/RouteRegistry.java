package org.oarspawner.spi;

import io.vertx.core.Future;
import java.util.Map;

/** The proxy's routing table, as JupyterHub's proxy (configurable-http-proxy) keeps it. */
public interface RouteRegistry {

    /** A route: where the proxy sends a path, and the data JupyterHub keeps with it. */
    record Route(String path, String target, Map<String, Object> data) {
        public Route {
            data = Map.copyOf(data);
        }
    }

    /** Adds or replaces the route for its path. */
    Future<Void> add(Route route);

    /** Removes the route; removing a route that is not there is not an error. */
    Future<Void> remove(String path);

    /** Every route, keyed by path. */
    Future<Map<String, Route>> list();
}
