package org.oarspawner.spawn;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.oarspawner.spi.RouteRegistry.Route;
import org.oarspawner.spi.SpawnKey;

/** Routes exactly as JupyterHub writes them, so that the hub's check_routes agrees with ours. */
public final class HubRoutes {
    private HubRoutes() {
    }

    /**
     * The proxy path of a server: {@code /user/NAME} or {@code /user/NAME/SERVER}, with the name URL-escaped
     * as JupyterHub escapes it, and no trailing slash (JupyterHub strips it before calling the proxy).
     */
    public static String path(String baseUrl, SpawnKey key) {
        String base = baseUrl.endsWith("/") ? baseUrl : baseUrl + "/";
        String path = base + "user/" + escape(key.user()) + "/" + (key.isDefaultServer() ? "" : escape(key.server()) + "/");
        return normalize(path);
    }

    /** CHP's own normalisation: a leading slash, no trailing slash. */
    public static String normalize(String path) {
        String p = path.startsWith("/") ? path : "/" + path;
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }

    public static Route route(String baseUrl, SpawnKey key, String target) {
        return new Route(path(baseUrl, key), target,
                Map.of("user", key.user(), "server_name", key.server(), "jupyterhub", true));
    }

    private static String escape(String s) {
        // Python's urllib.parse.quote(name, safe='@~'), as JupyterHub's url_escape_path does.
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("%40", "@").replace("%7E", "~");
    }
}
