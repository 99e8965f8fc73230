package org.oarspawner.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of the root router: refuses a request whose raw path (as sent, before the router normalizes
 * it) could name another resource once normalized. The router matches the normalized path, so
 * {@code /api/v1/users/alice/../bob/servers/x} would reach bob's server; no legitimate client sends such a path.
 * Refused: dot-segments ({@code .}, {@code ..}), encoded dots ({@code %2e} in any case, alone or next to a dot),
 * encoded slashes and backslashes ({@code %2f}, {@code %5c}), a raw backslash, empty segments ({@code //}) and
 * {@code ;} (path parameters). The answer is 400 with the JSON error body, field {@code path}; nothing else runs.
 */
final class PathGuard implements Handler<RoutingContext> {
    private static final Logger LOG = LoggerFactory.getLogger(PathGuard.class);

    @Override
    public void handle(RoutingContext rc) {
        Optional<String> why = problem(rawPath(rc.request().uri()));
        if (why.isEmpty()) {
            rc.next();
            return;
        }
        LOG.warn("event=hostile_path method={} reason=\"{}\" remote={}", rc.request().method(), why.get(),
                rc.request().remoteAddress());
        ApiServer.error(rc.response(), 400, "invalid_path", "the request path " + why.get()
                + "; send the path without dot-segments, encoded dots or slashes, empty segments or ';'", "path");
    }

    /** The path part of a request-target as sent: without the query and fragment, and without scheme://authority. */
    static String rawPath(String uri) {
        if (uri == null) {
            return "";
        }
        String s = uri;
        int scheme = s.indexOf("://");
        if (scheme > 0 && s.indexOf('/') > scheme) {
            int slash = s.indexOf('/', scheme + 3);
            s = slash < 0 ? "/" : s.substring(slash);
        }
        // Only the query is cut: a '#' is never sent by a client, and is refused below, not taken for a fragment.
        int q = s.indexOf('?');
        return q < 0 ? s : s.substring(0, q);
    }

    /** Why a raw path is refused, or empty when it is clean. */
    static Optional<String> problem(String path) {
        if (path.isEmpty() || path.charAt(0) != '/') {
            return Optional.of("must start with '/'");
        }
        String lower = path.toLowerCase(Locale.ROOT);
        if (lower.contains(";")) {
            return Optional.of("holds ';'");
        }
        if (lower.contains("#")) {
            return Optional.of("holds '#'");
        }
        if (lower.contains("\\") || lower.contains("%5c")) {
            return Optional.of("holds a backslash, raw or encoded");
        }
        if (lower.contains("%2f")) {
            return Optional.of("holds an encoded slash (%2f)");
        }
        if (lower.contains("%2e")) {
            return Optional.of("holds an encoded dot (%2e)");
        }
        // Segments, keeping empty ones: "/a//b/" gives ["", "a", "", "b", ""].
        String[] segments = path.split("/", -1);
        for (int i = 1; i < segments.length; i++) {
            String seg = segments[i];
            if (seg.equals(".") || seg.equals("..")) {
                return Optional.of("holds a dot-segment ('" + seg + "')");
            }
            // An empty segment anywhere but at the very end (a trailing slash).
            if (seg.isEmpty() && i < segments.length - 1) {
                return Optional.of("holds an empty segment ('//')");
            }
        }
        return Optional.empty();
    }
}
