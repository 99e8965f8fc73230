package org.oarspawner.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.oarspawner.config.ServiceConfig;

/**
 * Every authorization decision of the API, on a token that JWTAuthHandler has already verified (signature,
 * iss, aud, exp when present). Here: the claims this service requires on top ({@code exp}, a bounded lifetime,
 * {@code roles} as an array), then the roles:
 * <ul>
 *   <li>{@code hub}: acts for any user;</li>
 *   <li>{@code admin}: reads, lists and cancels any user's servers, and starts only its own ({@code sub});</li>
 *   <li>{@code user}: only the servers of the user named by {@code sub}, and the profiles.</li>
 * </ul>
 * The user a request acts for is the routed, decoded {@code user} path parameter: the very value the handlers
 * read (PathGuard has refused every raw path that normalizes to something else).
 */
final class ApiAuth {
    /** The verified caller of a request, in the routing context under this key. */
    static final String CALLER = "oarspawner.caller";
    /** Set by {@link #forUser} to the user it allowed the caller to act for. */
    private static final String USER_CHECKED = "oarspawner.userChecked";

    record Caller(String subject, boolean hub, boolean admin, boolean user) {
        boolean operator() {
            return hub || admin;
        }
    }

    private final ServiceConfig.Jwt jwt;
    private final Clock clock;

    ApiAuth(ServiceConfig.Jwt jwt, Clock clock) {
        this.jwt = jwt;
        this.clock = clock;
    }

    /** Checks the claims and roles of an authenticated request, and keeps the caller for the handlers after it. */
    void caller(RoutingContext rc) {
        Caller caller;
        try {
            caller = caller(claims(rc.user()));
        } catch (ApiError e) {
            rc.fail(e);
            return;
        }
        if (!caller.hub() && !caller.admin() && !caller.user()) {
            rc.fail(new ApiError(403, "forbidden", "the token has none of the roles hub, admin or user", null));
            return;
        }
        rc.put(CALLER, caller);
        rc.next();
    }

    /** For /health and /metrics when they are closed: operators only. */
    void operators(RoutingContext rc) {
        Caller c = rc.get(CALLER);
        if (c != null && c.operator()) {
            rc.next();
        } else {
            rc.fail(new ApiError(403, "forbidden", "this needs the role admin or hub", null));
        }
    }

    /** GET /api/v1/servers lists every spawn: operators only. */
    void list(RoutingContext rc) {
        Caller c = rc.get(CALLER);
        if (c != null && c.operator()) {
            rc.next();
        } else {
            rc.fail(new ApiError(403, "forbidden", "listing every server needs the role admin or hub", null));
        }
    }

    /** Any request under /api/v1/users/:user/: may the caller act for that user with this method? */
    void forUser(RoutingContext rc) {
        Caller c = rc.get(CALLER);
        String user = rc.pathParam("user");
        String method = rc.request().method().name();
        if (c != null && user != null && mayActFor(c, user, method)) {
            rc.put(USER_CHECKED, user);
            rc.next();
            return;
        }
        String message = c != null && c.admin() && !c.hub()
                ? "the role admin reads and cancels other users' servers but does not start them"
                : "this token reaches only the servers of user " + (c == null ? "" : c.subject());
        rc.fail(new ApiError(403, "forbidden", message, "user"));
    }

    /**
     * Every request under /api/v1/, last: a non-operator passes only to the profiles, or to a user's servers that
     * {@link #forUser} allowed. Anything else is refused, whatever route it might reach.
     */
    void other(RoutingContext rc) {
        Caller c = rc.get(CALLER);
        if (c != null && (c.operator() || rc.normalizedPath().equals("/api/v1/profiles") || rc.get(USER_CHECKED) != null)) {
            rc.next();
        } else {
            rc.fail(new ApiError(403, "forbidden", "this token reaches only the profiles and its own servers", null));
        }
    }

    /**
     * Whether {@link #forUser} allowed this request for exactly this user: the handlers call it with the user they
     * read, so that a request whose routed user differs from the one authorized is refused rather than served.
     */
    static boolean checked(RoutingContext rc, String user) {
        return user != null && user.equals(rc.get(USER_CHECKED));
    }

    static boolean mayActFor(Caller c, String user, String method) {
        if (c.hub()) {
            return true;
        }
        if ((c.user() || c.admin()) && user.equals(c.subject())) {
            return true;
        }
        return c.admin() && (method.equals("GET") || method.equals("DELETE") || method.equals("HEAD"));
    }

    /** The token's whole payload: Vert.x keeps it under accessToken (exp, iat and sub are not in the principal). */
    static JsonObject claims(User user) {
        Object payload = user.attributes().getValue("accessToken");
        return payload instanceof JsonObject o ? o : user.principal();
    }

    /** The caller of verified claims; throws 401 for a token this service does not accept. */
    Caller caller(JsonObject claims) {
        Object exp = claims.getValue("exp");
        if (!(exp instanceof Number expiry)) {
            throw unauthorized("the token has no exp claim: tokens must expire (at most " + seconds(jwt.maxLifetime())
                    + " after they are issued, jwt.maxLifetime)");
        }
        Object iat = claims.getValue("iat");
        if (iat != null && !(iat instanceof Number)) {
            throw unauthorized("the token's iat claim is not a number");
        }
        // From iat, or from now when iat is absent or in the future: a token dated ahead cannot buy a longer life.
        long now = clock.instant().getEpochSecond();
        long from = iat instanceof Number issued ? Math.min(issued.longValue(), now) : now;
        long lifetime = expiry.longValue() - from;
        if (lifetime > jwt.maxLifetime().toSeconds()) {
            throw unauthorized("the token lives " + lifetime + " s" + (from == now ? " from now" : "")
                    + ", more than the " + seconds(jwt.maxLifetime()) + " this service accepts (jwt.maxLifetime);"
                    + " sign tokens with a shorter lifetime");
        }
        Object roles = claims.getValue("roles");
        Set<String> names;
        if (roles == null) {
            names = Set.of();
        } else if (roles instanceof JsonArray array) {
            names = array.stream().filter(String.class::isInstance).map(String.class::cast).collect(Collectors.toSet());
        } else {
            throw unauthorized("the token's roles claim must be an array of strings, like [\"hub\"]");
        }
        Object sub = claims.getValue("sub");
        return new Caller(sub instanceof String s ? s : "", names.contains("hub"), names.contains("admin"), names.contains("user"));
    }

    private static ApiError unauthorized(String message) {
        return new ApiError(401, "unauthorized", message, null);
    }

    private static String seconds(Duration d) {
        return d.toSeconds() + " s";
    }
}
