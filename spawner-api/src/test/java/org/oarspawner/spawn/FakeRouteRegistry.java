package org.oarspawner.spawn;

import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.oarspawner.spi.RouteRegistry;

/**
 * A fake proxy table in memory, for the unit tests of the route keeping (this module cannot depend on the proxy
 * module); RoutesIT runs the same paths against a real configurable-http-proxy.
 */
final class FakeRouteRegistry implements RouteRegistry {
    final Map<String, Route> table = new ConcurrentHashMap<>();
    final List<String> calls = new CopyOnWriteArrayList<>();
    /** When set, the proxy cannot be asked for its table. */
    volatile boolean down;

    @Override
    public Future<Void> add(Route route) {
        calls.add("add " + route.path() + " " + route.target());
        table.put(route.path(), route);
        return Future.succeededFuture();
    }

    @Override
    public Future<Void> remove(String path) {
        calls.add("remove " + path);
        table.remove(path);
        return Future.succeededFuture();
    }

    @Override
    public Future<Map<String, Route>> list() {
        calls.add("list");
        if (down) {
            return Future.failedFuture(new IllegalStateException("connection refused"));
        }
        return Future.succeededFuture(Map.copyOf(table));
    }
}
